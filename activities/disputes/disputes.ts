// Side effects of the dispute workflow: read the dispute, acknowledge the customer, record routing and SLA progress,
// ask the customer for information and record the answer, notify managers on a breach, resolve or withdraw (ledger
// effects in src/disputes/store/resolve.ts), track payment-plan instalments, and tell collections when the invoice enters or
// leaves dispute. E-mails are keyed by workflow id + step; every write is idempotent.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { notifyCollectionOfDispute } from '../../src/collections/store/notify.js';
import type { DisputeOutcome } from '../../src/disputes/rules/dispute.js';
import type { InvoicePolicy } from '../../src/invoices/rules/invoice-policy.js';
import { formatMoney } from '../../src/shared/money.js';
import {
  checkInstalment,
  resolveDispute,
  withdrawDispute,
  type InstalmentCheck,
  type ResolutionResult,
} from '../../src/disputes/store/resolve.js';
import { findDispute, type DisputeRecord } from '../../src/disputes/store/disputes.js';
import { readInvoice } from '../../src/invoices/store/read.js';
import { signalIfRunning } from '../../src/payments/notify.js';
import { stepKey, workflowIds } from '../../src/temporal/ids.js';
import { startInvoice } from '../../src/temporal/starters.js';
import { invoiceBalanceChangedSignal } from '../../workflows/invoices/messages.js';
import { temporalOf, type ActivityDeps } from '../deps.js';
import { sendTemplatedEmail } from '../mail/mail.js';
import { isAlreadyStarted } from '../../src/temporal/errors.js';

/** Attempts (1 s doubling, capped at 10 s: about a minute) before a missing dispute row counts as rolled back. */
export const DISPUTE_MISSING_AFTER_ATTEMPTS = 8;

const CATEGORY_LABELS: Record<string, string> = {
  pricing: 'pricing',
  quantity: 'quantities',
  quality: 'quality',
  delivery: 'delivery',
  documentation: 'documentation',
  other: 'another matter',
};

export interface DisputeFacts {
  exists: boolean;
  status: DisputeRecord['status'] | null;
  invoiceNumber: string;
  openAmount: number;
  acknowledgedAt: string | null;
}

const quietLog = { warn: () => undefined };

export function createDisputeActivities(deps: ActivityDeps) {
  const em = () => deps.orm.em.fork();
  const ref = (id: string) => id.slice(0, 8).toUpperCase();

  async function mailContext(disputeId: string) {
    const dispute = await findDispute(em(), disputeId);
    if (!dispute) throw ApplicationFailure.nonRetryable(`dispute ${disputeId} does not exist`, 'DisputeNotFound');
    const invoice = await readInvoice(em(), dispute.invoiceId);
    if (!invoice)
      throw ApplicationFailure.nonRetryable(`invoice ${dispute.invoiceId} does not exist`, 'InvoiceNotFound');
    const data = {
      customerName: invoice.customerName,
      number: invoice.number,
      disputeRef: ref(dispute.id),
      disputeId: dispute.id,
      categoryLabel: CATEGORY_LABELS[dispute.category] ?? dispute.category,
      disputedAmount: formatMoney({ amount: dispute.amount, currency: dispute.currency }),
      reason: dispute.reason,
    };
    return { dispute, invoice, data };
  }

  async function afterResolution(result: ResolutionResult, invoicePolicy: InvoicePolicy | undefined): Promise<void> {
    const temporal = temporalOf(deps);
    for (const { invoiceId, change } of result.invoiceSignals) {
      await signalIfRunning(
        temporal.client,
        workflowIds.invoice(invoiceId),
        invoiceBalanceChangedSignal,
        [change],
        quietLog,
      );
    }
    if (result.reissued && invoicePolicy) {
      const r = result.reissued;
      await startInvoice(
        { client: temporal.client, taskQueue: temporal.taskQueue },
        {
          invoiceId: r.id,
          customerId: r.customerId,
          currency: r.currency,
          totalAmount: r.total,
          dueDate: r.dueDate,
          policy: invoicePolicy,
        },
      ).catch((error: unknown) => {
        // A retry after the first start: the corrected invoice's workflow already runs.
        if (!isAlreadyStarted(error)) throw error;
      });
    }
    if (result.dunningResumed) {
      await notifyCollectionOfDispute(temporal.client, {
        customerId: result.customerId,
        invoiceId: result.invoiceId,
        disputeId: result.disputeId,
        disputed: false,
      });
    }
  }

  return {
    /**
     * The dispute as stored. The API starts the workflow inside the opening transaction, so the first attempts can run
     * before the commit: a missing row is retried, and reported missing (rolled back) from attempt
     * DISPUTE_MISSING_AFTER_ATTEMPTS on.
     */
    async loadDispute(input: { disputeId: string }): Promise<DisputeFacts> {
      const dispute = await findDispute(em(), input.disputeId);
      if (!dispute && Context.current().info.attempt < DISPUTE_MISSING_AFTER_ATTEMPTS) {
        throw ApplicationFailure.retryable(`dispute ${input.disputeId} is not committed (yet)`, 'DisputeNotCommitted');
      }
      if (!dispute) return { exists: false, status: null, invoiceNumber: '', openAmount: 0, acknowledgedAt: null };
      const invoice = await readInvoice(em(), dispute.invoiceId);
      return {
        exists: true,
        status: dispute.status,
        invoiceNumber: dispute.invoiceNumber,
        openAmount: invoice?.openAmount ?? 0,
        acknowledgedAt: dispute.acknowledgedAt,
      };
    },

    /** Tells the customer's collection that the invoice entered (or left) dispute; no collection running is fine. */
    async notifyDunning(input: {
      disputeId: string;
      invoiceId: string;
      customerId: string;
      disputed: boolean;
    }): Promise<void> {
      await notifyCollectionOfDispute(temporalOf(deps).client, input);
    },

    /** E-mails the acknowledgement (once per dispute) and records who acknowledged and when. */
    async acknowledgeDispute(input: {
      disputeId: string;
      queue: string;
      resolveBy: string;
      by: string;
      at: string;
    }): Promise<{ messageId: string }> {
      const { dispute, invoice, data } = await mailContext(input.disputeId);
      const sent = await sendTemplatedEmail(deps, {
        idempotencyKey: stepKey(dispute.workflowId, 'acknowledge'),
        template: 'dispute-acknowledged',
        to: invoice.customerEmail,
        customerId: dispute.customerId,
        data: { ...data, queue: input.queue, resolveBy: input.resolveBy.slice(0, 10) },
      });
      await em().execute(
        `UPDATE dispute SET acknowledged_at = coalesce(acknowledged_at, ?::timestamptz), acknowledged_by = coalesce(acknowledged_by, ?), version = version + 1, updated_at = now() WHERE id = ?`,
        [input.at, input.by, dispute.id],
      );
      return { messageId: sent.messageId };
    },

    /** The department queue and the resolution deadline (null while the clock is paused), as the API shows them. */
    async recordDisputeRouting(input: { disputeId: string; queue: string; slaDueAt: string | null }): Promise<void> {
      await em().execute(
        `UPDATE dispute SET queue = ?, sla_due_at = ?, version = version + 1, updated_at = now() WHERE id = ? AND status IN ('open', 'awaiting_info')`,
        [input.queue, input.slaDueAt, input.disputeId],
      );
    },

    /** Asks the customer for information (e-mail keyed per request) and marks the dispute awaiting_info. */
    async requestCustomerInfo(input: {
      disputeId: string;
      question: string;
      replyBy: string;
      n: number;
      by: string;
      at: string;
    }): Promise<void> {
      const { dispute, invoice, data } = await mailContext(input.disputeId);
      const key = stepKey(dispute.workflowId, `info-request-${input.n}`);
      await sendTemplatedEmail(deps, {
        idempotencyKey: key,
        template: 'dispute-info-request',
        to: invoice.customerEmail,
        customerId: dispute.customerId,
        data: { ...data, question: input.question, replyBy: input.replyBy.slice(0, 10) },
      });
      const entry = { key, at: input.at, from: 'staff', kind: 'info_request', text: input.question, by: input.by };
      await em().execute(
        `UPDATE dispute SET status = 'awaiting_info', sla_due_at = NULL, version = version + 1, updated_at = now(),
                correspondence = CASE WHEN correspondence @> ?::jsonb THEN correspondence ELSE correspondence || ?::jsonb END
          WHERE id = ? AND status IN ('open', 'awaiting_info')`,
        [JSON.stringify([{ key }]), JSON.stringify([entry]), dispute.id],
      );
    },

    /** The customer's answer (or its absence when the reply window closed): the dispute is open again. */
    async recordCustomerReply(input: {
      disputeId: string;
      n: number;
      text: string | null;
      by: string;
      at: string;
    }): Promise<void> {
      const dispute = await findDispute(em(), input.disputeId);
      if (!dispute) return;
      const key = stepKey(dispute.workflowId, `info-reply-${input.n}`);
      const entry =
        input.text === null
          ? {
              key,
              at: input.at,
              from: 'staff',
              kind: 'reply_window_closed',
              text: 'The customer did not answer within the reply window.',
            }
          : { key, at: input.at, from: 'customer', kind: 'info_reply', text: input.text, by: input.by };
      await em().execute(
        `UPDATE dispute SET status = 'open', version = version + 1, updated_at = now(),
                correspondence = CASE WHEN correspondence @> ?::jsonb THEN correspondence ELSE correspondence || ?::jsonb END
          WHERE id = ? AND status IN ('open', 'awaiting_info')`,
        [JSON.stringify([{ key }]), JSON.stringify([entry]), dispute.id],
      );
    },

    /** The resolution deadline passed: record it and e-mail the managers (once per dispute). */
    async notifyDisputeBreach(input: {
      disputeId: string;
      fromQueue: string;
      toQueue: string;
      managerEmail: string;
      resolveBy: string;
      taskId: string;
      at: string;
    }): Promise<void> {
      const { dispute, data } = await mailContext(input.disputeId);
      await sendTemplatedEmail(deps, {
        idempotencyKey: stepKey(dispute.workflowId, 'breach'),
        template: 'dispute-escalated',
        to: input.managerEmail,
        customerId: dispute.customerId,
        data: {
          ...data,
          fromQueue: input.fromQueue,
          toQueue: input.toQueue,
          resolveBy: input.resolveBy,
          taskId: input.taskId,
        },
      });
      await em().execute(
        `UPDATE dispute SET escalated_at = coalesce(escalated_at, ?::timestamptz), queue = ?, version = version + 1, updated_at = now() WHERE id = ?`,
        [input.at, input.toQueue, dispute.id],
      );
    },

    /** Applies the decision (credit note, reissue, plan) in one transaction, then signals and starts what it affected. */
    async resolveDisputeOutcome(input: {
      disputeId: string;
      outcome: DisputeOutcome;
      by: string;
      today: string;
      invoicePolicy: InvoicePolicy;
    }): Promise<ResolutionResult> {
      const result = await resolveDispute(em(), input);
      await afterResolution(result, input.invoicePolicy);
      return result;
    },

    async withdrawDisputeRecord(input: { disputeId: string; by: string; reason: string }): Promise<ResolutionResult> {
      const result = await withdrawDispute(em(), input);
      await afterResolution(result, undefined);
      return result;
    },

    /** At the end of an instalment's grace: kept or missed (a miss returns the invoice to dunning). */
    async checkDisputeInstalment(input: { disputeId: string; seq: number }): Promise<InstalmentCheck> {
      const result = await checkInstalment(em(), input);
      if (result.dunningResumed) {
        const dispute = await findDispute(em(), input.disputeId);
        if (dispute)
          await notifyCollectionOfDispute(temporalOf(deps).client, {
            customerId: dispute.customerId,
            invoiceId: dispute.invoiceId,
            disputeId: dispute.id,
            disputed: false,
          });
      }
      return result;
    },
  };
}

export type DisputeActivities = ReturnType<typeof createDisputeActivities>;
