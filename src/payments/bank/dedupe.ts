// The identity of a bank transaction across imports, so the same money imported twice (the same file again, or the
// next day's statement repeating an entry) creates one payment. The bank's own reference is the best key; without one
// the key is the transaction's content plus its occurrence among identical transactions in the file, which is stable
// when the same file is imported again.
import { createHash } from 'node:crypto';
import type { BankTransaction, ParsedStatement } from './types.js';
import { accountDedupeToken } from '../store/sealed-bank-accounts.js';

export function dedupeKeys(statement: Pick<ParsedStatement, 'accountIban' | 'transactions'>): string[] {
  // The account is named by its keyed hash, not its number (dedupe keys are stored, and copied onto payments).
  const account = statement.accountIban ? accountDedupeToken(statement.accountIban) : 'unknown-account';
  const seen = new Map<string, number>();
  return statement.transactions.map((t: BankTransaction) => {
    if (t.acctSvcrRef) return `bank:${account}:ref:${t.acctSvcrRef}`;
    const content = JSON.stringify([
      t.creditDebit,
      t.amount,
      t.currency,
      t.bookingDate,
      t.valueDate,
      t.endToEndId,
      t.remittance,
      t.counterpartyName,
      t.counterpartyIban,
    ]);
    const occurrence = (seen.get(content) ?? 0) + 1;
    seen.set(content, occurrence);
    return `bank:${account}:sha256:${createHash('sha256').update(`${content}#${occurrence}`).digest('hex')}`;
  });
}
