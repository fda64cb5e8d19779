// Recording a received payment (API or bank statement). Cash application happens afterwards in the payment's own
// workflow; until then the payment is `received` with all of its amount unapplied.
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordEvent } from '../../events/store/outbox.js';
import type { PaymentRecord } from './payments.js';
import { accountHash, sealCounterparty } from './sealed-bank-accounts.js';

/** What a new payment is stored with: the received facts of a `PaymentRecord`; everything else starts empty. */
export type NewPayment = Pick<
  PaymentRecord,
  'id' | 'customerId' | 'amount' | 'currency' | 'method' | 'receivedAt' | 'reference' | 'remittance' | 'createdBy'
> &
  Partial<Pick<PaymentRecord, 'source' | 'counterparty'>> & {
    /** Dedupe key of the bank entry that created it: a second insert with the same key is skipped. */
    sourceKey?: string;
    bankStatementId?: string;
  };

/** Inserts the payment; false when a payment with the same source key already exists (nothing written). */
export async function insertPayment(em: EntityManager, p: NewPayment): Promise<boolean> {
  const rows = await em.execute<unknown[]>(
    `INSERT INTO payment (id, customer_id, amount, currency, method, received_at, reference, remittance, status, unapplied_amount,
                          source, source_key, bank_statement_id, counterparty, counterparty_iban_hash, created_by)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'received', ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source_key) DO NOTHING RETURNING id`,
    [
      p.id,
      p.customerId,
      p.amount,
      p.currency,
      p.method,
      p.receivedAt,
      p.reference,
      JSON.stringify(p.remittance),
      p.amount,
      p.source ?? 'api',
      p.sourceKey ?? null,
      p.bankStatementId ?? null,
      p.counterparty ? JSON.stringify(sealCounterparty(p.counterparty)) : null,
      p.counterparty?.iban ? accountHash(p.counterparty.iban) : null,
      p.createdBy,
    ],
  );
  if (rows.length === 0) return false;
  await recordEvent(em, {
    type: 'payment.received',
    entityType: 'payment',
    entityId: p.id,
    customerId: p.customerId,
    actor: p.createdBy,
    data: {
      amount: { amount: p.amount, currency: p.currency },
      method: p.method,
      receivedAt: new Date(p.receivedAt).toISOString(),
      reference: p.reference,
      source: p.source ?? 'api',
      bankStatementId: p.bankStatementId ?? null,
    },
  });
  return true;
}
