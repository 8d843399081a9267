// Shared by the browser tests: start the real `standoff serve` on a free port against a fresh
// SQLite file, and launch Debian's Chromium through playwright-core.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..');
export const artifacts = join(repoRoot, 'test-artifacts');

const bin = process.env.STANDOFF_BIN ?? join(repoRoot, 'target', 'debug', 'standoff');

/**
 * Starts `standoff serve`, on a fresh database unless `databaseUrl` names one; resolves to
 * { url, wsUrl, token, databaseUrl, stop } once it logs its address. `token` is an editor
 * token made with `standoff token create`. `bind` fixes the address (to restart in place);
 * `env` adds settings (`STANDOFF_*` variables).
 */
export async function startStandoff({ databaseUrl, bind = '127.0.0.1:0', token, env = {} } = {}) {
  if (!databaseUrl) {
    const dir = mkdtempSync(join(tmpdir(), 'standoff-js-'));
    databaseUrl = `sqlite://${join(dir, 'standoff.db')}?mode=rwc`;
  }
  if (!token) {
    // The CLI makes tokens only in a database that exists; an admin's, as tests make stories.
    const migrated = spawnSync(bin, ['migrate'], {
      env: { ...process.env, DATABASE_URL: databaseUrl },
      encoding: 'utf8',
    });
    if (migrated.status !== 0) throw new Error(`migrate failed: ${migrated.stderr}`);
    const made = spawnSync(bin, ['token', 'create', '--role', 'admin', '--name', `js-tests-${Date.now()}`], {
      env: { ...process.env, DATABASE_URL: databaseUrl },
      encoding: 'utf8',
    });
    if (made.status !== 0) throw new Error(`token create failed: ${made.stderr}`);
    token = made.stdout.trim();
  }
  const child = spawn(bin, ['serve'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      STANDOFF_BIND: bind,
      RUST_LOG: 'info',
      NO_COLOR: '1',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error('standoff did not start in 60 s')), 60_000);
    let seen = '';
    child.stderr.on('data', (chunk) => {
      seen += chunk.toString();
      const match = seen.match(/playground at (http:\/\/[0-9.]+:\d+)\//);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`standoff exited with ${code}: ${seen}`)));
  });
  const stop = () =>
    new Promise((done) => {
      child.removeAllListeners('exit');
      child.on('exit', done);
      child.kill('SIGTERM');
    });
  return { url, wsUrl: `${url.replace('http', 'ws')}/graphql/ws`, token, databaseUrl, stop };
}

/** POSTs a GraphQL request, with the editor token when `token` is given. */
export async function graphql(server, query, variables = {}, token = undefined) {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}

/** Records a statement by `actor` titled `title` in `story`, citing the seeded article. */
export async function recordStatement(server, actor, title, { story = 'chicago-2025', occurredAt = '2025-10-02T09:00:00Z', precision = 'DAY' } = {}) {
  const sources = await graphql(server, '{ timeline(first: 1) { nodes { citations { source { id } } } } }');
  const sourceId = sources.data.timeline.nodes[0].citations[0].source.id;
  const result = await graphql(
    server,
    `mutation($input: RecordActionInput!) { recordAction(input: $input) { id title } }`,
    {
      input: {
        actor,
        kind: 'STATEMENT',
        occurredAt,
        precision,
        title,
        stories: [story],
        citations: [{ sourceId }],
      },
    },
    server.token,
  );
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data.recordAction;
}

/** Launches headless Chromium with the flags this closed network needs. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}

/** Where npm installed a package, and the version it installed. */
export function installed(name) {
  const root = join(here, 'node_modules', name);
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return { root, version };
}

/**
 * Watches a page as a reader's browser would report it: every request to a host other than
 * the server's, every Content-Security-Policy violation, and every uncaught error. Any other
 * host is refused outright, so a page that needs one fails visibly.
 */
export async function watchPage(page, server) {
  const own = new URL(server.url).origin;
  const seen = { foreign: [], csp: [], errors: [] };
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('data:') || new URL(url).origin === own) return route.continue();
    seen.foreign.push(url);
    return route.abort();
  });
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) seen.csp.push(message.text());
  });
  page.on('pageerror', (err) => seen.errors.push(err.message));
  return seen;
}

/**
 * Runs axe-core (from npm) on the page as it stands and lists its serious and critical
 * violations, each with the elements concerned. Evaluated through the browser's debugging
 * protocol, so the page's own Content-Security-Policy stays in force.
 */
export async function axeViolations(page) {
  const source = readFileSync(join(here, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  await page.evaluate(source);
  const { violations } = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help}; ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** A path for a screenshot or other artifact, creating the folder. */
export function artifact(name) {
  mkdirSync(artifacts, { recursive: true });
  return join(artifacts, name);
}
