// GraphQL over Server-Sent Events: the graphql-sse reference client receives live events and,
// cut off mid-stream, resumes with Last-Event-ID (exactly the log, once each); and behind an
// nginx that refuses WebSocket upgrades, the widget falls back to SSE and still shows a new
// action within 2 s.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-sse';
import { startStandoff, launchBrowser, artifact, graphql, recordStatement } from './standoff.mjs';

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
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

const EVENTS = 'subscription($f: TimelineFilter) { timelineEvents(filter: $f) { cursor type action { title } } }';

/** The titles of the RECORDED changes in the log that start with `prefix`, in log order. */
async function logged(server, prefix) {
  const data = await graphql(server, '{ changes(last: 100) { nodes { kind action { title } } } }');
  return data.data.changes.nodes
    .filter((c) => c.kind === 'RECORDED' && c.action && c.action.title.startsWith(prefix))
    .map((c) => c.action.title);
}

test('the graphql-sse client gets live events and resumes after a cut with Last-Event-ID', async () => {
  const port = await freePort();
  let server = await startStandoff({ bind: `127.0.0.1:${port}` });
  let lastCursor = null;
  const client = createClient({
    url: `${server.url}/graphql/stream`,
    // The reference client keeps no SSE ids; it sends the last cursor it took as Last-Event-ID.
    headers: () => (lastCursor ? { 'last-event-id': lastCursor } : {}),
    retryAttempts: 20,
    retry: () => new Promise((r) => setTimeout(r, 300)),
  });
  const titles = [];
  const failures = [];
  client.subscribe({ query: EVENTS, variables: { f: { actors: ['white-house'] } } }, {
    next: (result) => {
      if (result.errors) return failures.push(JSON.stringify(result.errors));
      const event = result.data.timelineEvents;
      lastCursor = event.cursor;
      titles.push(event.action.title);
    },
    error: (err) => failures.push(String(err)),
    complete: () => {},
  });
  try {
    // Live: keep writing until the stream is open and an event arrives.
    let n = 0;
    while (titles.length === 0 && n < 30) {
      await recordStatement(server, 'white-house', `SSE ${n}`);
      n += 1;
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.ok(titles.length >= 1, 'a live event arrived');
    // Cut mid-stream: the server goes away and comes back, and what is recorded while the
    // client is away reaches it when it resumes.
    await server.stop();
    server = await startStandoff({ bind: `127.0.0.1:${port}`, databaseUrl: server.databaseUrl, token: server.token });
    for (let k = 0; k < 3; k += 1) {
      await recordStatement(server, 'white-house', `SSE ${n}`);
      n += 1;
    }
    const last = `SSE ${n - 1}`;
    for (let i = 0; i < 100 && !titles.includes(last); i += 1) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 1000));
    const log = await logged(server, 'SSE ');
    const from = log.indexOf(titles[0]);
    assert.deepEqual(titles, log.slice(from), 'exactly the log from the first event, once each');
    assert.deepEqual(failures, []);
    } finally {
    client.dispose();
    await server.stop();
  }
});

test('an SSE event carries its cursor as its id, and Last-Event-ID replays from it', async () => {
  const server = await startStandoff();
  try {
    const first = await recordStatement(server, 'jb-pritzker', 'Replay one');
    await recordStatement(server, 'jb-pritzker', 'Replay two');
    const changes = await graphql(server, '{ changes(last: 2) { edges { cursor node { kind } } } }');
    const [one] = changes.data.changes.edges.filter((e) => e.node.kind === 'RECORDED');
    assert.ok(first.id);
    const url = new URL(`${server.url}/graphql/stream`);
    url.searchParams.set('query', 'subscription { timelineEvents { cursor action { title } } }');
    const controller = new AbortController();
    const response = await fetch(url, { headers: { accept: 'text/event-stream', 'last-event-id': one.cursor }, signal: controller.signal });
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    const reader = response.body.getReader();
    let text = '';
    while (!text.includes('Replay two')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    assert.ok(!text.includes('Replay one'), 'nothing before the id');
    const id = text.match(/^id: (.+)$/m)[1];
    const data = JSON.parse(text.match(/^data: (.+)$/m)[1]);
    assert.equal(data.data.timelineEvents.cursor, id, 'the id is the cursor');
    assert.equal(data.data.timelineEvents.action.title, 'Replay two');
  } finally {
    await server.stop();
  }
});

test('behind an nginx that refuses WebSocket upgrades, the widget falls back to SSE', async () => {
  const server = await startStandoff();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'standoff-nginx-'));
  const origin = new URL(server.url);
  writeFileSync(join(dir, 'nginx.conf'), `
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 256; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    location /graphql/ws { return 403; }
    location / {
      proxy_pass http://${origin.host};
      proxy_http_version 1.1;
      proxy_buffering off;
      proxy_read_timeout 1h;
    }
  }
}
`);
  const nginxBin = spawnSync('sh', ['-c', 'command -v nginx || ls /usr/sbin/nginx'], { encoding: 'utf8' }).stdout.trim();
  assert.ok(nginxBin, 'nginx is installed (.ci/run installs it)');
  const nginx = spawn(nginxBin, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
  try {
    const proxied = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 50; i += 1) {
      try {
        if ((await fetch(`${proxied}/healthz`)).ok) break;
      } catch (_) { /* not up yet */ }
      await new Promise((r) => setTimeout(r, 100));
    }
    const page = await browser.newPage();
    const refused = [];
    page.on('websocket', (ws) => refused.push(ws.url()));
    await page.goto(`${proxied}/embed/timeline?stories=chicago-2025`);
    await page.locator('.standoff[data-live="true"]').waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('.standoff').getAttribute('data-transport'), 'sse');
    assert.ok(refused.length >= 1, 'the widget tried a WebSocket first');
    const title = 'Shown through SSE';
    const started = Date.now();
    await recordStatement(server, 'city-of-chicago', title);
    await page.getByRole('heading', { name: title }).waitFor({ timeout: 2_000 });
    const took = Date.now() - started;
    assert.ok(took <= 2_000, `shown within 2 s (${took} ms)`);
    await page.screenshot({ path: artifact('widget-over-sse.png') });
    await page.close();
  } finally {
    nginx.kill('SIGTERM');
    await server.stop();
  }
});
