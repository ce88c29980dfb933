// End-to-end run of the web interface in headless Chromium against a real Kinora (started by
// tests/browser.rs with open registration and a one-rung AV1 ladder): sign up and log in,
// upload through the upload page, wait for "published", play with a quality switch, like,
// comment and reply, search, the embed page, and an administrator blocking the user who then
// cannot log in. Each step that fails saves a screenshot; the script prints one JSON line with
// what it saw. Usage: node e2e.js URL ADMIN_PASSWORD FIXTURE SCREENSHOT_DIR
const { chromium } = require('playwright-core');
const path = require('node:path');

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
    const alice = await browser.newContext({ viewport: { width: 1280, height: 900 } });
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
      await page.click('form[action="/login"] button[type=submit]');
      await page.waitForURL(/\/my-account/);
      if (!(await page.isVisible('a[href="/videos/upload"]'))) throw new Error('no upload link when signed in');
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
      await page.click('[data-upload-save]');
      await page.waitForSelector('[data-save-status].notice');
      await page.waitForSelector('[data-upload-processing][data-state="published"]', { timeout: 180_000 });
      watchUrl = await page.getAttribute('[data-upload-processing] a', 'href');
      return { watchUrl };
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
      await page.fill('#e-tags', 'kinora, browser, edited');
      await page.click('form[action^="/videos/manage/"] button[type=submit]');
      await page.waitForSelector('.notice');
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
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);

    const admin = await browser.newContext();
    page = await admin.newPage();
    page.setDefaultTimeout(20_000);
    page.on('dialog', (d) => d.accept());
    await step(page, 'admin_blocks', async () => {
      await page.goto(`${base}/login?next=/admin/users`);
      await page.fill('#username', 'root');
      await page.fill('#password', adminPassword);
      await page.click('form[action="/login"] button[type=submit]');
      await page.waitForURL(/\/admin\/users/);
      await page.click('tr[data-user="alice"] form[action$="/block"] button');
      await page.waitForSelector('tr[data-user="alice"] :text("Blocked")');
      await page.goto(`${base}/admin/settings`);
      await page.fill('#s-name', 'Harbour Videos');
      await page.click('form[action="/admin/settings"] button[type=submit]');
      await page.waitForSelector('.notice');
      await page.waitForSelector('.brand:has-text("Harbour Videos")');
      await page.goto(`${base}/admin/jobs?state=completed`);
      await page.waitForSelector('table.data td:has-text("video-process")');
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
