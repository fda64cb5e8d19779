// Payments through the real app, worker, Temporal dev server and PostgreSQL: cash application, credit, discounts,
// research tasks, later allocations, idempotency and refusals.
import { randomUUID } from 'node:crypto';
import { customerAccountBalance, trialBalance, unbalancedEntries } from '../../src/ledger/store/queries.js';
import { workflowIds } from '../../src/temporal/ids.js';
import { cashApplicationStateQuery } from '../../workflows/payments/messages.js';
import { insertCustomer } from '../support/customers.js';
import { eventually, startTestEngine, type TestEngine } from '../support/engine.js';
import { appliedPayment, invoiceRow, issueInvoice } from '../support/payments.js';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine({ env: { CASH_RESEARCH_AFTER: 'PT3S', CASH_RESEARCH_SLA: 'PT4H' } });
});
afterAll(async () => {
  await engine?.close();
});

const usd = (amount: number) => ({ amount, currency: 'USD' });
const now = () => new Date().toISOString();

async function newCustomer() {
  return (await insertCustomer(engine.db.orm, { currency: 'USD' })).id;
}

async function pay(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return engine.app.inject({
    method: 'POST',
    url: '/payments',
    payload: { method: 'wire', receivedAt: now(), reference: '', ...body },
    headers,
  });
}

/** Posts a payment and waits until its cash application has committed. */
async function payAndApply(body: Record<string, unknown>) {
  const created = await pay(body);
  expect(created.statusCode).toBe(201);
  return applied(created.json().id);
}

const applied = (paymentId: string) => appliedPayment(engine, paymentId);

const balance = (customerId: string, role: 'accounts_receivable' | 'customer_credit') =>
  customerAccountBalance(engine.db.orm.em.fork(), customerId, role, 'USD');

async function ledgerKeys(paymentId: string): Promise<string[]> {
  const rows = await engine.db.orm.em
    .fork()
    .execute<
      { idempotency_key: string }[]
    >(`SELECT idempotency_key FROM journal_entry WHERE source_type = 'payment' AND source_id = ? ORDER BY idempotency_key`, [paymentId]);
  return rows.map((r) => r.idempotency_key);
}

it('closes an invoice with a partial payment and a second payment, one remittance line each', async () => {
  const customerId = await newCustomer();
  const invoice = await issueInvoice(engine, { customerId, total: 100_000 });

  const first = await payAndApply({
    customerId,
    amount: usd(40_000),
    remittance: [{ invoiceNumber: invoice.number, amount: usd(40_000) }],
  });
  expect(first).toMatchObject({ status: 'applied', applied: usd(40_000), unapplied: usd(0), unappliedHeldAs: null });
  expect(first.allocations).toEqual([
    expect.objectContaining({
      invoiceNumber: invoice.number,
      amount: usd(40_000),
      rule: 'remittance',
      fundedFrom: 'cash',
      journalKey: `payment-${first.id}:alloc-${invoice.id}`,
    }),
  ]);
  expect(await invoiceRow(engine.db.orm, invoice.id)).toEqual({ openAmount: 60_000, status: 'partially_paid' });
  expect(await balance(customerId, 'accounts_receivable')).toBe(60_000);

  const second = await payAndApply({ customerId, amount: usd(60_000), reference: `Rest of ${invoice.number}` });
  expect(second.allocations).toEqual([expect.objectContaining({ amount: usd(60_000), rule: 'reference' })]);
  expect(await invoiceRow(engine.db.orm, invoice.id)).toEqual({ openAmount: 0, status: 'paid' });
  expect(await balance(customerId, 'accounts_receivable')).toBe(0);
  expect(await ledgerKeys(second.id)).toEqual([`payment-${second.id}:alloc-${invoice.id}`]);

  // The invoice workflow mirrors the payments (signals after each commit carry the open amount committed when sent)
  // and closes as paid once the row confirms zero. A signal that lands while the workflow is reading the row can be
  // overtaken by that read, so it may close having recorded only the first payment's signal: the row is the truth.
  const seen = await eventually(async () => {
    const body = (await engine.app.inject({ method: 'GET', url: `/invoices/${invoice.id}?include=workflow` })).json();
    return body.workflow?.phase === 'closed' ? body : undefined;
  });
  expect(seen).toMatchObject({ status: 'paid', balance: usd(0), workflow: { status: 'paid', openAmount: 0 } });
  const heard = seen.workflow.balanceEvents.map((e: { source: string }) => e.source);
  expect(heard.length).toBeGreaterThanOrEqual(1);
  expect([`payment:${first.id}`, `payment:${second.id}`]).toEqual(expect.arrayContaining(heard));
  const check = (await engine.app.inject({ method: 'GET', url: '/ledger/check' })).json();
  expect(check).toMatchObject({ ok: true, customerMismatches: [], unbalancedEntries: [] });
});

it('turns an overpayment into customer credit, and applies that credit later to another invoice', async () => {
  const customerId = await newCustomer();
  const [a, b] = [
    await issueInvoice(engine, { customerId, total: 30_000 }),
    await issueInvoice(engine, { customerId, total: 12_000, dueDate: '2027-01-15' }),
  ];

  const payment = await payAndApply({
    customerId,
    amount: usd(50_000),
    remittance: [{ invoiceNumber: a.number, amount: usd(30_000) }],
  });
  // Remittance pays A; the amount rules find nothing equal to the rest; oldest-first pays B; 8,000 stays as credit.
  expect(payment.allocations.map((x: { invoiceNumber: string; rule: string }) => [x.invoiceNumber, x.rule])).toEqual([
    [a.number, 'remittance'],
    [b.number, 'oldest_first'],
  ]);
  expect(payment).toMatchObject({
    status: 'partially_applied',
    applied: usd(42_000),
    unapplied: usd(8_000),
    unappliedHeldAs: 'customer_credit',
  });
  expect(await balance(customerId, 'customer_credit')).toBe(-8_000);

  const c = await issueInvoice(engine, { customerId, total: 5_000 });
  const allocate = await engine.app.inject({
    method: 'POST',
    url: `/payments/${payment.id}/allocations`,
    headers: { 'x-actor': 'clerk@example.com' },
    payload: { allocations: [{ invoiceId: c.id, amount: usd(5_000) }] },
  });
  expect(allocate.statusCode).toBe(201);
  expect(allocate.json()).toMatchObject({ status: 'partially_applied', unapplied: usd(3_000) });
  expect(allocate.json().allocations.at(-1)).toMatchObject({
    invoiceId: c.id,
    rule: 'manual',
    fundedFrom: 'customer_credit',
    createdBy: 'clerk@example.com',
  });
  expect(await invoiceRow(engine.db.orm, c.id)).toEqual({ openAmount: 0, status: 'paid' });
  expect(await balance(customerId, 'customer_credit')).toBe(-3_000);
  expect(await balance(customerId, 'accounts_receivable')).toBe(0);

  // Refusals name the field and change nothing.
  const stranger = await issueInvoice(engine, { customerId: await newCustomer(), total: 2_000 });
  const d = await issueInvoice(engine, { customerId, total: 1_000 });
  const refusals: [unknown[], number, string][] = [
    [[{ invoiceId: d.id, amount: usd(3_001) }], 422, '/allocations'],
    [[{ invoiceId: d.id, amount: usd(1_001) }], 422, '/allocations/0/amount'],
    [[{ invoiceId: randomUUID(), amount: usd(100) }], 404, '/allocations/0/invoiceId'],
    [[{ invoiceId: stranger.id, amount: usd(100) }], 422, '/allocations/0/invoiceId'],
    [[{ invoiceId: a.id, amount: usd(100) }], 409, '/allocations/0/invoiceId'], // already paid
    [[{ invoiceId: d.id, amount: { amount: 100, currency: 'EUR' } }], 422, '/allocations/0/amount/currency'],
    [[{ invoiceId: d.id, amount: usd(0) }], 400, '/allocations/0/amount/amount'],
    [
      [
        { invoiceId: d.id, amount: usd(100) },
        { invoiceId: d.id, amount: usd(100) },
      ],
      422,
      '/allocations/1/invoiceId',
    ],
  ];
  for (const [allocations, status, pointer] of refusals) {
    const res = await engine.app.inject({
      method: 'POST',
      url: `/payments/${payment.id}/allocations`,
      payload: { allocations },
    });
    expect([res.statusCode, res.json().errors?.[0]?.pointer]).toEqual([status, pointer]);
  }
  expect((await invoiceRow(engine.db.orm, d.id)).openAmount).toBe(1_000);
  expect(await balance(customerId, 'customer_credit')).toBe(-3_000);
});

it('takes the early-payment discount when the discounted amount arrives by the deadline', async () => {
  const customerId = await newCustomer();
  // 2/10 net 30: 2 % off when paid within 10 days of the issue date (today).
  const invoice = await issueInvoice(engine, { customerId, total: 100_000, terms: '2_10_NET30' });
  const payment = await payAndApply({ customerId, amount: usd(98_000) });
  expect(payment.allocations).toEqual([
    expect.objectContaining({ amount: usd(98_000), discount: usd(2_000), rule: 'exact_amount' }),
  ]);
  expect(payment).toMatchObject({ status: 'applied', discount: usd(2_000) });
  expect(await invoiceRow(engine.db.orm, invoice.id)).toEqual({ openAmount: 0, status: 'paid' });
  expect(await ledgerKeys(payment.id)).toEqual([
    `payment-${payment.id}:alloc-${invoice.id}`,
    `payment-${payment.id}:discount-${invoice.id}`,
  ]);
  const discounts = (await trialBalance(engine.db.orm.em.fork())).find(
    (b) => b.role === 'discounts_allowed' && b.currency === 'USD',
  );
  expect(discounts?.balance).toBeGreaterThanOrEqual(2_000);

  // A day late, the same amount is only a partial payment.
  const monthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
  const late = await issueInvoice(engine, { customerId, total: 100_000, terms: '2_10_NET30', issueDate: monthAgo });
  const partial = await payAndApply({
    customerId,
    amount: usd(98_000),
    remittance: [{ invoiceNumber: late.number, amount: usd(98_000) }],
  });
  expect(partial.allocations[0]).toMatchObject({ amount: usd(98_000), discount: usd(0) });
  expect(await invoiceRow(engine.db.orm, late.id)).toEqual({ openAmount: 2_000, status: 'partially_paid' });
});

it('holds cash of an unknown payer as unapplied, opens a research task after the policy delay, and closes it when applied', async () => {
  const customerId = await newCustomer();
  const invoice = await issueInvoice(engine, { customerId, total: 7_700 });
  const payment = await payAndApply({ amount: usd(7_700), reference: 'thank you for your business' });
  expect(payment).toMatchObject({
    customerId: null,
    status: 'unapplied',
    unappliedHeldAs: 'unapplied_cash',
    allocations: [],
  });

  const task = await eventually(async () => {
    const [row] = await engine.db.orm.em
      .fork()
      .execute<
        { id: string; type: string; status: string; queue: string; payload: { unapplied: unknown }; sla_due_at: Date }[]
      >(`SELECT * FROM task WHERE subject_type = 'payment' AND subject_id = ?`, [payment.id]);
    return row;
  });
  expect(task).toMatchObject({
    type: 'unapplied_cash_research',
    queue: 'cash-application',
    status: 'open',
    payload: expect.objectContaining({ unapplied: usd(7_700) }),
  });

  const allocate = await engine.app.inject({
    method: 'POST',
    url: `/payments/${payment.id}/allocations`,
    payload: { allocations: [{ invoiceId: invoice.id, amount: usd(7_700) }] },
  });
  expect(allocate.statusCode).toBe(201);
  expect(allocate.json()).toMatchObject({ customerId, status: 'applied', unapplied: usd(0) });
  expect(allocate.json().allocations[0]).toMatchObject({ fundedFrom: 'unapplied_cash', rule: 'manual' });
  const closed = await eventually(async () => {
    const [row] = await engine.db.orm.em
      .fork()
      .execute<{ status: string; outcome: unknown }[]>('SELECT status, outcome FROM task WHERE id = ?', [task.id]);
    return row?.status === 'completed' ? row : undefined;
  });
  expect(closed.outcome).toEqual({ resolution: 'applied', by: 'api' });
  const state = await engine.temporal.workflow
    .getHandle(workflowIds.payment(payment.id))
    .query(cashApplicationStateQuery);
  expect(state).toMatchObject({ phase: 'done', unappliedAmount: 0, researchTaskId: task.id });
  expect(await balance(customerId, 'accounts_receivable')).toBe(0);
});

it('identifies the payer from an invoice number in the reference text', async () => {
  const customerId = await newCustomer();
  const invoice = await issueInvoice(engine, { customerId, total: 4_200 });
  const payment = await payAndApply({
    amount: usd(5_000),
    reference: `ACME PAYMENT ${invoice.number.toLowerCase()} REF 99`,
  });
  expect(payment).toMatchObject({
    customerId,
    status: 'partially_applied',
    unapplied: usd(800),
    unappliedHeldAs: 'customer_credit',
  });
  expect(payment.allocations[0]).toMatchObject({ invoiceId: invoice.id, rule: 'reference' });
});

it('replays the first answer for a repeated Idempotency-Key and refuses the key with another body', async () => {
  const customerId = await newCustomer();
  const key = randomUUID();
  const body = { customerId, amount: usd(1_000), reference: 'idem', receivedAt: now() };
  const first = await pay(body, { 'idempotency-key': key });
  const again = await pay(body, { 'idempotency-key': key });
  expect(first.statusCode).toBe(201);
  expect(again.statusCode).toBe(201);
  expect(again.headers['idempotent-replayed']).toBe('true');
  expect(again.json().id).toBe(first.json().id);
  const other = await pay({ ...body, amount: usd(1_001) }, { 'idempotency-key': key });
  expect(other.statusCode).toBe(422);
  const [{ count }] = await engine.db.orm.em
    .fork()
    .execute<{ count: string }[]>('SELECT count(*) FROM payment WHERE customer_id = ?', [customerId]);
  expect(Number(count)).toBe(1);
});

it('records every receipt whose remittance does not fit, applies what fits and names the rest', async () => {
  type Outcome = { invoiceNumber: string; outcome: string; applied: { amount: number }; detail: string | null };
  const customerId = await newCustomer();
  const owed = await issueInvoice(engine, { customerId, total: 1_000_000 });
  // A wire of 16,000.00 "for" an invoice with 10,000.00 open: 10,000.00 applied, 6,000.00 kept as the payer's credit.
  const wire = await pay({
    customerId,
    amount: usd(1_600_000),
    reference: `16,000 for ${owed.number}`,
    remittance: [{ invoiceNumber: owed.number, amount: usd(1_600_000) }],
  });
  expect(wire.statusCode).toBe(201);
  expect(wire.json()).toMatchObject({
    status: 'partially_applied',
    applied: usd(1_000_000),
    unapplied: usd(600_000),
    unappliedHeldAs: 'customer_credit',
  });
  expect(wire.json().allocations).toEqual([
    expect.objectContaining({ invoiceNumber: owed.number, amount: usd(1_000_000), rule: 'remittance' }),
  ]);
  expect(wire.json().remittanceOutcome).toEqual([
    {
      invoiceNumber: owed.number,
      stated: usd(1_600_000),
      applied: usd(1_000_000),
      outcome: 'partly_applied',
      detail: expect.stringContaining(owed.number),
    },
  ]);
  expect(await balance(customerId, 'customer_credit')).toBe(-600_000);
  expect(
    (await engine.app.inject({ method: 'GET', url: `/payments/${wire.json().id}` })).json().remittanceOutcome,
  ).toEqual(wire.json().remittanceOutcome);

  const paid = owed; // now closed
  const eurCustomer = await insertCustomer(engine.db.orm, { currency: 'EUR' });
  const eur = await issueInvoice(engine, { customerId: eurCustomer.id, total: 1_000, currency: 'EUR' });
  const cases: [string, Record<string, unknown>, { heldAs: string; unapplied: number }, RegExp][] = [
    [
      'an unknown invoice number, payer unknown',
      {
        amount: usd(2_500),
        reference: 'per remittance advice',
        remittance: [{ invoiceNumber: 'INV-NOPE-1', amount: usd(2_500) }],
      },
      { heldAs: 'unapplied_cash', unapplied: 2_500 },
      /no invoice numbered INV-NOPE-1/,
    ],
    [
      'a closed invoice',
      { customerId, amount: usd(700), remittance: [{ invoiceNumber: paid.number, amount: usd(700) }] },
      { heldAs: 'customer_credit', unapplied: 700 },
      /already paid/,
    ],
    [
      'an invoice in another currency',
      { customerId, amount: usd(1_000), remittance: [{ invoiceNumber: eur.number, amount: usd(1_000) }] },
      { heldAs: 'customer_credit', unapplied: 1_000 },
      /is in EUR/,
    ],
    [
      'a line in another currency',
      {
        customerId,
        amount: usd(900),
        remittance: [{ invoiceNumber: paid.number, amount: { amount: 900, currency: 'EUR' } }],
      },
      { heldAs: 'customer_credit', unapplied: 900 },
      /line is in EUR/,
    ],
    [
      'the same invoice twice',
      {
        customerId,
        amount: usd(300),
        remittance: [
          { invoiceNumber: paid.number, amount: usd(100) },
          { invoiceNumber: paid.number, amount: usd(200) },
        ],
      },
      { heldAs: 'customer_credit', unapplied: 300 },
      /earlier line/,
    ],
  ];
  for (const [name, body, held, reason] of cases) {
    const res = await pay(body);
    expect([name, res.statusCode]).toEqual([name, 201]);
    const payment = res.json().status === 'received' ? await applied(res.json().id) : res.json();
    expect([name, payment.status, payment.unappliedHeldAs, payment.unapplied.amount]).toEqual([
      name,
      'unapplied',
      held.heldAs,
      held.unapplied,
    ]);
    const outcomes = payment.remittanceOutcome as Outcome[];
    expect([name, outcomes.at(-1)!.outcome, outcomes.at(-1)!.detail]).toEqual([
      name,
      'not_applied',
      expect.stringMatching(reason),
    ]);
  }
  // Remittance lines that add up to more than the payment: the payment applies what it has.
  const next = await issueInvoice(engine, { customerId, total: 5_000 });
  const short = await payAndApply({
    customerId,
    amount: usd(100),
    remittance: [{ invoiceNumber: next.number, amount: usd(200) }],
  });
  expect(short).toMatchObject({
    status: 'applied',
    applied: usd(100),
    remittanceOutcome: [expect.objectContaining({ outcome: 'partly_applied', applied: usd(100) })],
  });
  expect(await unbalancedEntries(engine.db.orm.em.fork())).toEqual([]);
});

it('refuses bad payments with problem+json naming the field, and stores nothing', async () => {
  const customerId = await newCustomer();
  const invoice = await issueInvoice(engine, { customerId, total: 1_000 });
  const cases: [Record<string, unknown>, number, string][] = [
    [{ customerId, amount: usd(0) }, 400, '/amount/amount'],
    [{ customerId, amount: usd(-5) }, 400, '/amount/amount'],
    [{ customerId, amount: { amount: 10.5, currency: 'USD' } }, 400, '/amount/amount'],
    [{ customerId, amount: usd(100), method: 'bitcoin' }, 400, '/method'],
    [{ customerId: randomUUID(), amount: usd(100) }, 404, '/customerId'],
    [{ customerId, amount: { amount: 100, currency: 'XXX' } }, 400, '/amount/currency'], // the schema lists the ISO 4217 codes
    [
      {
        customerId,
        amount: usd(100),
        remittance: [{ invoiceNumber: invoice.number, amount: { amount: 100, currency: 'XXX' } }],
      },
      400,
      '/remittance/0/amount/currency',
    ],
    [{ customerId, amount: usd(100), receivedAt: '2999-01-01T00:00:00Z' }, 422, '/receivedAt'],
  ];
  for (const [body, status, pointer] of cases) {
    const res = await pay(body);
    expect([res.statusCode, res.headers['content-type']]).toEqual([status, 'application/problem+json; charset=utf-8']);
    expect(res.json().errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
  }
  const [{ count }] = await engine.db.orm.em
    .fork()
    .execute<
      { count: string }[]
    >('SELECT count(*) FROM payment WHERE customer_id = ? OR customer_id IS NULL AND reference = ?', [customerId, '']);
  expect(Number(count)).toBe(0);
  expect((await engine.app.inject({ method: 'GET', url: `/payments/${randomUUID()}` })).statusCode).toBe(404);
  const unknownInvoice = await engine.app.inject({
    method: 'POST',
    url: `/payments/${randomUUID()}/allocations`,
    payload: { allocations: [{ invoiceId: invoice.id, amount: usd(1) }] },
  });
  expect(unknownInvoice.statusCode).toBe(404);
});

it.each([20, 50])(
  'settles one invoice exactly under %i concurrent payments; the excess becomes credit',
  async (count) => {
    const customerId = await newCustomer();
    const invoice = await issueInvoice(engine, { customerId, total: 10_000 });
    const each = 1_000;
    const responses = await Promise.all(
      Array.from({ length: count }, () =>
        pay({ customerId, amount: usd(each), remittance: [{ invoiceNumber: invoice.number, amount: usd(each) }] }),
      ),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(count).fill(201));
    const payments = await Promise.all(responses.map((r) => applied(r.json().id)));

    expect(await invoiceRow(engine.db.orm, invoice.id)).toEqual({ openAmount: 0, status: 'paid' });
    const appliedTotal = payments.reduce((a, p) => a + p.applied.amount, 0);
    expect(appliedTotal).toBe(10_000);
    expect(await balance(customerId, 'accounts_receivable')).toBe(0);
    expect(await balance(customerId, 'customer_credit')).toBe(-(count * each - 10_000));
    expect(payments.filter((p) => p.unappliedHeldAs === 'customer_credit')).toHaveLength(count - 10);
    expect(await unbalancedEntries(engine.db.orm.em.fork())).toEqual([]);
  },
);

it('lists payments newest first with a cursor, filtered by customer', async () => {
  const customerId = await newCustomer();
  for (const amount of [101, 102, 103]) await pay({ customerId, amount: usd(amount) });
  const page1 = await engine.app.inject({ method: 'GET', url: `/payments?customerId=${customerId}&limit=2` });
  expect(page1.json().items.map((p: { amount: { amount: number } }) => p.amount.amount)).toEqual([103, 102]);
  const page2 = await engine.app.inject({
    method: 'GET',
    url: `/payments?customerId=${customerId}&limit=2&cursor=${page1.json().nextCursor}`,
  });
  expect(page2.json()).toMatchObject({ items: [expect.objectContaining({ amount: usd(101) })], nextCursor: null });
  expect((await engine.app.inject({ method: 'GET', url: '/payments?cursor=garbage' })).statusCode).toBe(400);
});
