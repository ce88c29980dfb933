// Watch page weight and first paint (run by hand; results in docs/BENCHMARKS.md).
// Usage: node bench/watch_page.js http://127.0.0.1:9000/videos/watch/UUID
// Sums the compressed bytes of the HTML and every script and stylesheet it loads (the video
// excluded), as a browser offering `br, gzip` receives them, and measures first contentful
// paint in headless Chromium with JavaScript on and off (five loads each, median).
const { chromium } = require('../tests/browser/node_modules/playwright-core');


async function paint(url, javaScriptEnabled) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  const page = await (await browser.newContext({ javaScriptEnabled })).newPage();
  const fcp = [];
  for (let i = 0; i < 5; i++) {
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForTimeout(300);
    fcp.push(await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime));
  }
  await browser.close();
  return fcp.sort((a, b) => a - b)[2];
}

(async () => {
  const url = process.argv[2];
  // Node's fetch decodes bodies; ask with fetch's raw mode by reading content-length instead.
  const raw = async (u, enc) => {
    const { request } = require(u.startsWith('https') ? 'node:https' : 'node:http');
    return new Promise((resolve, reject) => {
      request(u, { headers: { 'Accept-Encoding': enc } }, (res) => {
        let n = 0;
        res.on('data', (c) => { n += c.length; });
        res.on('end', () => resolve({ bytes: n, encoding: res.headers['content-encoding'] || 'identity', body: null }));
      }).on('error', reject).end();
    });
  };
  const html = await (await fetch(url)).text();
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/app\/[^"]+)"/g)].map((m) => new URL(m[1], url).href);
  const rows = [['page', await raw(url, 'br, gzip')]];
  for (const a of assets) rows.push([a.replace(/^.*\/assets\/app\//, ''), await raw(a, 'br, gzip')]);
  const total = rows.reduce((s, [, r]) => s + r.bytes, 0);
  console.log(JSON.stringify({
    files: rows.map(([name, r]) => ({ name, bytes: r.bytes, encoding: r.encoding })),
    totalBytes: total,
    budgetBytes: 200 * 1024,
    ratioToBudget: +(total / (200 * 1024)).toFixed(3),
    fcpMsWithJs: await paint(url, true),
    fcpMsWithoutJs: await paint(url, false),
  }, null, 1));
})();
