// A request sent with an Idempotency-Key takes effect at most once, whatever fails and whenever: the mechanism is
// tested on its own (a bare Fastify app with the engine's idempotency and error handling, over the real database),
// with a route whose effect is a row and whose failure comes before or after its commit, as a database outage would.
// The whole class: a 5xx after the commit used to free the key, and the client's retry did the work a second time.
import Fastify, { type FastifyInstance } from 'fastify';
import { installErrorHandling } from '../../api/http/error-handler.js';
import { installIdempotency } from '../../api/http/idempotency.js';
import { noteEffectLocation } from '../../src/db/committed-effects.js';
import type { Orm } from '../../src/db/orm.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;
let orm: Orm;
let app: FastifyInstance;
/** How each call of the route ends: after its transaction commits, or inside it (rolled back). */
let failure: 'none' | 'after-commit' | 'before-commit' | 'after-savepoint' = 'none';
/** Whether the route names where its result can be read (as the creating routes do). */
let located = false;

/** What an outage looks like to the route: pg's own message for a connection that went away. */
const outage = () => new Error('Connection terminated unexpectedly');

beforeAll(async () => {
  db = await createTestDatabase();
  orm = db.orm;
  await orm.em.fork().execute('CREATE TABLE IF NOT EXISTS effect_probe (id serial PRIMARY KEY, label text NOT NULL)');
  app = Fastify({ logger: false });
  installErrorHandling(app);
  installIdempotency(app, orm, { abandonedAfterMs: 1_000, waitForFirstMs: 300 });
  app.post('/effects', { config: { idempotency: true } }, async (request, reply) => {
    const label = (request.body as { label: string }).label;
    await orm.em.fork().transactional(async (tx) => {
      if (failure === 'after-savepoint') {
        // A nested transaction is a savepoint: releasing it commits nothing yet.
        await tx.transactional(async (inner) => inner.execute('INSERT INTO effect_probe (label) VALUES (?)', [label]));
        throw outage();
      }
      const [row] = await tx.execute<{ id: number }[]>('INSERT INTO effect_probe (label) VALUES (?) RETURNING id', [
        label,
      ]);
      if (located) noteEffectLocation(`/effects/${row!.id}`);
      if (failure === 'before-commit') throw outage();
    });
    if (failure === 'after-commit') throw outage();
    return reply.status(201).send({ label });
  });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

const send = (key: string, label: string) =>
  app.inject({ method: 'POST', url: '/effects', headers: { 'idempotency-key': key }, payload: { label } });

async function effects(label: string): Promise<number> {
  const [{ n }] = await orm.em
    .fork()
    .execute<{ n: string }[]>('SELECT count(*) AS n FROM effect_probe WHERE label = ?', [label]);
  return Number(n);
}

it('keeps the key of a request that failed after its commit: the retry never runs it again, and says it took effect', async () => {
  failure = 'after-commit';
  expect((await send('after-commit-1', 'a')).statusCode).toBe(503);
  failure = 'none';
  // While the first might still answer, a retry is told to wait; once the claim is abandoned, it is told why.
  const meanwhile = await send('after-commit-1', 'a');
  expect([meanwhile.statusCode, meanwhile.json().type]).toEqual([
    409,
    expect.stringMatching(/idempotency-in-progress$/),
  ]);
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  const later = await send('after-commit-1', 'a');
  expect([later.statusCode, later.json().type]).toEqual([409, expect.stringMatching(/idempotency-effect-unanswered$/)]);
  expect(await effects('a')).toBe(1);
});

it('sends the repeat of a request whose answer was lost to its result (303 See Other), without running it again', async () => {
  failure = 'after-commit';
  located = true;
  try {
    expect((await send('after-commit-2', 'd')).statusCode).toBe(503);
    failure = 'none';
    const repeat = await send('after-commit-2', 'd');
    const [{ id }] = await orm.em
      .fork()
      .execute<{ id: number }[]>('SELECT id FROM effect_probe WHERE label = ?', ['d']);
    expect([repeat.statusCode, repeat.headers.location, repeat.json().type]).toEqual([
      303,
      `/effects/${id}`,
      expect.stringMatching(/see-other$/),
    ]);
    expect(await effects('d')).toBe(1);
  } finally {
    located = false;
  }
});

it('frees the key of a request that failed before its commit, so its retry runs once', async () => {
  failure = 'before-commit';
  expect((await send('before-commit-1', 'b')).statusCode).toBe(503);
  failure = 'none';
  const retry = await send('before-commit-1', 'b');
  expect(retry.statusCode).toBe(201);
  const replay = await send('before-commit-1', 'b');
  expect([replay.statusCode, replay.headers['idempotent-replayed']]).toEqual([201, 'true']);
  expect(await effects('b')).toBe(1);
});

it('counts only the outermost commit: a released savepoint of a transaction rolled back is no effect', async () => {
  failure = 'after-savepoint';
  expect((await send('savepoint-1', 'c')).statusCode).toBe(503);
  expect(await effects('c')).toBe(0);
  failure = 'none';
  expect((await send('savepoint-1', 'c')).statusCode).toBe(201);
  expect(await effects('c')).toBe(1);
});
