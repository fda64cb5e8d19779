// Charging a dunning level's late fee onto an overdue invoice: Dr accounts receivable / Cr late-fee income, and the
// invoice's `fee_amount`, `total_amount` and `open_amount` go up by the fee in the same transaction (the AR invariant:
// control account = open invoices). One fee per invoice and level: `late_fee` is unique on (invoice, level) and the
// journal key is derived from it, so a retried or replayed activity charges nothing twice.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { lateFee, wholeDaysBetween, type LateFeeBreakdown } from '../rules/dunning-fees.js';
import type { LateFeeRule } from '../rules/dunning-policy.js';
import { pastDueInstant, type AgeableInvoice } from '../../invoices/rules/invoice-age.js';
import { isOpenStatus } from '../../invoices/rules/invoice-status.js';
import { lockInvoice } from '../../invoices/store/balance.js';
import { postJournalEntry } from '../../ledger/store/post.js';

export interface ChargeLateFeeInput {
  invoiceId: string;
  level: string;
  rule: LateFeeRule;
  policy: { code: string; version: number };
  /** The workflow's instant of the charge (interest runs to it; the entry is dated on it). */
  asOf: string;
  /** Journal idempotency key, from the collection workflow id and the (invoice, level) step. */
  idempotencyKey: string;
  by: string;
}

export interface ChargedFee {
  invoiceId: string;
  level: string;
  charged: boolean;
  /** Why nothing was charged: already charged at this level, invoice closed or disputed, or a zero fee. */
  skipped?: 'already_charged' | 'not_chargeable' | 'zero';
  fee?: LateFeeBreakdown & { currency: string; entryId: string };
}

export async function chargeLateFee(em: EntityManager, input: ChargeLateFeeInput): Promise<ChargedFee> {
  return em.transactional(async (tx) => {
    const invoice = await lockInvoice(tx, input.invoiceId);
    const [existing] = await tx.execute<{ id: string }[]>(
      'SELECT id FROM late_fee WHERE invoice_id = ? AND level = ?',
      [input.invoiceId, input.level],
    );
    if (existing)
      return { invoiceId: input.invoiceId, level: input.level, charged: false, skipped: 'already_charged' as const };
    if (!isOpenStatus(invoice.status) || invoice.status === 'disputed' || invoice.openAmount === 0) {
      return { invoiceId: input.invoiceId, level: input.level, charged: false, skipped: 'not_chargeable' as const };
    }
    // Interest days count from the due date (of the earliest unpaid instalment), the invoice's one age, not from
    // the instant the engine flipped it overdue.
    const [row] = await tx.execute<
      {
        fee_amount: string;
        due_date: string;
        total_amount: string;
        open_amount: string;
        instalments: AgeableInvoice['instalments'];
      }[]
    >(
      `SELECT fee_amount, to_char(due_date, 'YYYY-MM-DD') AS due_date, total_amount, open_amount, instalments FROM invoice WHERE id = ?`,
      [input.invoiceId],
    );
    const overdueFrom = pastDueInstant({
      dueDate: row!.due_date,
      totalAmount: Number(row!.total_amount),
      openAmount: Number(row!.open_amount),
      instalments: row!.instalments,
    });
    const asOf = new Date(input.asOf);
    // Interest runs on the unpaid principal only: fees already charged do not bear interest themselves.
    const principal = Math.max(0, invoice.openAmount - Number(row!.fee_amount));
    const fee = lateFee(input.rule, { principal, days: wholeDaysBetween(new Date(overdueFrom), asOf) });
    if (fee.total === 0)
      return { invoiceId: input.invoiceId, level: input.level, charged: false, skipped: 'zero' as const };
    const posted = await postJournalEntry(tx, {
      idempotencyKey: input.idempotencyKey,
      kind: 'late_fee',
      effectiveDate: input.asOf.slice(0, 10),
      sourceType: 'invoice',
      sourceId: invoice.id,
      description: `Late fee (${input.level}) on ${invoice.number}`,
      lines: [
        {
          account: 'accounts_receivable',
          customerId: invoice.customerId,
          debit: fee.total,
          credit: 0,
          currency: invoice.currency,
          memo: invoice.number,
        },
        { account: 'late_fee_income', debit: 0, credit: fee.total, currency: invoice.currency, memo: invoice.number },
      ],
    });
    await tx.execute(
      `INSERT INTO late_fee (id, idempotency_key, invoice_id, customer_id, level, policy_code, policy_version, currency, fixed_amount, interest_amount, amount,
                             principal, days, annual_rate_bp, day_count_basis, entry_id, charged_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        randomUUID(),
        input.idempotencyKey,
        invoice.id,
        invoice.customerId,
        input.level,
        input.policy.code,
        input.policy.version,
        invoice.currency,
        fee.fixed,
        fee.interest,
        fee.total,
        fee.principal,
        fee.days,
        fee.annualRateBp,
        fee.basis,
        posted.entryId,
        asOf,
      ],
    );
    await tx.execute(
      `UPDATE invoice SET fee_amount = fee_amount + ?, total_amount = total_amount + ?, open_amount = open_amount + ?, version = version + 1, updated_at = now() WHERE id = ?`,
      [fee.total, fee.total, fee.total, invoice.id],
    );
    return {
      invoiceId: invoice.id,
      level: input.level,
      charged: true,
      fee: { ...fee, currency: invoice.currency, entryId: posted.entryId },
    };
  });
}

export interface LateFeeRecord {
  invoiceId: string;
  level: string;
  amount: number;
  fixed: number;
  interest: number;
  currency: string;
  principal: number;
  days: number;
  annualRateBp: number | null;
  basis: number | null;
  policyCode: string;
  policyVersion: number;
  chargedAt: Date;
}

export async function lateFeesOf(em: EntityManager, customerId: string): Promise<LateFeeRecord[]> {
  const rows = await em.execute<Record<string, string | number | Date | null>[]>(
    `SELECT invoice_id, level, amount, fixed_amount, interest_amount, currency, principal, days, annual_rate_bp, day_count_basis, policy_code, policy_version, charged_at
       FROM late_fee WHERE customer_id = ? ORDER BY charged_at, invoice_id`,
    [customerId],
  );
  return rows.map((r) => ({
    invoiceId: String(r.invoice_id),
    level: String(r.level),
    amount: Number(r.amount),
    fixed: Number(r.fixed_amount),
    interest: Number(r.interest_amount),
    currency: String(r.currency),
    principal: Number(r.principal),
    days: Number(r.days),
    annualRateBp: r.annual_rate_bp === null ? null : Number(r.annual_rate_bp),
    basis: r.day_count_basis === null ? null : Number(r.day_count_basis),
    policyCode: String(r.policy_code),
    policyVersion: Number(r.policy_version),
    chargedAt: new Date(r.charged_at as Date),
  }));
}
