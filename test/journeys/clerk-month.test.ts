// An AR clerk's month through the documented API: two records of one company that differ by a typo, kept apart on
// purpose and still editable; an invoice posted late with the due date its paper copy says; a wire for more than is
// owed and a remittance naming an invoice that does not exist, both recorded as the cash they are; and the account's
// live facts agreeing with the invoices beside them.
import { day, eventually, path, startJourney, type Journey } from './support/journey.js';

let journey: Journey;
beforeAll(async () => {
  journey = await startJourney('clerk-month');
});
afterAll(async () => {
  await journey?.close();
});

const customerBody = (legalName: string, line1: string, email: string) => ({
  legalName,
  email,
  currency: 'EUR',
  termsCode: 'NET30',
  billingAddress: { line1, city: 'Kampala', postalCode: '10101', country: 'UG' },
});
const eur = (amount: number) => ({ amount, currency: 'EUR' });

it('keeps a deliberate duplicate, posts a late invoice on one schedule and records payments that do not fit', async () => {
  const clerk = await journey.staff('ar_clerk');

  // A one-letter typo at the same address is a probable duplicate; kept on purpose, it stays kept.
  const first = await clerk.ok('POST /customers', {
    body: customerBody('Tugafibu Corporation', '6845 Kazi Street', 'ap@tugafibu.example'),
  });
  const typo = await clerk.call('POST /customers', {
    body: customerBody('Tuaafibu Corporation', '6845 Kazi St.', 'billing@tuaafibu.example'),
  });
  expect(typo.status).toBe(409);
  expect(typo.body.candidates.map((c: { id: string }) => c.id)).toContain(first.id);
  const second = await clerk.ok('POST /customers', {
    body: {
      ...customerBody('Tuaafibu Corporation', '6845 Kazi St.', 'billing@tuaafibu.example'),
      allowDuplicate: true,
      duplicateReason: 'Separate legal entity in the same building (checked with the registry)',
    },
  });
  const editSecond = await clerk.call(`PATCH ${path('/customers/{id}', { id: second.id })}`, {
    body: { email: 'ap@tuaafibu.example' },
  });
  expect(editSecond.status).toBe(200);
  const editFirst = await clerk.call(`PATCH ${path('/customers/{id}', { id: first.id })}`, {
    body: { email: 'payables@tugafibu.example' },
  });
  expect(editFirst.status).toBe(200);

  // Posted late with the due date on the paper invoice: one due date everywhere.
  const late = await clerk.ok('POST /invoices', {
    body: {
      customerId: first.id,
      issueDate: day(-70),
      dueDate: day(-40),
      lines: [{ description: 'Sisal rope, March delivery', quantity: 1, unitPrice: eur(400_000) }],
    },
  });
  expect(late.dueDate).toBe(day(-40));
  const lateRead = await clerk.ok(`GET ${path('/invoices/{id}', { id: late.id })}`);
  const dueDates = new Set([
    lateRead.dueDate,
    ...(lateRead.instalments ?? []).map((i: { dueDate: string }) => i.dueDate),
  ]);
  expect([...dueDates]).toEqual([day(-40)]);

  // A wire for more than is owed: recorded, the open amount applied, the rest kept for the customer, and said so.
  const current = await clerk.ok('POST /invoices', {
    body: {
      customerId: second.id,
      lines: [{ description: 'Sisal rope, this month', quantity: 1, unitPrice: eur(1_000_000) }],
    },
  });
  const wire = await clerk.call('POST /payments', {
    body: {
      customerId: second.id,
      amount: eur(1_600_000),
      method: 'wire',
      receivedAt: new Date().toISOString(),
      reference: `16,000 for ${current.number}`,
      remittance: [{ invoiceNumber: current.number, amount: eur(1_600_000) }],
    },
  });
  expect(wire.status).toBe(201);
  const applied = await eventually(async () => {
    const payment = await clerk.ok(`GET ${path('/payments/{id}', { id: wire.body.id })}`);
    return payment.status === 'received' ? undefined : payment;
  }, 30_000);
  expect(applied.applied).toEqual(eur(1_000_000));
  expect(applied.unapplied).toEqual(eur(600_000));
  expect(applied.remittanceOutcome).toEqual([
    expect.objectContaining({
      invoiceNumber: current.number,
      applied: eur(1_000_000),
      outcome: 'partly_applied',
      detail: expect.any(String),
    }),
  ]);
  expect((await clerk.ok(`GET ${path('/invoices/{id}', { id: current.id })}`)).status).toBe('paid');

  // A remittance naming an invoice that does not exist is still cash received.
  const stray = await clerk.call('POST /payments', {
    body: {
      customerId: second.id,
      amount: eur(25_000),
      method: 'wire',
      receivedAt: new Date().toISOString(),
      reference: 'INV-1999-000001',
      remittance: [{ invoiceNumber: 'INV-1999-000001', amount: eur(25_000) }],
    },
  });
  expect(stray.status).toBe(201);
  const strayRead = await eventually(async () => {
    const payment = await clerk.ok(`GET ${path('/payments/{id}', { id: stray.body.id })}`);
    return payment.status === 'received' ? undefined : payment;
  }, 30_000);
  expect(strayRead.remittanceOutcome).toEqual([
    expect.objectContaining({ invoiceNumber: 'INV-1999-000001', outcome: 'not_applied' }),
  ]);
  expect(strayRead.unapplied).toEqual(eur(25_000));

  // The account's live facts agree with the invoices: the late one is open and overdue.
  const account = await eventually(async () => {
    const read = await clerk.ok(`GET ${path('/customers/{id}', { id: first.id })}`, { query: { include: 'account' } });
    return read.openInvoices?.count === 1 ? read : undefined;
  }, 15_000);
  // Receivable = the late invoice plus the late fees the default ladder charged for its 40 days (listed with the case).
  const settled = await eventually(async () => {
    const collection = await clerk.ok(`GET ${path('/collections/{customerId}', { customerId: first.id })}`);
    const fees = collection.fees.reduce((sum: number, f: { amount: { amount: number } }) => sum + f.amount.amount, 0);
    const read = await clerk.ok(`GET ${path('/customers/{id}', { id: first.id })}`, { query: { include: 'account' } });
    return read.balance.receivable.amount === 400_000 + fees ? { fees, read } : undefined;
  }, 15_000);
  expect(settled.read.balance.receivable).toEqual(eur(400_000 + settled.fees));
  expect(account.openInvoices.count).toBe(1);
});
