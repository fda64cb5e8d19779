// Bulk invoice import at go-live scale: a CSV of --count invoice rows (default 100,000) with 1 % bad rows, streamed
// over HTTP into POST /imports/invoices, applied by the import workflow in batches. Reports the upload (staging) time,
// the processing rate and checks that the rejection report is exact and nothing is half-imported.
// Own Temporal dev server on a free port, own database. Run: npx tsx bench/imports.ts [--count 100000]
import { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { authHeaders } from './auth.js';
import { startBenchEngine } from './engine.js';
import { isMain, parseArgs, report, type BenchResult } from './lib.js';

function* csvRows(count: number, customerRef: string, prefix: string): Generator<string> {
  yield 'externalRef,customerExternalRef,currency,issueDate,dueDate,description,amount,taxRate\n';
  for (let i = 1; i <= count; i++) {
    const bad = i % 100 === 0;
    // The bad rows: an amount with decimals (the import takes integer minor units).
    yield `${prefix}-${i},${customerRef},EUR,2026-10-01,2026-10-31,Order ${i},${bad ? '12.50' : String(1000 + (i % 5000))},19\n`;
  }
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
      body: JSON.stringify({ legalName: 'Bench Import GmbH', email: 'ap@bench.example', currency: 'EUR', billingAddress: { line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' }, externalRef: customerRef }),
    });
    if (created.status !== 201) throw new Error(`POST /customers answered ${created.status}`);
    const prefix = `B-${randomUUID().slice(0, 8)}`;
    const started = performance.now();
    const upload = await fetch(`${base}/imports/invoices?lifecycle=false`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'text/csv' },
      body: Readable.toWeb(Readable.from(csvRows(options.count, customerRef, prefix))) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    if (upload.status !== 202) throw new Error(`POST /imports/invoices answered ${upload.status}: ${await upload.text()}`);
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
      const page = (await (await fetch(`${base}/imports/${id}/rejections?limit=10000&afterLine=${after}`, { headers })).json()) as { items: { line: number; field: string }[]; nextAfterLine: number | null };
      rejections.push(...page.items);
      if (page.nextAfterLine === null) break;
      after = page.nextAfterLine;
    }
    const expectedLines = Array.from({ length: Math.floor(options.count / 100) }, (_, k) => (k + 1) * 100 + 1);
    const exact = rejections.length === expectedLines.length && rejections.every((r, k) => r.line === expectedLines[k] && r.field === 'amount');
    const [stored] = await engine.orm.em.fork().execute<{ n: string; entries: string }[]>(
      'SELECT count(*) AS n, count(DISTINCT issue_entry_id) AS entries FROM invoice WHERE external_ref LIKE ?',
      [`${prefix}-%`],
    );
    const good = options.count - expectedLines.length;
    const whole = Number(stored!.n) === good && Number(stored!.entries) === good && job.importedRows === good;
    const rate = Math.round(options.count / (totalSeconds - stagedSeconds || 1));
    const rows = [
      { case: 'import: upload (stream + stage)', workload: `${options.count} CSV rows`, engine: `${stagedSeconds.toFixed(1)} s`, floor: '-', ratio: '-' },
      { case: 'import: apply rows', workload: `${options.count} rows, 1 % bad`, engine: `${rate} rows/s (${totalSeconds.toFixed(0)} s in all)`, floor: '-', ratio: '-' },
      { case: 'import: exact rejection report, nothing half-imported', workload: `${expectedLines.length} rejected`, engine: exact && whole ? 'yes' : 'NO', floor: '-', ratio: '-' },
    ];
    return { name: 'imports', rows, details: { count: options.count, stagedSeconds, totalSeconds, rate, rejected: rejections.length, exact, whole, job } };
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
