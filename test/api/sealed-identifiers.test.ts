// Tax ids and bank account numbers at rest: the tables hold them sealed (with keyed hashes next to them), the API
// answers them in clear as before, duplicate detection and statement dedupe still match exactly, and a data key
// rotation or a new hash key followed by `reseal` keeps every value readable and every match working. The migration
// that introduced sealing moves clear values of an existing book.
import { randomBytes } from 'node:crypto';
import { bankFixture as fixture } from '../support/bank-fixtures.js';
import { migrate } from '../../src/db/orm.js';
import { resealAll } from '../../src/security/reseal.js';
import { customerFixture, eventually, startTestEngine, type TestEngine } from '../support/engine.js';
import { createTestDatabase } from '../support/database.js';

const FIRST_KEY = `k1:${randomBytes(32).toString('base64')}`;
process.env.DATA_ENCRYPTION_KEYS = FIRST_KEY;
process.env.DATA_HASH_KEY = randomBytes(32).toString('base64');

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(async () => {
  await engine?.close();
});

const TAX_ID = '123456789';
const PAYER_IBAN = 'GB29NWBK60161331926819';
const OWN_IBAN = 'DE89370400440532013000';
const CLEAR = [TAX_ID, PAYER_IBAN, OWN_IBAN, 'GB29 NWBK', 'DE89 3704'];

/** Every row of every table that keeps a tax id or an account number, as text. */
async function storedText(em = engine.db.orm.em.fork()): Promise<string> {
  const tables = [
    'customer',
    'customer_history',
    'domain_event',
    'payment',
    'bank_statement',
    'bank_statement_entry',
    'task',
    'import_row',
    'idempotency_record',
  ];
  const parts = await Promise.all(
    tables.map(async (t) =>
      (await em.execute<{ row: string }[]>(`SELECT row_to_json(x)::text AS row FROM ${t} x`))
        .map((r) => r.row)
        .join('\n'),
    ),
  );
  return parts.join('\n');
}

const importCamt = (xml: string) =>
  engine.app.inject({
    method: 'POST',
    url: '/bank-statements',
    headers: { 'content-type': 'application/xml' },
    payload: xml,
  });

let customerId: string;
let paymentId: string;
const camt = fixture('camt053-basic.xml');

it('keeps no clear tax id or account number in the database, while the API answers them as before', async () => {
  // Sent with an Idempotency-Key: the answer stored for its replay carries the tax id, sealed too.
  const create = () =>
    engine.app.inject({
      method: 'POST',
      url: '/customers',
      headers: { 'idempotency-key': 'sealed-customer-1' },
      payload: customerFixture({
        legalName: 'Sealed Widgets GmbH',
        email: 'ap@sealed.example',
        taxId: { country: 'DE', value: 'de 123.456.789' },
      }),
    });
  const created = await create();
  expect(created.statusCode).toBe(201);
  customerId = created.json().id;
  const replayed = await create();
  expect([replayed.statusCode, replayed.headers['idempotent-replayed'], replayed.json().taxId]).toEqual([
    201,
    'true',
    { country: 'DE', value: `DE${TAX_ID}` },
  ]);
  expect(created.json().taxId).toEqual({ country: 'DE', value: `DE${TAX_ID}` });
  // A change of tax id goes to the audit trail, which keeps both values sealed too.
  const changed = await engine.app.inject({
    method: 'PATCH',
    url: `/customers/${customerId}`,
    payload: { taxId: { country: 'DE', value: `${TAX_ID}` } },
  });
  expect(changed.statusCode).toBe(200);
  const imported = await importCamt(camt);
  expect(imported.statusCode).toBe(201);
  expect(imported.json().account).toBe(OWN_IBAN);
  paymentId = imported.json().entries[0].paymentId;
  // Imported customers: the staged rows keep the uploaded tax id sealed until and after they are applied.
  const csv = `externalRef,legalName,email,currency,line1,city,postalCode,country,taxCountry,taxId\nSEAL-1,Imported Sealed BV,ap@imported-sealed.example,EUR,2 Dam,Amsterdam,1012,NL,NL,NL ${TAX_ID}B01\n`;
  const job = await engine.app.inject({
    method: 'POST',
    url: '/imports/customers?lifecycle=false',
    headers: { 'content-type': 'text/csv' },
    payload: csv,
  });
  expect(job.statusCode).toBe(202);
  const done = await eventually(
    async () => {
      const j = (await engine.app.inject({ method: 'GET', url: `/imports/${job.json().id}` })).json();
      return j.status === 'completed' ? j : undefined;
    },
    60_000,
    200,
  );
  expect(done).toMatchObject({ importedRows: 1 });
  const importedCustomer = (await engine.app.inject({ method: 'GET', url: '/customers?taxId=NL123456789B01' })).json();
  expect(importedCustomer.items.map((c: { taxId: unknown }) => c.taxId)).toEqual([
    { country: 'NL', value: `NL${TAX_ID}B01` },
  ]);

  const stored = await storedText();
  for (const clear of CLEAR) expect(stored).not.toContain(clear);
  const [row] = await engine.db.orm.em
    .fork()
    .execute<{ tax_id: string; tax_key: string }[]>('SELECT tax_id, tax_key FROM customer WHERE id = ?', [customerId]);
  expect(row!.tax_id).toMatch(/^sealed:v1:k1:/);
  expect(row!.tax_key).toMatch(/^[0-9a-f]{64}$/);
  const [payment] = await engine.db.orm.em
    .fork()
    .execute<
      { iban: string; counterparty_iban_hash: string }[]
    >(`SELECT counterparty->>'iban' AS iban, counterparty_iban_hash FROM payment WHERE id = ?`, [paymentId]);
  expect(payment!.iban).toMatch(/^sealed:v1:k1:/);
  expect(payment!.counterparty_iban_hash).toMatch(/^[0-9a-f]{64}$/);

  // The database refuses a clear value written past the store.
  await expect(
    engine.db.orm.em.fork().execute('UPDATE customer SET tax_id = ? WHERE id = ?', [TAX_ID, customerId]),
  ).rejects.toThrow(/customer_tax_id_sealed/);

  expect((await engine.app.inject({ method: 'GET', url: `/customers/${customerId}` })).json().taxId).toEqual({
    country: 'DE',
    value: TAX_ID,
  });
  const history = (await engine.app.inject({ method: 'GET', url: `/customers/${customerId}/history` })).json();
  expect(history.items.find((h: { field: string }) => h.field === 'taxId')).toMatchObject({
    old: { country: 'DE', value: `DE${TAX_ID}` },
    new: { country: 'DE', value: TAX_ID },
  });
  expect((await engine.app.inject({ method: 'GET', url: `/payments/${paymentId}` })).json().counterparty).toEqual({
    name: 'Acme Corp',
    iban: PAYER_IBAN,
  });
  const events = (await engine.app.inject({ method: 'GET', url: '/events?types=customer.*&limit=200' })).json();
  expect(JSON.stringify(events)).toContain(`"value":"DE${TAX_ID}"`);
  // Collectors still do not see tax ids at all.
  const asCollector = await engine.app.inject({
    method: 'GET',
    url: `/customers/${customerId}`,
    headers: await engine.headersFor('collector'),
  });
  expect(asCollector.json().taxId).toBeNull();
});

async function expectTaxIdDuplicate(): Promise<void> {
  const res = await engine.app.inject({
    method: 'POST',
    url: '/customers',
    payload: customerFixture({
      legalName: 'Entirely Different Name Ltd',
      email: `x${randomBytes(3).toString('hex')}@other.example`,
      taxId: { country: 'DE', value: `DE ${TAX_ID}` },
      allowDuplicate: undefined,
    }),
  });
  expect(res.statusCode).toBe(409);
  expect(JSON.stringify(res.json())).toContain(customerId);
  const search = (await engine.app.inject({ method: 'GET', url: `/customers?taxId=${TAX_ID}` })).json();
  expect(search.items.map((c: { id: string }) => c.id)).toEqual([customerId]);
  const prefixed = (await engine.app.inject({ method: 'GET', url: `/customers?taxId=DE${TAX_ID}` })).json();
  expect(prefixed.items.map((c: { id: string }) => c.id)).toEqual([customerId]);
}

it('still flags a duplicate by tax id written differently, and finds the customer by tax id', async () => {
  await expectTaxIdDuplicate();
});

it('a new data key and reseal keep every value readable; a new hash key and reseal keep matching', async () => {
  const em = () => engine.db.orm.em.fork();
  const SECOND_KEY = `k2:${randomBytes(32).toString('base64')}`;
  process.env.DATA_ENCRYPTION_KEYS = `${SECOND_KEY},${FIRST_KEY}`;
  const first = await resealAll(em());
  expect(first.taxIds).toBeGreaterThanOrEqual(2); // the record and its audit trail entry
  expect(first.bankAccounts).toBeGreaterThanOrEqual(3);
  expect(first.events).toBeGreaterThanOrEqual(1);
  expect(first.stagedImportRows).toBe(1);
  expect(first.idempotentAnswers).toBeGreaterThanOrEqual(1);
  expect(await resealAll(em())).toEqual({
    webhookSecrets: 0,
    taxIds: 0,
    bankAccounts: 0,
    events: 0,
    stagedImportRows: 0,
    idempotentAnswers: 0,
  });
  const stored = await storedText();
  expect(stored).not.toContain('sealed:v1:k1:');
  expect(stored).toContain('sealed:v1:k2:');

  // The old key dropped: everything still opens.
  process.env.DATA_ENCRYPTION_KEYS = SECOND_KEY;
  expect((await engine.app.inject({ method: 'GET', url: `/customers/${customerId}` })).json().taxId).toEqual({
    country: 'DE',
    value: TAX_ID,
  });
  expect((await engine.app.inject({ method: 'GET', url: `/payments/${paymentId}` })).json().counterparty.iban).toBe(
    PAYER_IBAN,
  );
  expect(
    JSON.stringify((await engine.app.inject({ method: 'GET', url: `/customers/${customerId}/history` })).json()),
  ).toContain(TAX_ID);
  await expectTaxIdDuplicate();

  // A new hash key: reseal recomputes every hash (and the statement's dedupe keys), so matching carries on.
  const [before] = await em().execute<{ tax_key: string }[]>('SELECT tax_key FROM customer WHERE id = ?', [customerId]);
  process.env.DATA_HASH_KEY = randomBytes(32).toString('base64');
  expect((await resealAll(em())).taxIds).toBeGreaterThanOrEqual(1);
  const [after] = await em().execute<{ tax_key: string }[]>('SELECT tax_key FROM customer WHERE id = ?', [customerId]);
  expect(after!.tax_key).not.toBe(before!.tax_key);
  await expectTaxIdDuplicate();
  const resent = await importCamt(camt.replace('MSG-20261120-001', 'MSG-20261120-009'));
  expect(resent.statusCode).toBe(201);
  expect(resent.json().counts).toMatchObject({ created: 0, duplicates: 3 });
  for (const clear of CLEAR) expect(await storedText()).not.toContain(clear);
});

it('the sealing migration moves the clear values of an existing book and leaves none behind', async () => {
  const db = await createTestDatabase();
  try {
    const em = () => db.orm.em.fork();
    // A book as it was before sealing: the columns and constraints of 0134 removed, clear values written.
    const constraints: [string, string][] = [
      ['customer', 'customer_tax_id_sealed'],
      ['customer', 'customer_tax_key_hashed'],
      ['customer_history', 'customer_history_tax_id_sealed'],
      ['bank_statement', 'bank_statement_account_sealed'],
      ['payment', 'payment_counterparty_iban_sealed'],
      ['bank_statement_entry', 'bank_statement_entry_iban_sealed'],
      ['task', 'task_counterparty_iban_sealed'],
      ['domain_event', 'domain_event_tax_id_sealed'],
      ['import_row', 'import_row_tax_id_sealed'],
    ];
    for (const [table, name] of constraints) await em().execute(`ALTER TABLE ${table} DROP CONSTRAINT ${name}`);
    await em().execute('ALTER TABLE payment DROP COLUMN counterparty_iban_hash');
    await em().execute('ALTER TABLE bank_statement DROP COLUMN account_iban_hash');
    await em().execute(`DELETE FROM schema_migration WHERE name = '0134-sealed-identifiers'`);
    const id = '00000000-0000-4000-8000-000000000134';
    await em().execute(
      `INSERT INTO customer (id, legal_name, email, currency, billing_address, status, tax_id, tax_country, tax_key)
      VALUES (?, 'Old Book AG', 'ap@old.example', 'EUR', '{"line1":"1 Main St","city":"Berlin","postalCode":"10115","country":"DE"}', 'active', ?, 'DE', ?)`,
      [id, `DE${TAX_ID}`, `DE:${TAX_ID}`],
    );
    await em().execute(
      `INSERT INTO customer_history (customer_id, actor, field, old_value, new_value) VALUES (?, 'api', 'taxId', 'null', ?::jsonb)`,
      [id, JSON.stringify({ country: 'DE', value: `DE${TAX_ID}` })],
    );
    await em().execute(
      `INSERT INTO customer_history (customer_id, actor, field, old_value, new_value) VALUES (?, 'api', 'created', 'null', ?::jsonb)`,
      [id, JSON.stringify({ legalName: 'Old Book AG', taxId: { country: 'DE', value: `DE${TAX_ID}` } })],
    );
    await em().execute(
      `INSERT INTO domain_event (id, type, entity_type, entity_id, customer_id, data) VALUES (gen_random_uuid(), 'customer.created', 'customer', ?, ?, ?::jsonb)`,
      [id, id, JSON.stringify({ customer: { id, taxId: { country: 'DE', value: `DE${TAX_ID}` } } })],
    );
    const statement = '00000000-0000-4000-8000-000000000135';
    await em().execute(
      `INSERT INTO bank_statement (id, format, file_sha256, account_iban, entry_count, created_count, duplicate_count, skipped_count) VALUES (?, 'camt053', 'x', ?, 1, 1, 0, 0)`,
      [statement, OWN_IBAN],
    );
    const key = `bank:${OWN_IBAN}:ref:BANKREF-1`;
    await em().execute(
      `INSERT INTO payment (id, amount, currency, method, received_at, unapplied_amount, source, source_key, bank_statement_id, counterparty)
      VALUES (?, 100, 'EUR', 'wire', now(), 100, 'bank_statement', ?, ?, ?::jsonb)`,
      [id, key, statement, JSON.stringify({ name: 'Acme Corp', iban: PAYER_IBAN })],
    );
    await em().execute(
      `INSERT INTO bank_statement_entry (dedupe_key, bank_statement_id, position, credit_debit, amount, currency, booking_date, payment_id, data)
      VALUES (?, ?, 1, 'credit', 100, 'EUR', '2026-11-20', ?, ?::jsonb)`,
      [key, statement, id, JSON.stringify({ transaction: { counterpartyIban: PAYER_IBAN } })],
    );
    await em().execute(
      `INSERT INTO task (id, unique_key, type, queue, title, subject_type, subject_id, payload) VALUES (gen_random_uuid(), 'old-research', 'unapplied_cash_research', 'cash-application', 'Research', 'payment', ?, ?::jsonb)`,
      [id, JSON.stringify({ counterparty: { name: 'Acme Corp', iban: PAYER_IBAN } })],
    );

    const job = '00000000-0000-4000-8000-000000000136';
    await em().execute(`INSERT INTO import_job (id, kind, format, created_by) VALUES (?, 'customers', 'csv', 'api')`, [
      job,
    ]);
    await em().execute(
      `INSERT INTO import_row (import_id, line_no, payload) VALUES (?, 2, ?::jsonb), (?, 3, ?::jsonb)`,
      [
        job,
        JSON.stringify({ legalName: 'Flat', taxId: `DE${TAX_ID}` }),
        job,
        JSON.stringify({ legalName: 'Nested', taxId: { country: 'DE', value: TAX_ID } }),
      ],
    );

    expect(await migrate(db.orm)).toEqual(['0134-sealed-identifiers']);

    const stored = await storedText(em());
    for (const clear of CLEAR) expect(stored).not.toContain(clear);
    const { taxKeyHash } = await import('../../src/customers/store/sealed-tax-id.js');
    const { accountDedupeToken } = await import('../../src/payments/store/sealed-bank-accounts.js');
    const [row] = await em().execute<{ tax_key: string }[]>('SELECT tax_key FROM customer WHERE id = ?', [id]);
    expect(row!.tax_key).toBe(taxKeyHash('DE', TAX_ID));
    const [entry] = await em().execute<{ dedupe_key: string }[]>('SELECT dedupe_key FROM bank_statement_entry');
    const [payment] = await em().execute<{ source_key: string }[]>('SELECT source_key FROM payment');
    expect(entry!.dedupe_key).toBe(`bank:${accountDedupeToken(OWN_IBAN)}:ref:BANKREF-1`);
    expect(payment!.source_key).toBe(entry!.dedupe_key);
  } finally {
    await db.drop();
  }
});
