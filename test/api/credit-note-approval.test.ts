// A credit note above the approval threshold through the real API, worker, PostgreSQL and Temporal: it is requested
// (202), credits nothing until approved, opens in the queue its amount routes it to, cannot be approved by whoever
// asked for it, and is issued once approved (or not at all when rejected); below the threshold it is issued at once.
import { customerFixture, eventually, startTestEngine, type TestEngine } from '../support/engine.js';
import { eur, staffRequests, type Headers } from '../support/staff-requests.js';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(async () => {
  await engine?.close();
});

const { as, get, post } = staffRequests(() => engine);

async function invoiceOf(amount: number, headers: Headers): Promise<string> {
  const customer = await post(
    '/customers',
    customerFixture({ legalName: `Credit Note Customer ${amount}`, email: `ap${amount}@example.com` }),
  );
  const issued = await post(
    '/invoices',
    {
      customerId: customer.json().id,
      lines: [{ description: 'Generator', quantity: 1, unitPrice: eur(amount), taxRate: '0' }],
    },
    headers,
  );
  expect(issued.statusCode).toBe(201);
  return issued.json().id;
}

const approvalTask = (invoiceId: string) =>
  eventually(
    async () =>
      (
        await get(`/tasks?subjectId=${invoiceId}&type=credit_note_approval`, await as('finance_director', 'looker'))
      ).json().items[0] as { id: string; queue: string; payload: Record<string, unknown> } | undefined,
    60_000,
  );
const invoice = async (invoiceId: string) => (await get(`/invoices/${invoiceId}`)).json();

it('issues a credit note within the threshold at once', async () => {
  const invoiceId = await invoiceOf(5_000_000, await as('ar_clerk', 'clara'));
  const credited = await post(
    `/invoices/${invoiceId}/credit-notes`,
    { amount: eur(1_000_000), reason: 'damaged in transit' },
    await as('ar_clerk', 'clara'),
  );
  expect(credited.statusCode).toBe(201);
  expect((await invoice(invoiceId)).balance).toEqual(eur(4_000_000));
});

it('holds a credit note above the threshold for an approver other than the requester, and issues it once approved', async () => {
  const clerk = await as('ar_clerk', 'clara');
  const invoiceId = await invoiceOf(5_000_000, clerk);
  const requested = await post(
    `/invoices/${invoiceId}/credit-notes`,
    { amount: eur(1_500_000), reason: 'price agreed after delivery' },
    clerk,
  );
  expect(requested.statusCode).toBe(202);
  expect(requested.json()).toMatchObject({
    status: 'awaiting_approval',
    amount: eur(1_500_000),
    requestedBy: 'clara',
    queue: 'credit-manager',
  });
  // The requester follows it (the approval task itself is for approvers).
  const standing = requested.headers.location as string;
  expect(standing).toBe(`/credit-note-approvals/${requested.json().creditNoteId}`);
  expect(
    (
      await eventually(async () => {
        const view = await get(standing, clerk);
        return view.statusCode === 200 && view.json().taskId ? view : undefined;
      })
    ).json(),
  ).toMatchObject({ status: 'awaiting_approval', creditNoteNumber: null });
  expect((await get('/credit-note-approvals/00000000-0000-4000-8000-000000000000', clerk)).statusCode).toBe(404);
  const task = (await approvalTask(invoiceId))!;
  expect(task).toMatchObject({
    queue: 'credit-manager',
    payload: { amount: eur(1_500_000), requestedBy: 'clara', creditNoteId: requested.json().creditNoteId },
  });
  // Nothing is credited while it waits.
  expect(await invoice(invoiceId)).toMatchObject({ balance: eur(5_000_000), creditNotes: [] });

  const manager = await as('credit_manager', 'cm-1');
  expect((await post(`/tasks/${task.id}/claim`, {}, manager)).statusCode).toBe(200);
  const approved = await post(
    `/tasks/${task.id}/complete`,
    { outcome: 'approve', comment: 'agreed with sales' },
    manager,
  );
  expect(approved.statusCode).toBe(200);
  const credited = await eventually(async () => {
    const doc = await invoice(invoiceId);
    return doc.creditNotes.length ? doc : undefined;
  }, 60_000);
  expect(credited).toMatchObject({
    balance: eur(3_500_000),
    creditNotes: [{ id: requested.json().creditNoteId, reason: 'price agreed after delivery', total: eur(1_500_000) }],
  });

  const handle = engine.temporal.workflow.getHandle(requested.json().workflowId);
  expect(await handle.result()).toMatchObject({ status: 'issued', decidedBy: 'cm-1' });
  const issued = (await get(standing, clerk)).json();
  expect(issued).toMatchObject({
    status: 'issued',
    decidedBy: 'cm-1',
    comment: 'agreed with sales',
    creditNoteNumber: credited.creditNotes[0].number,
  });
});

it('refuses the requester (an API key holding both duties) its own credit note approval; a rejection issues nothing', async () => {
  const key = {
    authorization: `Bearer ${(await post('/api-keys', { name: 'erp-credit-notes', roles: ['ar_clerk', 'credit_manager'] })).json().key}`,
  };
  const invoiceId = await invoiceOf(9_000_000, key);
  const requested = await post(`/invoices/${invoiceId}/credit-notes`, { reason: 'order withdrawn' }, key);
  expect(requested.statusCode).toBe(202);
  // The whole 90,000.00 open is above the credit manager's ceiling: the approval opens with the finance director.
  expect(requested.json()).toMatchObject({
    amount: eur(9_000_000),
    requestedBy: 'api-key:erp-credit-notes',
    queue: 'finance-director',
  });
  const task = (await approvalTask(invoiceId))!;
  const own = await post(`/tasks/${task.id}/complete`, { outcome: 'approve' }, key);
  expect([403, 404]).toContain(own.statusCode); // not its queue, and its own request either way

  const director = await as('finance_director', 'fd-1');
  const rejected = await post(
    `/tasks/${task.id}/complete`,
    { outcome: 'reject', comment: 'the order stands' },
    director,
  );
  expect(rejected.statusCode).toBe(200);
  expect(await engine.temporal.workflow.getHandle(requested.json().workflowId).result()).toMatchObject({
    status: 'rejected',
    decidedBy: 'fd-1',
    comment: 'the order stands',
  });
  expect(await invoice(invoiceId)).toMatchObject({ balance: eur(9_000_000), creditNotes: [] });
});

it('refuses a clerk who also approves credit notes the approval of the one they requested, within the credit manager queue', async () => {
  const key = {
    authorization: `Bearer ${(await post('/api-keys', { name: 'erp-small-notes', roles: ['ar_clerk', 'credit_manager'] })).json().key}`,
  };
  const invoiceId = await invoiceOf(3_000_000, key);
  const requested = await post(
    `/invoices/${invoiceId}/credit-notes`,
    { amount: eur(2_000_000), reason: 'volume rebate' },
    key,
  );
  expect(requested.json()).toMatchObject({ queue: 'credit-manager' });
  const task = (await approvalTask(invoiceId))!;
  const claim = await post(`/tasks/${task.id}/claim`, {}, key);
  expect(claim.statusCode).toBe(403);
  expect(claim.json().detail).toBe(
    'api-key:erp-small-notes requested what this task approves; another person must decide it.',
  );
  expect(await invoice(invoiceId)).toMatchObject({ balance: eur(3_000_000), creditNotes: [] });
});
