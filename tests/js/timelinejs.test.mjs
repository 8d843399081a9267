// Knight Lab's TimelineJS (npm @knight-lab/timelinejs, served locally) renders our export:
// one slide per action plus the title slide, without errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startStandoff, launchBrowser, installed, artifact } from './standoff.mjs';

let server;
let browser;

before(async () => {
  server = await startStandoff();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('TimelineJS renders one slide per exported action', async () => {
  const data = await (await fetch(`${server.url}/export/timelinejs.json`)).json();
  assert.equal(data.events.length, 11);
  const tl = installed('@knight-lab/timelinejs');
  const page_html = `<!DOCTYPE html><html><head><meta charset="utf-8">
    <link rel="stylesheet" href="/dist/css/timeline.css"></head>
    <body><div id="timeline" style="width: 1000px; height: 600px"></div>
    <script src="/dist/js/timeline.js"></script>
    <script>window.DATA = ${JSON.stringify(data).replace(/</g, '\\u003c')};
      window.timeline = new TL.Timeline('timeline', window.DATA, { script_path: 'http://timelinejs.test/dist/js/' });</script>
    </body></html>`;
  const context = await browser.newContext({ viewport: { width: 1000, height: 650 } });
  await context.route('http://timelinejs.test/**', async (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/') return route.fulfill({ body: page_html, contentType: 'text/html' });
    const type = path.endsWith('.css') ? 'text/css' : path.endsWith('.js') ? 'application/javascript' : undefined;
    return route.fulfill({ path: join(tl.root, path), contentType: type }).catch(() => route.abort());
  });
  const page = await context.newPage();
  const errors = [];
  const failed = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('requestfailed', (r) => failed.push(r.url()));
  // TimelineJS's own stylesheet asks Google Fonts for its typefaces, which this closed
  // network cannot reach; those failures are the only console errors allowed.
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) errors.push(msg.text());
  });
  await page.goto('http://timelinejs.test/');
  await page.waitForFunction(() => document.querySelectorAll('.tl-slide').length > 0, null, { timeout: 30_000 });
  await page.waitForTimeout(500);
  const slides = await page.locator('.tl-slide').count();
  assert.equal(slides, data.events.length + 1, 'the title slide and one per action');
  const headlines = await page.$$eval('.tl-slide .tl-headline', (els) => els.map((e) => e.textContent));
  assert.ok(headlines.some((h) => h.includes('Johnson signs an order')));
  await page.screenshot({ path: artifact('timelinejs-1000.png') });
  assert.deepEqual(errors, []);
  assert.deepEqual(failed.filter((url) => !url.startsWith('https://fonts.gstatic.com/')), [], 'only web fonts failed');
  await context.close();
});
