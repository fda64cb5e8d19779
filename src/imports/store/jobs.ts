// Import jobs: creation, progress counters and the rejection report.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ImportKind, RowProblem } from '../rules/import-rows.js';
import type { ImportFormat } from './stage.js';

export interface ImportJob {
  id: string;
  kind: ImportKind;
  format: ImportFormat;
  status: 'staging' | 'processing' | 'completed' | 'failed';
  options: ImportOptions;
  totalRows: number;
  processedRows: number;
  importedRows: number;
  skippedRows: number;
  rejectedRows: number;
  error: string | null;
  createdBy: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface ImportOptions {
  /** Customers: create rows that look like an existing customer anyway (the override is recorded in their history). */
  allowDuplicates?: boolean;
  /** Start the entity workflows (account, invoice lifecycle) for what was imported. */
  lifecycle?: boolean;
  /** Opening balances: accounting date of the opening entries (the go-live date). */
  asOf?: string;
}

const iso = (d: unknown) => (d ? new Date(d as Date).toISOString() : null);

export function jobFromRow(r: Record<string, unknown>): ImportJob {
  return {
    id: String(r.id),
    kind: r.kind as ImportKind,
    format: r.format as ImportFormat,
    status: r.status as ImportJob['status'],
    options: r.options as ImportOptions,
    totalRows: Number(r.total_rows),
    processedRows: Number(r.processed_rows),
    importedRows: Number(r.imported_rows),
    skippedRows: Number(r.skipped_rows),
    rejectedRows: Number(r.rejected_rows),
    error: (r.error as string | null) ?? null,
    createdBy: String(r.created_by),
    createdAt: iso(r.created_at)!,
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
  };
}

export async function createImportJob(
  em: EntityManager,
  input: { kind: ImportKind; format: ImportFormat; options: ImportOptions; createdBy: string },
): Promise<ImportJob> {
  const [row] = await em.execute<Record<string, unknown>[]>(
    `INSERT INTO import_job (id, kind, format, options, created_by) VALUES (?, ?, ?, ?::jsonb, ?) RETURNING *`,
    [randomUUID(), input.kind, input.format, JSON.stringify(input.options), input.createdBy],
  );
  return jobFromRow(row!);
}

export async function findImportJob(em: EntityManager, id: string): Promise<ImportJob | null> {
  const [row] = await em.execute<Record<string, unknown>[]>('SELECT * FROM import_job WHERE id = ?', [id]);
  return row ? jobFromRow(row) : null;
}

/** After staging: the row count, and the lines rejected while parsing already count as processed. */
export async function markStaged(
  em: EntityManager,
  id: string,
  counts: { rows: number; rejected: number },
): Promise<void> {
  await em.execute(
    `UPDATE import_job SET status = 'processing', total_rows = ?, processed_rows = ?, rejected_rows = ?, started_at = now() WHERE id = ?`,
    [counts.rows, counts.rejected, counts.rejected, id],
  );
}

export async function markFailed(em: EntityManager, id: string, error: string): Promise<void> {
  await em.execute(
    `UPDATE import_job SET status = 'failed', error = ?, finished_at = now() WHERE id = ? AND status IN ('staging', 'processing')`,
    [error.slice(0, 2000), id],
  );
}

/** Rejected rows in line order, one entry per problem (a row with two bad fields appears twice). */
export async function rejections(
  em: EntityManager,
  importId: string,
  limit: number,
  afterLine = 0,
): Promise<{ line: number; problems: RowProblem[] }[]> {
  const rows = await em.execute<{ line_no: number; problems: RowProblem[] }[]>(
    `SELECT line_no, problems FROM import_row WHERE import_id = ? AND status = 'rejected' AND line_no > ? ORDER BY line_no LIMIT ?`,
    [importId, afterLine, limit],
  );
  return rows.map((r) => ({ line: Number(r.line_no), problems: r.problems }));
}
