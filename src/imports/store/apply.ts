// Applying staged import rows: one database transaction per batch, so every row is wholly in (document, journal entry,
// history, outbox event) or wholly out (rejected with its problems), and a batch that fails for an infrastructure
// reason rolls back as a whole and is simply processed again. Rows are idempotent on their external reference: a
// reference imported before (by this or an earlier import, or earlier in the same batch) is `skipped`, never doubled.
//
// Invoices and opening balances are applied as a set: the rows are validated with one query for their customers and
// one for their terms, then every valid row is written with one multi-row statement per table (invoice-writer.ts).
// If the database refuses that set (a constraint or data error of some row the checks did not foresee), the set is
// rolled back to its savepoint and the batch is written again row by row, each row under its own savepoint, which
// pins the refusal on its row. Customers go row by row always: each one's duplicate check must see the ones before it.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { normalizeEmail, normalizeTaxId } from '../../customers/rules/customer.js';
import {
  parseCustomerRow,
  parseInvoiceRow,
  parseOpeningBalanceRow,
  type CustomerImportRow,
  type ImportKind,
  type InvoiceImportRow,
  type OpeningBalanceRow,
  type RowProblem,
} from '../rules/import-rows.js';
import { DEFAULT_TERMS_CODE } from '../../customers/rules/terms.js';
import { findDuplicateCandidates, lockMatchKeys, probableDuplicates } from '../../customers/store/duplicates.js';
import { recordHistory } from '../../customers/store/history.js';
import {
  DEFAULT_COMMUNICATION,
  editableOf,
  insertCustomerRow,
  matchKeysOf,
  type EditableProfile,
} from '../../customers/store/customers.js';
import { findTermsTemplate, recordTermsAssignment } from '../../customers/store/terms.js';
import { recordEvent } from '../../events/store/outbox.js';
import { prepareInvoiceRows, prepareOpeningBalanceRows, type Prepared } from './invoice-rows.js';
import { writeInvoiceDocuments, type InvoiceDocument } from './invoice-writer.js';
import type { ImportOptions } from './jobs.js';
import { openStagedRow } from './sealed-rows.js';

/** A row refused for a business reason: it is rejected, the batch goes on. */
export class RowRefusal extends Error {
  constructor(readonly problems: RowProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.reason}`).join('; '));
    this.name = 'RowRefusal';
  }
}

interface RowContext {
  importId: string;
  lineNo: number;
  actor: string;
  today: string;
  options: ImportOptions;
}

type RowResult = { status: 'imported' | 'skipped'; entityId: string };

/**
 * Locks the external references of a batch (sorted, so concurrent imports cannot deadlock) and returns those already
 * imported: a reference is imported once, by whichever import gets there first.
 */
async function lockAndFindReferences(
  tx: EntityManager,
  kind: ImportKind,
  refs: readonly string[],
): Promise<Map<string, string>> {
  if (!refs.length) return new Map();
  const scope = kind === 'customers' ? 'customer' : 'invoice';
  const array = `{${[...new Set(refs)]
    .sort()
    .map((r) => `"${r.replace(/["\\]/g, (c) => `\\${c}`)}"`)
    .join(',')}}`;
  await tx.execute(
    `SELECT pg_advisory_xact_lock(hashtextextended('import:${scope}:' || r, 0)) FROM (SELECT r FROM unnest(?::text[]) AS r ORDER BY r) AS sorted`,
    [array],
  );
  const rows = await tx.execute<{ external_ref: string; id: string }[]>(
    `SELECT external_ref, id FROM ${scope} WHERE external_ref = ANY(?::text[])`,
    [array],
  );
  return new Map(rows.map((r) => [r.external_ref, r.id]));
}

async function applyCustomer(tx: EntityManager, row: CustomerImportRow, ctx: RowContext): Promise<RowResult> {
  const termsCode = row.termsCode ?? DEFAULT_TERMS_CODE;
  if (!(await findTermsTemplate(tx, termsCode)))
    throw new RowRefusal([{ field: 'termsCode', reason: `"${termsCode}" is not a payment terms template` }]);
  const profile: EditableProfile = {
    legalName: row.legalName,
    displayName: row.displayName,
    taxId: row.taxId ? { country: row.taxId.country, value: normalizeTaxId(row.taxId.value) } : null,
    email: normalizeEmail(row.email),
    currency: row.currency,
    billingAddress: row.billingAddress,
    contacts: [],
    communication: DEFAULT_COMMUNICATION,
    termsCode,
    creditLimit: row.creditLimit === null ? null : { amount: row.creditLimit, currency: row.currency },
    riskSegment: null,
    externalRef: row.externalRef,
    tags: row.tags,
  };
  const keys = matchKeysOf(profile);
  await lockMatchKeys(tx, keys);
  const probable = probableDuplicates(await findDuplicateCandidates(tx, keys));
  if (probable.length && !ctx.options.allowDuplicates) {
    throw new RowRefusal(
      probable.slice(0, 3).map((c) => ({
        field: 'legalName',
        reason: `probable duplicate of customer ${c.id} (${c.legalName}, score ${c.score})`,
      })),
    );
  }
  const created = await insertCustomerRow(tx, randomUUID(), profile);
  await recordHistory(
    tx,
    created.id,
    [
      { field: 'created', from: null, to: editableOf(created) },
      { field: 'importedFrom', from: null, to: { importId: ctx.importId, line: ctx.lineNo } },
      ...(probable.length
        ? [
            {
              field: 'duplicateOverride',
              from: null,
              to: {
                reason: 'bulk import with allowDuplicates',
                candidates: probable.map(({ id, score }) => ({ id, score })),
              },
            },
          ]
        : []),
    ],
    ctx.actor,
    `import-${ctx.importId}`,
  );
  await recordTermsAssignment(tx, created.id, termsCode, ctx.actor);
  await recordEvent(tx, {
    type: 'customer.created',
    entityType: 'customer',
    entityId: created.id,
    customerId: created.id,
    actor: ctx.actor,
    data: { customer: created, importId: ctx.importId },
  });
  return { status: 'imported', entityId: created.id };
}

type ParsedImportRow =
  | { kind: 'customers'; row: CustomerImportRow }
  | { kind: 'invoices'; row: InvoiceImportRow }
  | { kind: 'opening_balances'; row: OpeningBalanceRow };

/** The pure validation of a staged row: its typed content, or the problems that reject it. */
export function parseRow(
  kind: ImportKind,
  payload: Record<string, unknown>,
): { ok: true; parsed: ParsedImportRow } | { ok: false; problems: RowProblem[] } {
  const parsed =
    kind === 'customers'
      ? parseCustomerRow(payload)
      : kind === 'invoices'
        ? parseInvoiceRow(payload)
        : parseOpeningBalanceRow(payload);
  return parsed.ok
    ? { ok: true, parsed: { kind, row: parsed.row } as ParsedImportRow }
    : { ok: false, problems: parsed.problems };
}

/** PostgreSQL data and integrity errors (classes 22, 23) reject the row; anything else is infrastructure. */
function rowProblemsOf(error: unknown): RowProblem[] | undefined {
  if (error instanceof RowRefusal) return error.problems;
  const code = (error as { code?: string }).code;
  if (typeof code === 'string' && /^2[23]/.test(code))
    return [
      { field: '', reason: `refused by the database: ${(error as Error).message.split('\n')[0]!.slice(0, 300)}` },
    ];
  return undefined;
}

type Outcome = {
  lineNo: number;
  status: 'imported' | 'skipped' | 'rejected';
  entityId: string | null;
  problems: RowProblem[] | null;
};
type ParsedLine = { lineNo: number; result: ReturnType<typeof parseRow> };
type BatchContext = Omit<RowContext, 'lineNo'>;

/** Customers, row by row in line order under a savepoint each: a row's duplicate check sees the rows before it. */
async function applyCustomerRows(
  tx: EntityManager,
  parsed: readonly ParsedLine[],
  known: Map<string, string>,
  ctx: BatchContext,
  alive: () => void,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const { lineNo, result: check } of parsed) {
    // A batch of customers takes a while (each row has its own duplicate check): tell the caller it is still going.
    if (outcomes.length % 50 === 49) alive();
    if (!check.ok) {
      outcomes.push({ lineNo, status: 'rejected', entityId: null, problems: check.problems });
      continue;
    }
    const ref = check.parsed.row.externalRef;
    const existing = known.get(ref);
    if (existing) {
      outcomes.push({ lineNo, status: 'skipped', entityId: existing, problems: null });
      continue;
    }
    await tx.execute('SAVEPOINT import_row');
    try {
      const applied = await applyCustomer(tx, check.parsed.row as CustomerImportRow, { ...ctx, lineNo });
      await tx.execute('RELEASE SAVEPOINT import_row');
      known.set(ref, applied.entityId);
      outcomes.push({ lineNo, status: applied.status, entityId: applied.entityId, problems: null });
    } catch (error) {
      const problems = rowProblemsOf(error);
      if (!problems) throw error;
      await tx.execute('ROLLBACK TO SAVEPOINT import_row');
      outcomes.push({ lineNo, status: 'rejected', entityId: null, problems });
    }
  }
  return outcomes;
}

/**
 * Invoices and opening balances as a set. Each row's fate follows line order: a reference imported before, or by an
 * earlier row of the batch, is skipped; otherwise the row is imported if its checks pass and the database takes it.
 * All rows to write go to the database as one set; if it refuses the set, that is rolled back and each row is written
 * alone instead, so the refusal lands on its row only.
 */
async function applyInvoiceRows(
  tx: EntityManager,
  kind: 'invoices' | 'opening_balances',
  parsed: readonly ParsedLine[],
  known: Map<string, string>,
  ctx: BatchContext,
): Promise<Outcome[]> {
  const valid = parsed.flatMap((p) =>
    p.result.ok && !known.has(p.result.parsed.row.externalRef) ? [{ lineNo: p.lineNo, row: p.result.parsed.row }] : [],
  );
  const prepared: Prepared[] =
    kind === 'invoices'
      ? await prepareInvoiceRows(
          tx,
          valid.map((v) => v.row as InvoiceImportRow),
          { today: ctx.today, actor: ctx.actor },
        )
      : await prepareOpeningBalanceRows(
          tx,
          valid.map((v) => v.row as OpeningBalanceRow),
          { asOf: ctx.options.asOf ?? ctx.today, actor: ctx.actor },
        );
  const preparedOf = new Map(valid.map((v, k) => [v.lineNo, prepared[k]!]));

  /** Line-order settlement; `written` writes one row's document now, or not at all, and answers its refusal or null. */
  const settle = async (written: (doc: InvoiceDocument) => Promise<RowProblem[] | null>): Promise<Outcome[]> => {
    const claimed = new Map(known);
    const outcomes: Outcome[] = [];
    for (const { lineNo, result: check } of parsed) {
      if (!check.ok) {
        outcomes.push({ lineNo, status: 'rejected', entityId: null, problems: check.problems });
        continue;
      }
      const existing = claimed.get(check.parsed.row.externalRef);
      if (existing) {
        outcomes.push({ lineNo, status: 'skipped', entityId: existing, problems: null });
        continue;
      }
      const ready = preparedOf.get(lineNo)!;
      const problems = ready.ok ? await written(ready.doc) : ready.problems;
      if (problems) {
        outcomes.push({ lineNo, status: 'rejected', entityId: null, problems });
        continue;
      }
      const id = (ready as { doc: InvoiceDocument }).doc.id;
      claimed.set(check.parsed.row.externalRef, id);
      outcomes.push({ lineNo, status: 'imported', entityId: id, problems: null });
    }
    return outcomes;
  };

  // First the set: settle with every ready row counted as written, then write exactly the rows that came out imported.
  const optimistic = await settle(async () => null);
  const toWrite = optimistic
    .filter((o) => o.status === 'imported')
    .map((o) => (preparedOf.get(o.lineNo) as { doc: InvoiceDocument }).doc);
  await tx.execute('SAVEPOINT import_set');
  try {
    await writeInvoiceDocuments(tx, toWrite);
    await tx.execute('RELEASE SAVEPOINT import_set');
    return optimistic;
  } catch (error) {
    if (!rowProblemsOf(error)) throw error;
    await tx.execute('ROLLBACK TO SAVEPOINT import_set');
  }
  // The database refused something in the set: the same settlement, each row written alone under its own savepoint.
  return settle(async (doc) => {
    await tx.execute('SAVEPOINT import_row');
    try {
      await writeInvoiceDocuments(tx, [doc]);
      await tx.execute('RELEASE SAVEPOINT import_row');
      return null;
    } catch (error) {
      const problems = rowProblemsOf(error);
      if (!problems) throw error;
      await tx.execute('ROLLBACK TO SAVEPOINT import_row');
      return problems;
    }
  });
}

export interface BatchResult {
  processed: number;
  imported: number;
  skipped: number;
  rejected: number;
  /** Staged rows remain after this batch. */
  more: boolean;
}

/** Applies the next `batchSize` staged rows in one transaction; `alive` is called now and then during a long batch (the activity's heartbeat). */
export async function applyImportBatch(
  em: EntityManager,
  input: { importId: string; batchSize: number; today: string },
  alive: () => void = () => {},
): Promise<BatchResult> {
  return em.transactional(async (tx) => {
    const [job] = await tx.execute<{ kind: ImportKind; options: ImportOptions; created_by: string; status: string }[]>(
      'SELECT kind, options, created_by, status FROM import_job WHERE id = ? FOR UPDATE',
      [input.importId],
    );
    if (!job || job.status !== 'processing') return { processed: 0, imported: 0, skipped: 0, rejected: 0, more: false };
    const rows = await tx.execute<{ line_no: number; payload: Record<string, unknown> }[]>(
      `SELECT line_no, payload FROM import_row WHERE import_id = ? AND status = 'staged' ORDER BY line_no LIMIT ?`,
      [input.importId, input.batchSize],
    );
    const result: BatchResult = {
      processed: 0,
      imported: 0,
      skipped: 0,
      rejected: 0,
      more: rows.length === input.batchSize,
    };
    const parsed = rows.map((row) => ({
      lineNo: Number(row.line_no),
      result: parseRow(job.kind, openStagedRow(row.payload)),
    }));
    const known = await lockAndFindReferences(
      tx,
      job.kind,
      parsed.flatMap((p) => (p.result.ok ? [p.result.parsed.row.externalRef] : [])),
    );
    const ctx = { importId: input.importId, actor: job.created_by, today: input.today, options: job.options };
    const outcomes =
      job.kind === 'customers'
        ? await applyCustomerRows(tx, parsed, known, ctx, alive)
        : await applyInvoiceRows(tx, job.kind, parsed, known, ctx);
    if (outcomes.length) {
      // One statement records every row's outcome.
      const values: unknown[] = [];
      const tuples = outcomes.map((o) => {
        values.push(o.lineNo, o.status, o.entityId, o.problems ? JSON.stringify(o.problems) : null);
        return '(?::int, ?::text, ?::uuid, ?::jsonb)';
      });
      await tx.execute(
        `UPDATE import_row r SET status = v.status, entity_id = v.entity_id, problems = v.problems
           FROM (VALUES ${tuples.join(', ')}) AS v (line_no, status, entity_id, problems)
          WHERE r.import_id = ? AND r.line_no = v.line_no`,
        [...values, input.importId],
      );
    }
    for (const o of outcomes) result[o.status]++;
    result.processed = outcomes.length;
    await tx.execute(
      `UPDATE import_job SET processed_rows = processed_rows + ?, imported_rows = imported_rows + ?, skipped_rows = skipped_rows + ?, rejected_rows = rejected_rows + ? WHERE id = ?`,
      [result.processed, result.imported, result.skipped, result.rejected, input.importId],
    );
    return result;
  });
}

export async function finishImport(em: EntityManager, importId: string): Promise<void> {
  await em.execute(
    `UPDATE import_job SET status = 'completed', finished_at = coalesce(finished_at, now()) WHERE id = ? AND status = 'processing'`,
    [importId],
  );
}
