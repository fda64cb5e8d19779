// Seeding for the aging benchmark: N open invoices (a fifth half paid) and N/4 fully paid ones with their balanced
// journal entries, written set-based (generate_series INSERT ... SELECT) straight into the tables of a scratch
// database. Per-row costs are what made a million slow (about 50 minutes when every row maintained six indexes and
// checked three foreign keys), so the load runs with the tables' secondary indexes, unique and foreign-key
// constraints and user triggers taken off, and puts every one of them back from its own catalog definition
// afterwards (indexes built once with a sort, foreign keys validated once with a join). The open items and customer
// balances are then built by the migrations' own backfill statements: the state the triggers would have produced.
import type pg from 'pg';
import { applyLinesSql } from '../src/db/migrations/0070-ar-open-items.js';

export interface SeedOptions {
  /** Open invoices. */
  count: number;
  customers: number;
  today: string;
  verbose?: boolean;
}

export interface SeedResult {
  seconds: number;
  invoices: number;
  lines: number;
  steps: Record<string, number>;
}

/** Tables the load writes; their triggers, secondary indexes and constraints are off while it runs. */
const LOADED = ['journal_entry', 'journal_line', 'invoice'];

interface Definition {
  table: string;
  name: string;
  kind: 'index' | 'constraint';
  def: string;
}

/** Secondary indexes, unique and foreign-key constraints of the tables (primary keys stay: others reference them). */
async function definitions(client: pg.PoolClient, tables: string[]): Promise<Definition[]> {
  const { rows } = await client.query<Definition>(
    `SELECT c.relname AS table, k.conname AS name, 'constraint' AS kind, pg_get_constraintdef(k.oid) AS def
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
      WHERE c.relname = ANY($1) AND c.relnamespace = 'public'::regnamespace AND k.contype IN ('u', 'f')
     UNION ALL
     SELECT c.relname, i.relname, 'index', pg_get_indexdef(i.oid)
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
      WHERE c.relname = ANY($1) AND c.relnamespace = 'public'::regnamespace AND NOT x.indisprimary
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)`,
    [tables],
  );
  return rows;
}

/** Foreign keys first (they depend on unique indexes), then unique constraints, then plain indexes. */
const dropOrder = (d: Definition) =>
  d.kind === 'constraint' && d.def.startsWith('FOREIGN KEY') ? 0 : d.kind === 'constraint' ? 1 : 2;

/** Runs `load` with the tables' secondary indexes and constraints off, then rebuilds each from its definition. */
async function withoutSecondaryStructures(
  client: pg.PoolClient,
  tables: string[],
  load: () => Promise<void>,
): Promise<number> {
  const taken = await definitions(client, tables);
  for (const d of [...taken].sort((a, b) => dropOrder(a) - dropOrder(b))) {
    await client.query(
      d.kind === 'index' ? `DROP INDEX ${d.name}` : `ALTER TABLE ${d.table} DROP CONSTRAINT ${d.name}`,
    );
  }
  for (const table of tables) await client.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
  await load();
  const t = performance.now();
  for (const d of [...taken].sort((a, b) => dropOrder(b) - dropOrder(a))) {
    await client.query(d.kind === 'index' ? d.def : `ALTER TABLE ${d.table} ADD CONSTRAINT ${d.name} ${d.def}`);
  }
  for (const table of tables) await client.query(`ALTER TABLE ${table} ENABLE TRIGGER USER`);
  return (performance.now() - t) / 1000;
}

export async function seedAging(pool: pg.Pool, options: SeedOptions): Promise<SeedResult> {
  const started = performance.now();
  const steps: Record<string, number> = {};
  const client = await pool.connect();
  const step = async (label: string, sql: string, values: unknown[] = []) => {
    const t = performance.now();
    await client.query(sql, values);
    steps[label] = (performance.now() - t) / 1000;
    if (options.verbose) console.log(`    ${label}: ${steps[label]!.toFixed(1)} s`);
  };
  const { count, customers, today } = options;
  const paid = Math.round(count / 4);
  const total = count + paid;
  try {
    await client.query(`SET maintenance_work_mem = '256MB'`);
    await client.query(`SET work_mem = '64MB'`);
    const rebuild = await withoutSecondaryStructures(client, LOADED, async () => {
      await step(
        'customers',
        `INSERT INTO customer (id, legal_name, email, currency, billing_address, status)
         SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(c), 12, '0'))::uuid, 'Customer ' || c, 'ap' || c || '@example.com', 'USD',
                '{"line1":"1 Main St","city":"Austin","postalCode":"78701","country":"US"}', 'active'
           FROM generate_series(1, $1) c`,
        [customers],
      );
      // Invoice i: customer i mod C, issued up to 365 days ago, due 30 days later, amount 100.00 to 1,099.99.
      await step(
        'seed rows',
        `CREATE TEMP TABLE seed AS
         SELECT i, ('00000000-0000-4000-9000-' || lpad(to_hex(i), 12, '0'))::uuid AS id,
                ('00000000-0000-4000-8000-' || lpad(to_hex(1 + i % $2), 12, '0'))::uuid AS customer_id,
                ($3::date - (i % 365)) AS issue_date, 10000 + (i::bigint * 7919) % 100000 AS amount,
                md5('issue' || i)::uuid AS issue_entry, md5('pay' || i)::uuid AS pay_entry,
                CASE WHEN i > $1 THEN 'paid' WHEN i % 5 = 0 THEN 'partial' ELSE 'open' END AS state
           FROM generate_series(1, $4) i`,
        [count, customers, today, total],
      );
      await step(
        'issue entries',
        `INSERT INTO journal_entry (id, idempotency_key, kind, effective_date, source_type, source_id)
         SELECT issue_entry, 'invoice-' || id || ':issue', 'invoice_issued', issue_date, 'invoice', id::text FROM seed`,
      );
      // Dr receivable / Cr revenue: balanced per entry.
      await step(
        'issue lines',
        `INSERT INTO journal_line (entry_id, line_no, account_code, customer_id, debit, credit, currency, memo, effective_date)
         SELECT issue_entry, 1, '1100', customer_id, amount, 0, 'USD', 'B-' || i, issue_date FROM seed
         UNION ALL
         SELECT issue_entry, 2, '4000', NULL, 0, amount, 'USD', 'B-' || i, issue_date FROM seed`,
      );
      await step(
        'invoices',
        `INSERT INTO invoice (id, number, series, sequence_no, customer_id, currency, issue_date, due_date, terms_code, subtotal_amount, tax_amount,
                              total_amount, open_amount, status, issue_entry_id)
         SELECT id, 'B-' || i, 'B', i, customer_id, 'USD', issue_date, issue_date + 30, 'NET30', amount, 0, amount,
                CASE state WHEN 'paid' THEN 0 WHEN 'partial' THEN amount / 2 ELSE amount END,
                CASE state WHEN 'paid' THEN 'paid' WHEN 'partial' THEN 'partially_paid' ELSE 'issued' END, issue_entry
           FROM seed`,
      );
      // Payments 20 days after issue (capped at today): half of a partly paid invoice, all of a paid one. Dr cash / Cr receivable.
      await step(
        'payment entries',
        `INSERT INTO journal_entry (id, idempotency_key, kind, effective_date, source_type, source_id)
         SELECT pay_entry, 'payment-' || i || ':alloc', 'payment_applied', least(issue_date + 20, $1::date), 'payment', md5('pay' || i)
           FROM seed WHERE state <> 'open'`,
        [today],
      );
      await step(
        'payment lines',
        `INSERT INTO journal_line (entry_id, line_no, account_code, customer_id, debit, credit, currency, memo, effective_date)
         SELECT pay_entry, 1, '1000', NULL, CASE state WHEN 'paid' THEN amount ELSE amount - amount / 2 END, 0, 'USD', NULL, least(issue_date + 20, $1::date)
           FROM seed WHERE state <> 'open'
         UNION ALL
         SELECT pay_entry, 2, '1100', customer_id, 0, CASE state WHEN 'paid' THEN amount ELSE amount - amount / 2 END, 'USD', 'B-' || i, least(issue_date + 20, $1::date)
           FROM seed WHERE state <> 'open'`,
        [today],
      );
    });
    steps['indexes and constraints'] = rebuild;
    if (options.verbose) console.log(`    indexes and constraints: ${rebuild.toFixed(1)} s`);
    // What the deferred balance trigger would have checked per entry, once for the whole load.
    const unbalanced = await client.query(
      `SELECT entry_id FROM journal_line GROUP BY entry_id HAVING sum(debit) <> sum(credit) LIMIT 1`,
    );
    if (unbalanced.rowCount) throw new Error(`seeded entry ${unbalanced.rows[0].entry_id} is not balanced`);

    await client.query('ANALYZE journal_entry, journal_line, invoice');
    // The movements table (one row per receivable line) loads the same way; the items keep their unique key (ON CONFLICT).
    steps['movement indexes'] = await withoutSecondaryStructures(client, ['ar_item_movement'], () =>
      step('open items backfill', applyLinesSql('journal_line')),
    );
    await step(
      'customer balances',
      `INSERT INTO customer_ledger_balance (customer_id, account_code, currency, balance)
       SELECT customer_id, account_code, currency, sum(debit - credit) FROM journal_line WHERE customer_id IS NOT NULL GROUP BY 1, 2, 3`,
    );
    await step('vacuum analyze', 'VACUUM ANALYZE');
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM journal_line');
    return { seconds: (performance.now() - started) / 1000, invoices: total, lines: Number(rows[0]!.n), steps };
  } finally {
    client.release();
  }
}
