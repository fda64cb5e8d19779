// Collections through the HTTP API on the real dev server: dunning policies (versioned, validated with pointers),
// assignments, and promises to pay validated by the running collection. Bad input answers 400/422 problem+json and
// changes nothing.
import { randomUUID } from 'node:crypto';
import { Value } from 'typebox/value';
import { DunningPolicySchema, PolicyVersionsSchema } from '../../api/collections/schemas.js';
import { latestPolicy } from '../../src/collections/store/policies.js';
import { addDays } from '../../src/shared/calendar-date.js';
import { DEFAULT_DUNNING_POLICY } from '../../src/collections/rules/dunning-policy.js';
import { workflowIds } from '../../src/temporal/ids.js';
import { collectionStateQuery, invoiceOverdueSignal } from '../../workflows/collections/messages.js';
import type { collectionWorkflow } from '../../workflows/collections/collection.js';
import { insertCustomer } from '../support/customers.js';
import { eventually, startTestEngine, type TestEngine } from '../support/engine.js';
import { consultingLines, issueInvoiceDirectly } from '../support/invoices.js';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(async () => {
  await engine?.close();
});

const policy = () => JSON.parse(JSON.stringify(DEFAULT_DUNNING_POLICY));
const put = (code: string, payload: unknown) =>
  engine.app.inject({ method: 'PUT', url: `/policies/dunning/${code}`, payload: payload as object });
const versions = async (code: string) => {
  const res = await engine.app.inject({ method: 'GET', url: `/policies/dunning/${code}` });
  return res.statusCode === 200 ? (res.json() as { versions: { version: number }[] }).versions.length : 0;
};

it('stores policies as versions and lists them newest first', async () => {
  const first = await put('wholesale', policy());
  expect(first.statusCode).toBe(201);
  expect(first.json()).toMatchObject({
    code: 'wholesale',
    version: 1,
    levels: [{ name: 'reminder' }, { name: 'demand' }, { name: 'final_notice' }, { name: 'legal' }],
  });
  const changed = policy();
  changed.levels[1].contactEvery = 'P5D';
  expect((await put('wholesale', changed)).json()).toMatchObject({ version: 2 });
  const list = await engine.app.inject({ method: 'GET', url: '/policies/dunning/wholesale' });
  expect(
    list
      .json()
      .versions.map((v: { version: number; levels: { contactEvery: string }[] }) => [
        v.version,
        v.levels[1]!.contactEvery,
      ]),
  ).toEqual([
    [2, 'P5D'],
    [1, 'P7D'],
  ]);
  expect(
    (await engine.app.inject({ method: 'GET', url: '/policies/dunning/standard' })).json().versions[0],
  ).toMatchObject({ version: 1, createdBy: 'system' });
  // What a client checking answers against the published schema sees: the stored fields are part of each version.
  expect(Value.Check(PolicyVersionsSchema, list.json())).toBe(true);
  expect(Value.Check(DunningPolicySchema, first.json())).toBe(true);
  // Where its tasks escalate at their deadlines: stored as sent, and read back.
  const escalating = await put('wholesale', { ...policy(), managerQueue: 'collections-managers' });
  expect([escalating.statusCode, escalating.json().managerQueue]).toEqual([201, 'collections-managers']);
  expect(
    (await engine.app.inject({ method: 'GET', url: '/policies/dunning/wholesale' })).json().versions[0].managerQueue,
  ).toBe('collections-managers');
  expect((await put('wholesale', { ...policy(), managerQueue: 'Managers!' })).statusCode).toBe(400);
});

it.each([
  [
    'an invalid ISO duration',
    (p: typeof DEFAULT_DUNNING_POLICY) => ((p.levels[1] as { contactEvery: string }).contactEvery = 'weekly'),
    400,
    '/levels/1/contactEvery',
  ],
  [
    'a contact interval of zero',
    (p: typeof DEFAULT_DUNNING_POLICY) => ((p.levels[1] as { contactEvery: string }).contactEvery = 'PT0S'),
    400,
    '/levels/1/contactEvery',
  ],
  [
    'a channel twice',
    (p: typeof DEFAULT_DUNNING_POLICY) => ((p.levels[0] as { channels: string[] }).channels = ['email', 'email']),
    400,
    '/levels/0/channels',
  ],
  [
    'levels out of order',
    (p: typeof DEFAULT_DUNNING_POLICY) => ((p.levels[2]!.trigger as { pastDueFor: string }).pastDueFor = 'P10D'),
    422,
    '/levels/2/trigger/pastDueFor',
  ],
  [
    'a template that does not exist',
    (p: typeof DEFAULT_DUNNING_POLICY) => ((p.levels[0] as { template: string }).template = 'dunning-nope'),
    400,
    '/levels/0/template',
  ],
  [
    'a day-count basis other than 360/365',
    (p: typeof DEFAULT_DUNNING_POLICY) =>
      ((p.levels[2]!.lateFee as { interest: { basis: number } }).interest.basis = 364),
    400,
    '/levels/2/lateFee',
  ],
  ['an unknown field', (p: typeof DEFAULT_DUNNING_POLICY) => Object.assign(p, { colour: 'red' }), 400, ''],
])('refuses %s and stores nothing', async (_name, change, status, pointer) => {
  const before = await versions('retail');
  const p = policy();
  change(p);
  const res = await put('retail', p);
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toContain('application/problem+json');
  expect(JSON.stringify(res.json().errors)).toContain(`"${pointer}`);
  expect(await versions('retail')).toBe(before);
});

it('refuses an unknown policy code for an assignment or a customer override (422) and for reading (404)', async () => {
  const assign = await engine.app.inject({
    method: 'PUT',
    url: '/policies/dunning-assignments/high',
    payload: { policyCode: 'no-such-policy' },
  });
  expect(assign.statusCode).toBe(422);
  expect(assign.json().errors).toEqual([expect.objectContaining({ pointer: '/policyCode' })]);
  const assignments = await engine.app.inject({ method: 'GET', url: '/policies/dunning-assignments' });
  expect(assignments.json()).toEqual([expect.objectContaining({ segment: 'default', policyCode: 'standard' })]);
  const customer = await insertCustomer(engine.db.orm, { currency: 'EUR' });
  const override = await engine.app.inject({
    method: 'PUT',
    url: `/customers/${customer.id}/dunning-policy`,
    payload: { policyCode: 'no-such-policy' },
  });
  expect(override.statusCode).toBe(422);
  expect((await engine.app.inject({ method: 'GET', url: '/policies/dunning/no-such-policy' })).statusCode).toBe(404);
  expect(
    (
      await engine.app.inject({
        method: 'PUT',
        url: `/customers/${customer.id}/dunning-policy`,
        payload: { policyCode: 'standard' },
      })
    ).json(),
  ).toMatchObject({ policyCode: 'standard', source: 'customer' });
});

it('records a promise to pay through the running collection, refusing one in the past or above the overdue total', async () => {
  const customer = await insertCustomer(engine.db.orm, { currency: 'EUR' });
  const promise = (body: unknown) =>
    engine.app.inject({ method: 'POST', url: `/customers/${customer.id}/promises`, payload: body as object });
  const today = new Date().toISOString().slice(0, 10);

  // Nothing overdue, no collection: nothing to promise against.
  const early = await promise({ amount: { amount: 100, currency: 'EUR' }, date: addDays(today, 5) });
  expect(early.statusCode).toBe(422);

  const issued = await issueInvoiceDirectly(
    engine.db.orm,
    { customerId: customer.id, lines: consultingLines('EUR'), dueDate: addDays(today, -20) },
    addDays(today, -50),
  );
  await engine.db.orm.em
    .fork()
    .execute(
      `UPDATE invoice SET status = 'overdue', overdue_since = ?, overdue_at = now() - interval '19 days' WHERE id = ?`,
      [addDays(today, -19), issued.id],
    );
  const standard = await latestPolicy(engine.db.orm.em.fork(), 'standard');
  const handle = await engine.temporal.workflow.signalWithStart<
    typeof collectionWorkflow,
    [{ invoiceId: string; overdueAt: string }]
  >('collectionWorkflow', {
    workflowId: workflowIds.collection(customer.id),
    taskQueue: engine.config.temporal.taskQueue,
    args: [{ customerId: customer.id, policy: standard! }],
    signal: invoiceOverdueSignal,
    signalArgs: [{ invoiceId: issued.id, overdueAt: new Date().toISOString() }],
  });
  await eventually(async () =>
    (await handle.query(collectionStateQuery)).levelName === 'reminder' ? true : undefined,
  );

  const cases: [unknown, number, string][] = [
    [{ amount: { amount: 100, currency: 'EUR' }, date: addDays(today, -1) }, 422, '/date'],
    [{ amount: { amount: 148_151, currency: 'EUR' }, date: addDays(today, 5) }, 422, '/amount/amount'],
    [{ amount: { amount: 100, currency: 'EUR' }, date: addDays(today, 45) }, 422, '/date'],
    [{ amount: { amount: 100, currency: 'USD' }, date: addDays(today, 5) }, 422, '/amount/currency'],
    [{ amount: { amount: 100, currency: 'EUR' }, date: 'tomorrow' }, 400, '/date'],
  ];
  for (const [body, status, pointer] of cases) {
    const res = await promise(body);
    expect([res.statusCode, res.json().errors?.[0]?.pointer]).toEqual([status, pointer]);
  }
  expect((await engine.app.inject({ method: 'GET', url: `/customers/${customer.id}/promises` })).json().items).toEqual(
    [],
  );

  const ok = await promise({ amount: { amount: 50_000, currency: 'EUR' }, date: addDays(today, 7) });
  expect(ok.statusCode).toBe(201);
  expect(ok.json()).toMatchObject({
    amount: { amount: 50_000, currency: 'EUR' },
    promisedDate: addDays(today, 7),
    status: 'open',
    invoiceIds: [issued.id],
  });
  const second = await promise({ amount: { amount: 1000, currency: 'EUR' }, date: addDays(today, 8) });
  expect(second.statusCode).toBe(422); // at most one open promise under the standard policy
  expect(
    (await engine.app.inject({ method: 'GET', url: `/customers/${customer.id}/promises` })).json().items,
  ).toHaveLength(1);
  expect((await handle.query(collectionStateQuery)).phase).toBe('paused_by_promise');

  const view = await engine.app.inject({ method: 'GET', url: `/collections/${customer.id}` });
  expect(view.json()).toMatchObject({
    running: true,
    state: { levelName: 'reminder' },
    promises: [{ status: 'open' }],
  });
  expect(view.json().contacts.map((c: { channel: string; level: string }) => [c.channel, c.level])).toEqual([
    ['email', 'reminder'],
  ]);

  const call = await engine.app.inject({
    method: 'POST',
    url: `/collections/${customer.id}/contacts`,
    payload: { channel: 'call', outcome: 'reached', note: 'pays next week' },
  });
  expect(call.statusCode).toBe(201);
  expect(call.json()).toMatchObject({ channel: 'call', outcome: 'reached', level: 'reminder' });
  const badContact = await engine.app.inject({
    method: 'POST',
    url: `/collections/${customer.id}/contacts`,
    payload: { channel: 'pigeon', outcome: 'x' },
  });
  expect(badContact.statusCode).toBe(400);

  const worklist = await engine.app.inject({
    method: 'GET',
    url: `/collections/worklist?until=${encodeURIComponent(addDays(today, 30) + 'T00:00:00Z')}`,
  });
  expect(worklist.statusCode).toBe(200);
  expect(worklist.json().items.find((i: { customerId: string }) => i.customerId === customer.id)).toMatchObject({
    level: 'reminder',
    overdue: { amount: 148_150, currency: 'EUR' },
  });

  const migrate = await engine.app.inject({
    method: 'POST',
    url: `/collections/${customer.id}/migrate-policy`,
    payload: { policyCode: 'no-such-policy' },
  });
  expect(migrate.statusCode).toBe(422);
  const same = await engine.app.inject({
    method: 'POST',
    url: `/collections/${customer.id}/migrate-policy`,
    payload: {},
  });
  expect(same.statusCode).toBe(409);
  void randomUUID;
});
