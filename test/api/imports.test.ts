// Bulk imports through the real app and worker: a streamed invoice file with 1 % bad rows finishes with an exact
// rejection report and nothing half-imported; a repeat of the file imports nothing twice; customers are checked for
// duplicates; opening balances post against the suspense account with their original dates and open amounts.
import { randomUUID } from 'node:crypto';
import { workflowIds } from '../../src/temporal/ids.js';
import { customerFixture, eventually, startTestEngine, type TestEngine } from '../support/engine.js';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(async () => {
  await engine?.close();
});

// Same shape as the 100,000-row benchmark (bench/imports.ts), smaller so the suite stays quick: 1 % bad rows.
const ROWS = 1_000;

async function finished(importId: string, timeoutMs = 240_000) {
  return eventually(
    async () => {
      const job = (await engine.app.inject({ method: 'GET', url: `/imports/${importId}` })).json();
      return job.status === 'completed' || job.status === 'failed' ? job : undefined;
    },
    timeoutMs,
    250,
  );
}

async function allRejections(importId: string) {
  const items: { line: number; field: string; reason: string }[] = [];
  let afterLine = 0;
  for (;;) {
    const page = (
      await engine.app.inject({ method: 'GET', url: `/imports/${importId}/rejections?limit=7&afterLine=${afterLine}` })
    ).json();
    items.push(...page.items);
    if (page.nextAfterLine === null) return items;
    afterLine = page.nextAfterLine;
  }
}

/** An invoice file of ROWS rows; every 100th row is broken in one of five ways. Returns the expected rejections. */
function invoiceFile(customerRef: string, prefix: string) {
  const lines = ['externalRef,customerExternalRef,currency,issueDate,dueDate,description,amount,taxRate'];
  const expected: { line: number; field: string; reason: string }[] = [];
  for (let i = 1; i <= ROWS; i++) {
    const line = i + 1; // the header is line 1
    let row = [`${prefix}-${i}`, customerRef, 'EUR', '2026-10-01', '2026-10-31', `Order ${i}`, String(1000 + i), '19'];
    if (i % 100 === 0) {
      switch ((i / 100) % 5) {
        case 0:
          row[6] = '12.50';
          expected.push({
            line,
            field: 'amount',
            reason: 'must be a whole number of minor units (e.g. 12050 for 120.50)',
          });
          break;
        case 1:
          row[3] = '2026-13-01';
          expected.push({ line, field: 'issueDate', reason: 'must be a calendar date YYYY-MM-DD' });
          break;
        case 2:
          row[1] = 'NO-SUCH-CUSTOMER';
          expected.push({ line, field: 'customerExternalRef', reason: 'no customer has this reference' });
          break;
        case 3:
          row[2] = 'USD';
          expected.push({ line, field: 'currency', reason: "must be the customer's currency EUR" });
          break;
        default:
          row = [row[0]!, row[1]!, row[2]!, row[3]!, '2026-09-01', row[5]!, row[6]!, row[7]!];
          expected.push({ line, field: 'dueDate', reason: 'must not be before issueDate' });
      }
    }
    lines.push(row.join(','));
  }
  return { csv: lines.join('\n'), expected };
}

it(`imports ${ROWS} invoices with 1 % bad rows: exact rejection report, nothing half-imported, idempotent on repeat`, async () => {
  const customerRef = `ERP-${randomUUID()}`;
  const created = await engine.app.inject({
    method: 'POST',
    url: '/customers',
    payload: customerFixture({ externalRef: customerRef }),
  });
  expect(created.statusCode).toBe(201);
  const customerId = created.json().id;
  const prefix = `INV-${randomUUID().slice(0, 8)}`;
  const { csv, expected } = invoiceFile(customerRef, prefix);

  const started = performance.now();
  const res = await engine.app.inject({
    method: 'POST',
    url: '/imports/invoices?lifecycle=false',
    headers: { 'content-type': 'text/csv' },
    payload: csv,
  });
  expect(res.statusCode).toBe(202);
  expect(res.json()).toMatchObject({ kind: 'invoices', format: 'csv', status: 'processing', totalRows: ROWS });
  const job = await finished(res.json().id);
  console.log(`${ROWS} invoice rows imported in ${Math.round(performance.now() - started)} ms`);
  expect(job).toMatchObject({
    status: 'completed',
    totalRows: ROWS,
    processedRows: ROWS,
    importedRows: ROWS - ROWS / 100,
    rejectedRows: ROWS / 100,
    skippedRows: 0,
    progress: 1,
  });
  expect(await allRejections(job.id)).toEqual(expected);

  // Nothing half-imported: every imported row has its invoice, its one line, its balanced issue entry and its event;
  // no rejected row left anything behind.
  const em = engine.db.orm.em.fork();
  const [counts] = await em.execute<{ invoices: string; lines: string; entries: string; events: string }[]>(
    `SELECT count(DISTINCT i.id) AS invoices, count(DISTINCT l.invoice_id || ':' || l.line_no) AS lines, count(DISTINCT e.id) AS entries,
            (SELECT count(*) FROM domain_event d WHERE d.type = 'invoice.issued' AND d.data->>'externalRef' LIKE ?) AS events
       FROM invoice i JOIN invoice_line l ON l.invoice_id = i.id JOIN journal_entry e ON e.id = i.issue_entry_id
      WHERE i.external_ref LIKE ?`,
    [`${prefix}-%`, `${prefix}-%`],
  );
  const good = String(ROWS - ROWS / 100);
  expect(counts).toMatchObject({ invoices: good, lines: good, entries: good, events: good });
  const rejectedRefs = expected.map((e) => `${prefix}-${e.line - 1}`);
  expect(
    await em.execute('SELECT 1 FROM invoice WHERE external_ref = ANY(?::text[])', [`{${rejectedRefs.join(',')}}`]),
  ).toHaveLength(0);
  // The receivable is exactly what was imported, and the net amounts are exactly the good rows' amounts.
  const [receivable] = await em.execute<{ balance: string }[]>(
    `SELECT sum(debit - credit) AS balance FROM journal_line WHERE customer_id = ? AND account_code = '1100'`,
    [customerId],
  );
  const [sums] = await em.execute<{ total: string; net: string }[]>(
    'SELECT sum(total_amount) AS total, sum(subtotal_amount) AS net FROM invoice WHERE external_ref LIKE ?',
    [`${prefix}-%`],
  );
  expect(receivable!.balance).toBe(sums!.total);
  const expectedNet = Array.from({ length: ROWS }, (_, k) => k + 1)
    .filter((i) => i % 100 !== 0)
    .reduce((sum, i) => sum + 1000 + i, 0);
  expect(Number(sums!.net)).toBe(expectedNet);
  expect((await engine.app.inject({ method: 'GET', url: '/ledger/check' })).json().ok).toBe(true);

  // The same file again: every good row is skipped (already imported), the bad ones are rejected again.
  const again = await engine.app.inject({
    method: 'POST',
    url: '/imports/invoices?lifecycle=false',
    headers: { 'content-type': 'text/csv' },
    payload: csv,
  });
  const second = await finished(again.json().id);
  expect(second).toMatchObject({ importedRows: 0, skippedRows: ROWS - ROWS / 100, rejectedRows: ROWS / 100 });
  const [after] = await em.execute<{ n: string }[]>('SELECT count(*) AS n FROM invoice WHERE external_ref LIKE ?', [
    `${prefix}-%`,
  ]);
  expect(Number(after!.n)).toBe(ROWS - ROWS / 100);
}, 600_000);

it('imports customers from JSON lines with the duplicate check, a broken line and an already imported reference', async () => {
  const suffix = randomUUID().slice(0, 8);
  const existing = await engine.app.inject({
    method: 'POST',
    url: '/customers',
    payload: customerFixture({
      legalName: `Globex Corporation ${suffix}`,
      email: `ap@globex-${suffix}.example`,
      taxId: { country: 'DE', value: `DE${suffix.replace(/\D/g, '').padEnd(9, '7')}` },
      allowDuplicate: undefined,
    }),
  });
  expect(existing.statusCode).toBe(201);
  const rows = [
    {
      externalRef: `J-1-${suffix}`,
      legalName: `Initrode ${suffix}`,
      email: `ap@initrode-${suffix}.example`,
      currency: 'EUR',
      billingAddress: { line1: '9 Elm St', city: 'Munich', postalCode: '80331', country: 'DE' },
      tags: ['imported'],
    },
    // Same company as the existing customer (same tax id and name): a probable duplicate.
    {
      externalRef: `J-2-${suffix}`,
      legalName: `Globex Corporation ${suffix}`,
      email: `billing@globex-${suffix}.example`,
      currency: 'EUR',
      taxId: { country: 'DE', value: `DE${suffix.replace(/\D/g, '').padEnd(9, '7')}` },
      billingAddress: { line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' },
    },
  ];
  const body = [
    JSON.stringify(rows[0]),
    '{"externalRef": broken',
    JSON.stringify(rows[1]),
    JSON.stringify(rows[0]),
  ].join('\n');
  const res = await engine.app.inject({
    method: 'POST',
    url: '/imports/customers?lifecycle=false',
    headers: { 'content-type': 'application/x-ndjson' },
    payload: body,
  });
  expect(res.statusCode).toBe(202);
  const job = await finished(res.json().id, 60_000);
  expect(job).toMatchObject({ status: 'completed', totalRows: 4, importedRows: 1, skippedRows: 1, rejectedRows: 2 });
  const report = await allRejections(job.id);
  expect(report[0]).toEqual({ line: 2, field: '', reason: 'is not valid JSON' });
  expect(report[1]).toMatchObject({ line: 3, field: 'legalName' });
  expect(report[1]!.reason).toContain(`probable duplicate of customer ${existing.json().id}`);
  const events = await engine.db.orm.em
    .fork()
    .execute(`SELECT 1 FROM domain_event WHERE type = 'customer.created' AND data->>'importId' = ?`, [job.id]);
  expect(events).toHaveLength(1);
});

it('posts opening balances with their original dates and open amounts against the suspense account', async () => {
  const ref = `OB-CUST-${randomUUID()}`;
  const created = await engine.app.inject({
    method: 'POST',
    url: '/customers',
    payload: customerFixture({ externalRef: ref }),
  });
  const customerId = created.json().id;
  const s = randomUUID().slice(0, 6);
  const csv = [
    'externalRef,customerExternalRef,currency,issueDate,dueDate,total,openAmount',
    `OLD-${s}-1,${ref},EUR,2026-08-01,2026-08-31,119000,119000`,
    `OLD-${s}-2,${ref},EUR,2026-10-15,2099-12-31,50000,20000`,
    `OLD-${s}-3,${ref},EUR,2026-10-15,2026-11-14,50000,60000`,
  ].join('\n');
  const res = await engine.app.inject({
    method: 'POST',
    url: '/imports/opening-balances?asOf=2026-11-01',
    headers: { 'content-type': 'text/csv' },
    payload: csv,
  });
  expect(res.statusCode).toBe(202);
  const job = await finished(res.json().id, 60_000);
  expect(job).toMatchObject({ status: 'completed', importedRows: 2, rejectedRows: 1 });
  expect(await allRejections(job.id)).toEqual([
    { line: 4, field: 'openAmount', reason: 'must not exceed total 50000' },
  ]);

  const em = engine.db.orm.em.fork();
  const invoices = await em.execute<
    {
      external_ref: string;
      status: string;
      issue: string;
      due: string;
      total_amount: string;
      open_amount: string;
      overdue_since: string | null;
    }[]
  >(
    `SELECT external_ref, status, to_char(issue_date, 'YYYY-MM-DD') AS issue, to_char(due_date, 'YYYY-MM-DD') AS due, total_amount, open_amount,
            to_char(overdue_since, 'YYYY-MM-DD') AS overdue_since FROM invoice WHERE customer_id = ? ORDER BY external_ref`,
    [customerId],
  );
  expect(invoices).toEqual([
    {
      external_ref: `OLD-${s}-1`,
      status: 'overdue',
      issue: '2026-08-01',
      due: '2026-08-31',
      total_amount: '119000',
      open_amount: '119000',
      overdue_since: '2026-09-01',
    },
    {
      external_ref: `OLD-${s}-2`,
      status: 'partially_paid',
      issue: '2026-10-15',
      due: '2099-12-31',
      total_amount: '50000',
      open_amount: '20000',
      overdue_since: null,
    },
  ]);
  const lines = await em.execute<{ role: string; debit: string; credit: string; effective: string }[]>(
    `SELECT a.role, l.debit, l.credit, to_char(e.effective_date, 'YYYY-MM-DD') AS effective FROM journal_line l
       JOIN journal_entry e ON e.id = l.entry_id JOIN ledger_account a ON a.code = l.account_code
      WHERE e.kind = 'opening_balance' AND l.memo LIKE ? ORDER BY l.memo, a.role`,
    [`OLD-${s}-%`],
  );
  expect(lines).toEqual([
    { role: 'accounts_receivable', debit: '119000', credit: '0', effective: '2026-11-01' },
    { role: 'opening_balance_suspense', debit: '0', credit: '119000', effective: '2026-11-01' },
    { role: 'accounts_receivable', debit: '20000', credit: '0', effective: '2026-11-01' },
    { role: 'opening_balance_suspense', debit: '0', credit: '20000', effective: '2026-11-01' },
  ]);
});

it('starts the invoice workflow of every imported opening balance after its rows commit', async () => {
  const ref = `OB-LC-${randomUUID()}`;
  expect(
    (await engine.app.inject({ method: 'POST', url: '/customers', payload: customerFixture({ externalRef: ref }) }))
      .statusCode,
  ).toBe(201);
  const s = randomUUID().slice(0, 6);
  const csv = ['externalRef,customerExternalRef,currency,issueDate,dueDate,total,openAmount'];
  for (let i = 1; i <= 40; i++)
    csv.push(`LC-${s}-${i},${ref},EUR,2026-09-01,${i % 2 ? '2026-09-30' : '2099-12-31'},${1000 * i},${1000 * i}`);
  const res = await engine.app.inject({
    method: 'POST',
    url: '/imports/opening-balances?asOf=2026-11-01',
    headers: { 'content-type': 'text/csv' },
    payload: csv.join('\n'),
  });
  expect(res.statusCode).toBe(202);
  const job = await finished(res.json().id, 120_000);
  expect(job).toMatchObject({ status: 'completed', importedRows: 40, rejectedRows: 0 });
  const em = engine.db.orm.em.fork();
  const rows = await em.execute<{ entity_id: string; lifecycle_started: boolean }[]>(
    'SELECT entity_id, lifecycle_started FROM import_row WHERE import_id = ?',
    [job.id],
  );
  expect(rows.every((r) => r.lifecycle_started)).toBe(true);
  const described = await Promise.all(
    rows.map((r) => engine.temporal.workflow.getHandle(workflowIds.invoice(r.entity_id)).describe()),
  );
  expect(described.map((d) => d.status.name)).toEqual(rows.map(() => 'RUNNING'));
}, 180_000);

it('refuses an unsupported content type and answers 404 for an unknown import', async () => {
  const wrong = await engine.app.inject({
    method: 'POST',
    url: '/imports/invoices',
    headers: { 'content-type': 'application/json' },
    payload: '[]',
  });
  expect(wrong.statusCode).toBe(400);
  expect((await engine.app.inject({ method: 'GET', url: `/imports/${randomUUID()}` })).statusCode).toBe(404);
});
