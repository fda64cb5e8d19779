// Credit management through the real API, worker, PostgreSQL and SMTP: a credit application decided automatically,
// an invoice over the limit issued `held` and delivered only after an approved override (while the large excess
// asks for an early review), an account on hold whose invoice is rejected (cancelled), hold and release.
import { customerFixture, eventually, startTestEngine, type TestEngine } from '../support/engine.js';
import { consultingLines } from '../support/invoices.js';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(async () => {
  await engine?.close();
});

const TOTAL = 148_150; // consultingLines('EUR')

async function createCustomer(legalName: string): Promise<string> {
  const response = await engine.app.inject({
    method: 'POST',
    url: '/customers',
    payload: customerFixture({ legalName, email: `ap@${legalName.toLowerCase().replace(/\W/g, '')}.example` }),
  });
  expect(response.statusCode).toBe(201);
  return response.json().id;
}

const get = (url: string) => engine.app.inject({ method: 'GET', url });
const issue = (customerId: string) =>
  engine.app.inject({ method: 'POST', url: '/invoices', payload: { customerId, lines: consultingLines('EUR') } });
const sql = <T>(query: string, params: unknown[] = []) => engine.db.orm.em.fork().execute<T[]>(query, params);

const overrideTaskOf = (invoiceId: string) =>
  eventually(
    async () =>
      (
        await sql<{ id: string; queue: string; type: string; payload: Record<string, unknown> }>(
          'SELECT id, queue, type, payload FROM task WHERE subject_id = ?',
          [invoiceId],
        )
      )[0],
    60_000,
  );

async function decide(taskId: string, role: 'credit_manager' | 'finance_director', body: Record<string, unknown>) {
  const headers = await engine.headersFor(role);
  const claimed = await engine.app.inject({ method: 'POST', url: `/tasks/${taskId}/claim`, headers });
  expect(claimed.statusCode).toBe(200);
  return engine.app.inject({ method: 'POST', url: `/tasks/${taskId}/complete`, headers, payload: body });
}

const application = {
  requestedLimit: 200_000,
  currency: 'EUR',
  financials: {
    yearsInBusiness: 12,
    currentAssets: 30_000_000,
    currentLiabilities: 10_000_000,
    operatingCashFlow: 5_000_000,
    totalAssets: 100_000_000,
    totalLiabilities: 20_000_000,
    revenue: 250_000_000,
    netIncome: 12_000_000,
  },
  tradeReferences: [{ name: 'Initech', behaviour: 'on_time' }],
  bureauScore: 82,
  industry: { code: '62', risk: 'low' },
};

it('holds an invoice that takes exposure over the limit and delivers it once a credit manager approves the override', async () => {
  const customerId = await createCustomer('Vandelay Industries');

  // A credit application within the automatic authority sets the limit.
  const applied = await engine.app.inject({
    method: 'POST',
    url: `/customers/${customerId}/credit-applications`,
    payload: application,
  });
  expect(applied.statusCode).toBe(202);
  expect(applied.json()).toMatchObject({
    workflowId: `credit-review-${customerId}-1`,
    trigger: 'application',
    requestedLimit: 200_000,
    status: 'open',
  });
  const decided = await eventually(async () => {
    const credit = (await get(`/customers/${customerId}/credit`)).json();
    return credit.decisions.length ? credit : undefined;
  }, 60_000);
  expect(decided).toMatchObject({
    limit: { amount: 200_000, currency: 'EUR' },
    riskClass: 'low',
    available: { amount: 200_000, currency: 'EUR' },
    decisions: [
      {
        reviewId: `credit-review-${customerId}-1`,
        outcome: 'approved',
        approver: 'auto',
        approvedLimit: { amount: 200_000, currency: 'EUR' },
      },
    ],
  });
  const review = (await get(`/credit-reviews/credit-review-${customerId}-1`)).json();
  expect(review.scorecard.inputs.bureauScore).toBe(82);
  expect(review.scorecard.lines.length).toBeGreaterThan(5);

  const first = await issue(customerId);
  expect(first.json().status).toBe('issued');
  const second = await issue(customerId);
  expect(second.statusCode).toBe(201);
  const held = second.json();
  expect(held.status).toBe('held');

  // Held invoices count in exposure (posted at issue, awaiting release) and are not delivered.
  const position = (await get(`/customers/${customerId}/credit`)).json();
  expect(position).toMatchObject({
    exposure: {
      openReceivables: { amount: TOTAL },
      awaitingRelease: { amount: TOTAL },
      total: { amount: 2 * TOTAL },
      heldInvoices: 1,
    },
    available: { amount: 0 },
    overLimit: true,
  });
  const [issueEntry] = (await get(`/journal-entries?source=invoice:${held.id}`)).json().items;
  expect(issueEntry).toMatchObject({ kind: 'invoice_issued' });

  const task = await overrideTaskOf(held.id);
  expect(task).toMatchObject({
    type: 'credit_override',
    queue: 'credit',
    payload: {
      reasons: ['over_credit_limit'],
      limit: 200_000,
      exposureAfter: 2 * TOTAL,
      overLimitBy: 2 * TOTAL - 200_000,
    },
  });
  // 96,300 over a 200,000 limit is more than the policy's 20 %: an early review runs as well.
  const early = await eventually(async () => {
    const page = (await get(`/customers/${customerId}/credit-reviews`)).json();
    return page.items.find((r: { trigger: string }) => r.trigger === 'early');
  }, 60_000);
  expect(early.reasons).toEqual(['over_limit']);

  const wrong = await decide(task.id, 'credit_manager', { outcome: 'release' });
  expect(wrong.statusCode).toBe(422);
  const approved = await engine.app.inject({
    method: 'POST',
    url: `/tasks/${task.id}/complete`,
    headers: await engine.headersFor('credit_manager'),
    payload: { outcome: 'approve', comment: 'long-standing customer, order confirmed' },
  });
  expect(approved.statusCode).toBe(200);

  const mail = await engine.mail.waitFor((m) => m.subject.includes(held.number), 60_000);
  expect(mail.to).toEqual(['ap@vandelayindustries.example']);
  const released = await eventually(async () => {
    const invoice = (await get(`/invoices/${held.id}?include=workflow`)).json();
    return invoice.status === 'sent' ? invoice : undefined;
  }, 60_000);
  expect(released.workflow).toMatchObject({
    creditOverride: { taskId: task.id, outcome: 'approve', by: 'credit_manager@test' },
  });
  const [row] = await sql<{ credit_override: Record<string, unknown>; credit_hold: Record<string, unknown> }>(
    'SELECT credit_override, credit_hold FROM invoice WHERE id = ?',
    [held.id],
  );
  expect(row!.credit_override).toMatchObject({
    outcome: 'approve',
    by: 'credit_manager@test',
    taskId: task.id,
    comment: 'long-standing customer, order confirmed',
  });
  expect(row!.credit_hold).toMatchObject({ reasons: ['over_credit_limit'], exposureBefore: TOTAL });
  const events = await sql<{ type: string }>(`SELECT type FROM domain_event WHERE entity_id = ? ORDER BY position`, [
    held.id,
  ]);
  expect(events.map((e) => e.type)).toEqual(
    expect.arrayContaining(['invoice.issued', 'invoice.held', 'invoice.released', 'invoice.sent']),
  );
});

it('holds every invoice of an account on credit hold; a rejected override cancels the invoice; release lifts the hold', async () => {
  const customerId = await createCustomer('Kramerica Industries');
  const hold = (action: 'hold' | 'release', payload: unknown, headers: Record<string, string> = {}) =>
    engine.app.inject({
      method: 'POST',
      url: `/customers/${customerId}/${action}`,
      payload: payload as Record<string, unknown>,
      headers,
    });

  expect((await hold('hold', { reason: 'bankruptcy rumours' }, await engine.headersFor('ar_clerk'))).statusCode).toBe(
    403,
  );
  expect((await hold('hold', { reason: '' })).statusCode).toBe(400);
  expect(
    (
      await engine.app.inject({
        method: 'POST',
        url: '/customers/00000000-0000-4000-8000-000000000000/hold',
        payload: { reason: 'x' },
      })
    ).statusCode,
  ).toBe(404);
  const placed = await hold('hold', { reason: 'bankruptcy rumours' }, await engine.headersFor('credit_manager'));
  expect(placed.statusCode).toBe(200);
  expect(placed.json()).toMatchObject({
    changed: true,
    status: 'on_hold',
    hold: { reason: 'bankruptcy rumours', by: 'credit_manager@test' },
  });
  expect((await hold('hold', { reason: 'bankruptcy rumours' })).json().changed).toBe(false);

  const response = await issue(customerId);
  const held = response.json();
  expect(held.status).toBe('held');
  const task = await overrideTaskOf(held.id);
  expect(task.payload).toMatchObject({ reasons: ['account_on_hold'], accountHold: { reason: 'bankruptcy rumours' } });

  const noReason = await decide(task.id, 'finance_director', { outcome: 'reject' });
  expect(noReason.statusCode).toBe(422);
  expect(noReason.json().errors).toEqual([expect.objectContaining({ pointer: '/comment' })]);
  const rejected = await engine.app.inject({
    method: 'POST',
    url: `/tasks/${task.id}/complete`,
    headers: await engine.headersFor('finance_director'),
    payload: { outcome: 'reject', comment: 'no deliveries while on hold' },
  });
  expect(rejected.statusCode).toBe(200);
  const cancelled = await eventually(async () => {
    const invoice = (await get(`/invoices/${held.id}`)).json();
    return invoice.status === 'cancelled' ? invoice : undefined;
  }, 60_000);
  expect(cancelled.balance.amount).toBe(0);
  expect(cancelled.creditNotes).toEqual([
    expect.objectContaining({ kind: 'cancellation', reason: 'Credit override rejected: no deliveries while on hold' }),
  ]);
  const entries = (await get(`/journal-entries?source=invoice:${held.id}`)).json().items;
  expect(entries.length).toBeGreaterThanOrEqual(1);
  expect((await get(`/customers/${customerId}/credit`)).json().exposure.total.amount).toBe(0);

  const lifted = await hold('release', { reason: 'rumours unfounded' }, await engine.headersFor('credit_manager'));
  expect(lifted.json()).toMatchObject({ changed: true, status: 'active', hold: null });
  expect((await issue(customerId)).json().status).toBe('issued');
  const accountEvents = await sql<{ type: string; actor: string }>(
    `SELECT type, actor FROM domain_event WHERE entity_id = ? AND type LIKE 'account.%' ORDER BY position`,
    [customerId],
  );
  expect(accountEvents).toEqual([
    { type: 'account.held', actor: 'credit_manager@test' },
    { type: 'account.released', actor: 'credit_manager@test' },
  ]);
  expect((await get('/credit-reviews/credit-review-00000000-0000-4000-8000-000000000000-9')).statusCode).toBe(404);
});
