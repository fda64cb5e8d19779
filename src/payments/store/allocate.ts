// Applying a payment's remaining money later (`POST /payments/:id/allocations`): customer credit or unapplied cash
// moves to receivables of the chosen invoices, in one transaction that locks the payment, then the invoices in id order.
// Every refusal is a typed error naming the request field, thrown before anything commits.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { isOpenStatus } from '../../invoices/rules/invoice-status.js';
import { applyToInvoice, InvoiceNotFoundError, lockInvoice } from '../../invoices/store/balance.js';
import { recordEvent } from '../../events/store/outbox.js';
import { postJournalEntry } from '../../ledger/store/post.js';
import { stepKey, workflowIds } from '../../temporal/ids.js';
import { holdingLine, PaymentNotFoundError, statusOf, type InvoiceSignal } from './apply.js';
import { allocationsOf, findPayment, type AllocationRecord, type PaymentRecord } from './payments.js';

export class AllocationRefusedError extends Error {
  constructor(
    readonly status: 404 | 409 | 422,
    readonly pointer: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'AllocationRefusedError';
  }
}

export interface AllocationRequest {
  paymentId: string;
  lines: { invoiceId: string; amount: number }[];
  actor: string;
  /** Accounting date of the application (YYYY-MM-DD). */
  effectiveDate: string;
}

export interface AllocationOutcome {
  payment: PaymentRecord;
  created: AllocationRecord[];
  signals: InvoiceSignal[];
}

export async function allocateRemaining(em: EntityManager, request: AllocationRequest): Promise<AllocationOutcome> {
  return em.transactional(async (tx) => {
    const payment = await findPayment(tx, request.paymentId, { lock: true });
    if (!payment) throw new PaymentNotFoundError(request.paymentId);
    if (!payment.appliedAt)
      throw new AllocationRefusedError(
        409,
        '/',
        'Cash application of this payment has not run yet; retry in a moment.',
      );
    const total = request.lines.reduce((a, l) => a + l.amount, 0);
    if (total > payment.unappliedAmount) {
      throw new AllocationRefusedError(
        422,
        '/allocations',
        `The allocations total ${total} but only ${payment.unappliedAmount} ${payment.currency} of this payment is unapplied.`,
      );
    }
    const seen = new Set<string>();
    request.lines.forEach((line, n) => {
      if (seen.has(line.invoiceId))
        throw new AllocationRefusedError(
          422,
          `/allocations/${n}/invoiceId`,
          'names the same invoice as an earlier line',
        );
      seen.add(line.invoiceId);
    });

    // Funded from customer credit for a known payer; from unapplied cash when the payer is identified only now.
    const fundedFrom = payment.customerId ? 'customer_credit' : 'unapplied_cash';
    let customerId = payment.customerId;
    const [{ max } = { max: 0 }] = await tx.execute<{ max: number | null }[]>(
      'SELECT max(seq) AS max FROM payment_allocation WHERE payment_id = ?',
      [payment.id],
    );
    let seq = Number(max ?? 0);
    const workflowId = workflowIds.payment(payment.id);
    const signals: InvoiceSignal[] = [];
    const order = request.lines
      .map((line, n) => ({ line, n }))
      .sort((a, b) => a.line.invoiceId.localeCompare(b.line.invoiceId));
    for (const { line, n } of order) {
      const pointer = `/allocations/${n}`;
      const invoice = await lockInvoice(tx, line.invoiceId).catch((error: unknown) => {
        if (error instanceof InvoiceNotFoundError)
          throw new AllocationRefusedError(404, `${pointer}/invoiceId`, `invoice ${line.invoiceId} does not exist`);
        throw error;
      });
      if (invoice.currency !== payment.currency)
        throw new AllocationRefusedError(
          422,
          `${pointer}/invoiceId`,
          `the invoice is in ${invoice.currency}, the payment in ${payment.currency}`,
        );
      if (customerId && invoice.customerId !== customerId)
        throw new AllocationRefusedError(
          422,
          `${pointer}/invoiceId`,
          'the invoice belongs to another customer than the payment',
        );
      if (!isOpenStatus(invoice.status))
        throw new AllocationRefusedError(409, `${pointer}/invoiceId`, `invoice ${invoice.number} is ${invoice.status}`);
      if (line.amount > invoice.openAmount)
        throw new AllocationRefusedError(
          422,
          `${pointer}/amount`,
          `exceeds the open amount ${invoice.openAmount} of invoice ${invoice.number}`,
        );
      customerId = invoice.customerId;
      const key = stepKey(workflowId, `manual-${++seq}-${invoice.id}`);
      const entry = await postJournalEntry(tx, {
        idempotencyKey: key,
        kind: fundedFrom === 'customer_credit' ? 'credit_applied' : 'payment_applied',
        effectiveDate: request.effectiveDate,
        sourceType: 'payment',
        sourceId: payment.id,
        description: `Payment ${payment.id}: ${fundedFrom.replace('_', ' ')} applied to ${invoice.number} by ${request.actor}`,
        lines: [
          holdingLine(fundedFrom === 'customer_credit' ? customerId : null, 'debit', line.amount, payment.currency),
          {
            account: 'accounts_receivable',
            customerId: invoice.customerId,
            debit: 0,
            credit: line.amount,
            currency: payment.currency,
            memo: invoice.number,
          },
        ],
      });
      const change = await applyToInvoice(tx, {
        invoiceId: invoice.id,
        amount: line.amount,
        cause: fundedFrom === 'customer_credit' ? 'credit' : 'payment',
        source: `payment:${payment.id}`,
        actor: request.actor,
      });
      await tx.execute(
        `INSERT INTO payment_allocation (id, payment_id, seq, invoice_id, customer_id, currency, amount, funded_from, rule, idempotency_key, entry_id, created_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'manual', ?, ?, ?)`,
        [
          randomUUID(),
          payment.id,
          seq,
          invoice.id,
          invoice.customerId,
          payment.currency,
          line.amount,
          fundedFrom,
          key,
          entry.entryId,
          request.actor,
        ],
      );
      signals.push({ invoiceId: invoice.id, signal: change.signal });
    }
    // Money identified now that sat as unapplied cash becomes the customer's: what is left moves to their credit.
    const left = payment.unappliedAmount - total;
    if (!payment.customerId && customerId && left > 0) {
      await postJournalEntry(tx, {
        idempotencyKey: stepKey(workflowId, `identified-${seq}`),
        kind: 'payment_applied',
        effectiveDate: request.effectiveDate,
        sourceType: 'payment',
        sourceId: payment.id,
        description: `Payment ${payment.id}: payer identified, rest moved to customer credit`,
        lines: [
          holdingLine(null, 'debit', left, payment.currency),
          holdingLine(customerId, 'credit', left, payment.currency),
        ],
      });
    }
    const updated: PaymentRecord = {
      ...payment,
      customerId,
      appliedAmount: payment.appliedAmount + total,
      unappliedAmount: left,
    };
    updated.status = statusOf(updated);
    await tx.execute(
      `UPDATE payment SET customer_id = ?, status = ?, applied_amount = ?, unapplied_amount = ?, version = version + 1, updated_at = now() WHERE id = ?`,
      [customerId, updated.status, updated.appliedAmount, left, payment.id],
    );
    const created = (await allocationsOf(tx, [payment.id])).filter((a) => a.seq > seq - request.lines.length);
    await recordEvent(tx, {
      type: 'payment.applied',
      entityType: 'payment',
      entityId: payment.id,
      customerId,
      actor: request.actor,
      data: {
        status: updated.status,
        applied: { amount: total, currency: payment.currency },
        unapplied: { amount: left, currency: payment.currency },
        fundedFrom,
        allocations: created.map((a) => ({ invoiceId: a.invoiceId, invoiceNumber: a.invoiceNumber, amount: a.amount })),
      },
    });
    return { payment: { ...updated, version: payment.version + 1 }, created, signals };
  });
}
