// Side effects of the invoice workflow: delivery e-mail with the invoice attached, the courtesy reminder, and the
// timer-driven status flips. Each reads the row (the record of truth), acts only if the invoice is still open, and
// returns what it saw, so the workflow mirrors the database. E-mails are keyed by workflow id + step.
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import type { EntityManager } from '@mikro-orm/postgresql';
import { formatMoney } from '../../src/shared/money.js';
import { TIMER_FLIPS, isOpenStatus, type InvoiceStatus } from '../../src/invoices/rules/invoice-status.js';
import type { InvoiceSnapshot } from '../../src/invoices/rules/invoice-workflow-state.js';
import { pastDueFrom, type AgeableInvoice } from '../../src/invoices/rules/invoice-age.js';
import { recordEvent, type EventType } from '../../src/events/store/outbox.js';
import { ensureInvoicePdf } from '../../src/documents/invoice-pdf.js';
import { notifyAccountsOfChange } from '../../src/customers/account-notify.js';
import { readInvoice, type InvoiceDocument } from '../../src/invoices/store/read.js';
import { stepKey, workflowIds } from '../../src/temporal/ids.js';
import { startCustomerCollection, type CollectionStart } from '../collections/collection-start.js';
import type { ActivityDeps } from '../deps.js';
import { sendTemplatedEmail } from '../mail/mail.js';
import { renderDocument } from '../../src/templates/render.js';

/** Attempts (with the workflow's 200 ms doubling backoff: about three minutes) before a missing row counts as rolled back. */
export const MISSING_AFTER_ATTEMPTS = 11;

interface StepInput {
  invoiceId: string;
}

/** What the templates show: amounts formatted in the invoice currency. */
function documentData(deps: ActivityDeps, invoice: InvoiceDocument) {
  const m = (amount: number) => formatMoney({ amount, currency: invoice.currency });
  return {
    number: invoice.number,
    customerName: invoice.customerName,
    customerId: invoice.customerId,
    issueDate: invoice.issueDate,
    dueDate: invoice.dueDate,
    externalRef: invoice.externalRef,
    subtotal: m(invoice.subtotal),
    tax: m(invoice.tax),
    total: m(invoice.total),
    openAmount: m(invoice.openAmount),
    discount: invoice.discount ? { deadline: invoice.discount.deadline, amount: m(invoice.discount.amount) } : null,
    instalments:
      invoice.instalments.length > 1
        ? invoice.instalments.map((i) => ({ dueDate: i.dueDate, amount: formatMoney(i.amount) }))
        : [],
    lines: invoice.lines.map((l) => ({ ...l, unitPrice: m(l.unitPrice), net: m(l.net), tax: m(l.tax) })),
    // The templates link to the invoice's portal page by id (src/portal/urls.ts builds every customer link).
    invoiceId: invoice.id,
  };
}

/** The earliest unpaid instalment's due date, for invoices payable in more than one instalment (else undefined). */
function instalmentPastDue(invoice: AgeableInvoice): { pastDueFrom?: string } {
  return (invoice.instalments?.length ?? 0) > 1 ? { pastDueFrom: pastDueFrom(invoice) } : {};
}

const snapshotOf = (
  invoice: Pick<InvoiceDocument, 'status' | 'openAmount' | 'dueDate' | 'total' | 'instalments'> | undefined,
): InvoiceSnapshot =>
  invoice
    ? {
        exists: true,
        status: invoice.status,
        openAmount: invoice.openAmount,
        ...instalmentPastDue({
          dueDate: invoice.dueDate,
          totalAmount: invoice.total,
          openAmount: invoice.openAmount,
          instalments: invoice.instalments,
        }),
      }
    : { exists: false, status: 'cancelled', openAmount: 0 };

/** What the workflow mirrors (status, open amount, instalment due) in one indexed read, not the whole document with its lines. */
async function readSnapshot(em: EntityManager, invoiceId: string): Promise<InvoiceSnapshot> {
  const [row] = await em.execute<
    {
      status: InvoiceStatus;
      open_amount: string;
      total_amount: string;
      due_date: string;
      instalments: AgeableInvoice['instalments'];
    }[]
  >(
    `SELECT status, open_amount, total_amount, to_char(due_date, 'YYYY-MM-DD') AS due_date, instalments FROM invoice WHERE id = ?`,
    [invoiceId],
  );
  return snapshotOf(
    row && {
      status: row.status,
      openAmount: Number(row.open_amount),
      total: Number(row.total_amount),
      dueDate: row.due_date,
      instalments: row.instalments as InvoiceDocument['instalments'],
    },
  );
}

/** Status flips that integrations hear about (the outbox event recorded with the flip). */
const FLIP_EVENTS: Partial<Record<InvoiceStatus, EventType>> = { sent: 'invoice.sent', overdue: 'invoice.overdue' };

/**
 * Moves the status forward from one of `from` (never touching closed or disputed invoices); returns the row after.
 * The flip and its event commit together; the event's dedupe key makes a retried activity record it once.
 */
async function flipStatus(
  deps: ActivityDeps,
  invoiceId: string,
  to: InvoiceStatus,
  from: readonly InvoiceStatus[],
  extraSet?: string,
) {
  const em = deps.orm.em.fork();
  await em.transactional(async (tx) => {
    const flipped = await tx.execute<
      { customer_id: string; number: string; open_amount: string; currency: string; due_date: string }[]
    >(
      `UPDATE invoice SET status = ?, ${extraSet ? `${extraSet}, ` : ''}version = version + 1, updated_at = now()
        WHERE id = ? AND status IN (${from.map(() => '?').join(', ')}) AND open_amount > 0
        RETURNING customer_id, number, open_amount, currency, to_char(due_date, 'YYYY-MM-DD') AS due_date`,
      [to, invoiceId, ...from],
    );
    const type = FLIP_EVENTS[to];
    const row = flipped[0];
    if (type && row) {
      await recordEvent(tx, {
        type,
        entityType: 'invoice',
        entityId: invoiceId,
        customerId: row.customer_id,
        actor: `system:${workflowIds.invoice(invoiceId)}`,
        data: {
          number: row.number,
          dueDate: row.due_date,
          openAmount: { amount: Number(row.open_amount), currency: row.currency },
        },
        dedupeKey: stepKey(workflowIds.invoice(invoiceId), type),
      });
    }
  });
  return readSnapshot(em, invoiceId);
}

/** The due date passed with money open: status `overdue` and `overdue_since` (the hand-off point to collections). */
async function markOverdue(deps: ActivityDeps, input: StepInput & { overdueSince: string }): Promise<InvoiceSnapshot> {
  // A disputed invoice keeps its status but still records since when it is past due.
  await deps.orm.em
    .fork()
    .execute(
      `UPDATE invoice SET overdue_since = coalesce(overdue_since, ?::date) WHERE id = ? AND open_amount > 0 AND status NOT IN ('paid', 'cancelled', 'written_off')`,
      [input.overdueSince, input.invoiceId],
    );
  return flipStatus(deps, input.invoiceId, 'overdue', TIMER_FLIPS.overdue);
}

export function createInvoiceActivities(deps: ActivityDeps) {
  return {
    /**
     * Whether the invoice row exists yet (workflows started before the `delivery-confirms-record` patch call this
     * first; newer ones let `deliverInvoice` wait for the commit). A missing row is retried; the workflow gives up
     * after a bounded number of attempts, meaning the issuing transaction rolled back.
     */
    async confirmInvoiceRecord(input: StepInput): Promise<InvoiceSnapshot> {
      const invoice = await readInvoice(deps.orm.em.fork(), input.invoiceId);
      if (!invoice)
        throw ApplicationFailure.retryable(`invoice ${input.invoiceId} is not committed (yet)`, 'InvoiceNotCommitted');
      return snapshotOf(invoice);
    },

    /**
     * E-mails the invoice (HTML and text body, the invoice as PDF and as HTML attached, a link to it) and marks it sent.
     * The API starts the workflow inside the issuing transaction, so the first attempts can run before the commit: a
     * missing row is retried, and only reported missing (the transaction rolled back) from the attempt
     * `MISSING_AFTER_ATTEMPTS` on, about three minutes after the start.
     */
    async deliverInvoice(input: StepInput): Promise<InvoiceSnapshot & { deliveredAt: string | null }> {
      const invoice = await readInvoice(deps.orm.em.fork(), input.invoiceId);
      if (!invoice && Context.current().info.attempt < MISSING_AFTER_ATTEMPTS) {
        throw ApplicationFailure.retryable(`invoice ${input.invoiceId} is not committed (yet)`, 'InvoiceNotCommitted');
      }
      // A held invoice is delivered only after its credit override released it.
      if (!invoice || !isOpenStatus(invoice.status) || invoice.status === 'held')
        return { ...snapshotOf(invoice), deliveredAt: null };
      const data = documentData(deps, invoice);
      const document = renderDocument('invoice-document', { ...data, companyName: deps.mail.companyName });
      // The PDF goes through the document pipeline: stored once per invoice, so a retried delivery attaches the same bytes.
      const pdf = await ensureInvoicePdf(deps.orm.em.fork(), invoice, deps.mail.companyName);
      await sendTemplatedEmail(deps, {
        idempotencyKey: stepKey(workflowIds.invoice(invoice.id), 'delivery'),
        template: 'invoice-issued',
        to: invoice.customerEmail,
        customerId: invoice.customerId,
        data,
        attachments: [
          {
            filename: `${invoice.number}.html`,
            content: Buffer.from(document, 'utf8'),
            contentType: 'text/html; charset=utf-8',
          },
          { filename: pdf.filename, content: pdf.content, contentType: pdf.mediaType },
        ],
      });
      const after = await flipStatus(deps, invoice.id, 'sent', TIMER_FLIPS.sent, 'sent_at = coalesce(sent_at, now())');
      // Part paid (or otherwise moved on) before the e-mail went out: the status stays, but it was sent all the same.
      await deps.orm.em
        .fork()
        .execute(
          'UPDATE invoice SET sent_at = now(), version = version + 1, updated_at = now() WHERE id = ? AND sent_at IS NULL',
          [invoice.id],
        );
      return { ...after, deliveredAt: deps.clock().toISOString() };
    },

    /** The courtesy reminder before the due date, only while something is still open; marks the invoice `due`. */
    async sendCourtesyReminder(input: StepInput): Promise<InvoiceSnapshot & { reminded: boolean }> {
      const invoice = await readInvoice(deps.orm.em.fork(), input.invoiceId);
      if (!invoice || !isOpenStatus(invoice.status) || invoice.status === 'disputed' || invoice.openAmount === 0) {
        return { ...snapshotOf(invoice), reminded: false };
      }
      await sendTemplatedEmail(deps, {
        idempotencyKey: stepKey(workflowIds.invoice(invoice.id), 'courtesy-reminder'),
        template: 'invoice-reminder',
        to: invoice.customerEmail,
        customerId: invoice.customerId,
        data: documentData(deps, invoice),
      });
      const em = deps.orm.em.fork();
      await em.execute('UPDATE invoice SET reminded_at = coalesce(reminded_at, now()) WHERE id = ?', [invoice.id]);
      const after = await flipStatus(deps, invoice.id, 'due', TIMER_FLIPS.due);
      return { ...after, reminded: true };
    },

    /** The overdue flip alone, for invoice histories from before `overdue-one-step` (they start collections next). */
    async markInvoiceOverdue(input: StepInput & { overdueSince: string }): Promise<InvoiceSnapshot> {
      return markOverdue(deps, input);
    },

    /**
     * The overdue flip and the hand-off to the customer's collection in one activity (one task and one workflow task
     * fewer per overdue invoice than the two separate steps; it matters when thousands fall due at once). Both halves
     * are idempotent: the flip moves only from an earlier status and keys its event, the collection start is a
     * signal-with-start whose workflow reads the overdue items from the database.
     */
    async markInvoiceOverdueAndStartCollection(
      input: StepInput & { customerId: string; overdueSince: string; overdueAt: string },
    ): Promise<InvoiceSnapshot & { collection: CollectionStart | null }> {
      const snapshot = await markOverdue(deps, input);
      const stillOpen = snapshot.exists && isOpenStatus(snapshot.status);
      const collection = stillOpen
        ? await startCustomerCollection(deps, {
            invoiceId: input.invoiceId,
            customerId: input.customerId,
            overdueAt: input.overdueAt,
          })
        : null;
      // Overdue days are what delinquency is decided on: the account re-reads its facts now, not at its next refresh.
      await notifyAccountsOfChange(Context.current().client, [input.customerId], 'invoice_overdue', log);
      return { ...snapshot, collection };
    },

    /** The row as it is now, to confirm a settlement a signal announced. */
    async loadInvoiceSnapshot(input: StepInput): Promise<InvoiceSnapshot> {
      return readSnapshot(deps.orm.em.fork(), input.invoiceId);
    },
  };
}

export type InvoiceActivities = ReturnType<typeof createInvoiceActivities>;
