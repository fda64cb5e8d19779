// Importing a parsed bank statement: one transaction records the file (by its SHA-256, so the same file twice is one
// import), each entry under its dedupe key, and a payment for every new credit entry. Debits are recorded and skipped
// (they are not customer receipts). Cash application then runs per payment in its own workflow.
import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { insertPayment } from './receive.js';
import type { PaymentMethod } from './payments.js';
import { dedupeKeys } from '../bank/dedupe.js';
import type { ParsedStatement } from '../bank/types.js';
import { seal, unseal } from '../../security/keyring.js';
import { accountHash, ENTRY_PAYER_ACCOUNT, STATEMENT_ACCOUNT } from './sealed-bank-accounts.js';

export interface ImportedEntry {
  position: number;
  creditDebit: 'credit' | 'debit';
  amount: number;
  currency: string;
  bookingDate: string;
  reference: string;
  /** The payment this entry created, or the one an earlier import created for the same entry. */
  paymentId: string | null;
  outcome: 'created' | 'duplicate' | 'skipped_debit';
}

export interface ImportResult {
  id: string;
  /** False when this exact file had been imported before: the stored result is returned and nothing is written. */
  created: boolean;
  format: ParsedStatement['format'];
  statementRef: string | null;
  accountIban: string | null;
  currency: string | null;
  entries: ImportedEntry[];
  counts: { entries: number; created: number; duplicates: number; skipped: number };
  importedAt: Date;
}

export const fileDigest = (body: string) => createHash('sha256').update(body).digest('hex');

export async function findImport(em: EntityManager, digest: string): Promise<ImportResult | undefined> {
  const [row] = await em.execute<Record<string, unknown>[]>('SELECT * FROM bank_statement WHERE file_sha256 = ?', [
    digest,
  ]);
  if (!row) return undefined;
  const entries = (
    typeof row.entries_json === 'string' ? JSON.parse(row.entries_json) : row.entries_json
  ) as ImportedEntry[];
  return {
    id: String(row.id),
    created: false,
    format: row.format as ImportResult['format'],
    statementRef: (row.statement_ref as string | null) ?? null,
    accountIban: row.account_iban ? unseal(String(row.account_iban), STATEMENT_ACCOUNT) : null,
    currency: (row.currency as string | null) ?? null,
    entries,
    counts: {
      entries: Number(row.entry_count),
      created: Number(row.created_count),
      duplicates: Number(row.duplicate_count),
      skipped: Number(row.skipped_count),
    },
    importedAt: new Date(row.imported_at as string),
  };
}

export async function importStatement(
  em: EntityManager,
  input: { statement: ParsedStatement; digest: string; method: PaymentMethod; actor: string },
): Promise<ImportResult> {
  const { statement } = input;
  const keys = dedupeKeys(statement);
  return em.transactional(async (tx) => {
    const id = randomUUID();
    // Serializes concurrent imports of the same file: the second waits here, then finds the first's result.
    const claimed = await tx.execute<unknown[]>(
      `INSERT INTO bank_statement (id, format, file_sha256, statement_ref, account_iban, account_iban_hash, currency, entry_count, created_count, duplicate_count, skipped_count, created_by)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?) ON CONFLICT (file_sha256) DO NOTHING RETURNING id`,
      [
        id,
        statement.format,
        input.digest,
        statement.statementRef,
        statement.accountIban ? seal(statement.accountIban, STATEMENT_ACCOUNT) : null,
        statement.accountIban ? accountHash(statement.accountIban) : null,
        statement.currency,
        statement.transactions.length,
        input.actor,
      ],
    );
    if (claimed.length === 0) return (await findImport(tx, input.digest))!;

    const entries: ImportedEntry[] = [];
    for (const [n, t] of statement.transactions.entries()) {
      const key = keys[n]!;
      const base = {
        position: t.position,
        creditDebit: t.creditDebit,
        amount: t.amount,
        currency: t.currency,
        bookingDate: t.bookingDate,
        reference: t.remittance,
      };
      const paymentId = t.creditDebit === 'credit' ? randomUUID() : null;
      const entry: ImportedEntry = {
        ...base,
        paymentId,
        outcome: t.creditDebit === 'credit' ? 'created' : 'skipped_debit',
      };
      const inserted = await tx.execute<unknown[]>(
        `INSERT INTO bank_statement_entry (dedupe_key, bank_statement_id, position, credit_debit, amount, currency, booking_date, data)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key`,
        [
          key,
          id,
          t.position,
          t.creditDebit,
          t.amount,
          t.currency,
          t.bookingDate,
          JSON.stringify({
            ...entry,
            transaction: t.counterpartyIban
              ? { ...t, counterpartyIban: seal(t.counterpartyIban, ENTRY_PAYER_ACCOUNT) }
              : t,
          }),
        ],
      );
      if (inserted.length === 0) {
        const [earlier] = await tx.execute<{ payment_id: string | null }[]>(
          'SELECT payment_id FROM bank_statement_entry WHERE dedupe_key = ?',
          [key],
        );
        entries.push({
          ...base,
          paymentId: earlier?.payment_id ?? null,
          outcome: t.creditDebit === 'credit' ? 'duplicate' : 'skipped_debit',
        });
        continue;
      }
      if (paymentId) {
        await insertPayment(tx, {
          id: paymentId,
          customerId: null,
          amount: t.amount,
          currency: t.currency,
          method: input.method,
          // The booking date is when the bank credited the money; value date would be when it earns interest.
          receivedAt: new Date(`${t.bookingDate}T00:00:00Z`),
          reference: [t.remittance, t.endToEndId].filter(Boolean).join(' '),
          remittance: [],
          createdBy: input.actor,
          source: 'bank_statement',
          sourceKey: key,
          bankStatementId: id,
          counterparty:
            t.counterpartyName || t.counterpartyIban
              ? {
                  ...(t.counterpartyName ? { name: t.counterpartyName } : {}),
                  ...(t.counterpartyIban ? { iban: t.counterpartyIban } : {}),
                }
              : null,
        });
        await tx.execute('UPDATE bank_statement_entry SET payment_id = ? WHERE dedupe_key = ?', [paymentId, key]);
      }
      entries.push(entry);
    }
    const counts = {
      entries: entries.length,
      created: entries.filter((e) => e.outcome === 'created').length,
      duplicates: entries.filter((e) => e.outcome === 'duplicate').length,
      skipped: entries.filter((e) => e.outcome === 'skipped_debit').length,
    };
    await tx.execute(
      'UPDATE bank_statement SET created_count = ?, duplicate_count = ?, skipped_count = ?, entries_json = ? WHERE id = ?',
      [counts.created, counts.duplicates, counts.skipped, JSON.stringify(entries), id],
    );
    return {
      id,
      created: true,
      format: statement.format,
      statementRef: statement.statementRef,
      accountIban: statement.accountIban,
      currency: statement.currency,
      entries,
      counts,
      importedAt: new Date(),
    };
  });
}
