// Every close code of the WebSocket protocol code, as the graphql-ws reference client sees it
// (and, for mistakes that client never makes, as a raw socket speaking its subprotocol sees
// it), and the legacy dialect through its own reference client, subscriptions-transport-ws.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import subscriptionsTransportWs from 'subscriptions-transport-ws';
import { startStandoff, recordStatement } from './standoff.mjs';

const { SubscriptionClient } = subscriptionsTransportWs;

let server;

before(async () => {
  server = await startStandoff({
    env: { STANDOFF_WS_INIT_TIMEOUT_SECS: '1', STANDOFF_MAX_BODY_BYTES: '65536' },
  });
});

after(async () => {
  await server?.stop();
});

const LIVE = 'subscription { timelineEvents { cursor type } }';

/** A graphql-ws client on `url` that resolves `closed` with the close event it sees. */
function watched(options = {}, url = server.wsUrl) {
  let seen;
  const closed = new Promise((resolve) => { seen = resolve; });
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    ...options,
    on: { closed: (event) => seen(event) },
  });
  return { client, closed };
}

/** Subscribes with `client`, resolving to what its sink was told: data, an error, or done. */
function outcome(client, payload) {
  return new Promise((resolve) => {
    const data = [];
    client.subscribe(payload, {
      next: (value) => data.push(value),
      error: (error) => resolve({ data, error }),
      complete: () => resolve({ data }),
    });
  });
}

/** Opens a raw socket in `protocol`, sends `messages` in turn, and resolves to its close. */
function rawClose(messages, protocol = 'graphql-transport-ws') {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(server.wsUrl, protocol);
    const received = [];
    socket.on('open', () => messages.forEach((m) => socket.send(typeof m === 'string' ? m : JSON.stringify(m))));
    socket.on('message', (m) => received.push(JSON.parse(m.toString())));
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString(), received }));
    socket.on('error', reject);
  });
}

test('a finished conversation closes normally (1000) after the answer', async () => {
  const { client, closed } = watched();
  const { data, error } = await outcome(client, { query: '{ story(slug: "chicago-2025") { title } }' });
  assert.equal(error, undefined);
  assert.equal(data[0].data.story.title, 'Chicago vs. the White House, 2025');
  await client.dispose();
  assert.equal((await closed).code, 1000);
});

test('an invalid token in connection_init is refused with 4403 and reaches the sink', async () => {
  const { client, closed } = watched({ connectionParams: { authorization: 'Bearer stf_not-a-token' } });
  const { error } = await outcome(client, { query: '{ __typename }' });
  const event = await closed;
  assert.equal(event.code, 4403);
  assert.match(event.reason, /Forbidden/);
  assert.equal(error.code, 4403, 'the sink is told why');
});

test('a client that never sends connection_init is closed with 4408', async () => {
  // connectionParams that never resolve: the reference client waits before its init.
  const { client, closed } = watched({ connectionParams: () => new Promise(() => {}) });
  const started = Date.now();
  const result = outcome(client, { query: '{ __typename }' });
  const event = await closed;
  assert.equal(event.code, 4408);
  assert.match(event.reason, /initialisation timeout|Connection initialisation timeout/i);
  assert.ok(Date.now() - started < 8000, 'within the configured second, give or take');
  assert.equal((await result).error.code, 4408);
});

test('two operations under one id close the connection with 4409', async () => {
  const { client, closed } = watched({ generateID: () => 'same-id' });
  const first = outcome(client, { query: LIVE });
  const second = outcome(client, { query: LIVE });
  const event = await closed;
  assert.equal(event.code, 4409);
  assert.match(event.reason, /same-id/);
  for (const result of await Promise.all([first, second])) assert.equal(result.error.code, 4409);
});

test('a message over the size limit closes the connection with 1009', async () => {
  const { client, closed } = watched();
  const padded = `{ __typename } # ${'x'.repeat(70_000)}`;
  const { error } = await outcome(client, { query: padded });
  assert.equal((await closed).code, 1009);
  assert.equal(error.code, 1009);
});

test('a server shutting down closes its sockets with 1001', async () => {
  const leaving = await startStandoff();
  const { client, closed } = watched({}, leaving.wsUrl);
  const result = outcome(client, { query: LIVE });
  // Let the subscription start before the server goes (it holds the socket open either way).
  await new Promise((resolve) => setTimeout(resolve, 500));
  await leaving.stop();
  const event = await closed;
  assert.equal(event.code, 1001);
  assert.equal((await result).error.code, 1001);
  await client.dispose();
});

test('the mistakes the reference client never makes get their codes over a raw socket', async () => {
  const init = { type: 'connection_init' };
  const bad = await rawClose([init, '{"type":"no-such-type"}']);
  assert.equal(bad.code, 4400);
  const notJson = await rawClose([init, 'not json']);
  assert.equal(notJson.code, 4400);
  const early = await rawClose([{ id: '1', type: 'subscribe', payload: { query: '{ __typename }' } }]);
  assert.equal(early.code, 4401);
  const twice = await rawClose([init, init]);
  assert.equal(twice.code, 4429);
  assert.deepEqual(twice.received, [{ type: 'connection_ack' }]);
});

test('the legacy dialect works through subscriptions-transport-ws', async () => {
  const legacy = new SubscriptionClient(server.wsUrl, { reconnect: false }, WebSocket);
  const values = [];
  const done = new Promise((resolve, reject) => {
    legacy.request({ query: LIVE }).subscribe({
      next: (value) => {
        values.push(value);
        if (values.length === 1) resolve();
      },
      error: reject,
    });
  });
  // The first matching write may race the subscription's start, so keep writing until one lands.
  let n = 0;
  const writer = setInterval(() => recordStatement(server, 'white-house', `Legacy ${n++}`), 300);
  await done;
  clearInterval(writer);
  assert.equal(values[0].data.timelineEvents.type, 'RECORDED');

  const query = await new Promise((resolve, reject) => {
    legacy.request({ query: '{ story(slug: "chicago-2025") { title } }' }).subscribe({ next: resolve, error: reject });
  });
  assert.equal(query.data.story.title, 'Chicago vs. the White House, 2025');
  legacy.close();
});

test('the legacy dialect refuses a bad token with connection_error before it closes', async () => {
  const closed = await rawClose(
    [{ type: 'connection_init', payload: { authorization: 'Bearer stf_not-a-token' } }],
    'graphql-ws',
  );
  assert.equal(closed.received[0]?.type, 'connection_error', JSON.stringify(closed.received));
  assert.equal(closed.code, 4403);
  // subscriptions-transport-ws hands a connection_error to its connectionCallback.
  let legacy;
  const refused = await new Promise((resolve) => {
    legacy = new SubscriptionClient(
      server.wsUrl,
      {
        reconnect: false,
        connectionParams: { authorization: 'Bearer stf_not-a-token' },
        connectionCallback: (error) => resolve(error),
      },
      WebSocket,
    );
    legacy.request({ query: '{ __typename }' }).subscribe({ next: () => {}, error: () => {} });
  });
  assert.match(JSON.stringify(refused), /Forbidden/);
  legacy.close();
});
