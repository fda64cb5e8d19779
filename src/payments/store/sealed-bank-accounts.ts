// Bank account numbers (IBANs or other account ids) are sealed at rest (src/security/keyring.ts) wherever the engine
// keeps them: the statement's own account, the payer's account on each payment and on the statement entry it came
// from, and the copy an unapplied-cash research task shows. Next to the statement's and the payment's sealed value a
// keyed hash of the normalised number (src/security/match-hash.ts) lets SQL recognise the same account again.
import type { EntityManager } from '@mikro-orm/postgresql';
import { isSealed, seal, sealedWithCurrent, unseal } from '../../security/keyring.js';
import { matchHash } from '../../security/match-hash.js';

/** Associated data per place: a sealed number copied elsewhere does not open there. */
export const STATEMENT_ACCOUNT = 'bank_statement.account_iban';
export const PAYER_ACCOUNT = 'payment.counterparty.iban';
export const ENTRY_PAYER_ACCOUNT = 'bank_statement_entry.data.counterpartyIban';
export const TASK_PAYER_ACCOUNT = 'task.payload.counterparty.iban';

export const accountHash = (account: string) => matchHash('bank_account', account);

const sealOnce = (value: string, column: string) => (isSealed(value) ? value : seal(value, column));

type Counterparty = { name?: string; iban?: string } | null | undefined;

/** A counterparty `{ name, iban }` with its account sealed for `column` (or opened from it). */
export function sealCounterparty<T extends Counterparty>(c: T, column: string = PAYER_ACCOUNT): T {
  return c && typeof c.iban === 'string' ? { ...c, iban: sealOnce(c.iban, column) } : c;
}
export function openCounterparty<T extends Counterparty>(c: T, column: string = PAYER_ACCOUNT): T {
  return c && typeof c.iban === 'string' ? { ...c, iban: unseal(c.iban, column) } : c;
}

/**
 * The key that identifies a bank account inside dedupe keys (src/payments/bank/dedupe.ts): its keyed hash, shortened (dedupe
 * keys only need to tell one account of this company from another), so no account number is stored in the key.
 */
export const accountDedupeToken = (account: string) => `h${accountHash(account).slice(0, 32)}`;

const BATCH = 500;

async function batches<R extends { id: string }>(
  em: EntityManager,
  select: string,
  each: (row: R) => Promise<boolean>,
): Promise<number> {
  let changed = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await em.execute<R[]>(`${select} AND id > ? ORDER BY id LIMIT ?`, [after, BATCH]);
    for (const row of rows) if (await each(row)) changed += 1;
    if (rows.length < BATCH) return changed;
    after = rows[rows.length - 1]!.id;
  }
}

const resealValue = (value: string, column: string) =>
  sealedWithCurrent(value) ? value : seal(unseal(value, column), column);

/**
 * Seals every stored account number not sealed with the current data key (clear ones from before sealing, or an
 * older key) and recomputes every hash with the current hash key. A statement's dedupe keys carry its account's
 * token, so they move with the hash key too (the payment created from an entry shares the entry's key). Returns the
 * rows rewritten.
 */
export async function resealBankAccounts(em: EntityManager): Promise<number> {
  let changed = await batches<{ id: string; account_iban: string; account_iban_hash: string | null }>(
    em,
    'SELECT id, account_iban, account_iban_hash FROM bank_statement WHERE account_iban IS NOT NULL',
    async (row) => {
      const clear = unseal(row.account_iban, STATEMENT_ACCOUNT);
      const hash = accountHash(clear);
      if (sealedWithCurrent(row.account_iban) && row.account_iban_hash === hash) return false;
      if (row.account_iban_hash !== hash) {
        // The token this statement's entries were keyed with: the old hash's, or the number itself before sealing.
        const before = row.account_iban_hash ? `h${row.account_iban_hash.slice(0, 32)}` : clear;
        const [from, to] = [`bank:${before}:`, `bank:${accountDedupeToken(clear)}:`];
        await em.execute(
          `UPDATE payment SET source_key = ? || substr(source_key, ?) WHERE bank_statement_id = ? AND starts_with(source_key, ?)`,
          [to, from.length + 1, row.id, from],
        );
        await em.execute(
          `UPDATE bank_statement_entry SET dedupe_key = ? || substr(dedupe_key, ?) WHERE bank_statement_id = ? AND starts_with(dedupe_key, ?)`,
          [to, from.length + 1, row.id, from],
        );
      }
      await em.execute('UPDATE bank_statement SET account_iban = ?, account_iban_hash = ? WHERE id = ?', [
        resealValue(row.account_iban, STATEMENT_ACCOUNT),
        hash,
        row.id,
      ]);
      return true;
    },
  );
  changed += await batches<{ id: string; iban: string; counterparty_iban_hash: string | null }>(
    em,
    `SELECT id, counterparty->>'iban' AS iban, counterparty_iban_hash FROM payment WHERE counterparty->>'iban' IS NOT NULL`,
    async (row) => {
      const hash = accountHash(unseal(row.iban, PAYER_ACCOUNT));
      if (sealedWithCurrent(row.iban) && row.counterparty_iban_hash === hash) return false;
      await em.execute(
        `UPDATE payment SET counterparty = jsonb_set(counterparty, '{iban}', to_jsonb(?::text)), counterparty_iban_hash = ? WHERE id = ?`,
        [resealValue(row.iban, PAYER_ACCOUNT), hash, row.id],
      );
      return true;
    },
  );
  changed += await keyedBatches(em);
  changed += await batches<{ id: string; iban: string }>(
    em,
    `SELECT id, payload->'counterparty'->>'iban' AS iban FROM task WHERE payload->'counterparty'->>'iban' IS NOT NULL`,
    async (row) => {
      if (sealedWithCurrent(row.iban)) return false;
      await em.execute(
        `UPDATE task SET payload = jsonb_set(payload, '{counterparty,iban}', to_jsonb(?::text)) WHERE id = ?`,
        [resealValue(row.iban, TASK_PAYER_ACCOUNT), row.id],
      );
      return true;
    },
  );
  return changed;
}

/** Statement entries are keyed by their dedupe key, not an id: the same batching by that key. */
async function keyedBatches(em: EntityManager): Promise<number> {
  let changed = 0;
  let after = '';
  for (;;) {
    const rows = await em.execute<{ dedupe_key: string; iban: string }[]>(
      `SELECT dedupe_key, data->'transaction'->>'counterpartyIban' AS iban FROM bank_statement_entry
        WHERE data->'transaction'->>'counterpartyIban' IS NOT NULL AND dedupe_key > ? ORDER BY dedupe_key LIMIT ?`,
      [after, BATCH],
    );
    for (const row of rows) {
      if (sealedWithCurrent(row.iban)) continue;
      await em.execute(
        `UPDATE bank_statement_entry SET data = jsonb_set(data, '{transaction,counterpartyIban}', to_jsonb(?::text)) WHERE dedupe_key = ?`,
        [resealValue(row.iban, ENTRY_PAYER_ACCOUNT), row.dedupe_key],
      );
      changed += 1;
    }
    if (rows.length < BATCH) return changed;
    after = rows[rows.length - 1]!.dedupe_key;
  }
}
