// The playground at / in a real browser: GraphiQL, React and ReactDOM come from the service
// itself (web/vendor/), so the page loads with every other host refused, under its own
// Content-Security-Policy with no violation, runs the example query and a live subscription.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStandoff, launchBrowser, artifact, recordStatement, watchPage, axeViolations } from './standoff.mjs';

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

test('the playground opens with the example query and runs it', async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const seen = await watchPage(page, server);

  const response = await page.goto(`${server.url}/`);
  const policy = response.headers()['content-security-policy'];
  assert.match(policy, /default-src 'none'/);
  assert.match(policy, /script-src 'self'(;|$)/, 'no inline or remote script');
  const editor = page.locator('.graphiql-query-editor');
  await editor.waitFor({ timeout: 30_000 });
  await page.waitForFunction(
    () => document.querySelector('.graphiql-query-editor')?.innerText.includes('query Feud'),
    null,
    { timeout: 30_000 },
  );

  await page.locator('.graphiql-execute-button').click();
  // The result pane draws only its visible lines; its CodeMirror instance holds the whole text.
  const resultText = () => document.querySelector('.result-window .CodeMirror')?.CodeMirror?.getValue() ?? '';
  await page.waitForFunction(
    () => (document.querySelector('.result-window .CodeMirror')?.CodeMirror?.getValue() ?? '').includes('"totalCount"'),
    null,
    { timeout: 30_000 },
  );
  const result = JSON.parse(await page.evaluate(resultText));
  assert.equal(result.errors, undefined);
  assert.equal(result.data.timeline.totalCount, 11);
  assert.equal(result.data.timeline.nodes.length, 11);
  assert.ok(result.data.timeline.nodes.some((n) => n.title.includes('Johnson signs an order')));
  assert.ok(result.data.escalation.some((p) => p.side === 'FEDERAL' && p.intensitySum < 0));
  // What the reader sees: the pane draws only the lines in view, and the service returns the
  // two fields in whichever order they finish, so the top shows the first escalation row or
  // the first action (innerText leaves out anything hidden).
  await page.waitForFunction(
    () => {
      const shown = document.querySelector('.result-window')?.innerText ?? '';
      return shown.includes('"actionCount": 7') || shown.includes('Trump deploys about 2,000 troops');
    },
    null,
    { timeout: 30_000 },
  );

  await page.screenshot({ path: artifact('playground-1200.png') });
  assert.deepEqual(await axeViolations(page), [], 'no serious or critical accessibility violation');
  await page.setViewportSize({ width: 320, height: 700 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: artifact('playground-320.png') });
  assert.deepEqual(seen, { foreign: [], csp: [], errors: [] });
  await context.close();
});

test('the playground runs a live subscription over /graphql/ws', async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const seen = await watchPage(page, server);
  await page.goto(`${server.url}/`);
  await page.locator('.graphiql-query-editor .CodeMirror').waitFor({ timeout: 30_000 });
  await page.evaluate(() => {
    document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(
      'subscription Live { timelineEvents { type action { title actor { name } } } }',
    );
  });
  // GraphiQL re-reads the operation name shortly after an edit, so a click straight away may
  // still send the old name; like a person, click again until the subscription is running.
  const resultText = () => document.querySelector('.result-window .CodeMirror')?.CodeMirror?.getValue() ?? '';
  for (let attempt = 0; attempt < 20; attempt += 1) {
    await page.locator('.graphiql-execute-button').click();
    await page.waitForTimeout(500);
    if (!(await page.evaluate(resultText)).includes('Unknown operation')) break;
  }

  // Keep recording until the subscription, which starts asynchronously, shows one.
  let shown = '';
  for (let i = 0; i < 40 && !shown.includes('Playground live event'); i += 1) {
    await recordStatement(server, 'city-of-chicago', `Playground live event ${i}`);
    await page.waitForTimeout(250);
    shown = await page.evaluate(resultText);
  }
  const event = JSON.parse(shown);
  assert.equal(event.data.timelineEvents.type, 'RECORDED');
  assert.equal(event.data.timelineEvents.action.actor.name, 'City of Chicago');
  await page.screenshot({ path: artifact('playground-subscription.png') });
  assert.deepEqual(seen, { foreign: [], csp: [], errors: [] });
  await context.close();
});

test('the playground follows a dark system theme and stays accessible', async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, colorScheme: 'dark' });
  const page = await context.newPage();
  const seen = await watchPage(page, server);
  await page.goto(`${server.url}/`);
  await page.locator('.graphiql-query-editor .CodeMirror').waitFor({ timeout: 30_000 });
  await page.locator('.graphiql-execute-button').click();
  await page.waitForFunction(
    () => (document.querySelector('.result-window .CodeMirror')?.CodeMirror?.getValue() ?? '').includes('"totalCount"'),
    null,
    { timeout: 30_000 },
  );
  const background = await page.evaluate(() => getComputedStyle(document.querySelector('.graphiql-container')).backgroundColor);
  const [r, g, b] = background.match(/\d+/g).map(Number);
  assert.ok(r + g + b < 3 * 96, `a dark background, not ${background}`);
  await page.screenshot({ path: artifact('playground-dark-1200.png') });
  assert.deepEqual(await axeViolations(page), [], 'no serious or critical accessibility violation');
  assert.deepEqual(seen, { foreign: [], csp: [], errors: [] });
  await context.close();
});
