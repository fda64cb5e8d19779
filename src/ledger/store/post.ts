// Posting to the journal. Callers pass the EntityManager of their own transaction, so a document's status change
// and its posting commit together. The idempotency key makes a retried or replayed post a no-op that returns the
// entry posted the first time.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { accountFor, DEFAULT_CHART, type LedgerAccount } from '../../reports/rules/chart.js';
import {
  assertBalanced,
  isIsoDate,
  reversalLines,
  type JournalEntryInput,
  type JournalLineInput,
} from '../../shared/journal.js';

export interface PostedEntry {
  entryId: string;
  /** False when the idempotency key had already been posted: nothing new was written. */
  created: boolean;
}

export async function postJournalEntry(
  em: EntityManager,
  entry: JournalEntryInput,
  chart: readonly LedgerAccount[] = DEFAULT_CHART,
): Promise<PostedEntry> {
  assertBalanced(entry.lines);
  if (!isIsoDate(entry.effectiveDate))
    throw new RangeError(`effectiveDate must be YYYY-MM-DD, got ${entry.effectiveDate}`);
  const id = randomUUID();
  const inserted = await em.execute<{ id: string }[]>(
    `INSERT INTO journal_entry (id, idempotency_key, kind, effective_date, source_type, source_id, description, reverses_entry_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
    [
      id,
      entry.idempotencyKey,
      entry.kind,
      entry.effectiveDate,
      entry.sourceType,
      entry.sourceId,
      entry.description ?? null,
      entry.reversesEntryId ?? null,
    ],
  );
  if (inserted.length === 0) {
    const [existing] = await em.execute<{ id: string }[]>('SELECT id FROM journal_entry WHERE idempotency_key = ?', [
      entry.idempotencyKey,
    ]);
    return { entryId: existing!.id, created: false };
  }
  const values: unknown[] = [];
  const rows = entry.lines.map((line, index) => {
    values.push(
      id,
      index + 1,
      accountFor(line.account, chart).code,
      line.customerId ?? null,
      line.debit,
      line.credit,
      line.currency,
      line.memo ?? null,
    );
    return '(?, ?, ?, ?, ?, ?, ?, ?)';
  });
  await em.execute(
    `INSERT INTO journal_line (entry_id, line_no, account_code, customer_id, debit, credit, currency, memo) VALUES ${rows.join(', ')}`,
    values,
  );
  return { entryId: id, created: true };
}

interface StoredLine {
  role: JournalLineInput['account'];
  customer_id: string | null;
  debit: string;
  credit: string;
  currency: string;
  memo: string | null;
}

/** Posts the exact mirror of an entry (once: an entry can be reversed only one time). */
export async function reverseJournalEntry(
  em: EntityManager,
  input: { entryId: string; idempotencyKey: string; effectiveDate: string; description?: string },
): Promise<PostedEntry> {
  const [original] = await em.execute<{ source_type: string; source_id: string }[]>(
    'SELECT source_type, source_id FROM journal_entry WHERE id = ?',
    [input.entryId],
  );
  if (!original) throw new RangeError(`journal entry ${input.entryId} does not exist`);
  const lines = await em.execute<StoredLine[]>(
    `SELECT a.role, l.customer_id, l.debit, l.credit, l.currency, l.memo
       FROM journal_line l JOIN ledger_account a ON a.code = l.account_code WHERE l.entry_id = ? ORDER BY l.line_no`,
    [input.entryId],
  );
  return postJournalEntry(em, {
    idempotencyKey: input.idempotencyKey,
    kind: 'reversal',
    effectiveDate: input.effectiveDate,
    sourceType: original.source_type,
    sourceId: original.source_id,
    description: input.description ?? `Reversal of ${input.entryId}`,
    reversesEntryId: input.entryId,
    lines: reversalLines(
      lines.map((l) => ({
        account: l.role,
        customerId: l.customer_id,
        debit: Number(l.debit),
        credit: Number(l.credit),
        currency: l.currency,
        memo: l.memo ?? undefined,
      })),
    ),
  });
}
