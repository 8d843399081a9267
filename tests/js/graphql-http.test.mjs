// The graphql-http audit suite (the GraphQL-over-HTTP specification's own) against /graphql:
// zero errors and zero warnings. The counts by status are printed for CI's log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { auditServer } from 'graphql-http';
import { startStandoff } from './standoff.mjs';

let server;

before(async () => {
  server = await startStandoff();
});

after(async () => {
  await server?.stop();
});

test('the graphql-http audit passes with no errors and no warnings', async () => {
  const results = await auditServer({ url: `${server.url}/graphql`, fetchFn: fetch });
  const counts = {};
  for (const result of results) counts[result.status] = (counts[result.status] ?? 0) + 1;
  console.log(`graphql-http audit: ${JSON.stringify(counts)}`);
  const problems = results
    .filter((r) => r.status === 'error' || r.status === 'warn')
    .map((r) => `${r.status}: ${r.name}: ${r.reason}`);
  assert.deepEqual(problems, []);
  assert.ok((counts.ok ?? 0) > 40, 'the audit ran its checks');
});
