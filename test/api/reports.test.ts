// Reports through the real app, worker, Temporal dev server and PostgreSQL: aging (JSON, CSV by Accept and by
// format, refusals), KPIs, statements as HTML and PDF (text extracted and asserted), stored documents, and the report
// Schedules (created twice without error, triggered once: a KPI snapshot and the statement run).
import { randomUUID } from 'node:crypto';
import { previousMonth } from '../../src/reports/rules/kpis.js';
import { postJournalEntry } from '../../src/ledger/store/post.js';
import { deleteReportSchedules, ensureReportSchedules, reportScheduleIds } from '../../src/reports/schedules.js';
import { insertCustomer } from '../support/customers.js';
import { eventually, startTestEngine, type TestEngine } from '../support/engine.js';
import { issueInvoiceDirectly } from '../support/invoices.js';
import { pdfText } from '../support/pdf-text.js';
import { appliedPayment, issueInvoice } from '../support/payments.js';

let engine: TestEngine;
let customerId: string;
const numbers: string[] = [];
const today = new Date().toISOString().slice(0, 10);
const lastMonth = previousMonth(today);

beforeAll(async () => {
  engine = await startTestEngine();
  const orm = engine.db.orm;
  customerId = (await insertCustomer(orm, { currency: 'EUR', legalName: 'Statement Test GmbH' })).id;
  const lines = (amount: number) => [
    { description: 'Consulting', quantity: 1, unitPrice: { amount, currency: 'EUR' }, taxRate: '0' },
  ];
  // One invoice before last month (the opening balance), one in it, a part payment in it.
  const before = `${lastMonth.from.slice(0, 8)}01`;
  const september = new Date(Date.parse(`${before}T00:00:00Z`) - 86_400_000 * 20).toISOString().slice(0, 10);
  for (const [amount, issueDate] of [
    [100_000, september],
    [50_000, `${lastMonth.from.slice(0, 8)}10`],
  ] as const) {
    const issued = await issueInvoiceDirectly(
      orm,
      { customerId, lines: lines(amount), issueDate, dueDate: issueDate },
      issueDate,
    );
    numbers.push(issued.number);
  }
  await orm.em.fork().transactional((tx) =>
    postJournalEntry(tx, {
      idempotencyKey: `test-pay-${randomUUID()}`,
      kind: 'payment_applied',
      effectiveDate: `${lastMonth.from.slice(0, 8)}15`,
      sourceType: 'payment',
      sourceId: randomUUID(),
      lines: [
        { account: 'cash', debit: 30_000, credit: 0, currency: 'EUR' },
        { account: 'accounts_receivable', customerId, debit: 0, credit: 30_000, currency: 'EUR', memo: numbers[0] },
      ],
    }),
  );
});
afterAll(async () => {
  if (engine) await deleteReportSchedules(engine.temporal, engine.config.temporal.taskQueue);
  await engine?.close();
});

const get = (url: string, headers: Record<string, string> = {}) => engine.app.inject({ method: 'GET', url, headers });

describe('GET /reports/aging', () => {
  it('answers per currency with the buckets, the basis and the as-of date stamped, summing to the totals', async () => {
    const response = await get(`/reports/aging?asOf=${lastMonth.to}&currency=EUR`);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ asOf: lastMonth.to, basis: 'due' });
    expect(body.buckets.map((b: { key: string }) => b.key)).toEqual(['current', '1-30', '31-60', '61-90', '91+']);
    const [eur] = body.currencies;
    expect(eur.totals.total).toEqual({ amount: 120_000, currency: 'EUR' });
    expect(eur.totals.buckets.reduce((sum: number, b: { amount: number }) => sum + b.amount, 0)).toBe(120_000);
    expect(eur.customers).toEqual([
      expect.objectContaining({
        customerId,
        customerName: 'Statement Test GmbH',
        total: { amount: 120_000, currency: 'EUR' },
      }),
    ]);
  });

  it('streams CSV when asked by Accept or by format', async () => {
    for (const [url, headers] of [
      [`/reports/aging?asOf=${lastMonth.to}`, { accept: 'text/csv' }],
      [`/reports/aging?asOf=${lastMonth.to}&format=csv&buckets=15,45`, {}],
    ] as const) {
      const response = await get(url, headers);
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/csv/);
      const [header, row] = response.body.trim().split('\n');
      expect(header).toMatch(/^as_of,basis,currency,customer_id,customer_name,current,/);
      expect(row).toContain(`${lastMonth.to},due,EUR,${customerId},Statement Test GmbH,`);
      expect(row).toMatch(/,120000,120000,0$/);
    }
  });

  it.each([
    ['buckets=60,30', '/buckets'],
    ['buckets=abc', '/buckets'],
    ['asOf=2026-02-30', '/asOf'],
    ['basis=posting', '/basis'],
    ['currency=eur', '/currency'],
    ['segment=gold', '/segment'],
    ['unknown=1', '/unknown'],
  ])('refuses %s with a 400 naming %s', async (query, pointer) => {
    const response = await get(`/reports/aging?${query}`);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/problem\+json/);
    expect(response.json().errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
  });
});

describe('GET /reports/kpis', () => {
  it('stamps every figure with its method and period', async () => {
    const response = await get(`/reports/kpis?from=${lastMonth.from}&to=${lastMonth.to}&currency=EUR`);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    const [eur] = body.currencies;
    expect(eur.inputs).toMatchObject({ beginningAr: 100_000, endingAr: 120_000, grossCreditSales: 50_000 });
    expect(eur.figures.dsoSimple).toMatchObject({
      unit: 'days',
      currency: 'EUR',
      period: { from: lastMonth.from, to: lastMonth.to },
      method: expect.stringContaining('simple'),
    });
    expect(body.disputes.available).toBe(true);
    expect(body.promises.available).toBe(true);
  });

  it('refuses a period that ends before it starts', async () => {
    const response = await get(`/reports/kpis?from=${lastMonth.to}&to=${lastMonth.from}`);
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([expect.objectContaining({ pointer: '/to' })]);
    expect((await get('/reports/kpis?from=2026-01-01')).statusCode).toBe(400);
  });
});

describe('statements and documents', () => {
  it('renders the statement as HTML with opening balance, activity, open items with aging, closing balance and how to pay', async () => {
    const response = await get(`/customers/${customerId}/statement?from=${lastMonth.from}&to=${lastMonth.to}`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    const html = response.body;
    expect(html).toContain('Opening balance: EUR 1,000.00');
    expect(html).toContain('Closing balance: EUR 1,200.00');
    expect(html).toContain(numbers[1]);
    expect(html).toContain('How to pay');
    expect(html).toContain(customerId);
  });

  it('renders the PDF (Accept or format) whose extracted text carries the same figures', async () => {
    for (const [url, headers] of [
      [`/customers/${customerId}/statement?from=${lastMonth.from}&to=${lastMonth.to}&format=pdf`, {}],
      [`/customers/${customerId}/statement?from=${lastMonth.from}&to=${lastMonth.to}`, { accept: 'application/pdf' }],
    ] as const) {
      const response = await get(url, headers);
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('application/pdf');
      const text = await pdfText(response.rawPayload);
      expect(text).toContain(`Statement of account ${lastMonth.from} to ${lastMonth.to}`);
      expect(text).toContain('Statement Test GmbH');
      expect(text).toContain('Opening balance');
      expect(text).toContain('EUR 1,000.00');
      expect(text).toContain('EUR 1,200.00'); // closing balance
      expect(text).toContain('EUR 700.00'); // the first invoice after the part payment
      expect(text).toContain(numbers[1]!);
      expect(text).toContain('How to pay');
    }
  });

  it('answers 404 for an unknown customer and 400 for a reversed period', async () => {
    expect((await get(`/customers/${randomUUID()}/statement`)).statusCode).toBe(404);
    expect((await get(`/customers/${customerId}/statement?from=2026-03-01&to=2026-02-01`)).statusCode).toBe(400);
    expect((await get(`/customers/${randomUUID()}/documents`)).statusCode).toBe(404);
    expect((await get(`/documents/${randomUUID()}`)).statusCode).toBe(404);
  });
});

describe('report schedules', () => {
  it('are created idempotently; triggered, they snapshot last month and send the statements due', async () => {
    const taskQueue = engine.config.temporal.taskQueue;
    const ids = reportScheduleIds(taskQueue);
    expect(await ensureReportSchedules(engine.temporal, taskQueue)).toEqual([ids.kpiSnapshot, ids.statementRun]);
    expect(await ensureReportSchedules(engine.temporal, taskQueue)).toEqual([ids.kpiSnapshot, ids.statementRun]);
    const kpi = engine.temporal.schedule.getHandle(ids.kpiSnapshot);
    const description = await kpi.describe();
    expect(description.action).toMatchObject({ workflowType: 'kpiSnapshotWorkflow', taskQueue });
    expect(description.spec.calendars?.[0]).toMatchObject({
      dayOfMonth: [{ start: 1, end: 1, step: 1 }],
      hour: [{ start: 2, end: 2, step: 1 }],
    });

    await kpi.trigger();
    const snapshots = await eventually(
      async () => {
        const body = (await get('/reports/kpis/snapshots?currency=EUR')).json();
        return body.items.length ? body.items : undefined;
      },
      60_000,
      500,
    );
    expect(snapshots).toEqual([
      expect.objectContaining({
        periodFrom: lastMonth.from,
        periodTo: lastMonth.to,
        currency: 'EUR',
        takenBy: expect.stringMatching(/^system:/),
      }),
    ]);
    expect(snapshots[0].figures.dsoSimple).toMatchObject({ period: { from: lastMonth.from, to: lastMonth.to } });

    await engine.temporal.schedule.getHandle(ids.statementRun).trigger();
    const mail = await engine.mail.waitFor(
      (m) => m.subject.startsWith('Your statement') && m.subject.includes(`${lastMonth.from} to ${lastMonth.to}`),
      60_000,
    );
    expect(mail.attachments[0]!.contentType).toBe('application/pdf');
    const documents = (await get(`/customers/${customerId}/documents?kind=statement`)).json();
    expect(documents.items).toEqual([
      expect.objectContaining({
        kind: 'statement',
        periodFrom: lastMonth.from,
        periodTo: lastMonth.to,
        href: expect.stringMatching(/^\/documents\//),
      }),
    ]);
    const download = await get(documents.items[0].href);
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('application/pdf');
    expect(download.headers.etag).toBe(`"${documents.items[0].contentSha256}"`);
    expect(download.rawPayload.equals(mail.attachments[0]!.content)).toBe(true);
  });
});

describe('invoice PDFs and payment receipts', () => {
  it('delivers the invoice with its stored PDF and e-mails a receipt PDF once the payment is applied', async () => {
    const customer = await insertCustomer(engine.db.orm, { currency: 'USD', legalName: 'Receipt Test Inc' });
    const invoice = await issueInvoice(engine, { customerId: customer.id, total: 80_000 });
    const delivery = await engine.mail.waitFor(
      (m) => m.to.includes(customer.email) && m.subject.includes(invoice.number),
      60_000,
    );
    const pdf = delivery.attachments.find((a) => a.contentType === 'application/pdf')!;
    expect(pdf.filename).toBe(`${invoice.number}.pdf`);
    const invoiceText = await pdfText(pdf.content);
    expect(invoiceText).toContain(`Invoice ${invoice.number}`);
    expect(invoiceText).toContain('USD 800.00');

    const paid = await engine.app.inject({
      method: 'POST',
      url: '/payments',
      payload: {
        customerId: customer.id,
        amount: { amount: 100_000, currency: 'USD' },
        method: 'wire',
        receivedAt: new Date().toISOString(),
        reference: invoice.number,
      },
    });
    expect(paid.statusCode).toBe(201);
    await appliedPayment(engine, paid.json().id);
    const receipt = await engine.mail.waitFor(
      (m) => m.to.includes(customer.email) && m.subject.startsWith('Receipt for your payment'),
      60_000,
    );
    expect(receipt.subject).toBe('Receipt for your payment of USD 1,000.00');
    expect(receipt.text).toContain(`${invoice.number}: USD 800.00`);
    expect(receipt.text).toContain('USD 200.00 is held as credit');
    const receiptText = await pdfText(receipt.attachments[0]!.content);
    expect(receiptText).toContain('Payment receipt');
    expect(receiptText).toContain('Receipt Test Inc');
    expect(receiptText).toContain(invoice.number);

    const documents = (await get(`/customers/${customer.id}/documents`)).json();
    expect(documents.items.map((d: { kind: string }) => d.kind).sort()).toEqual(['invoice', 'receipt']);
    const stored = documents.items.find((d: { kind: string }) => d.kind === 'receipt');
    expect((await get(stored.href)).rawPayload.equals(receipt.attachments[0]!.content)).toBe(true);
  });
});
