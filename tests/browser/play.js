// Opens a watch page in headless Chromium, plays the video muted for a moment, and prints what
// the <video> element reports as JSON. Usage: node play.js URL SCREENSHOT.png
const { chromium } = require('playwright-core');

(async () => {
  const [url, screenshot] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    const state = await page.evaluate(async () => {
      const v = document.querySelector('video');
      if (!v) return { error: 'no video element' };
      v.muted = true;
      try { await v.play(); } catch (e) { return { error: String(e) }; }
      const start = v.currentTime;
      await new Promise(r => setTimeout(r, 2000));
      return { src: v.currentSrc, start, time: v.currentTime, width: v.videoWidth, height: v.videoHeight,
               error: v.error && v.error.message };
    });
    if (screenshot) await page.screenshot({ path: screenshot });
    console.log(JSON.stringify(state));
  } finally {
    await browser.close();
  }
})().catch(e => { console.error(e); process.exit(1); });
