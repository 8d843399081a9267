// The desk as journalists use it, in a real browser: a reporter signs in, records an action
// answering an existing one with a new source as a draft (readers and the open widget do not see
// it), submits it; a second editor approves and schedules it 5 s ahead; at that moment the open
// widget shows it without a reload and a graphql-ws subscriber receives exactly one event; the
// reporter corrects it (the diff is shown), retracts and restores it. Screenshots of each step.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startStandoff, launchBrowser, artifact, graphql, axeViolations, watchPage } from './standoff.mjs';

let server;
let browser;
let reporter;
let second;

before(async () => {
  server = await startStandoff();
  browser = await launchBrowser();
  const made = async (name) => {
    const result = await graphql(server, 'mutation($n: String!) { createToken(input: { name: $n }) { token } }', { n: name }, server.token);
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return result.data.createToken.token;
  };
  reporter = await made('reporter');
  second = await made('second-editor');
  const review = await graphql(server, 'mutation { updateStory(slug: "chicago-2025", input: { reviewRequired: true }) { reviewRequired } }', {}, server.token);
  assert.equal(review.errors, undefined, JSON.stringify(review.errors));
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A desk page at `width`, watched for other hosts, CSP violations and errors. */
async function desk(width = 1200, colorScheme = 'light') {
  const context = await browser.newContext({ viewport: { width, height: 1000 }, colorScheme });
  const page = await context.newPage();
  const seen = await watchPage(page, server);
  await page.goto(`${server.url}/desk`);
  return { context, page, seen };
}

async function signIn(page, token) {
  await page.getByLabel('Desk token').fill(token);
  await page.keyboard.press('Enter');
  await page.locator('#who').waitFor();
}

function item(page, title) {
  return page.locator('.item').filter({ has: page.getByRole('heading', { name: title, exact: true }) });
}

async function publicTitles() {
  const data = await graphql(server, '{ timeline(first: 100) { nodes { title } } }');
  return data.data.timeline.nodes.map((n) => n.title);
}

test('a journalist records, a second editor schedules, readers get it on time, then it is corrected, retracted and restored', async () => {
  const title = 'City orders agencies to refuse joint patrols';
  const reader = await browser.newPage();
  await reader.goto(`${server.url}/embed/timeline?stories=chicago-2025`);
  await reader.locator('.standoff[data-live="true"]').waitFor({ timeout: 15_000 });

  const { context, page, seen } = await desk(1200);
  await page.screenshot({ path: artifact('desk-1-sign-in-1200.png') });
  assert.deepEqual(await axeViolations(page), [], 'the sign-in page');
  await signIn(page, reporter);
  assert.match(await page.locator('#who').innerText(), /Signed in as reporter \(editor\)/);
  await page.locator('.item').first().waitFor();

  // Record: actor, kind, category (its default intensity shown), the date as typed, a new
  // source, what it answers.
  await page.getByRole('button', { name: 'Record an action' }).click();
  await page.getByLabel('Who acted').selectOption('city-of-chicago');
  await page.getByLabel('Kind').selectOption('ORDER');
  await page.getByLabel('Category').selectOption('REJECT');
  assert.match(await page.locator('#f-category-help').innerText(), /Default intensity −4.2/);
  await page.getByLabel('When it happened').fill('2025-09');
  await page.locator('#f-date-known').filter({ hasText: 'Known to the month: September 2025' }).waitFor();
  await page.getByLabel('When it happened').fill('2025-09-0x');
  await page.locator('#f-date-error').filter({ hasText: /./ }).waitFor();
  assert.equal(await page.getByLabel('When it happened').getAttribute('aria-invalid'), 'true');
  await page.getByLabel('When it happened').fill('2025-10-04');
  await page.locator('#f-date-known').filter({ hasText: 'Known to the day: 4 Oct 2025' }).waitFor();
  await page.getByLabel('Headline').fill(title);
  await page.getByLabel('Summary, in our own words (optional)').fill('The city tells its agencies not to join federal patrols.');
  await page.getByRole('button', { name: 'New source…' }).click();
  await page.getByLabel('Title', { exact: true }).fill('City hall memo to agencies');
  await page.getByLabel('Publisher (optional)').fill('City of Chicago');
  await page.getByRole('button', { name: 'Add source' }).click();
  await page.locator('dialog').waitFor({ state: 'hidden' });
  assert.equal(await page.locator('.citation-source').last().locator('option:checked').innerText(), 'City hall memo to agencies (City of Chicago)');
  await page.getByLabel('Find an action in this story').fill('publicity stunt');
  await page.getByRole('button', { name: 'It answers this' }).first().click();
  await page.getByLabel(/How it answers/).selectOption('DEFIES');
  await page.screenshot({ path: artifact('desk-2-record-1200.png'), fullPage: true });
  assert.deepEqual(await axeViolations(page), [], 'the desk with its form open');
  await page.getByRole('button', { name: 'Save as draft' }).click();
  const mine = item(page, title);
  await mine.locator('.badge', { hasText: 'Draft' }).waitFor();
  await page.screenshot({ path: artifact('desk-3-draft-1200.png') });

  // Readers see nothing: not the public API, not the open widget.
  assert.ok(!(await publicTitles()).includes(title));
  await reader.waitForTimeout(1000);
  assert.equal(await reader.getByRole('heading', { name: title }).count(), 0);

  await mine.getByRole('button', { name: 'Submit for review' }).click();
  await mine.locator('.badge', { hasText: 'In review' }).waitFor();
  assert.match(await mine.innerText(), /Waiting for another editor to approve it/);
  await page.screenshot({ path: artifact('desk-4-in-review-1200.png') });

  // A readers' subscriber, listening before the publication is scheduled.
  const ws = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
  const heard = [];
  const unsubscribe = ws.subscribe(
    { query: 'subscription { timelineEvents { type action { title } } }' },
    { next: (r) => heard.push(r.data.timelineEvents), error: () => {}, complete: () => {} },
  );
  await new Promise((r) => setTimeout(r, 1000));

  // The second editor approves and schedules it 5 s ahead.
  const other = await desk(1200);
  await signIn(other.page, second);
  const theirs = item(other.page, title);
  await theirs.getByRole('button', { name: 'Approve' }).click();
  await theirs.locator('.small', { hasText: 'approved by second-editor' }).waitFor();
  await theirs.getByRole('button', { name: 'Schedule…' }).click();
  const at = new Date(Date.now() + 5_000);
  const local = new Date(at.getTime() - at.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
  await other.page.getByLabel('Publish at (your local time)').fill(local);
  await other.page.screenshot({ path: artifact('desk-5-schedule-1200.png') });
  await other.page.getByRole('button', { name: 'Schedule', exact: true }).click();
  await theirs.locator('.badge', { hasText: 'Scheduled' }).waitFor();
  await other.page.screenshot({ path: artifact('desk-6-scheduled-1200.png') });
  assert.ok(!(await publicTitles()).includes(title), 'not before its time');

  // At its time the open widget shows it without a reload; the subscriber hears it once.
  await reader.getByRole('heading', { name: title }).waitFor({ timeout: 20_000 });
  assert.ok(Date.now() >= at.getTime() - 1000, 'not before its time');
  await reader.screenshot({ path: artifact('desk-7-widget-shows-it.png') });
  await new Promise((r) => setTimeout(r, 2000));
  const mentions = heard.filter((e) => e.action.title === title);
  assert.deepEqual(mentions.map((e) => e.type), ['RECORDED'], 'exactly one event');
  unsubscribe();
  await ws.dispose();
  await mine.locator('.badge', { hasText: 'Published' }).waitFor({ timeout: 10_000 });

  // Correct: the diff before saving.
  await mine.getByRole('button', { name: 'Correct' }).click();
  await page.getByLabel('Headline').fill(`${title} and federal agents`);
  await page.getByLabel('Correction note (readers are shown it)').fill('The memo also names federal agents.');
  await page.getByRole('button', { name: 'Review changes' }).click();
  const diff = page.locator('dialog table');
  await diff.waitFor();
  assert.match(await diff.innerText(), new RegExp(`Headline\\s+${title}\\s+${title} and federal agents`));
  await page.screenshot({ path: artifact('desk-8-correction-diff-1200.png') });
  assert.deepEqual(await axeViolations(page), [], 'the correction dialog');
  await page.getByRole('button', { name: 'Save correction' }).click();
  const corrected = item(page, `${title} and federal agents`);
  await corrected.waitFor();
  assert.match(await corrected.innerText(), /revision 2/);

  // Retract, then restore.
  await corrected.getByRole('button', { name: 'Retract…' }).click();
  await page.getByLabel('Reason (readers are shown it)').fill('The memo was a draft.');
  await page.getByRole('button', { name: 'Retract', exact: true }).click();
  await corrected.locator('.badge', { hasText: 'Retracted' }).waitFor();
  await page.screenshot({ path: artifact('desk-9-retracted-1200.png') });
  await corrected.getByRole('button', { name: 'Restore…' }).click();
  await page.getByLabel('Reason (readers are shown it)').fill('The memo was final after all.');
  await page.getByRole('button', { name: 'Restore', exact: true }).click();
  await corrected.locator('.badge', { hasText: 'Published' }).waitFor();
  await page.screenshot({ path: artifact('desk-10-restored-1200.png') });
  assert.deepEqual(seen, { foreign: [], csp: [], errors: [] });
  assert.deepEqual(other.seen, { foreign: [], csp: [], errors: [] });
  await other.context.close();
  await context.close();
  await reader.close();
});

test('the desk works by keyboard alone and at 320 px, and signing out forgets the token', async () => {
  const { context, page, seen } = await desk(320);
  // The page opens with the token field focused; the skip link is the first Tab stop before it.
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'token');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'token');
  await page.keyboard.type(reporter);
  await page.keyboard.press('Enter');
  await page.locator('#who').waitFor();
  await page.locator('.item').first().waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, 'no horizontal scrolling at 320 px');
  await page.screenshot({ path: artifact('desk-timeline-320.png') });
  await page.getByRole('button', { name: 'Record an action' }).focus();
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'editor-heading');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'f-actor');
  await page.screenshot({ path: artifact('desk-form-320.png'), fullPage: true });
  assert.deepEqual(await axeViolations(page), []);
  // Saving with nothing filled in names the fields that need attention, by keyboard.
  await page.getByRole('button', { name: 'Save as draft' }).focus();
  await page.keyboard.press('Enter');
  await page.locator('#form-error', { hasText: 'Some fields need attention.' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-invalid')), 'true');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('standoff-desk-token')), reporter);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Desk token').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('standoff-desk-token')), null);
  // A bad token is told so next to the field.
  await page.getByLabel('Desk token').fill('stf_not-a-token');
  await page.keyboard.press('Enter');
  await page.locator('#token-error', { hasText: 'not valid' }).waitFor();
  assert.deepEqual(seen.foreign, []);
  assert.deepEqual(seen.csp, []);
  await context.close();
});

test('an admin makes and revokes a token from the desk, shown once', async () => {
  const { context, page, seen } = await desk(1200);
  await signIn(page, server.token);
  await page.getByRole('button', { name: 'Stories and tokens' }).click();
  await page.getByLabel('New token for (a person or a system)').fill('weekend-desk');
  await page.getByRole('button', { name: 'Make token' }).click();
  const secret = await page.locator('#t-secret').innerText();
  assert.match(secret, /^stf_/);
  const me = await graphql(server, '{ me { name role } }', {}, secret);
  assert.deepEqual(me.data.me, { name: 'weekend-desk', role: 'EDITOR' });
  await page.screenshot({ path: artifact('desk-admin-1200.png'), fullPage: true });
  assert.deepEqual(await axeViolations(page), []);
  await page.getByRole('button', { name: 'Revoke weekend-desk' }).click();
  await page.getByRole('button', { name: 'Revoke', exact: true }).click();
  await page.getByRole('row', { name: /weekend-desk/ }).filter({ hasText: 'Revoked' }).waitFor();
  const after = await graphql(server, '{ me { name } }', {}, secret);
  assert.equal(after.errors[0].extensions.code, 'UNAUTHENTICATED');
  assert.deepEqual(seen, { foreign: [], csp: [], errors: [] });
  await context.close();
});

for (const width of [320, 1200]) {
  test(`the desk in the dark, at ${width} px, has no serious accessibility violation`, async () => {
    const { context, page, seen } = await desk(width, 'dark');
    assert.deepEqual(await axeViolations(page), [], 'sign-in, dark');
    await signIn(page, reporter);
    await page.locator('.item').first().waitFor();
    await page.getByRole('button', { name: 'Record an action' }).click();
    await page.getByRole('button', { name: 'Save as draft' }).click();
    await page.locator('#form-error', { hasText: 'Some fields need attention.' }).waitFor();
    assert.deepEqual(await axeViolations(page), [], 'the form with its errors, dark');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling at ${width} px`);
    await page.screenshot({ path: artifact(`desk-dark-form-errors-${width}.png`), fullPage: width === 1200 });
    assert.deepEqual(seen, { foreign: [], csp: [], errors: [] });
    await context.close();
  });
}
