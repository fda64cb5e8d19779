// The aging report from the open-items table (src/db/migrations/0070-ar-open-items.ts), as of any date.
// As of today (nothing dated later) it reads the maintained open items alone through a covering index; as of a past
// date it starts from each item's balance now and takes back the movements dated after that date, so last quarter's
// aging is reproducible after later payments and costs what happened since, not all history.
// One set-based statement: items -> basis date -> bucket sums per currency and customer (pivoted in SQL).
import type { EntityManager } from '@mikro-orm/postgresql';
import type pg from 'pg';
import { agingBuckets, bucketStartDates, type AgingBasis, type AgingBucket } from '../rules/aging.js';

export interface AgingQuery {
  asOf: string;
  basis: AgingBasis;
  bounds: readonly number[];
  customerId?: string;
  /** The customer's risk segment (low, medium, high). */
  segment?: string;
  currency?: string;
  /** Only receivable items (no customer credits): what the KPIs call AR. */
  receivableOnly?: boolean;
}

export interface AgingCustomerRow {
  currency: string;
  customerId: string;
  customerName: string;
  /** One amount per bucket (minor units), current first; credits (negative) included. */
  buckets: number[];
  total: number;
  /** Of the total: invoices and other receivable items (AR control account). */
  receivable: number;
  /** Of the total: unapplied customer credits and advances (negative), aged by posting date. */
  credits: number;
}

export interface AgingCurrency {
  currency: string;
  buckets: number[];
  total: number;
  receivable: number;
  credits: number;
  customers: AgingCustomerRow[];
}

export interface AgingReport {
  asOf: string;
  basis: AgingBasis;
  buckets: AgingBucket[];
  currencies: AgingCurrency[];
}

/**
 * The statement and its parameters (numbered placeholders), one row per currency and customer, ordered.
 *
 * `rewind: false` is the maintained-table path: when no movement is dated after the as-of date (the usual "as of
 * today" report), every item's balance now is its balance then, so the statement reads the open items alone (an
 * index-only scan of ar_open_item_aging_idx). `rewind: true` is the ledger path for past dates: it takes back the
 * movements dated after the as-of date. Both bucket an item by comparing its basis date with the first date of each
 * bucket (bucketStartDates, constants of the statement) rather than computing its age per bucket.
 */
export function agingSql(
  query: AgingQuery,
  options: { rewind: boolean } = { rewind: true },
): { text: string; values: unknown[] } {
  const values: unknown[] = [query.asOf];
  const param = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  // The first start is the as-of date itself ($1, which the rewind also uses).
  const starts = bucketStartDates(query.asOf, query.bounds).map((date, i) =>
    i === 0 ? '$1::date' : `${param(date)}::date`,
  );
  const filters: string[] = [];
  if (query.customerId) filters.push(`o.customer_id = ${param(query.customerId)}::uuid`);
  if (query.currency) filters.push(`o.currency = ${param(query.currency)}`);
  if (query.segment)
    filters.push(`o.customer_id IN (SELECT id FROM customer WHERE risk_segment = ${param(query.segment)})`);
  if (query.receivableOnly) filters.push(`o.item_type <> 'credit'`);
  const where = filters.length ? `AND ${filters.join(' AND ')}` : '';
  // Invoices age from their due (or issue) date; credits and other items from their posting date.
  const invoiceDate = query.basis === 'due' ? 'o.due_date' : 'o.issue_date';
  const basisDate = `CASE WHEN o.item_type = 'invoice' THEN coalesce(${invoiceDate}, o.opened_on) ELSE o.opened_on END`;
  // Bucket i holds basis dates in [starts[i], starts[i - 1]): each sum compares the item's date with constants.
  const range = (i: number) =>
    i === 0
      ? `d >= ${starts[0]}`
      : i < starts.length
        ? `d < ${starts[i - 1]} AND d >= ${starts[i]}`
        : `d < ${starts[i - 1]}`;
  const pivot = agingBuckets(query.bounds)
    .map((_, i) => `coalesce(sum(amount) FILTER (WHERE ${range(i)}), 0)::bigint AS b${i}`)
    .join(', ');
  const items = options.rewind
    ? `later AS (
      SELECT item_id, sum(amount)::bigint AS amount FROM ar_item_movement WHERE effective_date > $1::date GROUP BY item_id
    ),
    items AS (
      SELECT o.currency, o.customer_id, o.item_type, ${basisDate} AS d, o.balance - coalesce(l.amount, 0) AS amount
        FROM ar_open_item o LEFT JOIN later l ON l.item_id = o.id
       WHERE o.balance <> 0 ${where}
      UNION ALL
      SELECT o.currency, o.customer_id, o.item_type, ${basisDate} AS d, -l.amount AS amount
        FROM later l JOIN ar_open_item o ON o.id = l.item_id
       WHERE o.balance = 0 ${where}
    )`
    : `items AS (
      SELECT o.currency, o.customer_id, o.item_type, ${basisDate} AS d, o.balance AS amount
        FROM ar_open_item o WHERE o.balance <> 0 ${where}
    )`;
  const text = `
    WITH ${items},
    sums AS (
      SELECT currency, customer_id, ${pivot}, sum(amount)::bigint AS total,
             coalesce(sum(amount) FILTER (WHERE item_type = 'credit'), 0)::bigint AS credits
        FROM items WHERE amount <> 0 GROUP BY currency, customer_id
    )
    SELECT s.*, s.total - s.credits AS receivable, coalesce(c.display_name, c.legal_name) AS customer_name
      FROM sums s JOIN customer c ON c.id = s.customer_id
     ORDER BY s.currency, customer_name, s.customer_id`;
  return { text, values };
}

type Row = Record<string, string | number | null>;

function toCustomerRow(row: Row, bucketCount: number): AgingCustomerRow {
  return {
    currency: String(row.currency).trim(),
    customerId: String(row.customer_id),
    customerName: String(row.customer_name),
    buckets: Array.from({ length: bucketCount }, (_, i) => Number(row[`b${i}`])),
    total: Number(row.total),
    receivable: Number(row.receivable),
    credits: Number(row.credits),
  };
}

export async function nativePool(em: EntityManager): Promise<pg.Pool> {
  return (em.getConnection() as unknown as { getNativeClient(): Promise<pg.Pool> }).getNativeClient();
}

/**
 * Memory for one report's grouping (per statement, not per connection): with the default 4 MB a million open items
 * spill to a sort on disk instead of one hash aggregate in memory.
 */
export const REPORT_WORK_MEM = '64MB';

/**
 * The report's own transaction: one snapshot (repeatable read) so the check for later movements and the report
 * agree; work_mem for the grouping; no JIT, whose compile time (100-200 ms) costs more than it saves on one scan.
 */
export const REPORT_SESSION_SQL = `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL work_mem = '${REPORT_WORK_MEM}'; SET LOCAL jit = off`;

/**
 * Planner settings for the maintained-table path. PostgreSQL prices a parallel scan of the whole ar_open_item heap
 * (about 180 bytes a row) below an index-only scan of the covering ar_open_item_aging_idx (about 60), which the bench
 * measured the other way round at 1M open items (0.73-0.94 s against 1.1-1.9 s on the loaded 2-core machine).
 * Scoped to the report's transaction (SET LOCAL).
 */
export const OPEN_ITEMS_PLAN_SQL = 'SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off';

/** Runs `run` on one pooled connection inside the report's read-only transaction (REPORT_SESSION_SQL). */
export async function withReportSession<T>(em: EntityManager, run: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await (await nativePool(em)).connect();
  let broken = false;
  try {
    await client.query(REPORT_SESSION_SQL);
    const result = await run(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

/**
 * The statement for `query` on this session: the open items alone when nothing is dated after the as-of date
 * (today's report, a date in the future), else the rewind through the movements (a past date). Same snapshot as the
 * statement that follows, so a posting committed in between cannot slip through.
 */
export async function planAging(
  client: pg.PoolClient,
  query: AgingQuery,
): Promise<{ text: string; values: unknown[]; rewind: boolean }> {
  const { rows } = await client.query<{ later: boolean }>(
    'SELECT EXISTS (SELECT 1 FROM ar_item_movement WHERE effective_date > $1::date) AS later',
    [query.asOf],
  );
  const rewind = rows[0]!.later;
  if (!rewind) await client.query(OPEN_ITEMS_PLAN_SQL);
  return { ...agingSql(query, { rewind }), rewind };
}

/** The whole report (customer rows aggregated in the database; one row per customer and currency in memory). */
export async function agingReport(em: EntityManager, query: AgingQuery): Promise<AgingReport> {
  const buckets = agingBuckets(query.bounds);
  const result = await withReportSession(em, async (client) => {
    const { text, values } = await planAging(client, query);
    return client.query<Row>(text, values);
  });
  const currencies = new Map<string, AgingCurrency>();
  for (const raw of result.rows) {
    const row = toCustomerRow(raw, buckets.length);
    let currency = currencies.get(row.currency);
    if (!currency) {
      currency = {
        currency: row.currency,
        buckets: new Array<number>(buckets.length).fill(0),
        total: 0,
        receivable: 0,
        credits: 0,
        customers: [],
      };
      currencies.set(row.currency, currency);
    }
    row.buckets.forEach((amount, i) => (currency.buckets[i]! += amount));
    currency.total += row.total;
    currency.receivable += row.receivable;
    currency.credits += row.credits;
    currency.customers.push(row);
  }
  return { asOf: query.asOf, basis: query.basis, buckets, currencies: [...currencies.values()] };
}

/**
 * The customer rows, `batchSize` at a time, so a report over any number of customers streams without holding it in
 * memory. PostgreSQL never runs a cursor's plan with parallel workers, so the statement first fills a temporary table
 * (CREATE TABLE AS may run in parallel; one row per customer, dropped at the end of the transaction) and a cursor
 * over it feeds the batches (DECLARE ... FETCH). The connection goes back to the pool when the iteration ends or is
 * abandoned (a client that disconnects mid-download); the transaction is rolled back, so nothing stays.
 */
export async function* streamAgingRows(
  em: EntityManager,
  query: AgingQuery,
  batchSize = 1000,
): AsyncGenerator<AgingCustomerRow> {
  const bucketCount = agingBuckets(query.bounds).length;
  const client = await (await nativePool(em)).connect();
  let failed = false;
  try {
    // Not READ ONLY: the only write is the temporary table.
    await client.query(REPORT_SESSION_SQL.replace(' READ ONLY', ''));
    const { text, values } = await planAging(client, query);
    await client.query(`CREATE TEMP TABLE aging_rows ON COMMIT DROP AS ${text}`, values);
    await client.query(
      'DECLARE aging_cursor NO SCROLL CURSOR FOR SELECT * FROM aging_rows ORDER BY currency, customer_name, customer_id',
    );
    for (;;) {
      const { rows } = await client.query<Row>(`FETCH FORWARD ${Math.max(1, Math.floor(batchSize))} FROM aging_cursor`);
      if (rows.length === 0) break;
      for (const row of rows) yield toCustomerRow(row, bucketCount);
    }
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    await client.query('ROLLBACK').catch(() => {
      failed = true;
    });
    client.release(failed);
  }
}

const csvField = (value: string | number) => {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** CSV lines of the report: a header naming the buckets, then one line per customer row (amounts in minor units). */
export async function* agingCsv(em: EntityManager, query: AgingQuery): AsyncGenerator<string> {
  const buckets = agingBuckets(query.bounds);
  yield `${['as_of', 'basis', 'currency', 'customer_id', 'customer_name', ...buckets.map((b) => b.key), 'total', 'receivable', 'credits'].join(',')}\n`;
  for await (const row of streamAgingRows(em, query)) {
    yield `${[query.asOf, query.basis, row.currency, row.customerId, row.customerName, ...row.buckets, row.total, row.receivable, row.credits].map(csvField).join(',')}\n`;
  }
}
