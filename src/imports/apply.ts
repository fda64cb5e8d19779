// Applying staged import rows: one database transaction per batch, one savepoint per row, so every row is wholly in
// (document, journal entry, history, outbox event) or wholly out (rejected with its problems), and a batch that fails
// for an infrastructure reason rolls back as a whole and is simply processed again. Rows are idempotent on their
// external reference: a reference imported before (by this or an earlier import) is `skipped`, never doubled.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { normalizeEmail, normalizeTaxId } from '../domain/customer.js';
import { formatDocumentNumber } from '../domain/invoice.js';
import {
  openingStatus,
  parseCustomerRow,
  parseInvoiceRow,
  parseOpeningBalanceRow,
  type CustomerImportRow,
  type ImportKind,
  type InvoiceImportRow,
  type OpeningBalanceRow,
  type RowProblem,
} from '../domain/import-rows.js';
import { DEFAULT_TERMS_CODE } from '../domain/terms.js';
import { findDuplicateCandidates, lockMatchKeys, probableDuplicates } from '../customers/duplicates.js';
import { recordHistory } from '../customers/history.js';
import { DEFAULT_COMMUNICATION, editableOf, insertCustomerRow, matchKeysOf, type EditableProfile } from '../customers/store.js';
import { findTermsTemplate, recordTermsAssignment } from '../customers/terms.js';
import { recordEvent } from '../events/outbox.js';
import { insertInvoice, InvoiceRequestError, nextInSeries, prepareInvoice } from '../invoices/issue.js';
import { postJournalEntry } from '../ledger/post.js';
import type { ImportOptions } from './store.js';

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
async function lockAndFindReferences(tx: EntityManager, kind: ImportKind, refs: readonly string[]): Promise<Map<string, string>> {
  if (!refs.length) return new Map();
  const scope = kind === 'customers' ? 'customer' : 'invoice';
  const array = `{${[...new Set(refs)].sort().map((r) => `"${r.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;
  await tx.execute(`SELECT pg_advisory_xact_lock(hashtextextended('import:${scope}:' || r, 0)) FROM (SELECT r FROM unnest(?::text[]) AS r ORDER BY r) AS sorted`, [array]);
  const rows = await tx.execute<{ external_ref: string; id: string }[]>(`SELECT external_ref, id FROM ${scope} WHERE external_ref = ANY(?::text[])`, [array]);
  return new Map(rows.map((r) => [r.external_ref, r.id]));
}

async function resolveCustomer(tx: EntityManager, ref: InvoiceImportRow['customer']): Promise<{ id: string; currency: string; status: string }> {
  const byId = 'id' in ref;
  const [row] = await tx.execute<{ id: string; currency: string; status: string }[]>(
    `SELECT id, currency, status FROM customer WHERE ${byId ? 'id = ?' : 'external_ref = ?'}`,
    [byId ? ref.id : ref.externalRef],
  );
  if (!row) throw new RowRefusal([{ field: byId ? 'customerId' : 'customerExternalRef', reason: 'no customer has this reference' }]);
  if (row.status === 'closed') throw new RowRefusal([{ field: byId ? 'customerId' : 'customerExternalRef', reason: 'the customer is closed' }]);
  return row;
}

async function applyCustomer(tx: EntityManager, row: CustomerImportRow, ctx: RowContext): Promise<RowResult> {
  const termsCode = row.termsCode ?? DEFAULT_TERMS_CODE;
  if (!(await findTermsTemplate(tx, termsCode))) throw new RowRefusal([{ field: 'termsCode', reason: `"${termsCode}" is not a payment terms template` }]);
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
    throw new RowRefusal(probable.slice(0, 3).map((c) => ({ field: 'legalName', reason: `probable duplicate of customer ${c.id} (${c.legalName}, score ${c.score})` })));
  }
  const created = await insertCustomerRow(tx, randomUUID(), profile);
  await recordHistory(
    tx,
    created.id,
    [
      { field: 'created', from: null, to: editableOf(created) },
      { field: 'importedFrom', from: null, to: { importId: ctx.importId, line: ctx.lineNo } },
      ...(probable.length ? [{ field: 'duplicateOverride', from: null, to: { reason: 'bulk import with allowDuplicates', candidates: probable.map(({ id, score }) => ({ id, score })) } }] : []),
    ],
    ctx.actor,
    `import-${ctx.importId}`,
  );
  await recordTermsAssignment(tx, created.id, termsCode, ctx.actor);
  await recordEvent(tx, { type: 'customer.created', entityType: 'customer', entityId: created.id, customerId: created.id, actor: ctx.actor, data: { customer: created, importId: ctx.importId } });
  return { status: 'imported', entityId: created.id };
}

/** Pointers of the issuing service's refusals, as the import's column names. */
function fieldOf(pointer: string): string {
  if (pointer.startsWith('/customerId')) return 'customer';
  if (pointer.endsWith('/unitPrice/currency')) return 'currency';
  if (pointer.endsWith('/unitPrice/amount') || pointer === '/lines') return 'amount';
  if (pointer.endsWith('/taxRate')) return 'taxRate';
  return pointer.replace(/^\//, '');
}

async function applyInvoice(tx: EntityManager, row: InvoiceImportRow, ctx: RowContext): Promise<RowResult> {
  const customer = await resolveCustomer(tx, row.customer);
  try {
    const prepared = await prepareInvoice(
      tx,
      {
        customerId: customer.id,
        lines: [{ description: row.description, quantity: 1, unitPrice: { amount: row.amount, currency: row.currency }, ...(row.taxRate ? { taxRate: row.taxRate } : {}) }],
        issueDate: row.issueDate,
        ...(row.dueDate ? { dueDate: row.dueDate } : {}),
        ...(row.terms ? { terms: row.terms } : {}),
        externalRef: row.externalRef,
      },
      { today: ctx.today, actor: ctx.actor },
    );
    const issued = await insertInvoice(tx, prepared);
    return { status: 'imported', entityId: issued.id };
  } catch (error) {
    if (error instanceof InvoiceRequestError) throw new RowRefusal(error.errors.map((e) => ({ field: fieldOf(e.pointer), reason: e.detail })));
    throw error;
  }
}

async function applyOpeningBalance(tx: EntityManager, row: OpeningBalanceRow, ctx: RowContext): Promise<RowResult> {
  const customer = await resolveCustomer(tx, row.customer);
  if (customer.currency !== row.currency) throw new RowRefusal([{ field: 'currency', reason: `must be the customer's currency ${customer.currency}` }]);
  const asOf = ctx.options.asOf ?? ctx.today;
  const id = randomUUID();
  const series = `OB-${asOf.slice(0, 4)}`;
  const sequence = await nextInSeries(tx, series);
  const number = formatDocumentNumber(series, sequence);
  // The receivable arrives at go-live against a suspense account the general ledger clears with its own opening entry.
  const posted = await postJournalEntry(tx, {
    idempotencyKey: `opening-balance:${row.externalRef}`,
    kind: 'opening_balance',
    effectiveDate: asOf,
    sourceType: 'invoice',
    sourceId: id,
    description: `Opening balance ${row.externalRef} (${number}), issued ${row.issueDate}, due ${row.dueDate}`,
    lines: [
      { account: 'accounts_receivable', customerId: customer.id, debit: row.openAmount, credit: 0, currency: row.currency, memo: row.externalRef },
      { account: 'opening_balance_suspense', debit: 0, credit: row.openAmount, currency: row.currency, memo: row.externalRef },
    ],
  });
  const { status, overdueSince } = openingStatus(row, asOf);
  await tx.execute(
    `INSERT INTO invoice (id, number, series, sequence_no, customer_id, currency, issue_date, due_date, subtotal_amount, tax_amount, total_amount,
       open_amount, status, external_ref, issue_entry_id, sent_at, overdue_since, created_by)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?::date, ?, ?)`,
    [id, number, series, sequence, customer.id, row.currency, row.issueDate, row.dueDate, row.total, row.total, row.openAmount, status, row.externalRef, posted.entryId, row.issueDate, overdueSince, ctx.actor],
  );
  await tx.execute(
    `INSERT INTO invoice_line (invoice_id, line_no, description, quantity_milli, unit_price, tax_rate_ppm, net_amount, tax_amount) VALUES (?, 1, ?, 1000, ?, 0, ?, 0)`,
    [id, `Opening balance of ${row.externalRef}`, row.total, row.total],
  );
  await recordEvent(tx, {
    type: 'invoice.issued',
    entityType: 'invoice',
    entityId: id,
    customerId: customer.id,
    actor: ctx.actor,
    data: { number, issueDate: row.issueDate, dueDate: row.dueDate, total: { amount: row.total, currency: row.currency }, open: { amount: row.openAmount, currency: row.currency }, externalRef: row.externalRef, openingBalance: true, journalEntryId: posted.entryId },
  });
  return { status: 'imported', entityId: id };
}

type ParsedImportRow = { kind: 'customers'; row: CustomerImportRow } | { kind: 'invoices'; row: InvoiceImportRow } | { kind: 'opening_balances'; row: OpeningBalanceRow };

/** The pure validation of a staged row: its typed content, or the problems that reject it. */
export function parseRow(kind: ImportKind, payload: Record<string, unknown>): { ok: true; parsed: ParsedImportRow } | { ok: false; problems: RowProblem[] } {
  const parsed = kind === 'customers' ? parseCustomerRow(payload) : kind === 'invoices' ? parseInvoiceRow(payload) : parseOpeningBalanceRow(payload);
  return parsed.ok ? { ok: true, parsed: { kind, row: parsed.row } as ParsedImportRow } : { ok: false, problems: parsed.problems };
}

/** Applies one valid row inside the caller's savepoint. */
async function applyParsed(tx: EntityManager, parsed: ParsedImportRow, ctx: RowContext): Promise<RowResult> {
  if (parsed.kind === 'customers') return applyCustomer(tx, parsed.row, ctx);
  if (parsed.kind === 'invoices') return applyInvoice(tx, parsed.row, ctx);
  return applyOpeningBalance(tx, parsed.row, ctx);
}

/** PostgreSQL data and integrity errors (classes 22, 23) reject the row; anything else is infrastructure. */
function rowProblemsOf(error: unknown): RowProblem[] | undefined {
  if (error instanceof RowRefusal) return error.problems;
  const code = (error as { code?: string }).code;
  if (typeof code === 'string' && /^2[23]/.test(code)) return [{ field: '', reason: `refused by the database: ${(error as Error).message.split('\n')[0]!.slice(0, 300)}` }];
  return undefined;
}

export interface BatchResult {
  processed: number;
  imported: number;
  skipped: number;
  rejected: number;
  /** Staged rows remain after this batch. */
  more: boolean;
}

export async function applyImportBatch(em: EntityManager, input: { importId: string; batchSize: number; today: string }): Promise<BatchResult> {
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
    const result: BatchResult = { processed: 0, imported: 0, skipped: 0, rejected: 0, more: rows.length === input.batchSize };
    const outcomes: { lineNo: number; status: 'imported' | 'skipped' | 'rejected'; entityId: string | null; problems: RowProblem[] | null }[] = [];
    const parsed = rows.map((row) => ({ lineNo: Number(row.line_no), result: parseRow(job.kind, row.payload) }));
    const known = await lockAndFindReferences(tx, job.kind, parsed.flatMap((p) => (p.result.ok ? [p.result.parsed.row.externalRef] : [])));
    for (const { lineNo, result: check } of parsed) {
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
      const ctx: RowContext = { importId: input.importId, lineNo, actor: job.created_by, today: input.today, options: job.options };
      await tx.execute('SAVEPOINT import_row');
      try {
        const applied = await applyParsed(tx, check.parsed, ctx);
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
  await em.execute(`UPDATE import_job SET status = 'completed', finished_at = coalesce(finished_at, now()) WHERE id = ? AND status = 'processing'`, [importId]);
}
