// Cash application in the database: one transaction per payment that matches, locks each invoice it pays
// (`SELECT ... FOR UPDATE` through applyToInvoice), posts Dr cash / Cr AR per invoice (plus Dr discounts allowed /
// Cr AR for an early-payment discount), records each allocation with the rule that chose it, and posts the remainder
// to customer credit (known payer) or unapplied cash (unknown payer). Because the plan is re-checked under the row
// lock, concurrent payments on one invoice can never overpay it: whatever a lock finds already paid becomes credit.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { findInvoiceNumbers, matchPayment, settle, type MatchPolicy, type MatchRule } from '../rules/cash-matching.js';
import type { JournalLineInput } from '../../shared/journal.js';
import { isOpenStatus, type InvoiceStatus } from '../../invoices/rules/invoice-status.js';
import { applyToInvoice } from '../../invoices/store/balance.js';
import { recordEvent } from '../../events/store/outbox.js';
import { postJournalEntry } from '../../ledger/store/post.js';
import { stepKey } from '../../temporal/ids.js';
import type { InvoiceBalanceChange } from '../../../workflows/invoices/messages.js';
import {
  allocationsOf,
  findPayment,
  lockInvoicesForAllocation,
  openInvoicesByNumber,
  openInvoicesOfCustomer,
  type PaymentRecord,
  type PaymentStatus,
} from './payments.js';

export interface InvoiceSignal {
  invoiceId: string;
  signal: InvoiceBalanceChange;
}

export interface CashApplicationResult {
  paymentId: string;
  customerId: string | null;
  status: PaymentStatus;
  appliedAmount: number;
  unappliedAmount: number;
  discountAmount: number;
  allocations: { invoiceId: string; invoiceNumber: string; amount: number; discount: number; rule: MatchRule }[];
  /** Remittance lines and reference numbers that named nothing payable (shown on the research task). */
  unmatched: { invoiceNumber: string; reason: string }[];
  /** True when an earlier attempt had already applied the payment: nothing was written this time. */
  alreadyApplied: boolean;
}

export class PaymentNotFoundError extends Error {
  constructor(readonly paymentId: string) {
    super(`payment ${paymentId} does not exist`);
    this.name = 'PaymentNotFoundError';
  }
}

export const dateOf = (instant: Date) => instant.toISOString().slice(0, 10);

export function statusOf(payment: Pick<PaymentRecord, 'amount' | 'unappliedAmount'>): PaymentStatus {
  if (payment.unappliedAmount === 0) return 'applied';
  return payment.unappliedAmount === payment.amount ? 'unapplied' : 'partially_applied';
}

/** The account that holds money of this payment not yet applied: credit of a known payer, else unapplied cash. */
export function holdingLine(
  customerId: string | null,
  side: 'debit' | 'credit',
  amount: number,
  currency: string,
): JournalLineInput {
  return customerId
    ? {
        account: 'customer_credit',
        customerId,
        debit: side === 'debit' ? amount : 0,
        credit: side === 'credit' ? amount : 0,
        currency,
      }
    : {
        account: 'unapplied_cash',
        debit: side === 'debit' ? amount : 0,
        credit: side === 'credit' ? amount : 0,
        currency,
      };
}

/** The payer: the stated customer, else the customer of the first open invoice the remittance or reference names. */
async function identifyCustomer(em: EntityManager, payment: PaymentRecord, pattern: string): Promise<string | null> {
  if (payment.customerId) return payment.customerId;
  const named = [...payment.remittance.map((l) => l.invoiceNumber), ...findInvoiceNumbers(payment.reference, pattern)];
  const [first] = await openInvoicesByNumber(em, named, payment.currency);
  return first?.customerId ?? null;
}

async function resultOf(
  em: EntityManager,
  payment: PaymentRecord,
  alreadyApplied: boolean,
  unmatched: CashApplicationResult['unmatched'] = [],
): Promise<CashApplicationResult> {
  const allocations = await allocationsOf(em, [payment.id]);
  return {
    paymentId: payment.id,
    customerId: payment.customerId,
    status: payment.status,
    appliedAmount: payment.appliedAmount,
    unappliedAmount: payment.unappliedAmount,
    discountAmount: payment.discountAmount,
    allocations: allocations.map((a) => ({
      invoiceId: a.invoiceId,
      invoiceNumber: a.invoiceNumber,
      amount: a.amount,
      discount: a.discountAmount,
      rule: a.rule,
    })),
    unmatched,
    alreadyApplied,
  };
}

/**
 * Applies a received payment once. Idempotent: the payment row is locked first, and a payment already applied returns
 * its stored result; every posting also carries its own journal key (`<workflowId>:alloc-<invoiceId>`, ...).
 */
export async function applyPaymentCash(
  em: EntityManager,
  input: { paymentId: string; workflowId: string; match: MatchPolicy },
): Promise<CashApplicationResult> {
  return em.transactional(async (tx) => {
    const payment = await findPayment(tx, input.paymentId, { lock: true });
    if (!payment) throw new PaymentNotFoundError(input.paymentId);
    if (payment.appliedAt) return resultOf(tx, payment, true);

    const receivedOn = dateOf(payment.receivedAt);
    const customerId = await identifyCustomer(tx, payment, input.match.referencePattern);
    const named = [
      ...payment.remittance.map((l) => l.invoiceNumber),
      ...findInvoiceNumbers(payment.reference, input.match.referencePattern),
    ];
    const invoices = customerId ? await openInvoicesOfCustomer(tx, customerId, payment.currency, named) : [];
    const plan = matchPayment(
      {
        amount: payment.amount,
        currency: payment.currency,
        receivedOn,
        reference: payment.reference,
        remittance: payment.remittance,
      },
      invoices,
      input.match,
    );

    let applied = 0;
    let discounts = 0;
    // Lock invoices in id order so two payments touching the same invoices never deadlock; `seq` keeps the order in
    // which the rules chose them (remittance first...), with a gap where a lock found the invoice already paid.
    const ordered = plan.allocations
      .map((planned, index) => ({ planned, seq: index + 1 }))
      .sort((a, b) => a.planned.invoiceId.localeCompare(b.planned.invoiceId));
    const lockedInvoices = await lockInvoicesForAllocation(
      tx,
      ordered.map((o) => o.planned.invoiceId),
    );
    for (const { planned, seq } of ordered) {
      const locked = lockedInvoices.get(planned.invoiceId);
      if (
        !locked ||
        !isOpenStatus(locked.status as InvoiceStatus) ||
        locked.openAmount === 0 ||
        locked.customerId !== customerId
      )
        continue;
      // Re-check under the lock: another payment may have paid part of it since the snapshot.
      const { amount, discount } = settle(
        { ...locked, currency: payment.currency, issueDate: '', dueDate: '' },
        planned.amount,
        receivedOn,
      );
      if (amount + discount === 0) continue;
      const allocationKey = stepKey(input.workflowId, `alloc-${locked.id}`);
      const common = { effectiveDate: receivedOn, sourceType: 'payment', sourceId: payment.id };
      let entryId: string | null = null;
      let discountEntryId: string | null = null;
      if (amount > 0) {
        entryId = (
          await postJournalEntry(tx, {
            ...common,
            idempotencyKey: allocationKey,
            kind: 'payment_applied',
            description: `Payment ${payment.id} applied to ${locked.number} (${planned.rule})`,
            lines: [
              { account: 'cash', debit: amount, credit: 0, currency: payment.currency },
              {
                account: 'accounts_receivable',
                customerId: locked.customerId,
                debit: 0,
                credit: amount,
                currency: payment.currency,
                memo: locked.number,
              },
            ],
          })
        ).entryId;
        await applyToInvoice(tx, {
          invoiceId: locked.id,
          amount,
          cause: 'payment',
          source: `payment:${payment.id}`,
          actor: 'system:cash-application',
        });
      }
      if (discount > 0) {
        discountEntryId = (
          await postJournalEntry(tx, {
            ...common,
            idempotencyKey: stepKey(input.workflowId, `discount-${locked.id}`),
            kind: 'discount_allowed',
            description: `Early-payment discount on ${locked.number}, paid ${receivedOn} by ${locked.discountDeadline}`,
            lines: [
              { account: 'discounts_allowed', debit: discount, credit: 0, currency: payment.currency },
              {
                account: 'accounts_receivable',
                customerId: locked.customerId,
                debit: 0,
                credit: discount,
                currency: payment.currency,
                memo: locked.number,
              },
            ],
          })
        ).entryId;
        await applyToInvoice(tx, {
          invoiceId: locked.id,
          amount: discount,
          cause: 'discount',
          source: `payment:${payment.id}`,
          actor: 'system:cash-application',
        });
      }
      await tx.execute(
        `INSERT INTO payment_allocation (id, payment_id, seq, invoice_id, customer_id, currency, amount, discount_amount, funded_from, rule,
                                         idempotency_key, entry_id, discount_entry_id, created_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'cash', ?, ?, ?, ?, 'system:cash-application')`,
        [
          randomUUID(),
          payment.id,
          seq,
          locked.id,
          locked.customerId,
          payment.currency,
          amount,
          discount,
          planned.rule,
          allocationKey,
          entryId,
          discountEntryId,
        ],
      );
      applied += amount;
      discounts += discount;
    }

    const remainder = payment.amount - applied;
    if (remainder > 0) {
      await postJournalEntry(tx, {
        idempotencyKey: stepKey(input.workflowId, 'remainder'),
        kind: 'payment_received',
        effectiveDate: receivedOn,
        sourceType: 'payment',
        sourceId: payment.id,
        description: customerId
          ? `Payment ${payment.id}: excess held as customer credit`
          : `Payment ${payment.id}: payer unknown, held as unapplied cash`,
        lines: [
          { account: 'cash', debit: remainder, credit: 0, currency: payment.currency },
          holdingLine(customerId, 'credit', remainder, payment.currency),
        ],
      });
    }
    const updated: PaymentRecord = {
      ...payment,
      customerId,
      appliedAmount: applied,
      unappliedAmount: remainder,
      discountAmount: discounts,
      appliedAt: new Date(),
    };
    updated.status = statusOf(updated);
    await tx.execute(
      `UPDATE payment SET customer_id = ?, status = ?, applied_amount = ?, unapplied_amount = ?, discount_amount = ?, applied_at = now(),
              version = version + 1, updated_at = now() WHERE id = ?`,
      [customerId, updated.status, applied, remainder, discounts, payment.id],
    );
    const result = await resultOf(tx, updated, false, plan.unmatched);
    await recordEvent(tx, {
      type: 'payment.applied',
      entityType: 'payment',
      entityId: payment.id,
      customerId,
      actor: 'system:cash-application',
      data: {
        status: updated.status,
        applied: { amount: applied, currency: payment.currency },
        unapplied: { amount: remainder, currency: payment.currency },
        discount: { amount: discounts, currency: payment.currency },
        allocations: result.allocations,
      },
    });
    return result;
  });
}

/** The balance-change signals for every invoice a payment touched, with each invoice's committed open amount. */
export async function invoiceSignalsFor(
  em: EntityManager,
  paymentId: string,
  invoiceIds?: readonly string[],
): Promise<InvoiceSignal[]> {
  const rows = await em.execute<
    { id: string; open_amount: string; status: InvoiceBalanceChange['status']; discount: string }[]
  >(
    `SELECT i.id, i.open_amount, i.status, sum(a.discount_amount) AS discount FROM payment_allocation a JOIN invoice i ON i.id = a.invoice_id
      WHERE a.payment_id = ? GROUP BY i.id, i.open_amount, i.status ORDER BY i.id`,
    [paymentId],
  );
  return rows
    .filter((r) => !invoiceIds || invoiceIds.includes(r.id))
    .map((r) => ({
      invoiceId: r.id,
      signal: {
        openAmount: Number(r.open_amount),
        cause: Number(r.discount) > 0 ? 'discount' : 'payment',
        source: `payment:${paymentId}`,
        status: r.status,
      },
    }));
}
