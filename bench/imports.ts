// Bulk invoice import at go-live scale: a CSV of --count invoice rows (default 100,000) with 1 % bad rows, streamed
// over HTTP into POST /imports/invoices, applied by the import workflow in batches. Reports the upload (staging) time,
// the apply rate against a floor measured in the same run (the same good rows written as bare multi-row INSERTs, in
// chunks of the same size, into plain tables shaped like the ones an import fills: no indexes, constraints, triggers,
// validation or numbering), and checks that the rejection report is exact and nothing is half-imported.
// Own Temporal dev server on a free port, own database. Run: npx tsx bench/imports.ts [--count 100000]
import { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { DEFAULT_IMPORT_POLICY } from '../src/imports/rules/import-policy.js';
import { authHeaders } from './auth.js';
import { startBenchEngine } from './engine.js';
import { isMain, parseArgs, ratioText, report, type BenchResult } from './lib.js';

function* csvRows(count: number, customerRef: string, prefix: string): Generator<string> {
  yield 'externalRef,customerExternalRef,currency,issueDate,dueDate,description,amount,taxRate\n';
  for (let i = 1; i <= count; i++) {
    const bad = i % 100 === 0;
    // The bad rows: an amount with decimals (the import takes integer minor units).
    yield `${prefix}-${i},${customerRef},EUR,2026-10-01,2026-10-31,Order ${i},${bad ? '12.50' : String(1000 + (i % 5000))},19\n`;
  }
}

const FLOOR_TABLES = `
  CREATE TABLE floor_invoice (id uuid, number text, customer_id uuid, currency text, issue_date date, due_date date, subtotal bigint, tax bigint, total bigint, external_ref text, entry_id uuid);
  CREATE TABLE floor_invoice_line (invoice_id uuid, line_no integer, description text, net bigint, tax bigint);
  CREATE TABLE floor_entry (id uuid, key text, kind text, effective_date date, source_id text);
  CREATE TABLE floor_line (entry_id uuid, line_no integer, account text, customer_id uuid, debit bigint, credit bigint, currency text, memo text);
  CREATE TABLE floor_event (id uuid, type text, entity_id text, data jsonb)`;

/** Seconds to write the good rows of the file as bare multi-row INSERTs, `chunk` invoices per transaction. */
async function bareInsertSeconds(
  orm: Awaited<ReturnType<typeof startBenchEngine>>['orm'],
  count: number,
  chunk: number,
  customerId: string,
): Promise<number> {
  const em = orm.em.fork();
  for (const sql of FLOOR_TABLES.split(';')) await em.execute(sql);
  const started = performance.now();
  for (let from = 1; from <= count; from += chunk) {
    const invoices: Record<string, unknown>[] = [];
    const lines: Record<string, unknown>[] = [];
    const entries: Record<string, unknown>[] = [];
    const journal: Record<string, unknown>[] = [];
    const events: Record<string, unknown>[] = [];
    for (let i = from; i < Math.min(from + chunk, count + 1); i++) {
      if (i % 100 === 0) continue;
      const id = randomUUID();
      const entry = randomUUID();
      const net = 1000 + (i % 5000);
      const tax = Math.round(net * 0.19);
      const number = `INV-2026-${String(i).padStart(6, '0')}`;
      invoices.push({
        id,
        number,
        customer: customerId,
        issue: '2026-10-01',
        due: '2026-10-31',
        net,
        tax,
        total: net + tax,
        ref: `F-${i}`,
        entry,
      });
      lines.push({ invoice: id, description: `Order ${i}`, net, tax });
      entries.push({ id: entry, key: `floor:${i}`, source: id });
      journal.push(
        { entry, no: 1, account: '1100', customer: customerId, debit: net + tax, credit: 0, memo: number },
        { entry, no: 2, account: '4000', customer: null, debit: 0, credit: net, memo: number },
        { entry, no: 3, account: '2300', customer: null, debit: 0, credit: tax, memo: number },
      );
      events.push({ id: randomUUID(), entity: id, data: { number, externalRef: `F-${i}` } });
    }
    await em.transactional(async (tx) => {
      await tx.execute(
        `INSERT INTO floor_entry SELECT e.id, e.key, 'invoice_issued', '2026-10-01', e.source FROM jsonb_to_recordset(?::jsonb) AS e (id uuid, key text, source text)`,
        [JSON.stringify(entries)],
      );
      await tx.execute(
        `INSERT INTO floor_line SELECT l.entry, l.no, l.account, l.customer, l.debit, l.credit, 'EUR', l.memo FROM jsonb_to_recordset(?::jsonb) AS l (entry uuid, no integer, account text, customer uuid, debit bigint, credit bigint, memo text)`,
        [JSON.stringify(journal)],
      );
      await tx.execute(
        `INSERT INTO floor_invoice SELECT i.id, i.number, i.customer, 'EUR', i.issue, i.due, i.net, i.tax, i.total, i.ref, i.entry FROM jsonb_to_recordset(?::jsonb) AS i (id uuid, number text, customer uuid, issue date, due date, net bigint, tax bigint, total bigint, ref text, entry uuid)`,
        [JSON.stringify(invoices)],
      );
      await tx.execute(
        `INSERT INTO floor_invoice_line SELECT l.invoice, 1, l.description, l.net, l.tax FROM jsonb_to_recordset(?::jsonb) AS l (invoice uuid, description text, net bigint, tax bigint)`,
        [JSON.stringify(lines)],
      );
      await tx.execute(
        `INSERT INTO floor_event SELECT e.id, 'invoice.issued', e.entity, e.data FROM jsonb_to_recordset(?::jsonb) AS e (id uuid, entity text, data jsonb)`,
        [JSON.stringify(events)],
      );
    });
  }
  const seconds = (performance.now() - started) / 1000;
  for (const table of ['floor_invoice', 'floor_invoice_line', 'floor_entry', 'floor_line', 'floor_event'])
    await em.execute(`DROP TABLE ${table}`);
  return seconds;
}

export async function benchImports(options: { count: number }): Promise<BenchResult> {
  const engine = await startBenchEngine({ name: 'imports', api: true, worker: true });
  try {
    const base = engine.api!.url;
    const headers = await authHeaders();
    const customerRef = `ERP-${randomUUID()}`;
    const created = await fetch(`${base}/customers`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({
        legalName: 'Bench Import GmbH',
        email: 'ap@bench.example',
        currency: 'EUR',
        billingAddress: { line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' },
        externalRef: customerRef,
      }),
    });
    if (created.status !== 201) throw new Error(`POST /customers answered ${created.status}`);
    const customerId = ((await created.json()) as { id: string }).id;
    const loadBefore = os.loadavg()[0]!;
    const prefix = `B-${randomUUID().slice(0, 8)}`;
    const started = performance.now();
    const upload = await fetch(`${base}/imports/invoices?lifecycle=false`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'text/csv' },
      body: Readable.toWeb(Readable.from(csvRows(options.count, customerRef, prefix))) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    if (upload.status !== 202)
      throw new Error(`POST /imports/invoices answered ${upload.status}: ${await upload.text()}`);
    const stagedSeconds = (performance.now() - started) / 1000;
    const { id } = (await upload.json()) as { id: string };
    let job: Record<string, number | string>;
    for (;;) {
      job = (await (await fetch(`${base}/imports/${id}`, { headers })).json()) as Record<string, number | string>;
      process.stdout.write(`\r  imported ${job.processedRows}/${job.totalRows}`);
      if (job.status === 'completed' || job.status === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    process.stdout.write('\n');
    const totalSeconds = (performance.now() - started) / 1000;
    const rejections: { line: number; field: string }[] = [];
    for (let after = 0; ; ) {
      const page = (await (
        await fetch(`${base}/imports/${id}/rejections?limit=10000&afterLine=${after}`, { headers })
      ).json()) as { items: { line: number; field: string }[]; nextAfterLine: number | null };
      rejections.push(...page.items);
      if (page.nextAfterLine === null) break;
      after = page.nextAfterLine;
    }
    const expectedLines = Array.from({ length: Math.floor(options.count / 100) }, (_, k) => (k + 1) * 100 + 1);
    const exact =
      rejections.length === expectedLines.length &&
      rejections.every((r, k) => r.line === expectedLines[k] && r.field === 'amount');
    const [stored] = await engine.orm.em
      .fork()
      .execute<
        { n: string; entries: string }[]
      >('SELECT count(*) AS n, count(DISTINCT issue_entry_id) AS entries FROM invoice WHERE external_ref LIKE ?', [`${prefix}-%`]);
    const good = options.count - expectedLines.length;
    const whole = Number(stored!.n) === good && Number(stored!.entries) === good && job.importedRows === good;
    // The apply phase as the server saw it: from the end of staging to the import's completion.
    const applySeconds = (Date.parse(String(job.finishedAt)) - Date.parse(String(job.startedAt))) / 1000;
    const rate = Math.round(options.count / applySeconds);
    const loadAfterImport = os.loadavg()[0]!;
    const floorSeconds = await bareInsertSeconds(
      engine.orm,
      options.count,
      DEFAULT_IMPORT_POLICY.batchSize,
      customerId,
    );
    const floorRate = Math.round(options.count / floorSeconds);
    const load = `load ${loadBefore.toFixed(1)} -> ${loadAfterImport.toFixed(1)}`;
    const rows = [
      {
        case: 'import: upload (stream + stage)',
        workload: `${options.count} CSV rows`,
        engine: `${stagedSeconds.toFixed(1)} s`,
        floor: '-',
        ratio: '-',
      },
      {
        case: 'import: apply rows',
        workload: `${options.count} rows, 1 % bad, batches of ${DEFAULT_IMPORT_POLICY.batchSize}`,
        engine: `${rate} rows/s (${applySeconds.toFixed(0)} s; ${totalSeconds.toFixed(0)} s in all; ${load})`,
        floor: `${floorRate} rows/s bare INSERTs (${floorSeconds.toFixed(0)} s)`,
        ratio: ratioText(rate, floorRate, 'rate'),
      },
      {
        case: 'import: exact rejection report, nothing half-imported',
        workload: `${expectedLines.length} rejected`,
        engine: exact && whole ? 'yes' : 'NO',
        floor: '-',
        ratio: '-',
      },
    ];
    return {
      name: 'imports',
      rows,
      details: {
        count: options.count,
        batchSize: DEFAULT_IMPORT_POLICY.batchSize,
        stagedSeconds,
        applySeconds,
        totalSeconds,
        rate,
        floorSeconds,
        floorRate,
        loadBefore,
        loadAfterImport,
        rejected: rejections.length,
        exact,
        whole,
        job,
      },
    };
  } finally {
    await engine.stop();
  }
}

if (isMain(import.meta.url)) {
  const args = parseArgs();
  const result = await benchImports({ count: args.count(100_000) });
  report(result.name, result.rows, result.details);
  process.exit(result.rows.every((r) => r.engine !== 'NO') ? 0 : 1);
}
