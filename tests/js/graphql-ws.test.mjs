// The JavaScript reference client, graphql-ws, against /graphql/ws: it subscribes, receives an
// action recorded by another connection, and resumes from its last cursor without loss.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startStandoff, recordStatement } from './standoff.mjs';

let server;

before(async () => {
  server = await startStandoff();
});

after(async () => {
  await server?.stop();
});

const EVENTS = `subscription($after: String, $f: TimelineFilter) {
  timelineEvents(after: $after, filter: $f) { cursor type action { title actor { slug } } }
}`;

function client(connectionParams = {}) {
  return createClient({ url: server.wsUrl, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0 });
}

/** Takes events from an async iterator until `count` have arrived or `ms` have passed. */
async function take(iterator, count, ms = 10_000) {
  const events = [];
  const deadline = setTimeout(() => iterator.return?.(), ms);
  for await (const result of iterator) {
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    events.push(result.data.timelineEvents);
    if (events.length === count) break;
  }
  clearTimeout(deadline);
  return events;
}

test('graphql-ws subscribes and receives an action recorded elsewhere', async () => {
  const ws = client();
  const iterator = ws.iterate({ query: EVENTS, variables: { f: { actors: ['white-house'] } } });
  // The first matching write may race the subscription's start, so keep writing until one lands.
  const received = take(iterator, 1);
  let n = 0;
  const writer = setInterval(() => recordStatement(server, 'white-house', `White House says ${n++}`), 300);
  const [event] = await received;
  clearInterval(writer);
  assert.equal(event.type, 'RECORDED');
  assert.equal(event.action.actor.slug, 'white-house');
  assert.match(event.action.title, /^White House says \d+$/);
  await ws.dispose();
});

test('graphql-ws resumes from a cursor with exactly what it missed', async () => {
  // Replaying from the start of the log gives the seeded story's events in order: Pritzker's
  // statement is recorded, then linked to the threat it condemns.
  const ws = client();
  const pritzker = { actors: ['jb-pritzker'] };
  const seeded = await take(ws.iterate({ query: EVENTS, variables: { after: 'YzE6MA', f: pritzker } }), 2);
  assert.deepEqual(seeded.map((e) => e.type), ['RECORDED', 'RESPONDED']);
  assert.match(seeded[0].action.title, /abuse of power/);
  const cursor = seeded[1].cursor;

  const missed = [];
  for (let i = 0; i < 5; i += 1) missed.push((await recordStatement(server, 'jb-pritzker', `Missed ${i}`)).title);
  const resumed = await take(ws.iterate({ query: EVENTS, variables: { after: cursor, f: pritzker } }), 5);
  assert.deepEqual(resumed.map((e) => e.action.title), missed);
  await ws.dispose();
});

test('graphql-ws carries the editor token in connection_init for mutations', async () => {
  const ws = client({ authorization: `Bearer ${server.token}` });
  const result = await new Promise((resolve, reject) => {
    let value;
    ws.subscribe(
      { query: 'mutation { addSource(input: { title: "Over graphql-ws" }) { title } }' },
      { next: (v) => { value = v; }, error: reject, complete: () => resolve(value) },
    );
  });
  assert.equal(result.data.addSource.title, 'Over graphql-ws');
  await ws.dispose();
});
