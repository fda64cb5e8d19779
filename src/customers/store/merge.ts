// Merging a duplicate customer into a survivor, in one transaction:
// - documents of the duplicate (invoices, credit notes, payments, allocations, tasks...) are re-pointed;
// - its ledger balances move with one `merge_transfer` entry (journal lines are immutable), so every balance is kept
//   exactly: survivor after = survivor before + duplicate before, per account and currency;
// - contacts and tags the survivor lacks are copied; the duplicate ends closed with a pointer to the survivor;
// - both histories say what happened, and a merge record makes a repeat return the first result.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AccountRole } from '../../reports/rules/chart.js';
import { DEFAULT_CHART } from '../../reports/rules/chart.js';
import { recordHistory } from './history.js';
import { recordEvent } from '../../events/store/outbox.js';
import { postJournalEntry } from '../../ledger/store/post.js';
import { matchKeysOf, type Contact, type CustomerProfile, findCustomer } from './customers.js';
import { pgArray } from '../../db/pg-array.js';

/**
 * Tables whose rows belong to a customer as documents and follow it into the survivor. The ledger (immutable, moved
 * by the transfer entry), the audit trail, sent mail and merge/terms records stay where they were written.
 */
export const REPOINTED_TABLES = [
  'invoice',
  'credit_note',
  'payment',
  'payment_allocation',
  'task',
  'dispute',
  'promise_to_pay',
  'collection_case',
] as const;

export interface MergeOutcome {
  survivorId: string;
  duplicateId: string;
  mergedAt: string;
  mergedBy: string;
  journalEntryId: string | null;
  /** Rows re-pointed per table, and the amounts moved per account role and currency (debit-positive). */
  moved: { documents: Record<string, number>; balances: { role: AccountRole; currency: string; amount: number }[] };
  /** False when this merge had been done before: nothing was changed now. */
  created: boolean;
}

export class MergeRefused extends Error {
  constructor(
    readonly status: 404 | 409 | 422,
    message: string,
  ) {
    super(message);
    this.name = 'MergeRefused';
  }
}

interface MergeRow {
  survivor_id: string;
  duplicate_id: string;
  merged_at: Date;
  merged_by: string;
  journal_entry_id: string | null;
  moved: MergeOutcome['moved'];
}

const outcomeOf = (row: MergeRow, created: boolean): MergeOutcome => ({
  survivorId: row.survivor_id,
  duplicateId: row.duplicate_id,
  mergedAt: new Date(row.merged_at).toISOString(),
  mergedBy: row.merged_by,
  journalEntryId: row.journal_entry_id,
  moved: row.moved,
  created,
});

async function existingTables(tx: EntityManager): Promise<string[]> {
  const rows = await tx.execute<{ table_name: string }[]>(
    `SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'customer_id' AND table_name = ANY(?::text[])`,
    [pgArray(REPOINTED_TABLES)],
  );
  return rows.map((r) => r.table_name).sort();
}

export async function mergeCustomers(
  em: EntityManager,
  input: { survivorId: string; duplicateId: string; by: string; requestId: string; effectiveDate: string },
): Promise<MergeOutcome> {
  if (input.survivorId === input.duplicateId) throw new MergeRefused(422, 'A customer cannot be merged into itself.');
  return em.transactional(async (tx) => {
    // Lock both rows in id order so two merges touching the same customers cannot deadlock.
    const ordered = [input.survivorId, input.duplicateId].sort();
    const locked = new Map<string, CustomerProfile>();
    for (const id of ordered) {
      const row = await findCustomer(tx, id, { forUpdate: true });
      if (!row) throw new MergeRefused(404, `Customer ${id} does not exist.`);
      locked.set(id, row);
    }
    const survivor = locked.get(input.survivorId)!;
    const duplicate = locked.get(input.duplicateId)!;

    const [done] = await tx.execute<MergeRow[]>('SELECT * FROM customer_merge WHERE duplicate_id = ?', [duplicate.id]);
    if (done) {
      if (done.survivor_id === survivor.id) return outcomeOf(done, false);
      throw new MergeRefused(409, `Customer ${duplicate.id} was already merged into ${done.survivor_id}.`);
    }
    if (survivor.currency !== duplicate.currency) {
      throw new MergeRefused(
        409,
        `Customers in different currencies cannot be merged (${survivor.currency} and ${duplicate.currency}).`,
      );
    }
    if (survivor.status === 'closed')
      throw new MergeRefused(
        409,
        `The survivor ${survivor.id} is closed${survivor.mergedInto ? ` (merged into ${survivor.mergedInto})` : ''}.`,
      );
    if (duplicate.status === 'closed')
      throw new MergeRefused(409, `Customer ${duplicate.id} is closed; only open records are merged.`);

    const documents: Record<string, number> = {};
    for (const table of await existingTables(tx)) {
      const moved = await tx.execute<unknown[]>(
        `UPDATE ${table} SET customer_id = ? WHERE customer_id = ? RETURNING 1`,
        [survivor.id, duplicate.id],
      );
      documents[table] = moved.length;
    }

    const balances = await tx.execute<{ code: string; currency: string; balance: string }[]>(
      'SELECT account_code AS code, currency, balance FROM customer_ledger_balance WHERE customer_id = ? AND balance <> 0 ORDER BY account_code, currency',
      [duplicate.id],
    );
    const roleOf = (code: string) => DEFAULT_CHART.find((a) => a.code === code)!.role;
    const movedBalances = balances.map((b) => ({
      role: roleOf(b.code),
      currency: b.currency,
      amount: Number(b.balance),
    }));
    let journalEntryId: string | null = null;
    if (movedBalances.length) {
      const lines = movedBalances.flatMap((b) => {
        const abs = Math.abs(b.amount);
        const memo = `merge of ${duplicate.id} into ${survivor.id}`;
        // Clear the duplicate's balance and carry the same amount to the survivor on the same account.
        return b.amount > 0
          ? [
              { account: b.role, customerId: duplicate.id, debit: 0, credit: abs, currency: b.currency, memo },
              { account: b.role, customerId: survivor.id, debit: abs, credit: 0, currency: b.currency, memo },
            ]
          : [
              { account: b.role, customerId: duplicate.id, debit: abs, credit: 0, currency: b.currency, memo },
              { account: b.role, customerId: survivor.id, debit: 0, credit: abs, currency: b.currency, memo },
            ];
      });
      const posted = await postJournalEntry(tx, {
        idempotencyKey: `merge-${survivor.id}-${duplicate.id}`,
        kind: 'merge_transfer',
        effectiveDate: input.effectiveDate,
        sourceType: 'customer_merge',
        sourceId: duplicate.id,
        description: `Merge of customer ${duplicate.id} into ${survivor.id}`,
        lines,
      });
      journalEntryId = posted.entryId;
    }

    const knownEmails = new Set(survivor.contacts.map((c) => c.email).filter(Boolean));
    const addedContacts: Contact[] = duplicate.contacts.filter((c) => !c.email || !knownEmails.has(c.email));
    const contacts = [...survivor.contacts, ...addedContacts].slice(0, 50);
    const tags = [...new Set([...survivor.tags, ...duplicate.tags])].slice(0, 50);
    const keys = matchKeysOf({ ...survivor, contacts });
    await tx.execute(
      `UPDATE customer SET contacts = ?::jsonb, tags = ?::text[], match_emails = ?::text[], match_phones = ?::text[], version = version + 1, updated_at = now() WHERE id = ?`,
      [JSON.stringify(contacts), pgArray(tags), pgArray(keys.emails), pgArray(keys.phones), survivor.id],
    );
    await tx.execute(
      `UPDATE customer SET status = 'closed', merged_into = ?, closed_at = now(), version = version + 1, updated_at = now() WHERE id = ?`,
      [survivor.id, duplicate.id],
    );
    const moved = { documents, balances: movedBalances };
    const [row] = await tx.execute<MergeRow[]>(
      `INSERT INTO customer_merge (duplicate_id, survivor_id, merged_by, journal_entry_id, moved) VALUES (?, ?, ?, ?, ?::jsonb) RETURNING *`,
      [duplicate.id, survivor.id, input.by, journalEntryId, JSON.stringify(moved)],
    );
    await recordHistory(
      tx,
      survivor.id,
      [
        {
          field: 'mergedFrom',
          from: null,
          to: { customerId: duplicate.id, legalName: duplicate.legalName, journalEntryId, moved },
        },
        ...(addedContacts.length ? [{ field: 'contacts', from: survivor.contacts, to: contacts }] : []),
        ...(tags.length !== survivor.tags.length ? [{ field: 'tags', from: survivor.tags, to: tags }] : []),
      ],
      input.by,
      input.requestId,
    );
    await recordHistory(
      tx,
      duplicate.id,
      [
        {
          field: 'mergedInto',
          from: null,
          to: { customerId: survivor.id, legalName: survivor.legalName, journalEntryId, moved },
        },
        { field: 'status', from: duplicate.status, to: 'closed' },
      ],
      input.by,
      input.requestId,
    );
    await recordEvent(tx, {
      type: 'customer.merged',
      entityType: 'customer',
      entityId: survivor.id,
      customerId: survivor.id,
      actor: input.by,
      data: { survivorId: survivor.id, duplicateId: duplicate.id, journalEntryId, moved },
    });
    return outcomeOf(row!, true);
  });
}
