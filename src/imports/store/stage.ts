// Staging an upload: the request body is read as a stream, record by record (CSV with a header row, or JSON lines),
// and written to `import_row` in batches, so a file of any size needs memory for one batch only. A line that cannot
// even be parsed (broken JSON) is staged as rejected with its line number; everything else is validated when applied.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { RowProblem } from '../rules/import-rows.js';
import { sealStagedRow } from './sealed-rows.js';

export type ImportFormat = 'csv' | 'jsonl';

interface StagedRow {
  lineNo: number;
  payload: Record<string, unknown> | null;
  problem?: RowProblem;
}

const STAGE_BATCH = 1000;

async function* csvRecords(body: Readable): AsyncGenerator<StagedRow> {
  const parser = body.pipe(
    parse({
      columns: (header: string[]) => header.map((h) => h.trim()),
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
      trim: false,
    }),
  );
  for await (const { record, info } of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
  }>) {
    yield { lineNo: info.lines, payload: record };
  }
}

async function* jsonLines(body: Readable): AsyncGenerator<StagedRow> {
  let lineNo = 0;
  for await (const line of createInterface({ input: body, crlfDelay: Infinity })) {
    lineNo++;
    if (line.trim() === '') continue;
    try {
      const value = JSON.parse(line) as unknown;
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        yield { lineNo, payload: null, problem: { field: '', reason: 'each line must be one JSON object' } };
      else yield { lineNo, payload: value as Record<string, unknown> };
    } catch {
      yield { lineNo, payload: null, problem: { field: '', reason: 'is not valid JSON' } };
    }
  }
}

async function insertBatch(em: EntityManager, importId: string, rows: StagedRow[]): Promise<void> {
  if (!rows.length) return;
  const values: unknown[] = [];
  const sql = rows.map((r) => {
    values.push(
      importId,
      r.lineNo,
      r.payload === null ? null : JSON.stringify(sealStagedRow(r.payload)),
      r.problem ? 'rejected' : 'staged',
      r.problem ? JSON.stringify([r.problem]) : null,
    );
    return '(?, ?, ?::jsonb, ?, ?::jsonb)';
  });
  await em.execute(
    `INSERT INTO import_row (import_id, line_no, payload, status, problems) VALUES ${sql.join(', ')}`,
    values,
  );
}

/** Reads the whole body into `import_row`; returns the number of records and of lines rejected while parsing. */
export async function stageUpload(
  em: EntityManager,
  importId: string,
  format: ImportFormat,
  body: Readable,
): Promise<{ rows: number; rejected: number }> {
  let batch: StagedRow[] = [];
  let rows = 0;
  let rejected = 0;
  for await (const row of format === 'csv' ? csvRecords(body) : jsonLines(body)) {
    rows++;
    if (row.problem) rejected++;
    batch.push(row);
    if (batch.length >= STAGE_BATCH) {
      await insertBatch(em, importId, batch);
      batch = [];
    }
  }
  await insertBatch(em, importId, batch);
  return { rows, rejected };
}
