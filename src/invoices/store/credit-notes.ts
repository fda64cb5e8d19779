// Credit notes: a document of its own (numbered gap-free in the `CN-<year>` series) that lowers what the customer owes
// on an invoice and posts the correction to the ledger, all in one transaction under the invoice's row lock.
// Cancelling an unpaid, uncredited invoice posts the exact mirror of its issue entry; any other credit note posts
// Dr revenue / Dr tax / Cr receivable split in proportion to what is still uncredited, so credits that add up to the
// whole invoice give back exactly its revenue and tax.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { creditSplit, formatDocumentNumber, seriesFor } from '../rules/invoice.js';
import { isOpenStatus } from '../rules/invoice-status.js';
import { recordEvent } from '../../events/store/outbox.js';
import { postJournalEntry, reverseJournalEntry } from '../../ledger/store/post.js';
import { stepKey, workflowIds } from '../../temporal/ids.js';
import { applyToInvoice, lockInvoice, type AppliedChange } from './balance.js';
import { InvoiceRequestError, nextInSeries } from './issue.js';

export interface CreditNoteRequest {
  invoiceId: string;
  /** Minor units to credit; absent credits everything still open. */
  amount?: { amount: number; currency: string };
  reason: string;
  /** Cancel: a full credit note, allowed only before any payment was applied. */
  cancellation: boolean;
  actor: string;
  today: string;
  /**
   * The credit note's id, when the caller decided it beforehand (an approved credit note: its workflow's id names
   * it), so a retried issue finds the note it already issued instead of crediting twice.
   */
  id?: string;
}

export interface IssuedCreditNote {
  id: string;
  number: string;
  kind: 'partial' | 'full' | 'cancellation';
  net: number;
  tax: number;
  total: number;
  entryId: string;
  applied: AppliedChange;
}

export async function issueCreditNote(tx: EntityManager, request: CreditNoteRequest): Promise<IssuedCreditNote> {
  const invoice = await lockInvoice(tx, request.invoiceId);
  if (request.id) {
    const existing = await issuedNote(tx, request.id);
    if (existing) return existing;
  }
  if (!isOpenStatus(invoice.status)) {
    throw new InvoiceRequestError(
      409,
      [{ pointer: '/invoiceId', detail: `the invoice is ${invoice.status}` }],
      `Invoice ${invoice.number} is ${invoice.status}: nothing left to credit.`,
    );
  }
  const [credited] = await tx.execute<{ net: string | null; tax: string | null }[]>(
    'SELECT sum(net_amount) AS net, sum(tax_amount) AS tax FROM credit_note WHERE invoice_id = ?',
    [invoice.id],
  );
  const creditedNet = Number(credited?.net ?? 0);
  const creditedTax = Number(credited?.tax ?? 0);
  const paid = invoice.totalAmount - invoice.openAmount - invoice.creditedAmount;
  if (request.cancellation && paid > 0) {
    throw new InvoiceRequestError(
      409,
      [{ pointer: '/invoiceId', detail: 'payments have been applied to this invoice' }],
      `Invoice ${invoice.number} has payments applied; it cannot be cancelled. Issue a credit note for the open amount instead.`,
    );
  }
  if (request.amount && request.amount.currency !== invoice.currency) {
    throw new InvoiceRequestError(
      422,
      [{ pointer: '/amount/currency', detail: `must be the invoice currency ${invoice.currency}` }],
      'Currency mismatch.',
    );
  }
  const amount = request.cancellation ? invoice.openAmount : (request.amount?.amount ?? invoice.openAmount);
  if (amount > invoice.openAmount) {
    throw new InvoiceRequestError(
      422,
      [{ pointer: '/amount/amount', detail: `must not exceed the open amount ${invoice.openAmount}` }],
      `Invoice ${invoice.number} has only ${invoice.openAmount} open.`,
    );
  }
  const kind = request.cancellation ? 'cancellation' : amount === invoice.openAmount ? 'full' : 'partial';
  const id = request.id ?? randomUUID();
  const series = seriesFor('CN', request.today);
  const sequence = await nextInSeries(tx, series);
  const number = formatDocumentNumber(series, sequence);
  const remaining = {
    subtotal: invoice.subtotalAmount - creditedNet,
    tax: invoice.taxAmount - creditedTax,
    currency: invoice.currency,
  };
  const split = creditSplit(remaining, amount);

  const exactMirror = request.cancellation && invoice.creditedAmount === 0;
  const posted = exactMirror
    ? await reverseJournalEntry(tx, {
        entryId: invoice.issueEntryId,
        idempotencyKey: stepKey(workflowIds.invoice(invoice.id), 'cancel'),
        effectiveDate: request.today,
        description: `Cancellation of invoice ${invoice.number} by credit note ${number}: ${request.reason}`,
      })
    : await postJournalEntry(tx, {
        idempotencyKey: `credit-note-${id}:post`,
        kind: 'credit_note',
        effectiveDate: request.today,
        sourceType: 'credit_note',
        sourceId: id,
        description: `Credit note ${number} on invoice ${invoice.number}: ${request.reason}`,
        lines: [
          ...(split.net > 0
            ? [{ account: 'revenue' as const, debit: split.net, credit: 0, currency: invoice.currency, memo: number }]
            : []),
          ...(split.tax > 0
            ? [
                {
                  account: 'tax_payable' as const,
                  debit: split.tax,
                  credit: 0,
                  currency: invoice.currency,
                  memo: number,
                },
              ]
            : []),
          {
            account: 'accounts_receivable',
            customerId: invoice.customerId,
            debit: 0,
            credit: amount,
            currency: invoice.currency,
            memo: number,
          },
        ],
      });
  await tx.execute(
    `INSERT INTO credit_note (id, number, series, sequence_no, invoice_id, customer_id, currency, kind, reason, issue_date, net_amount, tax_amount, total_amount, entry_id, created_by)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      id,
      number,
      series,
      sequence,
      invoice.id,
      invoice.customerId,
      invoice.currency,
      kind,
      request.reason,
      request.today,
      split.net,
      split.tax,
      amount,
      posted.entryId,
      request.actor,
    ],
  );
  // Credited to zero without any payment is a cancellation in substance, whichever route asked for it.
  const cancels = request.cancellation || (amount === invoice.openAmount && paid === 0);
  const applied = await applyToInvoice(tx, {
    invoiceId: invoice.id,
    amount,
    cause: 'credit_note',
    source: `credit-note:${id}`,
    cancellation: cancels,
    actor: request.actor,
  });
  await recordEvent(tx, {
    type: 'credit_note.issued',
    entityType: 'credit_note',
    entityId: id,
    customerId: invoice.customerId,
    actor: request.actor,
    data: {
      number,
      invoiceId: invoice.id,
      invoiceNumber: invoice.number,
      kind,
      reason: request.reason,
      net: split.net,
      tax: split.tax,
      total: { amount, currency: invoice.currency },
      journalEntryId: posted.entryId,
    },
  });
  return { id, number, kind, net: split.net, tax: split.tax, total: amount, entryId: posted.entryId, applied };
}

/** A credit note already issued under `id` (a retry of an approved one), shaped as when it was issued. */
async function issuedNote(tx: EntityManager, id: string): Promise<IssuedCreditNote | undefined> {
  const [row] = await tx.execute<
    {
      number: string;
      kind: IssuedCreditNote['kind'];
      net_amount: string;
      tax_amount: string;
      total_amount: string;
      entry_id: string;
      invoice_id: string;
      customer_id: string;
      currency: string;
    }[]
  >(
    'SELECT number, kind, net_amount, tax_amount, total_amount, entry_id, invoice_id, customer_id, currency FROM credit_note WHERE id = ?',
    [id],
  );
  if (!row) return undefined;
  const [invoice] = await tx.execute<{ status: string; open_amount: string }[]>(
    'SELECT status, open_amount FROM invoice WHERE id = ?',
    [row.invoice_id],
  );
  const status = invoice!.status as AppliedChange['status'];
  const openAmount = Number(invoice!.open_amount);
  const applied: AppliedChange = {
    invoiceId: row.invoice_id,
    customerId: row.customer_id,
    currency: row.currency,
    openAmount,
    status,
    signal: { openAmount, cause: 'credit_note', source: `credit-note:${id}`, status },
  };
  return {
    id,
    number: row.number,
    kind: row.kind,
    net: Number(row.net_amount),
    tax: Number(row.tax_amount),
    total: Number(row.total_amount),
    entryId: row.entry_id,
    applied,
  };
}
