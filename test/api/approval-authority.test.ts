// Authority by amount and four eyes through the real API, worker, PostgreSQL and Temporal: an override above the
// credit manager's ceiling is refused naming the ceiling, changes nothing and is routed up to the finance director,
// who releases it; a rejection within the duty passes; above the highest ceiling two different finance directors
// approve; nobody (an API key holding both duties, a credit manager who applied) decides their own request.
import { recordApproval } from '../../src/tasks/store/approvals.js';
import { eventually, startTestEngine, type TestEngine } from '../support/engine.js';
import { customerFixture } from '../support/engine.js';
import { soundCreditApplication, staffRequests, type Headers } from '../support/staff-requests.js';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(async () => {
  await engine?.close();
});

const { as, get, post } = staffRequests(() => engine);

/** A customer on credit hold: every invoice it gets is issued held and waits for a credit override. */
async function heldCustomer(legalName: string): Promise<string> {
  const created = await post(
    '/customers',
    customerFixture({ legalName, email: `ap@${legalName.toLowerCase().replace(/\W/g, '')}.example` }),
  );
  expect(created.statusCode).toBe(201);
  const customerId = created.json().id;
  expect(
    (
      await post(
        `/customers/${customerId}/hold`,
        { reason: 'order above usual volume' },
        await as('credit_manager', 'hold-desk'),
      )
    ).statusCode,
  ).toBe(200);
  return customerId;
}

/** Issues an invoice of `amount` minor units (no tax) and returns it with its override task. */
async function heldInvoice(customerId: string, amount: number, headers: Headers) {
  const issued = await post(
    '/invoices',
    {
      customerId,
      lines: [{ description: 'Turbine overhaul', quantity: 1, unitPrice: { amount, currency: 'EUR' }, taxRate: '0' }],
    },
    headers,
  );
  expect(issued.statusCode).toBe(201);
  expect(issued.json().status).toBe('held');
  const invoiceId: string = issued.json().id;
  const task = await eventually(
    async () =>
      (await get(`/tasks?subjectId=${invoiceId}&type=credit_override`, await as('finance_director', 'looker'))).json()
        .items[0],
    60_000,
  );
  return { invoiceId, task: task as { id: string; queue: string; payload: Record<string, unknown> } };
}

const taskRow = async (taskId: string) => (await get(`/tasks/${taskId}`, await as('auditor', 'audit'))).json();
const invoiceStatus = async (invoiceId: string) => (await get(`/invoices/${invoiceId}`)).json().status as string;

it('publishes the ceilings it enforces', async () => {
  const policy = (await get('/policies/approval-authority', await as('auditor', 'audit'))).json();
  expect(policy.ceilings).toEqual(
    expect.arrayContaining([
      { currency: '*', role: 'credit_manager', upTo: { amount: 5_000_000, currency: '*' }, queue: 'credit-manager' },
      {
        currency: '*',
        role: 'finance_director',
        upTo: { amount: 25_000_000, currency: '*' },
        queue: 'finance-director',
      },
    ]),
  );
  expect(policy).toMatchObject({
    approvalsAboveHighestCeiling: 2,
    taskTypes: expect.arrayContaining(['credit_approval', 'credit_override', 'write_off_proposal']),
  });
});

it("refuses a credit manager an override above their ceiling (403 naming it, nothing changes), routes it up, and the finance director's approval releases the invoice", async () => {
  const customerId = await heldCustomer('Wayne Turbines');
  const { invoiceId, task } = await heldInvoice(customerId, 6_000_000, await as('ar_clerk', 'clara'));
  expect(task).toMatchObject({ queue: 'credit', payload: { amount: { amount: 6_000_000, currency: 'EUR' } } });

  const manager = await as('credit_manager', 'cm-1');
  expect((await post(`/tasks/${task.id}/claim`, {}, manager)).statusCode).toBe(200);
  const refused = await post(`/tasks/${task.id}/complete`, { outcome: 'approve', comment: 'good customer' }, manager);
  expect(refused.statusCode).toBe(403);
  expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(refused.json()).toMatchObject({
    ceiling: { amount: 5_000_000, currency: 'EUR' },
    role: 'credit_manager',
    routedTo: 'finance-director',
  });
  expect(refused.json().detail).toContain('credit_manager may approve up to 50,000.00 EUR');

  // Nothing was decided: the invoice is still held; the task moved to the finance director's queue, open again.
  const routed = await eventually(async () => {
    const row = await taskRow(task.id);
    return row.queue === 'finance-director' ? row : undefined;
  });
  expect(routed).toMatchObject({ status: 'open', assignee: null, outcome: null });
  expect(routed.activity.map((a: { kind: string }) => a.kind)).toContain('escalated');
  expect(await invoiceStatus(invoiceId)).toBe('held');
  // No longer the manager's queue: to them the task is not there (a payload is for those who work or oversee it).
  expect((await post(`/tasks/${task.id}/claim`, {}, manager)).statusCode).toBe(404);

  const director = await as('finance_director', 'fd-1');
  expect((await post(`/tasks/${task.id}/claim`, {}, director)).statusCode).toBe(200);
  const approved = await post(
    `/tasks/${task.id}/complete`,
    { outcome: 'approve', comment: 'order confirmed with the CFO' },
    director,
  );
  expect(approved.statusCode).toBe(200);
  expect(approved.json()).toMatchObject({ outcome: 'approve', completedBy: 'fd-1' });
  expect(
    await eventually(
      async () => ((await invoiceStatus(invoiceId)) === 'held' ? undefined : invoiceStatus(invoiceId)),
      60_000,
    ),
  ).toMatch(/^(issued|delivered)$/);
});

it('lets a credit manager reject an override above their ceiling: rejecting stays within the duty', async () => {
  const customerId = await heldCustomer('Stark Pumps');
  const { invoiceId, task } = await heldInvoice(customerId, 7_000_000, await as('ar_clerk', 'clara'));
  const manager = await as('credit_manager', 'cm-2');
  expect((await post(`/tasks/${task.id}/claim`, {}, manager)).statusCode).toBe(200);
  const rejected = await post(
    `/tasks/${task.id}/complete`,
    { outcome: 'reject', comment: 'exposure far beyond what we agreed' },
    manager,
  );
  expect(rejected.statusCode).toBe(200);
  expect(
    await eventually(async () => ((await invoiceStatus(invoiceId)) === 'cancelled' ? 'cancelled' : undefined), 60_000),
  ).toBe('cancelled');
});

it('needs two different finance directors above the highest ceiling; the first approval alone changes nothing', async () => {
  const customerId = await heldCustomer('Tyrell Energy');
  const { invoiceId, task } = await heldInvoice(customerId, 30_000_000, await as('ar_clerk', 'clara'));
  const first = await as('finance_director', 'fd-1');
  expect((await post(`/tasks/${task.id}/claim`, {}, first)).statusCode).toBe(200);
  const one = await post(`/tasks/${task.id}/complete`, { outcome: 'approve', comment: 'strategic order' }, first);
  expect(one.statusCode).toBe(202);
  expect(one.json()).toMatchObject({ status: 'awaiting_approval', approvalsRequired: 2, approvals: [{ by: 'fd-1' }] });
  expect(await invoiceStatus(invoiceId)).toBe('held');
  expect(await taskRow(task.id)).toMatchObject({ status: 'open', assignee: null, outcome: null });

  const again = await post(`/tasks/${task.id}/complete`, { outcome: 'approve' }, first);
  expect(again.statusCode).toBe(403);
  expect(again.json().detail).toContain('a different person must give the next');

  const second = await as('finance_director', 'fd-2');
  expect((await post(`/tasks/${task.id}/claim`, {}, second)).statusCode).toBe(200);
  const two = await post(`/tasks/${task.id}/complete`, { outcome: 'approve', comment: 'agreed' }, second);
  expect(two.statusCode).toBe(200);
  expect(two.json()).toMatchObject({ completedBy: 'fd-2' });
  expect(
    await eventually(
      async () => ((await invoiceStatus(invoiceId)) === 'held' ? undefined : invoiceStatus(invoiceId)),
      60_000,
    ),
  ).toMatch(/^(issued|delivered)$/);
  const trail = (await taskRow(task.id)).activity.map((a: { kind: string; actor: string }) => `${a.kind}:${a.actor}`);
  expect(trail).toEqual(expect.arrayContaining(['commented:fd-1', 'released:fd-1', 'claimed:fd-2', 'completed:fd-2']));
});

it('counts two approvals given at the same moment: the next completion, by either, finishes it', async () => {
  const customerId = await heldCustomer('Soylent Turbines');
  const { invoiceId, task } = await heldInvoice(customerId, 40_000_000, await as('ar_clerk', 'clara'));
  // Both finance directors pressed approve at once: each found no approval yet, so both were recorded as approvals.
  for (const actor of ['fd-1', 'fd-2']) {
    await recordApproval(engine.db.orm.em.fork(), {
      taskId: task.id,
      actor,
      isManager: true,
      data: {},
      note: `approval by ${actor}`,
    });
  }
  expect(await invoiceStatus(invoiceId)).toBe('held');
  const done = await post(`/tasks/${task.id}/complete`, { outcome: 'approve' }, await as('finance_director', 'fd-1'));
  expect(done.statusCode).toBe(200);
  expect(
    await eventually(
      async () => ((await invoiceStatus(invoiceId)) === 'held' ? undefined : invoiceStatus(invoiceId)),
      60_000,
    ),
  ).toMatch(/^(issued|delivered)$/);
});

it('refuses an API key holding both duties the override of an invoice it issued itself (403), and nothing changes', async () => {
  const created = await post('/api-keys', { name: 'erp-both-hats', roles: ['ar_clerk', 'credit_manager'] });
  expect(created.statusCode).toBe(201);
  const key = { authorization: `Bearer ${created.json().key}` };
  const customerId = await heldCustomer('Cyberdyne Parts');
  const { invoiceId, task } = await heldInvoice(customerId, 100_000, key);

  const claim = await post(`/tasks/${task.id}/claim`, {}, key);
  expect(claim.statusCode).toBe(403);
  expect(claim.json().detail).toBe(
    'api-key:erp-both-hats requested what this task approves; another person must decide it.',
  );
  const complete = await post(`/tasks/${task.id}/complete`, { outcome: 'approve' }, key);
  expect(complete.statusCode).toBe(403);
  expect(await taskRow(task.id)).toMatchObject({ status: 'open', assignee: null, outcome: null });
  expect(await invoiceStatus(invoiceId)).toBe('held');

  const other = await as('credit_manager', 'cm-3');
  expect((await post(`/tasks/${task.id}/claim`, {}, other)).statusCode).toBe(200);
  expect((await post(`/tasks/${task.id}/complete`, { outcome: 'approve' }, other)).statusCode).toBe(200);
});

it('refuses a credit manager the approval of the credit limit they applied for; a colleague approves it', async () => {
  const created = await post(
    '/customers',
    customerFixture({ legalName: 'Initrode Logistics', email: 'ap@initrode.example' }),
  );
  const customerId = created.json().id;
  const applicant = await as('credit_manager', 'cm-applicant');
  const applied = await post(
    `/customers/${customerId}/credit-applications`,
    soundCreditApplication(3_000_000),
    applicant,
  );
  expect(applied.statusCode).toBe(202);
  const task = await eventually(
    async () => (await get(`/tasks?customerId=${customerId}&type=credit_approval`, applicant)).json().items[0],
    60_000,
  );
  expect(task).toMatchObject({
    queue: 'credit-manager',
    payload: { recommended: { amount: 3_000_000, currency: 'EUR' } },
  });

  const own = await post(`/tasks/${task.id}/claim`, {}, applicant);
  expect(own.statusCode).toBe(403);
  expect(own.json().type).toMatch(/four-eyes$/);
  expect(await taskRow(task.id)).toMatchObject({ status: 'open', assignee: null });

  const colleague = await as('credit_manager', 'cm-colleague');
  expect((await post(`/tasks/${task.id}/claim`, {}, colleague)).statusCode).toBe(200);
  // Above the colleague's own ceiling even when the task is within it: the limit entered is what is approved.
  const tooMuch = await post(
    `/tasks/${task.id}/complete`,
    { outcome: 'approve', data: { limit: 6_000_000 } },
    colleague,
  );
  expect(tooMuch.statusCode).toBe(403);
  expect(tooMuch.json().errors[0]).toMatchObject({ pointer: '/data/limit' });
  // ... which routed it up; the finance director grants the higher limit (within their own ceiling).
  const director = await as('finance_director', 'fd-3');
  await eventually(async () => ((await taskRow(task.id)).queue === 'finance-director' ? true : undefined));
  expect((await post(`/tasks/${task.id}/claim`, {}, director)).statusCode).toBe(200);
  expect(
    (await post(`/tasks/${task.id}/complete`, { outcome: 'approve', data: { limit: 6_000_000 } }, director)).statusCode,
  ).toBe(200);
  const credit = await eventually(async () => {
    const view = (await get(`/customers/${customerId}/credit`)).json();
    return view.decisions.length ? view : undefined;
  }, 60_000);
  expect(credit).toMatchObject({
    limit: { amount: 6_000_000, currency: 'EUR' },
    decisions: [{ approvedLimit: { amount: 6_000_000 } }],
  });
});
