// Aging and KPIs at scale: seeds N open invoices (plus paid and partly paid ones, so history matters) with set-based
// SQL into a scratch database, then times the engine's aging report (current and as of 90 days ago), its CSV stream
// and the KPI report against hand-written SQL floors over the same tables, in the same run.
// Seeding writes journal rows with the tables' triggers disabled (a scratch database of its own) and then builds the open items and
// customer balances with the migrations' own backfill statements: the state the triggers would have produced.
// Run: npx tsx bench/aging.ts [--count 100000] [--customers 10000] [--repeat 5]
import os from 'node:os';
import { migrate, openOrm } from '../src/db/orm.js';
import { addDays } from '../src/domain/aging.js';
import { applyLinesSql } from '../src/db/migrations/0070-ar-open-items.js';
import { agingCsv, agingReport, nativePool, withReportSession } from '../src/reports/aging.js';
import { kpiReport } from '../src/reports/kpis.js';
import { parseArgs, report, scratchDatabase, timed, type BenchRow } from './lib.js';

const args = parseArgs();
const COUNT = args.count(100_000);
const CUSTOMERS = Math.min(args.number('customers', Math.max(100, Math.round(COUNT / 100))), COUNT);
const REPEAT = args.number('repeat', 5);
const TODAY = new Date().toISOString().slice(0, 10);

const ms = (value: number) => `${value.toFixed(1)} ms`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function repeat(run: () => Promise<unknown>): Promise<number> {
  await run(); // warm-up (plans, caches)
  const times: number[] = [];
  for (let i = 0; i < REPEAT; i++) times.push((await timed(run)).ms);
  return median(times);
}

/** Tables whose triggers (balance checks, append-only guard, open items) are off while seeding. */
const TRIGGERED = ['journal_entry', 'journal_line', 'invoice'];

/** N open invoices over the last year (a fifth partly paid) and N/4 fully paid ones, with their journal entries. */
async function seed(pool: import('pg').Pool): Promise<{ seconds: number; invoices: number; lines: number }> {
  const started = performance.now();
  const client = await pool.connect();
  const step = async (label: string, sql: string, values: unknown[] = []) => {
    const t = performance.now();
    await client.query(sql, values);
    if (args.flag('verbose')) console.log(`    ${label}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  };
  const paid = Math.round(COUNT / 4);
  const total = COUNT + paid;
  try {
    for (const table of TRIGGERED) await client.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
    await client.query(`SET maintenance_work_mem = '256MB'`);
    await client.query(`SET work_mem = '64MB'`);
    await step('customers',
      `INSERT INTO customer (id, legal_name, email, currency, billing_address, status)
       SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(c), 12, '0'))::uuid, 'Customer ' || c, 'ap' || c || '@example.com', 'USD',
              '{"line1":"1 Main St","city":"Austin","postalCode":"78701","country":"US"}', 'active'
         FROM generate_series(1, $1) c`,
      [CUSTOMERS],
    );
    // Invoice i: customer i mod C, issued up to 365 days ago, due 30 days later, amount 100.00 to 1,099.99.
    await step('seed rows',
      `CREATE TEMP TABLE seed AS
       SELECT i, ('00000000-0000-4000-9000-' || lpad(to_hex(i), 12, '0'))::uuid AS id,
              ('00000000-0000-4000-8000-' || lpad(to_hex(1 + i % $2), 12, '0'))::uuid AS customer_id,
              ($3::date - (i % 365)) AS issue_date, 10000 + (i::bigint * 7919) % 100000 AS amount,
              CASE WHEN i > $1 THEN 'paid' WHEN i % 5 = 0 THEN 'partial' ELSE 'open' END AS state
         FROM generate_series(1, $4) i`,
      [COUNT, CUSTOMERS, TODAY, total],
    );
    await step('issue entries',
      `INSERT INTO journal_entry (id, idempotency_key, kind, effective_date, source_type, source_id)
       SELECT md5('issue' || i)::uuid, 'invoice-' || id || ':issue', 'invoice_issued', issue_date, 'invoice', id::text FROM seed`,
    );
    await step('issue lines',
      `INSERT INTO journal_line (entry_id, line_no, account_code, customer_id, debit, credit, currency, memo, effective_date)
       SELECT md5('issue' || i)::uuid, 1, '1100', customer_id, amount, 0, 'USD', 'B-' || i, issue_date FROM seed
       UNION ALL
       SELECT md5('issue' || i)::uuid, 2, '4000', NULL, 0, amount, 'USD', 'B-' || i, issue_date FROM seed`,
    );
    await step('invoices',
      `INSERT INTO invoice (id, number, series, sequence_no, customer_id, currency, issue_date, due_date, terms_code, subtotal_amount, tax_amount,
                            total_amount, open_amount, status, issue_entry_id)
       SELECT id, 'B-' || i, 'B', i, customer_id, 'USD', issue_date, issue_date + 30, 'NET30', amount, 0, amount,
              CASE state WHEN 'paid' THEN 0 WHEN 'partial' THEN amount / 2 ELSE amount END,
              CASE state WHEN 'paid' THEN 'paid' WHEN 'partial' THEN 'partially_paid' ELSE 'issued' END, md5('issue' || i)::uuid
         FROM seed`,
    );
    // Payments 20 days after issue (capped at today): half of a partly paid invoice, all of a paid one.
    await step('payment entries',
      `INSERT INTO journal_entry (id, idempotency_key, kind, effective_date, source_type, source_id)
       SELECT md5('pay' || i)::uuid, 'payment-' || i || ':alloc', 'payment_applied', least(issue_date + 20, $1::date), 'payment', md5('pay' || i)
         FROM seed WHERE state <> 'open'`,
      [TODAY],
    );
    await step('payment lines',
      `INSERT INTO journal_line (entry_id, line_no, account_code, customer_id, debit, credit, currency, memo, effective_date)
       SELECT md5('pay' || i)::uuid, 1, '1000', NULL, CASE state WHEN 'paid' THEN amount ELSE amount - amount / 2 END, 0, 'USD', NULL, least(issue_date + 20, $1::date)
         FROM seed WHERE state <> 'open'
       UNION ALL
       SELECT md5('pay' || i)::uuid, 2, '1100', customer_id, 0, CASE state WHEN 'paid' THEN amount ELSE amount - amount / 2 END, 'USD', 'B-' || i, least(issue_date + 20, $1::date)
         FROM seed WHERE state <> 'open'`,
      [TODAY],
    );
    await step('open items backfill', applyLinesSql('journal_line'));
    await step('customer balances',
      `INSERT INTO customer_ledger_balance (customer_id, account_code, currency, balance)
       SELECT customer_id, account_code, currency, sum(debit - credit) FROM journal_line WHERE customer_id IS NOT NULL GROUP BY 1, 2, 3`,
    );
    for (const table of TRIGGERED) await client.query(`ALTER TABLE ${table} ENABLE TRIGGER USER`);
    await client.query('VACUUM ANALYZE');
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM journal_line');
    return { seconds: (performance.now() - started) / 1000, invoices: total, lines: Number(rows[0]!.n) };
  } finally {
    client.release();
  }
}

/** The floor: the same bucket sums per currency and customer, hand-written over the same tables, nothing else. */
const FLOOR_SQL = `
  WITH later AS (SELECT item_id, sum(amount) AS amount FROM ar_item_movement WHERE effective_date > $1::date GROUP BY item_id),
  items AS (
    SELECT o.currency, o.customer_id, $1::date - coalesce(o.due_date, o.opened_on) AS age, o.balance - coalesce(l.amount, 0) AS amount
      FROM ar_open_item o LEFT JOIN later l ON l.item_id = o.id WHERE o.balance <> 0
    UNION ALL
    SELECT o.currency, o.customer_id, $1::date - coalesce(o.due_date, o.opened_on), -l.amount FROM later l JOIN ar_open_item o ON o.id = l.item_id WHERE o.balance = 0)
  SELECT currency, customer_id, sum(amount) FILTER (WHERE age <= 0), sum(amount) FILTER (WHERE age BETWEEN 1 AND 30),
         sum(amount) FILTER (WHERE age BETWEEN 31 AND 60), sum(amount) FILTER (WHERE age BETWEEN 61 AND 90), sum(amount) FILTER (WHERE age > 90)
    FROM items GROUP BY currency, customer_id`;

/** The textbook query over the documents themselves (current aging only: invoices know only today's open amount). */
const INVOICE_TABLE_SQL = `
  SELECT currency, customer_id, sum(open_amount) FILTER (WHERE $1::date - due_date <= 0), sum(open_amount) FILTER (WHERE $1::date - due_date BETWEEN 1 AND 30),
         sum(open_amount) FILTER (WHERE $1::date - due_date BETWEEN 31 AND 60), sum(open_amount) FILTER (WHERE $1::date - due_date BETWEEN 61 AND 90),
         sum(open_amount) FILTER (WHERE $1::date - due_date > 90)
    FROM invoice WHERE open_amount > 0 AND status NOT IN ('paid', 'cancelled', 'written_off') GROUP BY currency, customer_id`;

/** KPI floor: the same ledger figures (AR at both ends, sales by month for a year, current and over-90 AR) in bare SQL. */
const KPI_FLOOR_SQL: [string, (today: string, from: string) => unknown[]][] = [
  [`SELECT currency, sum(debit - credit) FROM journal_line WHERE account_code = '1100' AND effective_date <= $1::date GROUP BY currency`, (today) => [today]],
  [`SELECT currency, sum(debit - credit) FROM journal_line WHERE account_code = '1100' AND effective_date < $1::date GROUP BY currency`, (_today, from) => [from]],
  [
    `SELECT currency, date_trunc('month', effective_date), sum(amount) FILTER (WHERE kind = 'invoice_issued')
       FROM ar_item_movement WHERE kind IN ('invoice_issued', 'credit_note', 'reversal:invoice_issued', 'write_off', 'reversal:write_off')
        AND effective_date BETWEEN $1::date - 365 AND $1::date GROUP BY 1, 2`,
    (today) => [today],
  ],
];

async function main() {
  // AGING_BENCH_URL reuses a database seeded by an earlier `--keep` run (same --count) instead of seeding again.
  const reuse = process.env.AGING_BENCH_URL;
  const database = reuse ? { url: reuse, drop: async () => undefined } : await scratchDatabase('aging');
  if (args.flag('keep')) console.log(`keeping the database: ${database.url}`);
  const orm = await openOrm(database.url, { poolMax: 4 });
  try {
    await migrate(orm);
    const pool = await nativePool(orm.em.fork());
    console.log(`seeding ${COUNT} open invoices (+${Math.round(COUNT / 4)} paid), ${CUSTOMERS} customers...`);
    const seeded = reuse ? { seconds: 0, invoices: COUNT + Math.round(COUNT / 4), lines: 0 } : await seed(pool);
    console.log(`  seeded ${seeded.invoices} invoices, ${seeded.lines} journal lines in ${seeded.seconds.toFixed(1)} s`);
    const past = addDays(TODAY, -90);
    const query = (asOf: string) => ({ asOf, basis: 'due' as const, bounds: [30, 60, 90] });
    const workload = `${COUNT.toLocaleString('en-US')} open invoices, ${CUSTOMERS.toLocaleString('en-US')} customers`;

    const check = await agingReport(orm.em.fork(), query(TODAY));
    const openTotal = await pool.query<{ s: string }>(`SELECT sum(open_amount) AS s FROM invoice`);
    if (check.currencies[0]?.total !== Number(openTotal.rows[0]!.s)) throw new Error(`aging total ${check.currencies[0]?.total} differs from open invoices ${openTotal.rows[0]!.s}`);

    // Floors run with the same session settings as the engine's reports (work_mem), on the same pool.
    const sql = (text: string, values: unknown[]) => withReportSession(orm.em.fork(), (client) => client.query(text, values));
    const loadBefore = os.loadavg()[0]!;
    const rows: BenchRow[] = [];
    const compare = async (name: string, engine: () => Promise<unknown>, floor: () => Promise<unknown>, floorLabel: string) => {
      const e = await repeat(engine);
      const f = await repeat(floor);
      rows.push({ case: name, workload, engine: ms(e), floor: `${ms(f)} (${floorLabel})`, ratio: `${(e / f).toFixed(2)}x` });
      console.log(`  ${name}: engine ${ms(e)}, floor ${ms(f)}`);
    };
    await compare('aging as of today (JSON report)', () => agingReport(orm.em.fork(), query(TODAY)), () => sql(FLOOR_SQL, [TODAY]), 'hand-written SQL, same tables');
    await compare('aging as of today vs invoice table', () => agingReport(orm.em.fork(), query(TODAY)), () => sql(INVOICE_TABLE_SQL, [TODAY]), 'SQL over invoice.open_amount');
    await compare('aging as of 90 days ago (JSON report)', () => agingReport(orm.em.fork(), query(past)), () => sql(FLOOR_SQL, [past]), 'hand-written SQL, same tables');
    await compare(
      'aging CSV stream as of today',
      async () => {
        let bytes = 0;
        for await (const chunk of agingCsv(orm.em.fork(), query(TODAY))) bytes += chunk.length;
        return bytes;
      },
      () => sql(FLOOR_SQL, [TODAY]),
      'hand-written SQL, same tables',
    );
    const monthFrom = `${TODAY.slice(0, 7)}-01`;
    await compare(
      'KPIs for this month',
      () => kpiReport(orm.em.fork(), { from: monthFrom, to: TODAY }),
      async () => {
        for (const [text, params] of KPI_FLOOR_SQL) await sql(text, params(TODAY, monthFrom));
        await sql(FLOOR_SQL, [TODAY]);
      },
      'bare SQL of the same figures',
    );
    await compare(
      'KPIs for the last 12 months',
      () => kpiReport(orm.em.fork(), { from: addDays(TODAY, -364), to: TODAY }),
      async () => {
        for (const [text, params] of KPI_FLOOR_SQL) await sql(text, params(TODAY, addDays(TODAY, -364)));
        await sql(FLOOR_SQL, [TODAY]);
      },
      'bare SQL of the same figures',
    );
    report(COUNT >= 1_000_000 ? 'aging-1m' : `aging-${Math.round(COUNT / 1000)}k`, rows, {
      count: COUNT,
      customers: CUSTOMERS,
      repeat: REPEAT,
      seedSeconds: seeded.seconds,
      journalLines: seeded.lines,
      // A shared machine: the load says how much of the 2 cores the run had.
      loadAverage1mBefore: loadBefore,
      loadAverage1mAfter: os.loadavg()[0],
    });
  } finally {
    await orm.close();
    if (!args.flag('keep') && !reuse) await database.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
