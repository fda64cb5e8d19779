// The ledger's guarantees hold in the database itself, not only in application code.
import { postJournalEntry, reverseJournalEntry } from '../../src/ledger/store/post.js';
import { customerAccountBalance, trialBalance, unbalancedEntries } from '../../src/ledger/store/queries.js';
import { insertCustomer } from '../support/customers.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;
let customerId: string;
beforeAll(async () => {
  db = await createTestDatabase();
  customerId = (await insertCustomer(db.orm)).id;
});
afterAll(async () => {
  await db?.drop();
});

const issueEntry = (key: string) => ({
  idempotencyKey: key,
  kind: 'invoice_issued' as const,
  effectiveDate: '2026-11-01',
  sourceType: 'invoice',
  sourceId: key,
  lines: [
    { account: 'accounts_receivable' as const, customerId, debit: 11900, credit: 0, currency: 'USD' },
    { account: 'revenue' as const, debit: 0, credit: 10000, currency: 'USD' },
    { account: 'tax_payable' as const, debit: 0, credit: 1900, currency: 'USD' },
  ],
});

it('posts once per idempotency key, however often it is retried', async () => {
  const em = db.orm.em.fork();
  const results = await Promise.all(
    [1, 2, 3].map(() => db.orm.em.fork().transactional((tx) => postJournalEntry(tx, issueEntry('invoice-a:issue')))),
  );
  expect(results.filter((r) => r.created)).toHaveLength(1);
  expect(new Set(results.map((r) => r.entryId)).size).toBe(1);
  expect(await customerAccountBalance(em, customerId, 'accounts_receivable', 'USD')).toBe(11900);
});

it('reverses an entry exactly, and only once', async () => {
  const em = db.orm.em.fork();
  const original = await em.transactional((tx) => postJournalEntry(tx, issueEntry('invoice-b:issue')));
  const reversal = await em.transactional((tx) =>
    reverseJournalEntry(tx, {
      entryId: original.entryId,
      idempotencyKey: 'invoice-b:cancel',
      effectiveDate: '2026-11-02',
    }),
  );
  expect(reversal.created).toBe(true);
  const again = db.orm.em.fork().transactional((tx) =>
    reverseJournalEntry(tx, {
      entryId: original.entryId,
      idempotencyKey: 'invoice-b:cancel-again',
      effectiveDate: '2026-11-02',
    }),
  );
  await expect(again).rejects.toThrow(/unique|duplicate/i);
  const balances = await trialBalance(em);
  expect(balances.find((b) => b.role === 'accounts_receivable')?.balance).toBe(11900); // only invoice-a remains
  expect(await trialBalance(em, '2026-11-01')).toContainEqual(
    expect.objectContaining({ role: 'accounts_receivable', balance: 23800 }),
  );
});

it('refuses unbalanced, customer-less and edited entries at the database level', async () => {
  const raw = (sql: string) => db.orm.em.fork().transactional((tx) => tx.execute(sql));
  await expect(
    raw(`INSERT INTO journal_entry (id, idempotency_key, kind, effective_date, source_type, source_id) VALUES ('00000000-0000-4000-8000-000000000001', 'raw-1', 'reversal', '2026-11-01', 'test', 'x');
         INSERT INTO journal_line (entry_id, line_no, account_code, debit, credit, currency) VALUES ('00000000-0000-4000-8000-000000000001', 1, '1000', 100, 0, 'USD'), ('00000000-0000-4000-8000-000000000001', 2, '4000', 0, 99, 'USD')`),
  ).rejects.toThrow(/does not balance/);
  await expect(
    raw(
      `INSERT INTO journal_entry (id, idempotency_key, kind, effective_date, source_type, source_id) VALUES ('00000000-0000-4000-8000-000000000002', 'raw-2', 'reversal', '2026-11-01', 'test', 'x')`,
    ),
  ).rejects.toThrow(/fewer than two lines/);
  await expect(
    raw(`INSERT INTO journal_entry (id, idempotency_key, kind, effective_date, source_type, source_id) VALUES ('00000000-0000-4000-8000-000000000003', 'raw-3', 'reversal', '2026-11-01', 'test', 'x');
         INSERT INTO journal_line (entry_id, line_no, account_code, debit, credit, currency) VALUES ('00000000-0000-4000-8000-000000000003', 1, '1100', 100, 0, 'USD'), ('00000000-0000-4000-8000-000000000003', 2, '4000', 0, 100, 'USD')`),
  ).rejects.toThrow(/needs a customer/);
  await expect(raw(`UPDATE journal_line SET debit = debit + 1`)).rejects.toThrow(/append-only/);
  await expect(raw(`DELETE FROM journal_entry`)).rejects.toThrow(/append-only/);
  expect(await unbalancedEntries(db.orm.em.fork())).toEqual([]);
});
