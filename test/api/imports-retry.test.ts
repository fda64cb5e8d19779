// Set-based import batches under failure, through the real app, worker, Temporal and PostgreSQL: a batch whose
// transaction dies after all its writes is retried by Temporal and posts nothing twice (numbers stay gap-free); a row
// only the database refuses is rejected alone while the rest of its batch goes in whole; repeated references inside one
// file follow line order; and the ledger itself refuses a second issue entry for an imported external reference.
import { randomUUID } from 'node:crypto';
import { prepareInvoiceRows } from '../../src/imports/store/invoice-rows.js';
import { writeInvoiceDocuments } from '../../src/imports/store/invoice-writer.js';
import { customerFixture, eventually, startTestEngine, type TestEngine } from '../support/engine.js';

let engine: TestEngine;
beforeAll(async () => {
  // Small batches, so a 350-row file is several batches and the crash below hits one in the middle.
  engine = await startTestEngine({ env: { IMPORT_BATCH_SIZE: '100' } });
});
afterAll(async () => {
  await engine?.close();
});

const HEADER = 'externalRef,customerExternalRef,currency,issueDate,dueDate,description,amount,taxRate';

async function customer(): Promise<{ id: string; ref: string }> {
  const ref = `ERP-${randomUUID()}`;
  const created = await engine.app.inject({
    method: 'POST',
    url: '/customers',
    payload: customerFixture({ externalRef: ref }),
  });
  expect(created.statusCode).toBe(201);
  return { id: created.json().id, ref };
}

async function importCsv(csv: string) {
  const res = await engine.app.inject({
    method: 'POST',
    url: '/imports/invoices?lifecycle=false',
    headers: { 'content-type': 'text/csv' },
    payload: csv,
  });
  expect(res.statusCode).toBe(202);
  return eventually(
    async () => {
      const job = (await engine.app.inject({ method: 'GET', url: `/imports/${res.json().id}` })).json();
      return job.status === 'completed' || job.status === 'failed' ? job : undefined;
    },
    120_000,
    200,
  );
}

async function report(importId: string) {
  return (await engine.app.inject({ method: 'GET', url: `/imports/${importId}/rejections?limit=1000` })).json()
    .items as { line: number; field: string; reason: string }[];
}

/** Per external reference: invoices, issue entries, their lines' balance and the issued events; plus the numbers taken. */
async function stored(prefix: string) {
  const em = engine.db.orm.em.fork();
  const [facts] = await em.execute<
    {
      invoices: string;
      refs: string;
      entries: string;
      unbalanced: string;
      events: string;
      numbers: string;
      lowest: string;
      highest: string;
    }[]
  >(
    `SELECT count(*) AS invoices, count(DISTINCT i.external_ref) AS refs,
            (SELECT count(*) FROM journal_entry e WHERE e.idempotency_key LIKE 'import:invoice:' || ? || '-%') AS entries,
            (SELECT count(*) FROM (SELECT l.entry_id FROM journal_line l JOIN invoice x ON x.issue_entry_id = l.entry_id WHERE x.external_ref LIKE ? || '-%'
                                    GROUP BY l.entry_id HAVING sum(l.debit) <> sum(l.credit) OR count(*) < 2) u) AS unbalanced,
            (SELECT count(*) FROM domain_event d WHERE d.type = 'invoice.issued' AND d.data->>'externalRef' LIKE ? || '-%') AS events,
            count(DISTINCT i.sequence_no) AS numbers, min(i.sequence_no) AS lowest, max(i.sequence_no) AS highest
       FROM invoice i WHERE i.external_ref LIKE ? || '-%'`,
    [prefix, prefix, prefix, prefix],
  );
  return {
    invoices: Number(facts!.invoices),
    refs: Number(facts!.refs),
    entries: Number(facts!.entries),
    unbalanced: Number(facts!.unbalanced),
    events: Number(facts!.events),
    numbers: Number(facts!.numbers),
    span: Number(facts!.highest) - Number(facts!.lowest) + 1,
  };
}

it('a batch whose transaction dies after all its writes is retried by Temporal and posts nothing twice', async () => {
  const { id: customerId, ref } = await customer();
  const prefix = `CR-${randomUUID().slice(0, 8)}`;
  const rows = [HEADER];
  const expected: { line: number; field: string; reason: string }[] = [];
  for (let i = 1; i <= 350; i++) {
    const bad = i === 7 || i === 250 || i === 349;
    rows.push(`${prefix}-${i},${ref},EUR,2026-10-01,2026-10-31,Order ${i},${bad ? '9.99' : String(500 + i)},19`);
    if (bad)
      expected.push({
        line: i + 1,
        field: 'amount',
        reason: 'must be a whole number of minor units (e.g. 12050 for 120.50)',
      });
  }
  // The crash: the third batch (rows 201-300) does all its writes, then its last statement fails once, so the whole
  // transaction rolls back and the activity fails; Temporal retries it. nextval is not transactional: it fires once.
  const em = engine.db.orm.em.fork();
  const seq = `import_crash_${prefix.replace(/\W/g, '_').toLowerCase()}`;
  await em.execute(`CREATE SEQUENCE ${seq}`);
  await em.execute(`
    CREATE FUNCTION ${seq}_fire() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM changed WHERE payload->>'externalRef' = '${prefix}-260') THEN
        IF nextval('${seq}') = 1 THEN RAISE EXCEPTION 'simulated crash after the batch wrote everything'; END IF;
      END IF;
      RETURN NULL;
    END $$`);
  await em.execute(
    `CREATE TRIGGER ${seq} AFTER UPDATE ON import_row REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION ${seq}_fire()`,
  );
  try {
    const job = await importCsv(rows.join('\n'));
    expect(job).toMatchObject({
      status: 'completed',
      totalRows: 350,
      processedRows: 350,
      importedRows: 347,
      rejectedRows: 3,
      skippedRows: 0,
    });
    // Two attempts of that batch reached their last statement: the one that crashed and the retry that committed.
    const [attempts] = await em.execute<{ last_value: string }[]>(`SELECT last_value FROM ${seq}`);
    expect(attempts!.last_value).toBe('2');
    expect(await report(job.id)).toEqual(expected);
    // Each good row exactly once: one invoice, one balanced issue entry keyed by its reference, one event; the numbers
    // the rolled-back attempt took were returned, so the series has no gap.
    expect(await stored(prefix)).toEqual({
      invoices: 347,
      refs: 347,
      entries: 347,
      unbalanced: 0,
      events: 347,
      numbers: 347,
      span: 347,
    });
    const [receivable] = await em.execute<{ balance: string }[]>(
      `SELECT balance FROM customer_ledger_balance WHERE customer_id = ? AND account_code = '1100'`,
      [customerId],
    );
    const [sums] = await em.execute<{ total: string }[]>(
      'SELECT sum(total_amount) AS total FROM invoice WHERE customer_id = ?',
      [customerId],
    );
    expect(receivable!.balance).toBe(sums!.total);
    expect((await engine.app.inject({ method: 'GET', url: '/ledger/check' })).json().ok).toBe(true);
  } finally {
    await em.execute(`DROP TRIGGER ${seq} ON import_row`);
    await em.execute(`DROP FUNCTION ${seq}_fire()`);
    await em.execute(`DROP SEQUENCE ${seq}`);
  }
}, 180_000);

it('a row only the database refuses is rejected alone; the rest of its batch goes in whole, in line order', async () => {
  const { ref } = await customer();
  const prefix = `DB-${randomUUID().slice(0, 8)}`;
  // Something the row checks cannot foresee: a constraint this test adds for one reference.
  const em = engine.db.orm.em.fork();
  const constraint = `test_refuse_${prefix.replace(/\W/g, '_').toLowerCase()}`;
  await em.execute(
    `ALTER TABLE invoice ADD CONSTRAINT ${constraint} CHECK (external_ref IS DISTINCT FROM '${prefix}-poison') NOT VALID`,
  );
  try {
    const line = (r: string, amount = '1000') => `${r},${ref},EUR,2026-10-01,2026-10-31,Item,${amount},19`;
    const csv = [
      HEADER,
      line(`${prefix}-1`), // line 2
      line(`${prefix}-twice`, '5.5'), // line 3: rejected, so the later row with this reference is the one imported
      line(`${prefix}-poison`), // line 4: refused by the database
      line(`${prefix}-twice`), // line 5: imported
      line(`${prefix}-2`), // line 6
      line(`${prefix}-2`, '2000'), // line 7: skipped, line 6 imported this reference
      line(`${prefix}-3`), // line 8
    ].join('\n');
    const job = await importCsv(csv);
    expect(job).toMatchObject({ status: 'completed', totalRows: 7, importedRows: 4, skippedRows: 1, rejectedRows: 2 });
    const rejected = await report(job.id);
    expect(rejected).toHaveLength(2);
    expect(rejected[0]).toEqual({
      line: 3,
      field: 'amount',
      reason: 'must be a whole number of minor units (e.g. 12050 for 120.50)',
    });
    expect(rejected[1]).toMatchObject({ line: 4, field: '' });
    expect(rejected[1]!.reason).toContain(constraint);
    // The refused row left nothing: no invoice, no entry, no event; the others are whole and numbered without a gap.
    expect(await stored(prefix)).toEqual({
      invoices: 4,
      refs: 4,
      entries: 4,
      unbalanced: 0,
      events: 4,
      numbers: 4,
      span: 4,
    });
    const skipped = await em.execute<{ line_no: number; entity_id: string }[]>(
      `SELECT line_no, entity_id FROM import_row WHERE import_id = ? AND line_no IN (6, 7) ORDER BY line_no`,
      [job.id],
    );
    expect(skipped[1]!.entity_id).toBe(skipped[0]!.entity_id);
  } finally {
    await em.execute(`ALTER TABLE invoice DROP CONSTRAINT ${constraint}`);
  }
}, 120_000);

it('the ledger refuses a second issue entry for an imported reference, and the attempt leaves nothing', async () => {
  const { ref } = await customer();
  const prefix = `LG-${randomUUID().slice(0, 8)}`;
  const job = await importCsv([HEADER, `${prefix}-1,${ref},EUR,2026-10-01,2026-10-31,Item,1000,19`].join('\n'));
  expect(job).toMatchObject({ importedRows: 1 });
  // A writer that bypassed the reference lookup (as a lost status update would make a retry do) gets no second posting.
  const row = {
    externalRef: `${prefix}-1`,
    customer: { externalRef: ref },
    currency: 'EUR',
    issueDate: '2026-10-01',
    dueDate: '2026-10-31',
    description: 'Item',
    amount: 1000,
    taxRate: '19',
    terms: null,
  };
  const attempt = engine.db.orm.em.fork().transactional(async (tx) => {
    const [prepared] = await prepareInvoiceRows(tx, [row], { today: '2026-10-01', actor: 'test' });
    if (!prepared!.ok) throw new Error('the row should pass its checks');
    return writeInvoiceDocuments(tx, [prepared.doc]);
  });
  await expect(attempt).rejects.toThrow('already posted');
  expect(await stored(prefix)).toEqual({
    invoices: 1,
    refs: 1,
    entries: 1,
    unbalanced: 0,
    events: 1,
    numbers: 1,
    span: 1,
  });
}, 60_000);
