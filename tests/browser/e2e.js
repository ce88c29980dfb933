// End-to-end run of the web interface in headless Chromium against a real Kinora (started by
// tests/browser.rs with open registration, a one-rung AV1 ladder and 16 KiB upload pieces):
// sign up and log in, upload through the upload page with a thumbnail, an original date and a
// schedule (found again on the edit page in the browser's New York time), wait for "published",
// play with a quality switch and see the uploaded thumbnail as the poster, like, comment and
// reply, edit with another thumbnail, the home page's local/all choice, search, the embed page,
// an upload paused, resumed and continued after a reload, an accessibility audit (axe-core) of
// the main pages in both themes, and an administrator blocking the user who then cannot log
// in. Each step that fails saves a screenshot; the script prints one JSON line with what it
// saw. Usage: node e2e.js URL ADMIN_PASSWORD FIXTURE SCREENSHOT_DIR
const { chromium } = require('playwright-core');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const [base, adminPassword, fixture, shots] = process.argv.slice(2);
const result = { steps: [] };

async function step(page, name, fn) {
  const started = Date.now();
  try {
    const out = await fn();
    result.steps.push({ name, ms: Date.now() - started, ...(out || {}) });
  } catch (e) {
    const file = path.join(shots, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
    result.failed = name;
    result.error = String(e && e.stack || e);
    result.screenshot = file;
    result.url = page.url();
    throw e;
  }
}

// A solid-colour PNG drawn by the page's canvas, as a file for setInputFiles.
async function solidPng(page, rgb) {
  const data = await page.evaluate(([r, g, b]) => {
    const c = document.createElement('canvas');
    c.width = 640; c.height = 360;
    const ctx = c.getContext('2d');
    ctx.fillStyle = `rgb(${r}, ${g}, ${b})`;
    ctx.fillRect(0, 0, c.width, c.height);
    return c.toDataURL('image/png').split(',')[1];
  }, rgb);
  return { name: 'thumbnail.png', mimeType: 'image/png', buffer: Buffer.from(data, 'base64') };
}

// The colour at the centre of the watch page's poster (the preview the server made).
async function posterColour(page) {
  return page.evaluate(async () => {
    const src = document.querySelector('video').getAttribute('poster');
    const img = new Image();
    img.src = src;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const [r, g, b] = ctx.getImageData(c.width >> 1, c.height >> 1, 1, 1).data;
    return { src, r, g, b, width: c.width, height: c.height };
  });
}

function near(colour, [r, g, b]) {
  return Math.abs(colour.r - r) < 40 && Math.abs(colour.g - g) < 40 && Math.abs(colour.b - b) < 40;
}

// axe-core over the page as it is, in the light and the dark theme: the serious and critical
// violations, each with the elements concerned. Evaluated through the DevTools protocol, which
// the pages' Content-Security-Policy does not restrict.
async function audit(page, name) {
  const found = [];
  for (const colorScheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme });
    await page.evaluate(axeSource);
    const violations = await page.evaluate(async () => {
      const r = await window.axe.run(document, { resultTypes: ['violations'] });
      return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
    });
    for (const v of violations) found.push({ page: name, theme: colorScheme, ...v });
  }
  await page.emulateMedia({ colorScheme: null });
  result.audited = (result.audited || []).concat(name);
  if (found.length) throw new Error(`accessibility violations on ${name}: ${JSON.stringify(found, null, 1)}`);
}

// The session URL the upload page keeps in local storage for the file being sent.
async function uploadSession(page) {
  return page.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.startsWith('kinora-upload:'));
    return key ? JSON.parse(localStorage.getItem(key)).location : null;
  });
}

// How many bytes the server holds for a resumable session (the uploadx status query).
async function serverOffset(page, location, total) {
  return page.evaluate(async ([url, size]) => {
    const res = await fetch(url, { method: 'PUT', headers: { 'X-Requested-With': 'kinora', 'Content-Range': `bytes */${size}` } });
    const m = /bytes=0-(\d+)/.exec(res.headers.get('Range') || '');
    return { status: res.status, offset: m ? Number(m[1]) + 1 : 0 };
  }, [location, total]);
}

(async () => {
  // playwright's launch() gives Chromium a fresh temporary profile (--user-data-dir) itself.
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--autoplay-policy=no-user-gesture-required'],
  });
  let page;
  try {
    // A time zone away from UTC (and with summer time), so the schedule's round trip through
    // UTC is seen to convert.
    const alice = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'America/New_York' });
    page = await alice.newPage();
    page.setDefaultTimeout(20_000);
    page.on('dialog', (d) => d.accept());
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));

    await step(page, 'register', async () => {
      await page.goto(`${base}/signup`);
      await page.fill('#username', 'alice');
      await page.fill('#email', 'alice@example.org');
      await page.fill('#password', 'alice-secret-1');
      await page.check('input[name=terms]');
      await page.click('form[action="/signup"] button[type=submit]');
      await page.waitForURL(/\/login\?registered=1/);
    });

    await step(page, 'login', async () => {
      await page.fill('#username', 'alice');
      await page.fill('#password', 'alice-secret-1');
      // What Grayjay's sign-in web view waits for (its completionUrl `/api/v1/users/me?*` and
      // headersToFind `Authorization`), as PeerTube's client asks it after a login.
      const asked = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/v1/users/me'
        && /^Bearer \S+$/.test(r.headers().authorization || ''));
      await page.click('form[action="/login"] button[type=submit]');
      await page.waitForURL(/\/my-account/);
      if (!(await page.isVisible('a[href="/videos/upload"]'))) throw new Error('no upload link when signed in');
      const authorization = (await asked).headers().authorization;
      const me = await page.request.get(`${base}/api/v1/users/me`, { headers: { Authorization: authorization } });
      if (me.status() !== 200 || (await me.json()).username !== 'alice') {
        throw new Error(`the header a sign-in web view keeps does not authenticate: ${me.status()}`);
      }
      if ((await page.evaluate(() => document.cookie)).includes('kinora_login_token')) {
        throw new Error('the one-time login token cookie is still readable');
      }
    });

    let watchUrl;
    await step(page, 'upload', async () => {
      await page.goto(`${base}/videos/upload`);
      await page.setInputFiles('#upload-file', fixture);
      await page.waitForFunction(() => document.querySelector('[data-upload-bar]').value === 100);
      await page.waitForSelector('[data-upload-status]:has-text("100%")');
      await page.fill('#v-name', 'Browser upload test');
      await page.fill('#v-description', 'A **bold** start');
      await page.fill('#v-tags', 'kinora, browser');
      await page.fill('#v-original', '1999-12-31');
      // Public already, so the schedule (far off) changes nothing now; the edit page shows it.
      await page.fill('#v-schedule', '2031-06-01T09:30');
      // A magenta thumbnail, shown beside the field as soon as it is chosen.
      await page.setInputFiles('#v-thumbnail', await solidPng(page, [220, 30, 200]));
      await page.waitForFunction(() => {
        const img = document.querySelector('#v-thumbnail').parentElement.querySelector('[data-thumb-preview]');
        return !img.hidden && img.src.startsWith('data:image/png') && img.naturalWidth === 640;
      });
      await page.click('[data-upload-save]');
      await page.waitForSelector('[data-save-status].notice');
      await page.waitForSelector('[data-upload-processing][data-state="published"]', { timeout: 180_000 });
      watchUrl = await page.getAttribute('[data-upload-processing] a', 'href');
      await audit(page, 'upload');
      return { watchUrl };
    });

    await step(page, 'thumbnail', async () => {
      await page.goto(base + watchUrl);
      const poster = await posterColour(page);
      if (!near(poster, [220, 30, 200])) throw new Error(`the poster is not the uploaded thumbnail: ${JSON.stringify(poster)}`);
      await audit(page, 'watch');
      return { poster };
    });

    await step(page, 'play', async () => {
      await page.goto(base + watchUrl);
      await page.waitForSelector('#player-quality option:nth-child(3)', { state: 'attached' });
      const played = await page.evaluate(async () => {
        const v = document.querySelector('video');
        v.muted = true;
        await v.play();
        const start = v.currentTime;
        await new Promise((r) => setTimeout(r, 1500));
        return { start, time: v.currentTime, height: v.videoHeight };
      });
      if (!(played.time > played.start + 0.5)) throw new Error(`currentTime did not advance: ${JSON.stringify(played)}`);
      // Pick the rendition not playing now, and check the picture changes size and keeps playing.
      const levels = await page.$$eval('#player-quality option', (os) => os.map((o) => [o.value, o.textContent]));
      const target = levels.find(([value, label]) => value !== '-1' && !label.startsWith(String(played.height)));
      if (!target) throw new Error(`no other quality than ${played.height}p in ${JSON.stringify(levels)}`);
      await page.selectOption('#player-quality', target[0]);
      const wanted = parseInt(target[1], 10);
      await page.waitForFunction((h) => {
        const v = document.querySelector('video');
        return v.videoHeight === h && !v.paused;
      }, wanted, { timeout: 20_000 });
      const after = await page.evaluate(async () => {
        const v = document.querySelector('video');
        const t0 = v.currentTime;
        await new Promise((r) => setTimeout(r, 1000));
        return { t0, t1: v.currentTime, height: v.videoHeight, level: document.querySelector('[data-player]').dataset.level };
      });
      if (!(after.t1 > after.t0)) throw new Error(`stalled after the quality switch: ${JSON.stringify(after)}`);
      return { played, levels, after };
    });

    await step(page, 'like', async () => {
      await page.click('[data-rate="like"]');
      await page.waitForSelector('[data-rate="like"][aria-pressed="true"]');
      await page.reload();
      await page.waitForSelector('[data-rate="like"][aria-pressed="true"]');
      const count = await page.textContent('[data-rate="like"] [data-count]');
      if (count.trim() !== '1') throw new Error(`like count ${count}`);
    });

    await step(page, 'comment', async () => {
      await page.fill('#comment-text', 'First comment from the browser');
      await page.click('[data-comment-form] button[type=submit]');
      await page.waitForSelector('.comment:has-text("First comment from the browser")');
      await page.click('.comment:has-text("First comment from the browser") >> text=Reply');
      await page.fill('.reply-form textarea', 'And a reply');
      await page.click('.reply-form button[type=submit]');
      await page.waitForSelector('.comment-replies .comment:has-text("And a reply")');
      await page.reload();
      await page.click('text=Show replies (1)');
      await page.waitForSelector('.comment-replies .comment:has-text("And a reply")');
    });

    await step(page, 'manage', async () => {
      const uuid = watchUrl.split('/').pop();
      await page.goto(`${base}/my-account/videos`);
      await page.waitForSelector('table.data a:has-text("Browser upload test")');
      await page.goto(`${base}/videos/manage/${uuid}`);
      // The dates set at upload: the schedule back in the browser's time zone (09:30 in New
      // York is 13:30 UTC in June), the original publication date as chosen.
      const dates = await page.evaluate(() => [
        document.querySelector('#e-schedule').value,
        document.querySelector('#e-schedule').form.querySelector('[name=scheduleAtShown]').value,
        document.querySelector('#e-original').value,
      ]);
      if (JSON.stringify(dates) !== JSON.stringify(['2031-06-01T09:30', '2031-06-01T13:30', '1999-12-31'])) {
        throw new Error(`the edit page's dates: ${JSON.stringify(dates)}`);
      }
      await page.fill('#e-tags', 'kinora, browser, edited');
      // The edit page's form (multipart, no script needed) replaces the thumbnail.
      await page.setInputFiles('#e-thumbnail', await solidPng(page, [20, 200, 220]));
      await page.waitForFunction(() => document.querySelector('#e-thumbnail').parentElement
        .querySelector('[data-thumb-preview]').src.startsWith('data:image/png'));
      await page.click('form[action^="/videos/manage/"] button[type=submit]');
      await page.waitForSelector('.notice');
      await page.goto(base + watchUrl);
      const poster = await posterColour(page);
      if (!near(poster, [20, 200, 220])) throw new Error(`the edited thumbnail is not the poster: ${JSON.stringify(poster)}`);
      // The edit kept the schedule it showed (same minute) and the original date.
      const video = await (await page.request.get(`${base}/api/v1/videos/${uuid}`)).json();
      if (video.scheduledUpdate?.updateAt !== '2031-06-01T13:30:00.000Z' || video.scheduledUpdate?.privacy !== 1
        || video.originallyPublishedAt !== '1999-12-31T00:00:00.000Z') {
        throw new Error(`dates after the edit: ${JSON.stringify([video.scheduledUpdate, video.originallyPublishedAt])}`);
      }
      await page.waitForSelector('[data-originally-published]:has-text("1999-12-31")');
      await page.goto(`${base}/my-account/history`);
      await page.waitForSelector('.video-grid a.video-title:has-text("Browser upload test")');
      await page.goto(`${base}/my-account/subscriptions`);
      await page.waitForSelector('[data-api-videos] p');
      await page.goto(`${base}/my-account/channels`);
      await page.fill('#nc-name', 'alice_music');
      await page.fill('#nc-display', 'Alice plays music');
      await page.click('form[action="/my-account/channels"] button[type=submit]');
      await page.waitForSelector('h2 a:has-text("Alice plays music")');
      await page.goto(`${base}/videos/tags/edited`);
      await page.waitForSelector('.video-grid a.video-title:has-text("Browser upload test")');
    });

    await step(page, 'home_scope', async () => {
      await page.goto(base + '/');
      await page.waitForSelector('a[data-home-scope="all"][aria-current="true"]');
      await audit(page, 'home');
      await page.click('a[data-home-scope="local"]');
      await page.waitForURL(/\?scope=local/);
      await page.waitForSelector('.video-grid a.video-title:has-text("Browser upload test")');
      // Remembered: the plain home address now shows this instance's videos only.
      await page.goto(base + '/');
      await page.waitForSelector('a[data-home-scope="local"][aria-current="true"]');
      await page.click('a[data-home-scope="all"]');
      await page.goto(base + '/');
      await page.waitForSelector('a[data-home-scope="all"][aria-current="true"]');
    });

    await step(page, 'search', async () => {
      await page.goto(base + '/');
      await page.fill('#header-search', 'browser upload');
      await page.press('#header-search', 'Enter');
      await page.waitForURL(/\/search\?search=/);
      await page.waitForSelector('.video-grid a.video-title:has-text("Browser upload test")');
    });

    await step(page, 'embed', async () => {
      const uuid = watchUrl.split('/').pop();
      await page.goto(`${base}/videos/embed/${uuid}?muted=1&autoplay=1&start=2`);
      await page.waitForFunction(() => {
        const v = document.querySelector('video');
        return v && v.currentTime > 2.5 && !v.paused;
      }, null, { timeout: 20_000 });
    });

    await step(page, 'pause_resume_reload', async () => {
      const total = fs.statSync(fixture).size;
      const starts = [];
      let gateAt = null;
      let onHeld = null;
      const held = () => new Promise((resolve) => { onHeld = resolve; });
      // Chunks pass through, except the first one starting at or past `gateAt`, which is held
      // (never reaches the server) until the test lets the page drop it.
      await page.route(/\/api\/v1\/videos\/upload-resumable\?/, async (route) => {
        const m = /^bytes (\d+)-/.exec(route.request().headers()['content-range'] || '');
        if (route.request().method() === 'PUT' && m) {
          const start = Number(m[1]);
          starts.push(start);
          if (gateAt !== null && start >= gateAt) {
            gateAt = null;
            onHeld({ route, start });
            return;
          }
        }
        await route.continue().catch(() => undefined);
      });
      await page.goto(`${base}/videos/upload`);
      gateAt = Math.floor(total / 3);
      let holding = held();
      await page.setInputFiles('#upload-file', fixture);
      const first = await holding;
      await page.click('[data-upload-pause]');
      await page.waitForSelector('[data-upload-status]:has-text("Paused")');
      await first.route.abort().catch(() => undefined);
      const location = await uploadSession(page);
      const paused = await serverOffset(page, location, total);
      const bar = await page.evaluate(() => document.querySelector('[data-upload-bar]').value);
      if (paused.status !== 308 || paused.offset !== first.start || !(bar > 0 && bar < 100)) {
        throw new Error(`paused at ${first.start}: server ${JSON.stringify(paused)}, bar ${bar}`);
      }
      // Resume: the next piece starts where the server stopped.
      let sent = starts.length;
      gateAt = Math.floor((2 * total) / 3);
      holding = held();
      await page.click('[data-upload-resume]');
      const second = await holding;
      if (starts[sent] !== first.start) throw new Error(`resumed at ${starts[sent]}, not ${first.start}`);
      // A reload drops the piece in flight; choosing the same file continues from the server's offset.
      await page.reload();
      await second.route.abort().catch(() => undefined);
      await page.waitForSelector(`[data-upload-interrupted]:has-text("${path.basename(fixture)}")`);
      const reloaded = await serverOffset(page, location, total);
      if (reloaded.offset !== second.start) throw new Error(`after the reload the server has ${JSON.stringify(reloaded)}, not ${second.start}`);
      sent = starts.length;
      await page.setInputFiles('#upload-file', fixture);
      await page.waitForSelector('[data-upload-status]:has-text("100%")');
      if (starts[sent] !== second.start) throw new Error(`continued at ${starts[sent]}, not ${second.start}`);
      await page.unroute(/\/api\/v1\/videos\/upload-resumable\?/);
      await page.fill('#v-name', 'Resumed upload');
      await page.click('[data-upload-save]');
      await page.waitForSelector('[data-save-status].notice');
      await page.waitForSelector('[data-upload-processing][data-state="published"]', { timeout: 180_000 });
      // The original the server kept is the fixture, byte for byte.
      const uuid = (await page.getAttribute('[data-upload-processing] a', 'href')).split('/').pop();
      const kept = await page.evaluate(async (id) => {
        const h = { 'X-Requested-With': 'kinora' };
        const source = await (await fetch(`/api/v1/videos/${id}/source`, { headers: h })).json();
        const bytes = await (await fetch(source.fileDownloadUrl, { headers: h })).arrayBuffer();
        const digest = await crypto.subtle.digest('SHA-256', bytes);
        return { size: bytes.byteLength, sha256: Array.from(new Uint8Array(digest)).map((b) => b.toString(16).padStart(2, '0')).join('') };
      }, uuid);
      const expected = crypto.createHash('sha256').update(fs.readFileSync(fixture)).digest('hex');
      if (kept.sha256 !== expected) throw new Error(`the resumed original differs: ${JSON.stringify(kept)} vs ${expected}`);
      return { total, pausedAt: first.start, reloadedAt: second.start, pieces: starts.length, kept };
    });
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);

    const admin = await browser.newContext();
    page = await admin.newPage();
    page.setDefaultTimeout(20_000);
    page.on('dialog', (d) => d.accept());
    await step(page, 'admin_blocks', async () => {
      await page.goto(`${base}/login?next=/admin/users`);
      await audit(page, 'login');
      await page.fill('#username', 'root');
      await page.fill('#password', adminPassword);
      await page.click('form[action="/login"] button[type=submit]');
      await page.waitForURL(/\/admin\/users/);
      await page.click('tr[data-user="alice"] form[action$="/block"] button');
      await page.waitForSelector('tr[data-user="alice"] :text("Blocked")');
      await audit(page, 'admin users');
      await page.goto(`${base}/admin/settings`);
      await audit(page, 'admin settings');
      await page.fill('#s-name', 'Harbour Videos');
      await page.click('form[action="/admin/settings"] button[type=submit]');
      await page.waitForSelector('.notice');
      await page.waitForSelector('.brand:has-text("Harbour Videos")');
      await page.goto(`${base}/admin/jobs?state=completed`);
      await page.waitForSelector('table.data td:has-text("video-process")');
      // The administrator reports the user's video from the watch page, then sees the report.
      await page.goto(base + watchUrl);
      await page.click('[data-report] summary');
      await page.fill('#report-reason', 'Testing the report form');
      await audit(page, 'watch with the report form');
      await page.click('[data-report] button[type=submit]');
      await page.waitForSelector('.notice');
      await page.goto(`${base}/admin/abuses`);
      await page.waitForSelector('tr[data-abuse] :text("Testing the report form")');
      await audit(page, 'admin abuses');
    });

    page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(20_000);
    await step(page, 'blocked_login', async () => {
      await page.goto(`${base}/login`);
      await page.fill('#username', 'alice');
      await page.fill('#password', 'alice-secret-1');
      await page.click('form[action="/login"] button[type=submit]');
      await page.waitForSelector('#login-error');
      const text = await page.textContent('#login-error');
      if (!/blocked/i.test(text)) throw new Error(`login error says: ${text}`);
    });
    result.ok = true;
  } catch (e) {
    result.ok = false;
    if (!result.error) result.error = String(e && e.stack || e);
  } finally {
    await browser.close();
    console.log(JSON.stringify(result));
  }
})();
