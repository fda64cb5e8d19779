// What a client sees while PostgreSQL is down and right after it is back: every request that needs the database is
// answered 503 problem+json with Retry-After (bounded by DATABASE_ACQUIRE_TIMEOUT and HTTP_REQUEST_TIMEOUT, never a
// hang and never a 500), a client's own mistake keeps its 4xx, and once the database is back the same API process
// serves again without being restarted.
import { randomUUID } from 'node:crypto';
import { paymentBody } from '../support/business.js';
import { waitFor, type HttpResponse, type Stand } from '../support/stand.js';

/** Above the API's request timeout (PT30S by default): an answer later than this counts as a hang. */
const HANG_AFTER_MS = 45_000;

export interface OutageAnswers {
  /** Answers to requests that need the database, and the slowest of them in ms. */
  unavailable: number;
  slowestMs: number;
}

async function timed(
  stand: Stand,
  method: string,
  path: string,
  options: Parameters<Stand['http']>[2] = {},
): Promise<HttpResponse & { ms: number }> {
  const started = performance.now();
  const res = await stand.http(method, path, {
    ...options,
    headers: { ...options.headers },
    signal: AbortSignal.timeout(HANG_AFTER_MS),
  });
  return { ...res, ms: performance.now() - started };
}

function expectUnavailable(res: HttpResponse, what: string): void {
  const seen = {
    what,
    status: res.status,
    type: res.headers.get('content-type'),
    retryAfter: res.headers.get('retry-after'),
    problemStatus: res.json?.status,
  };
  expect(seen).toEqual({
    what,
    status: 503,
    type: expect.stringContaining('application/problem+json'),
    retryAfter: expect.stringMatching(/^\d+$/),
    problemStatus: 503,
  });
}

/** Requests sent while the database is stopped: reads and writes get 503s, a malformed body still gets its 400. */
export async function probeDatabaseDown(stand: Stand, customerId: string): Promise<OutageAnswers> {
  const answers = await Promise.all([
    timed(stand, 'GET', '/customers?limit=5'),
    timed(stand, 'GET', `/customers/${customerId}`),
    timed(stand, 'POST', '/payments', { idempotencyKey: randomUUID(), body: paymentBody(customerId, 1_000) }),
    timed(stand, 'POST', '/customers', {
      idempotencyKey: randomUUID(),
      body: {
        legalName: 'Outage Probe',
        email: 'probe@customer.example',
        currency: 'USD',
        billingAddress: { line1: '1 Main St', city: 'Austin', postalCode: '78701', country: 'US' },
        allowDuplicate: true,
      },
    }),
  ]);
  answers.forEach((res, i) =>
    expectUnavailable(res, ['list customers', 'read a customer', 'post a payment', 'create a customer'][i]!),
  );
  // Schema validation runs before anything touches the database: the client's mistake is still named as such.
  const mistake = await timed(stand, 'POST', '/payments', {
    idempotencyKey: randomUUID(),
    body: { customerId, amount: { amount: 1.5, currency: 'USD' } },
  });
  expect({ status: mistake.status, type: mistake.headers.get('content-type') }).toEqual({
    status: 400,
    type: expect.stringContaining('application/problem+json'),
  });
  return { unavailable: answers.length, slowestMs: Math.max(...answers.map((a) => a.ms)) };
}

/** After the database is back the same API process answers again by itself (no restart), reads and writes. */
export async function probeDatabaseBack(stand: Stand, customerId: string): Promise<void> {
  await waitFor(
    'the API reading from the database again',
    async () => ((await stand.http('GET', `/customers/${customerId}`)).status === 200 ? true : undefined),
    60_000,
    500,
  );
  const write = await stand.http('POST', '/payments', {
    idempotencyKey: randomUUID(),
    body: paymentBody(customerId, 1_000),
    retryForMs: 30_000,
  });
  expect(write.status).toBe(201);
}
