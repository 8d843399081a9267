// The widget's settings as a newsroom sets them in its address, in a real browser: order and
// limit, the Spanish and dark versions (screenshots at 320 and 1200 px), answers that are not in
// the widget linked to the story page, retracted actions on request, and errors in readers'
// words, never the service's messages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStandoff, launchBrowser, artifact, graphql, recordStatement, axeViolations, watchPage } from './standoff.mjs';

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

/** Opens the widget at `query` and waits until it has loaded (live, or showing an error). */
async function open(query, { width = 800, colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme });
  const page = await context.newPage();
  const seen = await watchPage(page, server);
  await page.goto(`${server.url}/embed/timeline?${query}`);
  await page.locator('.standoff[data-live="true"], .standoff[data-error="true"]').waitFor({ timeout: 15_000 });
  return { context, page, seen };
}

/** The item of the action titled exactly `title`. */
function item(page, title) {
  return page.locator('.standoff-item').filter({ has: page.getByRole('heading', { name: title, exact: true }) });
}

async function titles(page) {
  return page.locator('.standoff-item h2').allInnerTexts();
}

test('order=desc&limit=3 shows the three newest actions, newest first', async () => {
  const { context, page, seen } = await open('stories=chicago-2025&order=desc&limit=3');
  const expected = await graphql(
    server,
    '{ timeline(filter: { stories: ["chicago-2025"] }, order: DESC, first: 3) { totalCount nodes { title } } }',
  );
  const newest = expected.data.timeline.nodes.map((n) => n.title);
  assert.equal(newest.length, 3);
  assert.deepEqual(await titles(page), newest);
  assert.equal(await page.locator('.standoff-timeline').getAttribute('aria-label'), 'Actions, newest first');
  const more = page.locator('.standoff-more');
  assert.equal(await more.innerText(), `Showing 3 of ${expected.data.timeline.totalCount}. See the whole timeline`);
  assert.equal(await more.locator('a').getAttribute('href'), '/stories/chicago-2025');

  // A new action is newest: it enters at the top and the oldest of the three leaves.
  await recordStatement(server, 'city-of-chicago', 'Newest of all', { occurredAt: '2025-12-01' });
  await page.getByRole('heading', { name: 'Newest of all' }).waitFor({ timeout: 5_000 });
  assert.deepEqual(await titles(page), ['Newest of all', ...newest.slice(0, 2)]);
  assert.deepEqual(seen, { foreign: [], csp: [], errors: [] });
  await context.close();
});

test('the widget shows summary, place and status in words, and never an enum name', async () => {
  const { context, page } = await open('stories=chicago-2025');
  const threat = item(page, 'Trump threatens to extend the deployment to Chicago');
  assert.equal(await threat.locator('.standoff-status-label').innerText(), 'Threatened');
  assert.match(await threat.locator('.standoff-summary').innerText(), /threatens to extend/);
  assert.equal(await threat.locator('.standoff-place').innerText(), 'Where: Chicago');
  const report = item(page, 'Reports of a planned surge of federal immigration agents into Chicago');
  assert.equal(await report.locator('.standoff-status-label').innerText(), 'Reported, unconfirmed');
  const text = await page.locator('.standoff-timeline').innerText();
  for (const name of ['FEDERAL', 'STATE', 'LOCAL', 'THREATENED', 'REPORTED', 'CARRIED_OUT', 'DEFIES', 'ESCALATES']) {
    assert.ok(!text.includes(name), `no ${name} shown`);
  }
  await context.close();
});

for (const width of [320, 1200]) {
  test(`theme=dark&lang=es: the widget in Spanish, dark, at ${width} px`, async () => {
    const { context, page, seen } = await open('stories=chicago-2025&theme=dark&lang=es', { width });
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'es');
    assert.match(await page.getByRole('status').innerText(), /^\d+ acciones · en directo$/);
    const sides = await page.locator('.standoff-side').allInnerTexts();
    assert.ok(sides.includes('Estatal') && sides.includes('Federal'), `${sides}`);
    assert.ok((await page.locator('.standoff-status-label').allInnerTexts()).includes('Amenaza'));
    assert.ok((await page.locator('.standoff-answers').allInnerTexts()).some((t) => t.startsWith('Desafía ')));
    assert.equal(await page.locator('time').first().innerText(), 'agosto de 2025 o antes');
    assert.match(await page.locator('.standoff-credit').innerText(), /^Cronología con fuentes de Standoff$/);
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(background, 'rgb(21, 21, 21)', 'dark');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling at ${width} px`);
    assert.deepEqual(await axeViolations(page), [], 'no serious or critical violation in the dark theme');
    await page.screenshot({ path: artifact(`widget-es-dark-${width}.png`), fullPage: width === 1200 });
    assert.deepEqual(seen, { foreign: [], csp: [], errors: [] });
    await context.close();
  });
}

test('theme=auto follows the reader, theme=light keeps light in a dark browser', async () => {
  for (const [theme, expected] of [['auto', 'rgb(21, 21, 21)'], ['light', 'rgb(255, 255, 255)']]) {
    const { context, page } = await open(`stories=chicago-2025&theme=${theme}`, { colorScheme: 'dark' });
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), expected, theme);
    if (theme === 'auto') assert.deepEqual(await axeViolations(page), []);
    await context.close();
  }
});

test('an answer to an action not in the widget links to it on the story page', async () => {
  const { context, page } = await open('stories=chicago-2025&sides=STATE');
  const link = page.locator('.standoff-answers a');
  assert.equal(await link.innerText(), 'Trump threatens to deploy the National Guard');
  const href = await link.getAttribute('href');
  const threat = await graphql(server, '{ timeline(filter: { text: "deploy the National Guard", sides: [FEDERAL] }) { nodes { id } } }');
  const id = threat.data.timeline.nodes[0].id;
  assert.equal(href, `/stories/chicago-2025#action-${id}`);
  assert.equal(await link.getAttribute('target'), '_blank');
  assert.equal((await page.locator('.standoff-offpage').innerText()).trim(), "(on the story's page)");
  const story = await context.newPage();
  await story.goto(`${server.url}${href}`);
  assert.equal(await story.locator(`[id="action-${id}"] h3`).innerText(), 'Trump threatens to deploy the National Guard');
  // With both sides shown the same answer stays inside the widget.
  const both = await context.newPage();
  await both.goto(`${server.url}/embed/timeline?stories=chicago-2025`);
  await both.locator('.standoff[data-live="true"]').waitFor({ timeout: 15_000 });
  const inside = item(both, 'Pritzker condemns the National Guard threats as an abuse of power').locator('.standoff-answers a');
  assert.equal(await inside.getAttribute('href'), `#action-${id}`);
  await context.close();
});

test('readers get the widget\'s errors in their words, never the service\'s', async () => {
  const cases = [
    ['sides=MARTIAN', "This timeline's settings have a mistake, so it cannot be shown."],
    ['limit=many', "This timeline's settings have a mistake, so it cannot be shown."],
    ['order=sideways&lang=es', 'La configuración de esta cronología tiene un error, así que no se puede mostrar.'],
    ['from=yesterday', "This timeline's settings have a mistake, so it cannot be shown."],
    ['stories=no-such-story&lang=es', 'No hay ninguna historia llamada «no-such-story».'],
  ];
  for (const [query, expected] of cases) {
    const { context, page, seen } = await open(query);
    assert.equal(await page.getByRole('status').innerText(), expected, query);
    assert.equal(await page.locator('.standoff-item').count(), 0, query);
    assert.deepEqual(seen.errors, [], query);
    await context.close();
  }
});

test('includeRetracted=true shows what was retracted as a notice where it stood', async () => {
  const { id } = await recordStatement(server, 'white-house', 'Soon retracted', { occurredAt: '2025-11-01' });
  const result = await graphql(server, 'mutation($id: ID!) { retractAction(id: $id, reason: "Misattributed") { retracted } }', { id }, server.token);
  assert.equal(result.errors, undefined, JSON.stringify(result.errors));
  const hidden = await open('stories=chicago-2025');
  assert.equal(await hidden.page.locator(`[id="action-${id}"]`).count(), 0, 'left out by default');
  await hidden.context.close();
  const { context, page } = await open('stories=chicago-2025&includeRetracted=true');
  const notice = page.locator(`[id="action-${id}"] .standoff-notice`);
  assert.match(await notice.innerText(), /^Retracted on .+: Misattributed$/);
  await context.close();
});

test('the widget asks over GET, so a CDN or nginx in front can share its answers', async () => {
  const context = await browser.newContext({ viewport: { width: 800, height: 900 } });
  const page = await context.newPage();
  const reads = [];
  page.on('response', (response) => {
    if (new URL(response.url()).pathname === '/graphql') reads.push(response);
  });
  await page.goto(`${server.url}/embed/timeline?stories=chicago-2025`);
  await page.locator('.standoff[data-live="true"]').waitFor({ timeout: 15_000 });
  assert.ok(reads.length >= 2, `the widget read its data (${reads.length} requests)`);
  for (const response of reads) {
    assert.equal(response.request().method(), 'GET', response.url());
    const headers = await response.allHeaders();
    assert.match(headers['cache-control'] ?? '', /^public, max-age=\d+/, response.url());
    assert.match(headers.etag ?? '', /^"/, response.url());
  }
  await context.close();
});
