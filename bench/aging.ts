// Aging and KPIs at scale: seeds N open invoices (plus paid and partly paid ones, so history matters) with set-based
// SQL into a scratch database, then times the engine's aging report (current and as of 90 days ago), its CSV stream
// and the KPI report against hand-written SQL floors over the same tables, in the same run.
// Seeding writes journal rows with the tables' triggers disabled (a scratch database of its own) and then builds the open items and
// customer balances with the migrations' own backfill statements: the state the triggers would have produced.
// Run: npx tsx bench/aging.ts [--count 100000] [--customers 10000] [--repeat 5] [--verbose] [--keep | --seed-only] [--aging-only]
// (--seed-only seeds, keeps the database and stops; AGING_BENCH_URL=<its url> then times it without seeding again)
import os from 'node:os';
import { migrate, openOrm } from '../src/db/orm.js';
import { addDays } from '../src/shared/calendar-date.js';
import {
  agingCsv,
  agingReport,
  nativePool,
  OPEN_ITEMS_PLAN_SQL,
  withReportSession,
  type AgingReport,
} from '../src/reports/store/aging.js';
import { kpiReport } from '../src/reports/store/kpis.js';
import { seedAging } from './aging-seed.js';
import { parseArgs, report, scratchDatabase, timed, type BenchRow } from './lib.js';

const args = parseArgs();
const COUNT = args.count(100_000);
const CUSTOMERS = Math.min(args.number('customers', Math.max(100, Math.round(COUNT / 100))), COUNT);
const REPEAT = args.number('repeat', 5);
const TODAY = new Date().toISOString().slice(0, 10);

const ms = (value: number) => `${value.toFixed(1)} ms`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Median times of engine and floor, run alternately so both see the same moments of a shared machine's load. */
async function repeatPair(engine: () => Promise<unknown>, floor: () => Promise<unknown>): Promise<[number, number]> {
  await engine(); // warm-up (plans, caches)
  await floor();
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < REPEAT; i++) {
    times[0].push((await timed(engine)).ms);
    times[1].push((await timed(floor)).ms);
  }
  return [median(times[0]), median(times[1])];
}

// The floors: the report's answer (bucket sums, total and credits per currency and customer, with the customer's name,
// in the report's order), hand-written over the same tables. The answers are compared with the engine's before timing.
const FLOOR_SUMS = `
  coalesce(sum(amount) FILTER (WHERE d >= $1::date), 0) AS b0,
  coalesce(sum(amount) FILTER (WHERE d < $1::date AND d >= $1::date - 30), 0) AS b1,
  coalesce(sum(amount) FILTER (WHERE d < $1::date - 30 AND d >= $1::date - 60), 0) AS b2,
  coalesce(sum(amount) FILTER (WHERE d < $1::date - 60 AND d >= $1::date - 90), 0) AS b3,
  coalesce(sum(amount) FILTER (WHERE d < $1::date - 90), 0) AS b4,
  sum(amount) AS total, coalesce(sum(amount) FILTER (WHERE item_type = 'credit'), 0) AS credits`;
const FLOOR_NAMES = `SELECT s.*, coalesce(c.display_name, c.legal_name) AS name FROM s JOIN customer c ON c.id = s.customer_id ORDER BY s.currency, name, s.customer_id`;
const BASIS_DATE = `CASE WHEN o.item_type = 'invoice' THEN coalesce(o.due_date, o.opened_on) ELSE o.opened_on END`;

/** Nothing dated after the as-of date: the open items as they stand (what the engine reads for today). */
const FLOOR_OPEN_SQL = `
  WITH s AS (
    SELECT currency, customer_id, ${FLOOR_SUMS}
      FROM (SELECT o.currency, o.customer_id, o.item_type, o.balance AS amount, ${BASIS_DATE} AS d FROM ar_open_item o WHERE o.balance <> 0) i
     GROUP BY currency, customer_id)
  ${FLOOR_NAMES}`;

/** A past date: the open items now minus the movements dated after it, plus items settled since (the ledger path). */
const FLOOR_REWIND_SQL = `
  WITH later AS (SELECT item_id, sum(amount) AS amount FROM ar_item_movement WHERE effective_date > $1::date GROUP BY item_id),
  items AS (
    SELECT o.currency, o.customer_id, o.item_type, ${BASIS_DATE} AS d, o.balance - coalesce(l.amount, 0) AS amount
      FROM ar_open_item o LEFT JOIN later l ON l.item_id = o.id WHERE o.balance <> 0
    UNION ALL
    SELECT o.currency, o.customer_id, o.item_type, ${BASIS_DATE}, -l.amount FROM later l JOIN ar_open_item o ON o.id = l.item_id WHERE o.balance = 0),
  s AS (SELECT currency, customer_id, ${FLOOR_SUMS} FROM items WHERE amount <> 0 GROUP BY currency, customer_id)
  ${FLOOR_NAMES}`;

/** The textbook query over the documents themselves (current aging only: invoices know only today's open amount). */
const INVOICE_TABLE_SQL = `
  SELECT currency, customer_id, sum(open_amount) FILTER (WHERE $1::date - due_date <= 0), sum(open_amount) FILTER (WHERE $1::date - due_date BETWEEN 1 AND 30),
         sum(open_amount) FILTER (WHERE $1::date - due_date BETWEEN 31 AND 60), sum(open_amount) FILTER (WHERE $1::date - due_date BETWEEN 61 AND 90),
         sum(open_amount) FILTER (WHERE $1::date - due_date > 90)
    FROM invoice WHERE open_amount > 0 AND status NOT IN ('paid', 'cancelled', 'written_off') GROUP BY currency, customer_id`;

/** KPI floor: the same ledger figures (AR at both ends, sales by month for a year, current and over-90 AR) in bare SQL. */
const KPI_FLOOR_SQL: [string, (today: string, from: string) => unknown[]][] = [
  [
    `SELECT currency, sum(debit - credit) FROM journal_line WHERE account_code = '1100' AND effective_date <= $1::date GROUP BY currency`,
    (today) => [today],
  ],
  [
    `SELECT currency, sum(debit - credit) FROM journal_line WHERE account_code = '1100' AND effective_date < $1::date GROUP BY currency`,
    (_today, from) => [from],
  ],
  [
    `SELECT currency, date_trunc('month', effective_date), sum(amount) FILTER (WHERE kind = 'invoice_issued')
       FROM ar_item_movement WHERE kind IN ('invoice_issued', 'credit_note', 'reversal:invoice_issued', 'write_off', 'reversal:write_off')
        AND effective_date BETWEEN $1::date - 365 AND $1::date GROUP BY 1, 2`,
    (today) => [today],
  ],
];

/** The report's rows as [currency, customer, buckets..., total, credits] lines, to compare with a floor's. */
function reportLines(report: AgingReport): string[] {
  return report.currencies.flatMap((c) =>
    c.customers.map((r) => [c.currency, r.customerId, ...r.buckets, r.total, r.credits].join(',')),
  );
}

function floorLines(rows: Record<string, unknown>[]): string[] {
  return rows.map((r) =>
    [String(r.currency).trim(), r.customer_id, r.b0, r.b1, r.b2, r.b3, r.b4, r.total, r.credits].join(','),
  );
}

async function main() {
  // AGING_BENCH_URL reuses a database seeded by an earlier `--keep` run (same --count) instead of seeding again.
  const reuse = process.env.AGING_BENCH_URL;
  const database = reuse ? { url: reuse, drop: async () => undefined } : await scratchDatabase('aging');
  if (args.flag('keep') || args.flag('seed-only')) console.log(`keeping the database: ${database.url}`);
  const orm = await openOrm(database.url, { poolMax: 4 });
  try {
    await migrate(orm);
    const pool = await nativePool(orm.em.fork());
    console.log(`seeding ${COUNT} open invoices (+${Math.round(COUNT / 4)} paid), ${CUSTOMERS} customers...`);
    const seeded = reuse
      ? { seconds: 0, invoices: COUNT + Math.round(COUNT / 4), lines: 0, steps: {} }
      : await seedAging(pool, { count: COUNT, customers: CUSTOMERS, today: TODAY, verbose: args.flag('verbose') });
    console.log(
      `  seeded ${seeded.invoices} invoices, ${seeded.lines} journal lines in ${seeded.seconds.toFixed(1)} s`,
    );
    if (args.flag('seed-only')) return;
    const past = addDays(TODAY, -90);
    const query = (asOf: string) => ({ asOf, basis: 'due' as const, bounds: [30, 60, 90] });
    const workload = `${COUNT.toLocaleString('en-US')} open invoices, ${CUSTOMERS.toLocaleString('en-US')} customers`;

    const check = await agingReport(orm.em.fork(), query(TODAY));
    const openTotal = await pool.query<{ s: string }>(`SELECT sum(open_amount) AS s FROM invoice`);
    if (check.currencies[0]?.total !== Number(openTotal.rows[0]!.s))
      throw new Error(`aging total ${check.currencies[0]?.total} differs from open invoices ${openTotal.rows[0]!.s}`);

    // Floors run with the same session settings as the engine's reports (work_mem, no JIT, and for the open items
    // the same planner settings), on the same pool.
    const sql = (text: string, values: unknown[], settings?: string) =>
      withReportSession(orm.em.fork(), async (client) => {
        if (settings) await client.query(settings);
        return client.query<Record<string, unknown>>(text, values);
      });
    const floorToday = () => sql(FLOOR_OPEN_SQL, [TODAY], OPEN_ITEMS_PLAN_SQL);
    const floorPast = () => sql(FLOOR_REWIND_SQL, [past]);
    for (const [asOf, floor] of [
      [TODAY, floorToday],
      [past, floorPast],
    ] as const) {
      const engine = reportLines(await agingReport(orm.em.fork(), query(asOf)));
      const bare = floorLines((await floor()).rows);
      if (engine.length !== bare.length || engine.some((line, i) => line !== bare[i])) {
        throw new Error(
          `engine and floor disagree as of ${asOf}: ${engine.find((line, i) => line !== bare[i]) ?? engine.length} vs ${bare.find((line, i) => line !== engine[i]) ?? bare.length}`,
        );
      }
    }
    console.log('  engine and floors give the same rows as of today and as of 90 days ago');
    const loadBefore = os.loadavg()[0]!;
    const rows: BenchRow[] = [];
    const compare = async (
      name: string,
      engine: () => Promise<unknown>,
      floor: () => Promise<unknown>,
      floorLabel: string,
    ) => {
      const [e, f] = await repeatPair(engine, floor);
      // A shared machine: the 1-minute load average next to each figure says how much of the 2 cores the run had.
      rows.push({
        case: name,
        workload: `${workload}; load ${os.loadavg()[0]!.toFixed(1)}`,
        engine: ms(e),
        floor: `${ms(f)} (${floorLabel})`,
        ratio: `${(e / f).toFixed(2)}x`,
      });
      console.log(`  ${name}: engine ${ms(e)}, floor ${ms(f)}`);
    };
    await compare(
      'aging as of today (JSON report)',
      () => agingReport(orm.em.fork(), query(TODAY)),
      floorToday,
      'hand-written SQL, same tables',
    );
    await compare(
      'aging as of today vs invoice table',
      () => agingReport(orm.em.fork(), query(TODAY)),
      () => sql(INVOICE_TABLE_SQL, [TODAY]),
      'SQL over invoice.open_amount',
    );
    await compare(
      'aging as of 90 days ago (JSON report)',
      () => agingReport(orm.em.fork(), query(past)),
      floorPast,
      'hand-written SQL, same tables',
    );
    await compare(
      'aging CSV stream as of today',
      async () => {
        let bytes = 0;
        for await (const chunk of agingCsv(orm.em.fork(), query(TODAY))) bytes += chunk.length;
        return bytes;
      },
      floorToday,
      'hand-written SQL, same tables',
    );
    // --aging-only: the aging cases alone, a short run to catch a quiet moment of a shared machine.
    if (args.flag('aging-only')) {
      report(`${COUNT >= 1_000_000 ? 'aging-1m' : `aging-${Math.round(COUNT / 1000)}k`}-quick`, rows, {
        count: COUNT,
        customers: CUSTOMERS,
        repeat: REPEAT,
      });
      return;
    }
    const monthFrom = `${TODAY.slice(0, 7)}-01`;
    await compare(
      'KPIs for this month',
      () => kpiReport(orm.em.fork(), { from: monthFrom, to: TODAY }),
      async () => {
        for (const [text, params] of KPI_FLOOR_SQL) await sql(text, params(TODAY, monthFrom));
        await floorToday();
      },
      'bare SQL of the same figures',
    );
    await compare(
      'KPIs for the last 12 months',
      () => kpiReport(orm.em.fork(), { from: addDays(TODAY, -364), to: TODAY }),
      async () => {
        for (const [text, params] of KPI_FLOOR_SQL) await sql(text, params(TODAY, addDays(TODAY, -364)));
        await floorToday();
      },
      'bare SQL of the same figures',
    );
    report(COUNT >= 1_000_000 ? 'aging-1m' : `aging-${Math.round(COUNT / 1000)}k`, rows, {
      count: COUNT,
      customers: CUSTOMERS,
      repeat: REPEAT,
      seedSeconds: seeded.seconds,
      seedSteps: seeded.steps,
      journalLines: seeded.lines,
      // A shared machine: the load says how much of the 2 cores the run had.
      loadAverage1mBefore: loadBefore,
      loadAverage1mAfter: os.loadavg()[0],
    });
  } finally {
    await orm.close();
    if (!args.flag('keep') && !args.flag('seed-only') && !reuse) await database.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
