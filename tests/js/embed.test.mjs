// The embeddable widget in a real browser: the seeded story in order, a new action shown live
// without a reload, keyboard focus, reconnection after the server restarts, and screenshots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { startStandoff, launchBrowser, artifact, graphql, recordStatement, axeViolations } from './standoff.mjs';

let server;
let browser;
/** A day as the widget writes it for an English story: "Dec 5, 2026" (en-US) or "5 Dec 2026". */
const DAY = String.raw`(\w{3} \d{1,2}, \d{4}|\d{1,2} \w{3} \d{4})`;

before(async () => {
  server = await startStandoff();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function titlesOnPage(page) {
  return page.locator('.standoff-item h2').allInnerTexts();
}

async function timelineTitles(srv, filter = {}) {
  const data = await graphql(srv, 'query($f: TimelineFilter) { timeline(first: 100, filter: $f) { nodes { title } } }', { f: filter });
  return data.data.timeline.nodes.map((n) => n.title);
}

for (const width of [320, 1200]) {
  test(`the widget shows the story in order and a new action live, at ${width} px`, async () => {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    const pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${server.url}/embed/timeline`);
    await page.locator('.standoff[data-live="true"]').waitFor({ timeout: 15_000 });
    const expected = await timelineTitles(server);
    assert.deepEqual(await titlesOnPage(page), expected, 'the same order as the timeline query');

    const sides = await page.locator('.standoff-item .standoff-side').allInnerTexts();
    assert.equal(sides.length, expected.length);
    assert.ok(sides.every((s) => ['Federal', 'State', 'Local', 'Other'].includes(s)), `sides in words, not colour alone: ${sides}`);
    assert.ok(await page.locator('time').first().getAttribute('datetime'));
    assert.equal(await page.getByRole('status').count(), 1);

    await page.screenshot({ path: artifact(`embed-${width}.png`), fullPage: width === 320 });
    assert.deepEqual(await axeViolations(page), [], 'no serious or critical accessibility violation');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling at ${width} px`);

    // Keyboard: the first Tab lands on the first action.
    await page.keyboard.press('Tab');
    assert.ok(await page.evaluate(() => document.activeElement.classList.contains('standoff-item')));

    const title = `Live at ${width} px`;
    await recordStatement(server, 'city-of-chicago', title);
    await page.getByRole('heading', { name: title }).waitFor({ timeout: 2_000 });
    assert.match(await page.getByRole('status').innerText(), /New: Live at/);
    assert.deepEqual(await titlesOnPage(page), await timelineTitles(server), 'still in time order');
    assert.deepEqual(pageErrors, []);
    await context.close();
  });
}

test('the widget takes the timeline filter from its URL', async () => {
  const context = await browser.newContext({ viewport: { width: 800, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${server.url}/embed/timeline?sides=local&kinds=ORDER,STATEMENT&title=Chicago%20answers`);
  await page.locator('.standoff[data-live="true"]').waitFor({ timeout: 15_000 });
  assert.deepEqual(await titlesOnPage(page), await timelineTitles(server, { sides: ['LOCAL'], kinds: ['ORDER', 'STATEMENT'] }));
  assert.equal(await page.locator('h1').innerText(), 'Chicago answers');
  await context.close();
});

test('a widget for one story shows that story alone, titled by it, in its time zone', async () => {
  const created = await graphql(
    server,
    `mutation { createStory(input: { slug: "springfield-2025", title: "Springfield and the state, 2025",
        timeZone: "America/New_York" }) { slug } }`,
    {},
    server.token,
  );
  assert.equal(created.errors, undefined, JSON.stringify(created.errors));
  await recordStatement(server, 'jb-pritzker', 'A Springfield statement', {
    story: 'springfield-2025',
    occurredAt: '2025-09-10T16:45:00Z',
    precision: 'MINUTE',
  });
  for (const width of [320, 1200]) {
    const context = await browser.newContext({ viewport: { width, height: 700 } });
    const page = await context.newPage();
    await page.goto(`${server.url}/embed/timeline?stories=springfield-2025`);
    await page.locator('.standoff[data-live="true"]').waitFor({ timeout: 15_000 });
    assert.deepEqual(await titlesOnPage(page), ['A Springfield statement'], 'only its own actions');
    assert.equal(await page.locator('h1').innerText(), 'Springfield and the state, 2025');
    const shown = await page.locator('.standoff-item time').first().innerText();
    assert.match(shown, /12:45/, `16:45 UTC shown as Springfield's 12:45 EDT: ${shown}`);
    await page.screenshot({ path: artifact(`embed-story-${width}.png`) });
    await context.close();
  }
  // `to` names a day and keeps all of it: the 16:45 statement is in "to 10 September".
  for (const [to, expected] of [['2025-09-10', ['A Springfield statement']], ['2025-09-09', []]]) {
    const page = await browser.newPage();
    await page.goto(`${server.url}/embed/timeline?stories=springfield-2025&to=${to}`);
    await page.locator('.standoff[data-live="true"]').waitFor({ timeout: 15_000 });
    assert.deepEqual(await titlesOnPage(page), expected, `to=${to}`);
    await page.close();
  }
  // The story's public page, at both widths, light and dark.
  for (const [width, colorScheme] of [[320, 'light'], [1200, 'light'], [320, 'dark'], [1200, 'dark']]) {
    const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme });
    const page = await context.newPage();
    const response = await page.goto(`${server.url}/stories/chicago-2025`);
    assert.equal(response.status(), 200);
    await page.locator('h1').waitFor();
    assert.match(await page.locator('h1').innerText(), /Chicago/);
    assert.ok((await page.locator('.story-action').count()) >= 10);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling at ${width} px`);
    assert.deepEqual(await axeViolations(page), [], `no serious or critical accessibility violation (${colorScheme})`);
    await page.screenshot({ path: artifact(`story-${width}-${colorScheme}.png`), fullPage: true });
    await context.close();
  }
});

function freePort() {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

test('the widget reconnects with its cursor after the server restarts', async () => {
  const port = await freePort();
  let own = await startStandoff({ bind: `127.0.0.1:${port}` });
  const context = await browser.newContext({ viewport: { width: 800, height: 900 } });
  const page = await context.newPage();
  try {
    await page.goto(`${own.url}/embed/timeline`);
    await page.locator('.standoff[data-live="true"]').waitFor({ timeout: 15_000 });
    const before = (await titlesOnPage(page)).length;

    await own.stop();
    await page.locator('.standoff[data-live="false"]').waitFor({ timeout: 10_000 });
    own = await startStandoff({ bind: `127.0.0.1:${port}`, databaseUrl: own.databaseUrl, token: own.token });
    // Recorded while the widget may still be disconnected: the cursor brings it in either way.
    await recordStatement(own, 'jb-pritzker', 'Recorded across the restart');
    await page.getByRole('heading', { name: 'Recorded across the restart' }).waitFor({ timeout: 20_000 });
    await page.locator('.standoff[data-live="true"]').waitFor({ timeout: 10_000 });
    assert.equal((await titlesOnPage(page)).length, before + 1, 'nothing shown twice');
  } finally {
    await context.close();
    await own.stop();
  }
});

for (const width of [320, 1200]) {
  test(`an open widget shows a correction, a retraction in place and a restoration, at ${width} px`, async () => {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    const pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${server.url}/embed/timeline?stories=chicago-2025`);
    await page.locator('.standoff[data-live="true"]').waitFor({ timeout: 15_000 });
    const title = `Checked at ${width} px`;
    const { id } = await recordStatement(server, 'white-house', title);
    const item = page.locator(`#action-${id}`);
    await item.getByRole('heading', { name: title }).waitFor({ timeout: 5_000 });
    const before = await page.locator('.standoff-item').count();

    const write = async (query, variables) => {
      const result = await graphql(server, query, variables, server.token);
      assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    };
    await write(
      'mutation($id: ID!) { correctAction(id: $id, note: "The statement was made by a spokesperson", input: { summary: "Corrected summary" }) { revision } }',
      { id },
    );
    const correction = item.locator('.standoff-correction');
    await correction.waitFor({ timeout: 5_000 });
    assert.match(await correction.innerText(), new RegExp(`^Corrected ${DAY}: The statement was made by a spokesperson$`));

    await write('mutation($id: ID!) { retractAction(id: $id, reason: "Not in the cited source") { retracted } }', { id });
    const notice = item.locator('.standoff-notice');
    await notice.waitFor({ timeout: 5_000 });
    assert.match(await notice.innerText(), new RegExp(`^Retracted on ${DAY}: Not in the cited source$`));
    assert.equal(await page.locator('.standoff-item').count(), before, 'the notice stands where the action stood');
    assert.match(await page.getByRole('status').innerText(), /Retracted: Checked at/);
    await item.scrollIntoViewIfNeeded();
    await page.screenshot({ path: artifact(`embed-retracted-${width}.png`), fullPage: false });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling at ${width} px`);

    // The story's page tells the same to readers who were not watching.
    const storyPage = await context.newPage();
    await storyPage.goto(`${server.url}/stories/chicago-2025`);
    const told = storyPage.locator('.story-notices');
    assert.match(await told.innerText(), /Retracted \d{1,2} \w{3} \d{4}: Checked at \d+ px\. Not in the cited source/);
    await told.scrollIntoViewIfNeeded();
    await storyPage.screenshot({ path: artifact(`story-corrections-${width}.png`) });
    const storyOverflow = await storyPage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(storyOverflow <= 0, `no horizontal scrolling on the story page at ${width} px`);
    await storyPage.close();

    await write('mutation($id: ID!) { restoreAction(id: $id, reason: "Retracted in error") { retracted } }', { id });
    await item.locator('.standoff-notice').waitFor({ state: 'detached', timeout: 5_000 });
    assert.equal(await item.getByRole('heading', { name: title }).count(), 1, 'back as it was');
    assert.equal(await item.locator('.standoff-correction').count(), 1, 'still marked corrected');
    assert.deepEqual(pageErrors, []);
    await context.close();
  });
}
