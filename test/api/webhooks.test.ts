// Webhooks end to end: the real app and worker on the Temporal dev server, deliveries to a real HTTP receiver on
// loopback that refuses the first attempts. Staging policy in seconds: retries after 1 s, 2 s, 2 s...; dead after 6 s.
import { randomBytes, randomUUID } from 'node:crypto';
import { resealSecrets } from '../../src/webhooks/store/subscriptions.js';
import { workflowIds } from '../../src/temporal/ids.js';
import { customerFixture, eventually, startTestEngine, type TestEngine } from '../support/engine.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const POLICY_ENV = {
  WEBHOOK_POLL_EVERY: 'PT1S',
  WEBHOOK_FIRST_RETRY_AFTER: 'PT1S',
  WEBHOOK_MAX_RETRY_INTERVAL: 'PT2S',
  WEBHOOK_RETRY_FOR: 'PT6S',
  WEBHOOK_REQUEST_TIMEOUT: 'PT5S',
};

// Signing secrets are sealed with this file's own key (the worker runs in this process and reads the same variable).
const FIRST_KEY = `k1:${randomBytes(32).toString('base64')}`;
process.env.DATA_ENCRYPTION_KEYS = FIRST_KEY;

let engine: TestEngine;
const receivers: WebhookReceiver[] = [];
beforeAll(async () => {
  engine = await startTestEngine({ env: POLICY_ENV });
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await engine?.close();
});

async function receiver(failFirst: number): Promise<WebhookReceiver> {
  const r = await startWebhookReceiver({ failFirst });
  receivers.push(r);
  return r;
}

async function subscribe(r: WebhookReceiver, eventTypes: string[]): Promise<string> {
  const res = await engine.app.inject({
    method: 'POST',
    url: '/webhooks',
    payload: { url: r.url, eventTypes, description: 'test receiver' },
  });
  expect(res.statusCode).toBe(201);
  const body = res.json();
  expect(body.secret).toMatch(/^whsec_/);
  r.secret = body.secret;
  return body.id;
}

async function newCustomer(): Promise<string> {
  const res = await engine.app.inject({
    method: 'POST',
    url: '/customers',
    payload: customerFixture({ legalName: `Hooked ${randomUUID()}` }),
  });
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

async function deliveries(subscriptionId: string, query = '') {
  const res = await engine.app.inject({ method: 'GET', url: `/webhooks/${subscriptionId}/deliveries${query}` });
  expect(res.statusCode).toBe(200);
  return res.json().items as {
    id: string;
    eventType: string;
    entityKey: string;
    status: string;
    attempts: number;
    manualRetries: number;
    attemptLog: { attemptNo: number; statusCode: number | null; outcome: string; responseExcerpt: string | null }[];
  }[];
}

it('delivers every event once after the receiver recovers, signed, in order per entity', async () => {
  const r = await receiver(2);
  const subscriptionId = await subscribe(r, ['customer.*']);
  const shown = (await engine.app.inject({ method: 'GET', url: `/webhooks/${subscriptionId}` })).json();
  expect(shown).not.toHaveProperty('secret');

  const a = await newCustomer();
  const b = await newCustomer();
  const patched = await engine.app.inject({
    method: 'PATCH',
    url: `/customers/${a}`,
    payload: { displayName: 'A renamed' },
  });
  expect(patched.statusCode).toBe(200);

  await eventually(
    async () => (r.accepted.filter((x) => [a, b].includes(x.entityId)).length >= 3 ? true : undefined),
    40_000,
    200,
  );
  const mine = r.accepted.filter((x) => [a, b].includes(x.entityId));
  expect(mine.map((x) => `${x.entityId === a ? 'a' : 'b'}:${x.type}`).sort()).toEqual([
    'a:customer.created',
    'a:customer.updated',
    'b:customer.created',
  ]);
  // Per entity in order: a's update arrived after a's creation, although both were refused twice first.
  const ofA = mine.filter((x) => x.entityId === a).map((x) => x.type);
  expect(ofA).toEqual(['customer.created', 'customer.updated']);
  const aRequests = r.requests.filter((x) => x.entityId === a);
  const firstUpdate = aRequests.findIndex((x) => x.type === 'customer.updated');
  const createdAccepted = aRequests.findIndex((x) => x.type === 'customer.created' && x.status === 200);
  expect(firstUpdate).toBeGreaterThan(createdAccepted);
  // Every request was signed correctly; each event came with one delivery id (retries reuse it).
  expect(r.requests.every((x) => x.signatureValid)).toBe(true);
  const idsPerEvent = new Map<string, Set<string>>();
  for (const x of r.requests) idsPerEvent.set(x.eventId, (idsPerEvent.get(x.eventId) ?? new Set()).add(x.deliveryId));
  expect([...idsPerEvent.values()].every((ids) => ids.size === 1)).toBe(true);
  expect(new Set(mine.map((x) => x.eventId)).size).toBe(3);

  const created = await eventually(
    async () =>
      (await deliveries(subscriptionId)).find((d) => d.entityKey === `customer:${b}` && d.status === 'delivered'),
    20_000,
    200,
  );
  expect(created).toMatchObject({ status: 'delivered', attempts: 3 });
  expect(created.attemptLog.map((x) => [x.statusCode, x.outcome])).toEqual([
    [503, 'retry'],
    [503, 'retry'],
    [200, 'delivered'],
  ]);
  expect(created.attemptLog[0]!.responseExcerpt).toBe('attempt 1 refused');
});

it('dead-letters after the retry window and delivers on a manual retry with the same delivery id', async () => {
  const r = await receiver(Infinity);
  const subscriptionId = await subscribe(r, ['customer.created']);
  const id = await newCustomer();
  const dead = await eventually(
    async () => (await deliveries(subscriptionId, '?status=dead')).find((d) => d.entityKey === `customer:${id}`),
    90_000,
    300,
  );
  // Attempts about 0, 1, 3 and 5 s after the first; the next would fall outside the 6 s window. A slow machine can
  // push the third past 4 s, and then its successor out of the window: three or four attempts, the last one dead.
  // (The exact schedule is shown on the time-skipping server and in the unit tests.)
  expect([3, 4]).toContain(dead.attempts);
  expect(dead.attemptLog.map((x) => x.outcome)).toEqual([...Array(dead.attempts - 1).fill('retry'), 'dead']);
  expect(r.accepted).toHaveLength(0);

  r.failFirst = 0;
  const retried = await engine.app.inject({
    method: 'POST',
    url: `/webhooks/${subscriptionId}/deliveries/${dead.id}/retry`,
  });
  expect(retried.statusCode).toBe(202);
  expect(retried.json()).toMatchObject({ status: 'pending', manualRetries: 1 });
  await eventually(async () => (r.accepted.length === 1 ? true : undefined), 20_000, 200);
  expect(r.accepted[0]).toMatchObject({ deliveryId: dead.id, entityId: id, type: 'customer.created' });
  const after = await eventually(
    async () => (await deliveries(subscriptionId)).find((d) => d.id === dead.id && d.status === 'delivered'),
    20_000,
    200,
  );
  expect(after).toMatchObject({ status: 'delivered', attempts: dead.attempts + 1, manualRetries: 1 });

  const again = await engine.app.inject({
    method: 'POST',
    url: `/webhooks/${subscriptionId}/deliveries/${dead.id}/retry`,
  });
  expect(again.statusCode).toBe(409);
  const unknown = await engine.app.inject({
    method: 'POST',
    url: `/webhooks/${subscriptionId}/deliveries/${randomUUID()}/retry`,
  });
  expect(unknown.statusCode).toBe(404);
});

it('loses nothing when the database drops every connection between the changes and their delivery', async () => {
  const r = await receiver(0);
  r.delayMs = 800; // keeps attempts in flight while the connections are cut
  const subscriptionId = await subscribe(r, ['customer.created']);
  const ids = [await newCustomer(), await newCustomer(), await newCustomer()];
  // The changes are committed with their events; now every connection of the engine's database is cut, twice, while
  // the dispatcher fans out and attempts (its activities fail and are retried).
  for (const pause of [300, 900]) {
    await new Promise((resolve) => setTimeout(resolve, pause));
    await engine.db.orm.em
      .fork()
      .execute(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
      );
  }
  await eventually(
    async () =>
      (await deliveries(subscriptionId)).filter((d) => d.status === 'delivered').length === 3 ? true : undefined,
    60_000,
    300,
  );
  expect(r.accepted.map((x) => x.entityId).sort()).toEqual([...ids].sort());
  // At most a repeat of an attempt whose answer was lost with its connection: the receiver sees one delivery id per event.
  expect(new Set(r.requests.map((x) => x.deliveryId)).size).toBe(3);
});

it('keeps the signing secret sealed at rest, and deliveries stay signed across a key rotation and re-seal', async () => {
  const r = await receiver(0);
  const subscriptionId = await subscribe(r, ['customer.created']);
  const stored = async () =>
    (
      await engine.db.orm.em
        .fork()
        .execute<{ secret: string }[]>('SELECT secret FROM webhook_subscription WHERE id = ?', [subscriptionId])
    )[0]!.secret;
  const sealed = await stored();
  expect(sealed).not.toContain(r.secret.slice('whsec_'.length));
  expect(sealed).toMatch(/^sealed:v1:k1:/);

  // Rotation: the new key first, the old one still listed; stored secrets open with either, reseal moves them on.
  process.env.DATA_ENCRYPTION_KEYS = `k2:${randomBytes(32).toString('base64')},${FIRST_KEY}`;
  const before = await newCustomer();
  await eventually(async () => (r.accepted.some((x) => x.entityId === before) ? true : undefined), 30_000, 200);
  expect(await resealSecrets(engine.db.orm.em.fork())).toBeGreaterThanOrEqual(1);
  expect(await stored()).toMatch(/^sealed:v1:k2:/);
  const after = await newCustomer();
  await eventually(async () => (r.accepted.some((x) => x.entityId === after) ? true : undefined), 30_000, 200);
  expect(r.requests.every((x) => x.signatureValid)).toBe(true);
});

it('validates subscriptions and stops delivering after DELETE', async () => {
  const bad = await engine.app.inject({
    method: 'POST',
    url: '/webhooks',
    payload: { url: 'ftp://x', eventTypes: [] },
  });
  expect(bad.statusCode).toBe(400);
  const unknown = await engine.app.inject({
    method: 'POST',
    url: '/webhooks',
    payload: { url: 'http://127.0.0.1:9/x', eventTypes: ['invoice.exploded'] },
  });
  // The document lists every event type, so one it does not list is malformed input, named like any other.
  expect(unknown.statusCode).toBe(400);
  expect(unknown.json().errors[0].pointer).toBe('/eventTypes/0');

  const r = await receiver(0);
  const subscriptionId = await subscribe(r, ['customer.created']);
  const listed = (await engine.app.inject({ method: 'GET', url: '/webhooks?limit=200' })).json();
  expect(listed.items.map((s: { id: string }) => s.id)).toContain(subscriptionId);
  const deleted = await engine.app.inject({ method: 'DELETE', url: `/webhooks/${subscriptionId}` });
  expect(deleted.statusCode).toBe(200);
  expect(deleted.json().status).toBe('deleted');
  const result = await engine.temporal.workflow.getHandle(workflowIds.webhookDispatcher(subscriptionId)).result();
  expect(result.stopped).toBe(true);
  await newCustomer();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(r.requests).toHaveLength(0);
  const after = (await engine.app.inject({ method: 'GET', url: '/webhooks?limit=200' })).json();
  expect(after.items.map((s: { id: string }) => s.id)).not.toContain(subscriptionId);
});
