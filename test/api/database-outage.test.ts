// What the API does when PostgreSQL is out of reach, and that the pool gets its slots back from connections that died
// under a request. (The fault suite shows the same against a real database restart, scenario 2 of docs/reliability.md.)
import { buildApp } from '../../api/app.js';
import { loadConfig } from '../../src/config/config.js';
import { openOrm, type Orm } from '../../src/db/orm.js';
import { freePort } from '../../src/composition/free-port.js';
import { bearerHeaders, TEST_AUTH_SECRET } from '../support/auth.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';

let engine: TestEngine;
let unreachable: Orm;
beforeAll(async () => {
  engine = await startTestEngine({ withWorker: false });
  // A pool aimed at a port nothing listens on: every connection attempt is refused, as while the server is down.
  unreachable = await openOrm(`postgres://ar:ar@127.0.0.1:${await freePort()}/ar`, {
    poolMax: 2,
    acquireTimeoutMs: 1_000,
  });
});
afterAll(async () => {
  await unreachable?.close(true);
  await engine?.close();
});

it('answers 503 problem+json with Retry-After while the database is down, and keeps a client mistake a 400', async () => {
  const config = loadConfig({ NODE_ENV: 'test', AUTH_JWT_SECRET: TEST_AUTH_SECRET, DATABASE_ACQUIRE_TIMEOUT: 'PT1S' });
  const app = await buildApp({ config, orm: unreachable, temporal: engine.temporal }, { logger: false });
  try {
    const headers = await bearerHeaders(TEST_AUTH_SECRET, 'admin');
    const list = await app.inject({ method: 'GET', url: '/customers', headers });
    expect({
      status: list.statusCode,
      type: list.headers['content-type'],
      retryAfter: list.headers['retry-after'],
      problem: list.json().type,
    }).toEqual({
      status: 503,
      type: expect.stringContaining('application/problem+json'),
      retryAfter: '5',
      problem: 'https://ar-engine.dev/problems/unavailable',
    });
    const write = await app.inject({
      method: 'POST',
      url: '/payments',
      headers: { ...headers, 'idempotency-key': 'outage-1' },
      payload: {
        customerId: '00000000-0000-4000-8000-000000000001',
        method: 'ach',
        receivedAt: new Date().toISOString(),
        amount: { amount: 1_000, currency: 'USD' },
        reference: '',
      },
    });
    expect([write.statusCode, write.headers['retry-after']]).toEqual([503, '5']);
    const mistake = await app.inject({
      method: 'POST',
      url: '/payments',
      headers,
      payload: { customerId: 'not-a-uuid', amount: { amount: 1.5, currency: 'USD' } },
    });
    expect({ status: mistake.statusCode, type: mistake.headers['content-type'] }).toEqual({
      status: 400,
      type: expect.stringContaining('application/problem+json'),
    });
  } finally {
    await app.close();
  }
});

it('answers a NUL inside a text the database would refuse with 400, not as an outage', async () => {
  const res = await engine.app.inject({ method: 'GET', url: `/customers?q=${encodeURIComponent('a\u0000b')}` });
  expect([res.statusCode, res.headers['content-type']]).toEqual([
    400,
    expect.stringContaining('application/problem+json'),
  ]);
  // Named like any other refused field, so a client can tell which of its texts to clean.
  expect(res.json().errors).toEqual([expect.objectContaining({ pointer: '/q', in: 'query' })]);
});

it('frees the pool slot of a connection that died while checked out, even when its holder never releases it', async () => {
  const orm = await openOrm(engine.db.url, { poolMax: 1, acquireTimeoutMs: 2_000 });
  try {
    const pool = (await orm.em.getConnection().getNativeClient()) as import('pg').Pool;
    // The holder that leaks: checks the only connection out and never gives it back (what a failed BEGIN does in Kysely).
    const leaked = await pool.connect();
    const [{ pid }] = (await leaked.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
    await engine.db.orm.em.fork().execute('SELECT pg_terminate_backend(?)', [pid]);
    // The only slot is held by a dead connection; without the guard this waits out the acquire limit and fails.
    const rows = await orm.em.fork().execute<{ ok: number }[]>('SELECT 1 AS ok');
    expect(rows).toEqual([{ ok: 1 }]);
  } finally {
    await orm.close(true);
  }
});
