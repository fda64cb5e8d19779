// Invoices through the real API, worker, PostgreSQL and SMTP: issue, numbering, bad input, credit notes, cancel,
// the lists and the ledger read side.
import { postJournalEntry } from '../../src/ledger/store/post.js';
import { workflowIds } from '../../src/temporal/ids.js';
import { invoiceStateQuery } from '../../workflows/invoices/messages.js';
import { customerFixture, eventually, startTestEngine, type TestEngine } from '../support/engine.js';
import { consultingLines } from '../support/invoices.js';

let engine: TestEngine;
let customerId: string;
beforeAll(async () => {
  engine = await startTestEngine();
  customerId = await createCustomer('ap@initrode.example', 'EUR');
});
afterAll(async () => {
  await engine?.close();
});

async function createCustomer(email: string, currency: string): Promise<string> {
  const response = await engine.app.inject({
    method: 'POST',
    url: '/customers',
    payload: customerFixture({ email, currency, legalName: `Initrode ${email}` }),
  });
  expect(response.statusCode).toBe(201);
  return response.json().id;
}

const issue = (payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
  engine.app.inject({ method: 'POST', url: '/invoices', payload, headers });
const get = (url: string) => engine.app.inject({ method: 'GET', url });
const count = async (table: string) =>
  Number((await engine.db.orm.em.fork().execute<{ n: string }[]>(`SELECT count(*) AS n FROM ${table}`))[0]!.n);
const entriesOf = async (source: string) => (await get(`/journal-entries?source=${source}`)).json().items;
const year = new Date().toISOString().slice(0, 4);

describe('POST /invoices', () => {
  it('numbers, posts, starts the workflow and e-mails the invoice', async () => {
    const response = await issue({ customerId, lines: consultingLines('EUR'), externalRef: 'PO-4711' });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body).toEqual({
      id: expect.any(String),
      number: expect.stringMatching(new RegExp(`^INV-${year}-\\d{6}$`)),
      status: 'issued',
      total: { amount: 148_150, currency: 'EUR' },
      balance: { amount: 148_150, currency: 'EUR' },
      dueDate: expect.any(String),
    });
    expect(response.headers.location).toBe(`/invoices/${body.id}`);

    const [entry] = await entriesOf(`invoice:${body.id}`);
    expect(entry).toMatchObject({ idempotencyKey: `invoice-${body.id}:issue`, kind: 'invoice_issued' });
    expect(
      entry.lines.map((l: { account: string; debit: { amount: number }; credit: { amount: number } }) => [
        l.account,
        l.debit.amount,
        l.credit.amount,
      ]),
    ).toEqual([
      ['accounts_receivable', 148_150, 0],
      ['revenue', 0, 125_000],
      ['tax_payable', 0, 23_150],
    ]);

    const mail = await engine.mail.waitFor((m) => m.subject.includes(body.number));
    expect(mail.to).toEqual(['ap@initrode.example']);
    expect(mail.text).toContain('Travel expenses: 1.5 x EUR 33.33 (tax 7 %) = EUR 50.00');
    expect(mail.attachments[0]?.content.toString('utf8')).toContain('Your reference: PO-4711');

    const fetched = await eventually(async () => {
      const r = (await get(`/invoices/${body.id}?include=workflow`)).json();
      return r.status === 'sent' && r.workflow?.phase === 'remind' ? r : undefined;
    });
    expect(fetched).toMatchObject({
      number: body.number,
      customerId,
      subtotal: { amount: 125_000, currency: 'EUR' },
      tax: { amount: 23_150, currency: 'EUR' },
      termsCode: 'NET30',
      externalRef: 'PO-4711',
      overdue: false,
      lines: [
        {
          lineNo: 1,
          quantity: 10,
          unitPrice: { amount: 12_000, currency: 'EUR' },
          taxRate: '19',
          net: { amount: 120_000 },
          tax: { amount: 22_800 },
        },
        {
          lineNo: 2,
          quantity: 1.5,
          unitPrice: { amount: 3333, currency: 'EUR' },
          taxRate: '7',
          net: { amount: 5000 },
          tax: { amount: 350 },
        },
      ],
      workflow: { status: 'sent', openAmount: 148_150 },
    });
    expect((await engine.temporal.workflow.getHandle(workflowIds.invoice(body.id)).describe()).status.name).toBe(
      'RUNNING',
    );
  });

  it('has one schedule: an explicit due date replaces the terms, instalment terms with a due date are refused', async () => {
    const late = await issue({
      customerId,
      issueDate: '2026-03-02',
      dueDate: '2026-03-05',
      terms: 'NET30',
      lines: [{ description: 'Late-posted', quantity: 1, unitPrice: { amount: 5_000, currency: 'EUR' } }],
    });
    expect(late.statusCode).toBe(201);
    expect(late.json()).toMatchObject({ dueDate: '2026-03-05' });
    const read = (await get(`/invoices/${late.json().id}`)).json();
    const dueDates = new Set([read.dueDate, ...(read.instalments ?? []).map((i: { dueDate: string }) => i.dueDate)]);
    expect([...dueDates]).toEqual(['2026-03-05']);
    const refused = await issue({
      customerId,
      issueDate: '2026-03-02',
      dueDate: '2026-03-05',
      terms: 'THIRDS_30_60_90',
      lines: [{ description: 'x', quantity: 1, unitPrice: { amount: 5_000, currency: 'EUR' } }],
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/dueDate']);
  });

  it('stores the early-payment discount offer of 2/10 net 30 for cash application', async () => {
    const response = await issue({
      customerId,
      issueDate: '2026-03-02',
      terms: '2_10_NET30',
      lines: [{ description: 'Widgets', quantity: 4, unitPrice: { amount: 2500, currency: 'EUR' } }],
    });
    expect(response.json()).toMatchObject({ dueDate: '2026-04-01', total: { amount: 10_000 } });
    expect((await get(`/invoices/${response.json().id}`)).json()).toMatchObject({
      termsCode: '2_10_NET30',
      discount: { deadline: '2026-03-12', rateBp: 200, amount: { amount: 200, currency: 'EUR' } },
    });
  });

  it('numbers gap-free: concurrent issues get consecutive numbers and refused ones use none', async () => {
    const numbers = (
      await Promise.all([1, 2, 3, 4, 5].map(() => issue({ customerId, lines: consultingLines('EUR') })))
    ).map((r) => r.json().number as string);
    expect((await issue({ customerId, lines: consultingLines('USD') })).statusCode).toBe(422);
    const after = (await issue({ customerId, lines: consultingLines('EUR') })).json().number as string;
    const sequence = [...numbers, after].map((n) => Number(n.split('-')[2])).sort((a, b) => a - b);
    expect(sequence).toEqual(sequence.map((_, i) => sequence[0]! + i));
  });

  it('replays the first answer for a repeated Idempotency-Key and issues once', async () => {
    const payload = { customerId, lines: consultingLines('EUR') };
    const before = await count('invoice');
    const [first, second] = [
      await issue(payload, { 'idempotency-key': 'inv-key-1' }),
      await issue(payload, { 'idempotency-key': 'inv-key-1' }),
    ];
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json().id).toBe(first.json().id);
    expect(await count('invoice')).toBe(before + 1);
  });
});

describe('bad input is refused with problem+json naming the field, and nothing is stored or posted', () => {
  const line = (overrides: Record<string, unknown>) => [
    { description: 'x', quantity: 1, unitPrice: { amount: 100, currency: 'EUR' }, ...overrides },
  ];
  // 400: the shape the published schema states (quantities in thousandths, prices of at least zero, tax rates up to
  // 100); 422: what only the book can say (the customer's currency, stored terms, a total above zero).
  const cases: [string, () => Record<string, unknown>, number, string][] = [
    ['zero quantity', () => ({ customerId, lines: line({ quantity: 0 }) }), 400, '/lines/0/quantity'],
    ['negative quantity', () => ({ customerId, lines: line({ quantity: -2 }) }), 400, '/lines/0/quantity'],
    ['more than 3 decimals', () => ({ customerId, lines: line({ quantity: 1.2345 }) }), 400, '/lines/0/quantity'],
    [
      'negative unit price',
      () => ({ customerId, lines: line({ unitPrice: { amount: -5, currency: 'EUR' } }) }),
      400,
      '/lines/0/unitPrice/amount',
    ],
    [
      'fractional minor units',
      () => ({ customerId, lines: line({ unitPrice: { amount: 10.5, currency: 'EUR' } }) }),
      400,
      '/lines/0/unitPrice/amount',
    ],
    [
      'currency other than the customer',
      () => ({ customerId, lines: line({ unitPrice: { amount: 100, currency: 'USD' } }) }),
      422,
      '/lines/0/unitPrice/currency',
    ],
    ['tax rate above 100 %', () => ({ customerId, lines: line({ taxRate: '120' }) }), 400, '/lines/0/taxRate'],
    ['tax rate as a number', () => ({ customerId, lines: line({ taxRate: 0.19 }) }), 400, '/lines/0/taxRate'],
    ['no lines', () => ({ customerId, lines: [] }), 400, '/lines'],
    ['zero total', () => ({ customerId, lines: line({ unitPrice: { amount: 0, currency: 'EUR' } }) }), 422, '/lines'],
    [
      'unknown customer',
      () => ({ customerId: '00000000-0000-4000-8000-000000000000', lines: line({}) }),
      404,
      '/customerId',
    ],
    ['unknown terms', () => ({ customerId, terms: 'NET999', lines: line({}) }), 422, '/terms'],
    [
      'due before issue',
      () => ({ customerId, issueDate: '2026-05-10', dueDate: '2026-05-01', lines: line({}) }),
      422,
      '/dueDate',
    ],
    ['impossible date', () => ({ customerId, issueDate: '2026-02-30', lines: line({}) }), 400, '/issueDate'], // the date schema knows the calendar,
    ['unknown field', () => ({ customerId, lines: line({}), discount: 5 }), 400, '/discount'],
  ];

  it.each(cases)('%s', async (_label, payload, status, pointer) => {
    const [invoices, entries] = [await count('invoice'), await count('journal_entry')];
    const response = await issue(payload());
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json().errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    expect([await count('invoice'), await count('journal_entry')]).toEqual([invoices, entries]);
  });

  it('refuses invoices for a closed customer with 409', async () => {
    const closed = await createCustomer('closed@initrode.example', 'EUR');
    await engine.db.orm.em.fork().execute(`UPDATE customer SET status = 'closed' WHERE id = ?`, [closed]);
    const response = await issue({ customerId: closed, lines: line({}) });
    expect(response.statusCode).toBe(409);
    expect(response.json().errors[0].pointer).toBe('/customerId');
  });
});

describe('credit notes and cancellation', () => {
  async function openInvoice() {
    const body = (await issue({ customerId, lines: consultingLines('EUR') })).json();
    await engine.mail.waitFor((m) => m.subject.includes(body.number));
    return body as { id: string; number: string };
  }
  const credit = (id: string, payload: Record<string, unknown>) =>
    engine.app.inject({ method: 'POST', url: `/invoices/${id}/credit-notes`, payload });
  const cancel = (id: string, reason = 'ordered in error') =>
    engine.app.inject({ method: 'POST', url: `/invoices/${id}/cancel`, payload: { reason } });
  const linesOf = (entry: { lines: { account: string; debit: { amount: number }; credit: { amount: number } }[] }) =>
    entry.lines.map((l) => [l.account, l.debit.amount, l.credit.amount]);

  it('a partial credit note reverses revenue and tax in proportion, and the rest credits them exactly', async () => {
    const invoice = await openInvoice();
    const partial = await credit(invoice.id, {
      amount: { amount: 48_150, currency: 'EUR' },
      reason: 'Two days not delivered',
    });
    expect(partial.statusCode).toBe(201);
    expect(partial.json()).toMatchObject({
      creditNote: {
        number: expect.stringMatching(new RegExp(`^CN-${year}-\\d{6}$`)),
        kind: 'partial',
        total: { amount: 48_150 },
      },
      invoice: { id: invoice.id, balance: { amount: 100_000, currency: 'EUR' } },
    });
    const [partialEntry] = await entriesOf(`credit_note:${partial.json().creditNote.id}`);
    // 48,150 of 148,150 split over net 125,000 / tax 23,150 by largest remainder.
    expect(linesOf(partialEntry)).toEqual([
      ['revenue', 40_626, 0],
      ['tax_payable', 7524, 0],
      ['accounts_receivable', 0, 48_150],
    ]);
    const handle = engine.temporal.workflow.getHandle(workflowIds.invoice(invoice.id));
    await eventually(async () => ((await handle.query(invoiceStateQuery)).openAmount === 100_000 ? true : undefined));

    const rest = await credit(invoice.id, { reason: 'Project cancelled' });
    expect(rest.json()).toMatchObject({
      creditNote: { kind: 'full', total: { amount: 100_000 } },
      invoice: { status: 'cancelled', balance: { amount: 0 } },
    });
    const [restEntry] = await entriesOf(`credit_note:${rest.json().creditNote.id}`);
    expect(linesOf(restEntry)).toEqual([
      ['revenue', 125_000 - 40_626, 0],
      ['tax_payable', 23_150 - 7524, 0],
      ['accounts_receivable', 0, 100_000],
    ]);
    expect(await handle.result()).toMatchObject({ phase: 'closed', status: 'cancelled', openAmount: 0 });
    const over = await credit(invoice.id, { reason: 'again' });
    expect(over.statusCode).toBe(409);
  });

  it('refuses a credit above the open amount (422) or for an unknown invoice (404), posting nothing', async () => {
    const invoice = await openInvoice();
    const entries = await count('journal_entry');
    const above = await credit(invoice.id, { amount: { amount: 148_151, currency: 'EUR' }, reason: 'too much' });
    expect(above.statusCode).toBe(422);
    expect(above.json().errors[0].pointer).toBe('/amount/amount');
    const currency = await credit(invoice.id, { amount: { amount: 100, currency: 'USD' }, reason: 'wrong currency' });
    expect([currency.statusCode, currency.json().errors[0].pointer]).toEqual([422, '/amount/currency']);
    expect((await credit('00000000-0000-4000-8000-000000000000', { reason: 'x' })).statusCode).toBe(404);
    expect((await credit(invoice.id, { reason: '  ' })).statusCode).toBe(400);
    expect(await count('journal_entry')).toBe(entries);
  });

  it('serializes concurrent credit notes on the invoice row: never more than the open amount is credited', async () => {
    const invoice = await openInvoice();
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map(() =>
        credit(invoice.id, { amount: { amount: 40_000, currency: 'EUR' }, reason: 'concurrent' }),
      ),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 201, 201, 422, 422]);
    const fetched = (await get(`/invoices/${invoice.id}`)).json();
    expect(fetched).toMatchObject({ balance: { amount: 148_150 - 120_000 }, credited: { amount: 120_000 } });
    expect(fetched.creditNotes).toHaveLength(3);
    expect((await get('/ledger/check')).json().ok).toBe(true);
  });

  it('cancel posts the exact mirror of the issue entry and closes the workflow', async () => {
    const invoice = await openInvoice();
    const response = await cancel(invoice.id);
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({
      creditNote: { kind: 'cancellation', total: { amount: 148_150 } },
      invoice: { status: 'cancelled', balance: { amount: 0 } },
    });
    const [issueEntry, reversal] = await entriesOf(`invoice:${invoice.id}`);
    expect(reversal).toMatchObject({
      kind: 'reversal',
      reversesEntryId: issueEntry.id,
      idempotencyKey: `invoice-${invoice.id}:cancel`,
    });
    expect(linesOf(reversal)).toEqual(
      linesOf(issueEntry).map(([account, debit, creditAmount]) => [account, creditAmount, debit]),
    );
    const final = await engine.temporal.workflow.getHandle(workflowIds.invoice(invoice.id)).result();
    expect(final).toMatchObject({ status: 'cancelled', phase: 'closed' });
    expect((await cancel(invoice.id)).statusCode).toBe(409);
  });
});

describe('lists and the ledger read side', () => {
  it('lists overdue invoices of a customer in due-date order with cursor pagination', async () => {
    const other = await createCustomer('lists@initrode.example', 'EUR');
    const line = [{ description: 'Support', quantity: 1, unitPrice: { amount: 1000, currency: 'EUR' } }];
    const past = await issue({ customerId: other, issueDate: '2025-01-01', dueDate: '2025-01-31', lines: line });
    const pastLater = await issue({ customerId: other, issueDate: '2025-02-01', dueDate: '2025-03-03', lines: line });
    await issue({ customerId: other, lines: line });
    const page1 = (await get(`/invoices?customerId=${other}&overdue=true&limit=1`)).json();
    expect(page1.items.map((i: { id: string }) => i.id)).toEqual([past.json().id]);
    expect(page1.items[0]).toMatchObject({ overdue: true, balance: { amount: 1000, currency: 'EUR' } });
    const page2 = (await get(`/invoices?customerId=${other}&overdue=true&limit=1&cursor=${page1.nextCursor}`)).json();
    expect(page2).toEqual({ items: [expect.objectContaining({ id: pastLater.json().id })], nextCursor: null });
    expect((await get(`/invoices?customerId=${other}&dueBefore=2025-02-15`)).json().items).toHaveLength(1);
    expect((await get(`/invoices?customerId=${other}&overdue=false`)).json().items).toHaveLength(1);
    // The workflow flips a past-due invoice to overdue at once and records since when.
    const flipped = await eventually(async () => {
      const r = (await get(`/invoices/${past.json().id}?include=workflow`)).json();
      return r.status === 'overdue' && r.workflow?.phase === 'watch' ? r : undefined;
    });
    expect(flipped).toMatchObject({
      overdueSince: expect.any(String),
      workflow: { phase: 'watch', reminderSkipped: true },
    });
    expect((await get(`/invoices?customerId=${other}&status=overdue`)).json().items.length).toBeGreaterThanOrEqual(1);
    expect((await get('/invoices?cursor=nonsense')).statusCode).toBe(400);
  });

  it("shows a customer's receivable activity with a running balance and passes the ledger check", async () => {
    const who = await createCustomer('ledger@initrode.example', 'EUR');
    const line = (amount: number) => [{ description: 'Licence', quantity: 1, unitPrice: { amount, currency: 'EUR' } }];
    const a = (await issue({ customerId: who, issueDate: '2026-01-05', lines: line(10_000) })).json();
    await issue({ customerId: who, issueDate: '2026-01-06', lines: line(2500) });
    await engine.app.inject({
      method: 'POST',
      url: `/invoices/${a.id}/credit-notes`,
      payload: { amount: { amount: 1000, currency: 'EUR' }, reason: 'goodwill' },
    });
    const ledger = (await get(`/customers/${who}/ledger?limit=2`)).json();
    expect(ledger.items.map((l: { runningBalance: { amount: number } }) => l.runningBalance.amount)).toEqual([
      10_000, 12_500,
    ]);
    const rest = (await get(`/customers/${who}/ledger?cursor=${ledger.nextCursor}`)).json();
    expect(rest.items).toEqual([
      expect.objectContaining({
        kind: 'credit_note',
        credit: { amount: 1000, currency: 'EUR' },
        runningBalance: { amount: 11_500, currency: 'EUR' },
      }),
    ]);
    expect((await get('/customers/00000000-0000-4000-8000-000000000000/ledger')).statusCode).toBe(404);

    const check = (await get('/ledger/check')).json();
    expect(check).toMatchObject({ ok: true, customerMismatches: [], unbalancedEntries: [] });
    const eur = check.currencies.find((c: { currency: string }) => c.currency === 'EUR');
    expect(eur.arControl).toEqual(eur.openInvoices);
    expect(eur.ok).toBe(true);
  });
});

describe('the ledger check is not vacuous', () => {
  it('reports a receivable posted without an open invoice behind it, per currency and per customer', async () => {
    const who = await createCustomer('mismatch@initrode.example', 'EUR');
    // Runs last in this file: it leaves the books deliberately out of line with the documents.
    await engine.db.orm.em.fork().transactional(async (tx) => {
      await postJournalEntry(tx, {
        idempotencyKey: `test-orphan-${who}`,
        kind: 'opening_balance',
        effectiveDate: '2026-01-01',
        sourceType: 'test',
        sourceId: who,
        lines: [
          { account: 'accounts_receivable', customerId: who, debit: 777, credit: 0, currency: 'EUR' },
          { account: 'revenue', debit: 0, credit: 777, currency: 'EUR' },
        ],
      });
    });
    const check = (await get('/ledger/check')).json();
    expect(check.ok).toBe(false);
    const eur = check.currencies.find((c: { currency: string }) => c.currency === 'EUR');
    expect(eur.arControl.amount - eur.openInvoices.amount).toBe(777);
    expect(check.customerMismatches).toEqual([
      { customerId: who, subLedger: { amount: 777, currency: 'EUR' }, openInvoices: { amount: 0, currency: 'EUR' } },
    ]);
  });
});
