// Auto-resize and oEmbed in a real browser: a news page on another origin embeds the widget
// with no fixed height, sized by Standoff's embed.js or by Pym.js itself (the library NPR and
// many newsrooms use), whose message format the widget speaks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startStandoff, launchBrowser, artifact, installed } from './standoff.mjs';

let server;
let browser;
let host;
let hostUrl;

/** A stand-in for a newsroom's page, on its own port: the pages below and Pym.js from npm. */
function startHost(pages) {
  const pym = readFileSync(join(installed('pym.js').root, 'dist', 'pym.v1.min.js'));
  const http = createServer((req, res) => {
    const path = new URL(req.url, 'http://host').pathname;
    if (path === '/pym.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      return res.end(pym);
    }
    const page = pages[path];
    if (!page) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    return res.end(page);
  });
  return new Promise((resolve) => http.listen(0, '127.0.0.1', () => resolve(http)));
}

before(async () => {
  server = await startStandoff();
  browser = await launchBrowser();
  const widget = `${server.url}/embed/timeline?stories=chicago-2025&live=false`;
  host = await startHost({
    '/embed-js': `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>News</title>
      <meta name="viewport" content="width=device-width, initial-scale=1"></head>
      <body style="margin:0"><h1>A news story</h1>
      <iframe src="${widget}" title="Timeline" height="150" style="border:0;width:100%"></iframe>
      <p id="after">The story goes on below the timeline.</p>
      <script src="${server.url}/embed.js"></script></body></html>`,
    '/pym': `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>News</title></head>
      <body><h1>A news story</h1><div id="timeline"></div>
      <script src="/pym.js"></script>
      <script>new pym.Parent('timeline', ${JSON.stringify(widget)}, { title: 'Timeline' });</script>
      </body></html>`,
  });
  hostUrl = `http://127.0.0.1:${host.address().port}`;
});

after(async () => {
  await browser?.close();
  await server?.stop();
  host?.close();
});

/** The iframe's height on the page and its document's own height, once it has grown. */
async function grown(page) {
  const frame = page.locator('iframe');
  await page.waitForFunction(() => document.querySelector('iframe').getBoundingClientRect().height > 300, null, { timeout: 30_000 });
  // Settled: the same height twice, half a second apart.
  let last = -1;
  for (let i = 0; i < 20; i += 1) {
    const now = await frame.evaluate((f) => f.getBoundingClientRect().height);
    if (now === last) break;
    last = now;
    await page.waitForTimeout(500);
  }
  const inner = await page.frames()[1].evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
  return { outer: last, inner };
}

for (const width of [320, 1200]) {
  test(`embed.js sizes the widget to its content on another origin's page, at ${width} px`, async () => {
    const page = await browser.newPage({ viewport: { width, height: 800 } });
    await page.goto(`${hostUrl}/embed-js`);
    const { outer, inner } = await grown(page);
    assert.ok(Math.abs(outer - inner) <= 2, `the iframe is ${outer} px, its content ${inner} px`);
    const items = await page.frames()[1].locator('.standoff-timeline > li').count();
    assert.equal(items, 11, 'every action shown, none cut off');
    await page.screenshot({ path: artifact(`embed-resized-${width}.png`), fullPage: true });
    await page.close();
  });
}

test('Pym.js on the news page sizes the widget the same way', async () => {
  const page = await browser.newPage({ viewport: { width: 800, height: 800 } });
  await page.goto(`${hostUrl}/pym`);
  const { outer, inner } = await grown(page);
  assert.ok(Math.abs(outer - inner) <= 2, `the iframe is ${outer} px, its content ${inner} px`);
  const src = await page.locator('iframe').getAttribute('src');
  assert.match(src, /childId=timeline/, 'Pym.js named the child');
  await page.close();
});

test('oEmbed gives a CMS the iframe for a story page, and its page says where to ask', async () => {
  const story = `${server.url}/stories/chicago-2025`;
  const page = await browser.newPage();
  await page.goto(story);
  const discovery = await page.locator('link[type="application/json+oembed"]').getAttribute('href');
  const answer = await (await fetch(new URL(discovery, story))).json();
  assert.equal(answer.type, 'rich');
  assert.equal(answer.version, '1.0');
  assert.match(answer.html, /<iframe src="[^"]+\/embed\/timeline\?stories=chicago-2025"/);
  // The HTML a CMS would paste, on the news page, sizes itself too.
  host.close();
  host = await startHost({
    '/cms': `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>CMS</title></head>
      <body><h1>Pasted by a CMS</h1>${answer.html}</body></html>`,
  });
  hostUrl = `http://127.0.0.1:${host.address().port}`;
  await page.goto(`${hostUrl}/cms`);
  const { outer, inner } = await grown(page);
  assert.ok(Math.abs(outer - inner) <= 2, `the iframe is ${outer} px, its content ${inner} px`);
  await page.close();
});
