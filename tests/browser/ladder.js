// Plays every rendition of a watch page's HLS ladder in a real browser, one after the other,
// through the page's own player (hls.js) and its quality menu, and prints one JSON line: per
// rendition its codecs as hls.js read them from the master playlist, the picture size, how far
// currentTime moved, how many frames the browser decoded, and whether audio was decoded; and any
// uncaught script error of the page (the web bundle is tested end to end in Chromium only).
// puppeteer-core drives Debian's firefox-esr over WebDriver BiDi (playwright-core only drives its
// own patched Firefox builds, which cannot be downloaded here) and chromium over CDP, so the
// same check runs in both engines. It never downloads a browser.
// Usage: node ladder.js firefox|chromium URL
const puppeteer = require('puppeteer-core');

const [engine, url] = process.argv.slice(2);
const LAUNCH = {
  firefox: {
    browser: 'firefox',
    executablePath: process.env.FIREFOX || '/usr/bin/firefox-esr',
    // Autoplay with sound is refused by default; playback here starts from a script.
    extraPrefsFirefox: { 'media.autoplay.default': 0, 'media.autoplay.blocking_policy': 0 },
  },
  chromium: {
    browser: 'chrome',
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
  },
};

// What the <video> says about decoding so far. Each engine counts audio in its own way:
// Chromium the bytes its audio decoder took, Firefox whether the stream it plays has audio.
function mediaState() {
  const v = document.querySelector('video');
  const q = v.getVideoPlaybackQuality();
  return {
    time: v.currentTime,
    paused: v.paused,
    width: v.videoWidth,
    height: v.videoHeight,
    frames: q.totalVideoFrames,
    audio: 'webkitAudioDecodedByteCount' in v ? v.webkitAudioDecodedByteCount > 0 : v.mozHasAudio === true,
    error: v.error && `${v.error.code} ${v.error.message}`,
  };
}

(async () => {
  if (!LAUNCH[engine]) throw new Error(`unknown browser ${engine}: firefox or chromium`);
  const browser = await puppeteer.launch({ headless: true, ...LAUNCH[engine] });
  const result = { engine, version: await browser.version(), renditions: [], pageErrors: [] };
  // The step under way, so a failure says where it stopped.
  let doing = 'open the watch page';
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => result.pageErrors.push(String(e && e.stack || e)));
    await page.goto(url);
    await page.waitForFunction(() => window.kinoraPlayer && window.kinoraPlayer.hls
      && window.kinoraPlayer.hls.levels.length > 0, { timeout: 20_000 });
    const levels = await page.evaluate(() => window.kinoraPlayer.hls.levels.map((l) => ({
      height: l.height, videoCodec: l.videoCodec, audioCodec: l.audioCodec, bitrate: l.bitrate })));
    doing = 'start playing';
    await page.evaluate(async () => {
      const v = document.querySelector('video');
      v.muted = true;
      await v.play();
    });
    for (const [index, level] of levels.entries()) {
      doing = `switch to ${level.height}p`;
      await page.select('#player-quality', String(index));
      // From the start each time, so a slow switch never runs into the end of the video.
      await page.evaluate(() => {
        const v = document.querySelector('video');
        v.currentTime = 0;
        return v.play();
      });
      await page.waitForFunction((h) => {
        const v = document.querySelector('video');
        return v.videoHeight === h && !v.paused && v.readyState >= 3;
      }, { timeout: 20_000 }, level.height);
      doing = `play ${level.height}p`;
      const before = await page.evaluate(mediaState);
      await new Promise((r) => setTimeout(r, 1500));
      const after = await page.evaluate(mediaState);
      const playing = await page.evaluate(() => document.querySelector('[data-player]').dataset.level);
      result.renditions.push({
        ...level,
        playing: Number(playing),
        width: after.width,
        shownHeight: after.height,
        advanced: after.time - before.time,
        frames: after.frames - before.frames,
        audio: after.audio,
        error: after.error,
      });
    }
  } catch (e) {
    const state = await browser.pages().then((p) => p.at(-1).evaluate(mediaState)).catch(() => null);
    throw new Error(`${engine} stopped at "${doing}" (video: ${JSON.stringify(state)}; so far: ${JSON.stringify(result)}): ${e}`);
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(result));
})().catch((e) => { console.error(e); process.exit(1); });
