// A payment the bank takes back, through the real app, worker, Temporal dev server and PostgreSQL: the entries are
// reversed, the invoice it paid is open and past due again, and that reaches collections like any overdue invoice
// (its ended workflow starts again and hands it over), while refusals name what stands in the way.
import { checkLedger } from '../../src/ledger/store/reports.js';
import { customerAccountBalance } from '../../src/ledger/store/queries.js';
import { workflowIds } from '../../src/temporal/ids.js';
import { insertCustomer } from '../support/customers.js';
import { eventually, startTestEngine, type TestEngine } from '../support/engine.js';
import { appliedPayment, issueInvoice } from '../support/payments.js';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(async () => {
  await engine?.close();
});

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const get = (url: string) => engine.app.inject({ method: 'GET', url });
const post = (url: string, payload: unknown) =>
  engine.app.inject({ method: 'POST', url, payload: payload as Record<string, unknown> });
const status = async (workflowId: string) =>
  (
    await engine.temporal.workflow
      .getHandle(workflowId)
      .describe()
      .catch(() => undefined)
  )?.status.name;
const worklisted = async (customerId: string) =>
  (
    (
      await get(
        `/collections/worklist?until=${encodeURIComponent(new Date(Date.now() + 60 * 86_400_000).toISOString())}`,
      )
    ).json().items as { customerId: string; level: string | null; daysPastDue: number }[]
  ).find((i) => i.customerId === customerId);

it('reopens the invoice a reversed payment had paid, past due again, and its customer is dunned again', async () => {
  const customer = await insertCustomer(engine.db.orm, { currency: 'EUR' });
  // Posted late on NET30: 15 days past due when issued, so the standard ladder's reminder (7 days) applies.
  const invoice = await issueInvoice(engine, {
    customerId: customer.id,
    total: 80_000,
    currency: 'EUR',
    issueDate: day(-45),
  });
  await eventually(async () => ((await worklisted(customer.id))?.level ? true : undefined), 30_000);

  const paid = await post('/payments', {
    customerId: customer.id,
    amount: { amount: 80_000, currency: 'EUR' },
    method: 'check',
    receivedAt: new Date().toISOString(),
    reference: invoice.number,
  });
  expect(paid.statusCode).toBe(201);
  await appliedPayment(engine, paid.json().id);
  await eventually(async () => ((await get(`/invoices/${invoice.id}`)).json().status === 'paid' ? true : undefined));
  // Nothing overdue: the collection ends, and so does the paid invoice's workflow.
  await eventually(
    async () => ((await status(workflowIds.collection(customer.id))) === 'COMPLETED' ? true : undefined),
    30_000,
  );
  await eventually(
    async () => ((await status(workflowIds.invoice(invoice.id))) === 'COMPLETED' ? true : undefined),
    30_000,
  );
  expect(await worklisted(customer.id)).toBeUndefined();

  // The cheque comes back unpaid.
  const reversed = await post(`/payments/${paid.json().id}/reversal`, { reason: 'cheque returned unpaid' });
  expect(reversed.statusCode).toBe(200);
  expect(reversed.json()).toMatchObject({
    status: 'reversed',
    reason: 'cheque returned unpaid',
    reversedEntries: 1,
    invoices: [
      {
        invoiceId: invoice.id,
        number: invoice.number,
        status: 'overdue',
        balance: { amount: 80_000, currency: 'EUR' },
        dueDate: day(-15),
      },
    ],
  });
  expect((await get(`/payments/${paid.json().id}`)).json().status).toBe('reversed');
  expect((await get(`/invoices/${invoice.id}`)).json()).toMatchObject({
    status: 'overdue',
    balance: { amount: 80_000, currency: 'EUR' },
  });
  expect(await customerAccountBalance(engine.db.orm.em.fork(), customer.id, 'accounts_receivable', 'EUR')).toBe(80_000);
  expect((await checkLedger(engine.db.orm.em.fork())).ok).toBe(true);

  // Open and past due again: the invoice's workflow runs again and collections takes the account back, aged from the due date.
  const row = await eventually(async () => {
    const r = await worklisted(customer.id);
    return r?.level ? r : undefined;
  }, 30_000);
  expect(row).toMatchObject({ level: 'reminder', daysPastDue: 15 });
  expect(await status(workflowIds.collection(customer.id))).toBe('RUNNING');
  expect(await status(workflowIds.invoice(invoice.id))).toBe('RUNNING');

  // Once is enough: a second reversal is refused, and nothing moves.
  const again = await post(`/payments/${paid.json().id}/reversal`, { reason: 'again' });
  expect(again.statusCode).toBe(409);
  expect(again.headers['content-type']).toContain('application/problem+json');
  expect(await customerAccountBalance(engine.db.orm.em.fork(), customer.id, 'accounts_receivable', 'EUR')).toBe(80_000);
});

it('refuses an unknown payment (404) and a body without a reason (400 naming the field)', async () => {
  expect((await post('/payments/00000000-0000-4000-8000-000000000000/reversal', { reason: 'x' })).statusCode).toBe(404);
  const missing = await post('/payments/00000000-0000-4000-8000-000000000000/reversal', {});
  expect(missing.statusCode).toBe(400);
  expect(JSON.stringify(missing.json().errors)).toContain('reason');
});
