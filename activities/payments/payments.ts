// Side effects of the cash-application workflow `payment-<id>`: apply the payment (one transaction), tell the invoice
// workflows what changed, and raise or close the research task for money that stays unapplied.
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import type { MatchPolicy } from '../../src/payments/rules/cash-matching.js';
import {
  applyPaymentCash,
  invoiceSignalsFor,
  PaymentNotFoundError,
  type CashApplicationResult,
} from '../../src/payments/store/apply.js';
import { customersOfInvoices, notifyCollectionOfBalanceChange } from '../../src/collections/store/notify.js';
import { signalIfRunning } from '../../src/payments/notify.js';
import { findPayment } from '../../src/payments/store/payments.js';
import {
  completeResearchTask,
  createResearchTask,
  type ResearchTaskResult,
} from '../../src/payments/store/research.js';
import { stepKey, workflowIds } from '../../src/temporal/ids.js';
import { invoiceBalanceChangedSignal } from '../../workflows/invoices/messages.js';
import type { ActivityDeps } from '../deps.js';

export function createPaymentActivities(deps: ActivityDeps) {
  return {
    /** Matches and allocates the payment; a retry after a commit returns the stored result and writes nothing. */
    async applyPayment(input: {
      paymentId: string;
      workflowId: string;
      match: MatchPolicy;
      missingAfter?: string;
    }): Promise<CashApplicationResult> {
      try {
        return await applyPaymentCash(deps.orm.em.fork(), input);
      } catch (error) {
        if (!(error instanceof PaymentNotFoundError)) throw error;
        // The inserting transaction may not have committed yet (the workflow starts inside it): retry until the
        // deadline, after which the insert rolled back and there is nothing to apply.
        // Compared on the server's clock (the deadline comes from the workflow's start time), not the worker's.
        const attemptAt = Context.current().info.currentAttemptScheduledTimestampMs;
        if (input.missingAfter && attemptAt < Date.parse(input.missingAfter))
          throw ApplicationFailure.retryable(error.message, 'PaymentNotVisibleYet');
        throw ApplicationFailure.nonRetryable(error.message, 'PaymentNotFound');
      }
    },

    /** Sends `invoiceBalanceChanged` to every invoice the payment touched, with the committed open amount. */
    async notifyInvoicesOfPayment(input: { paymentId: string }): Promise<{ signalled: number; notRunning: number }> {
      const signals = await invoiceSignalsFor(deps.orm.em.fork(), input.paymentId);
      const client = Context.current().client;
      // Different workflows: no order to keep between them, so the signals go out together.
      const sent = await Promise.all(
        signals.map(({ invoiceId, signal }) =>
          signalIfRunning(client, workflowIds.invoice(invoiceId), invoiceBalanceChangedSignal, [signal], log),
        ),
      );
      const signalled = sent.filter(Boolean).length;
      // The customers' collections re-read their facts once each (not once per invoice).
      const customers = await customersOfInvoices(
        deps.orm.em.fork(),
        signals.map((s) => s.invoiceId),
      );
      await notifyCollectionOfBalanceChange(
        client,
        customers,
        { reason: 'payment', source: `payment:${input.paymentId}` },
        log,
      );
      return { signalled, notRunning: signals.length - signalled };
    },

    async openResearchTask(input: {
      paymentId: string;
      workflowId: string;
      sla: string;
      unmatched: { invoiceNumber: string; reason: string }[];
    }): Promise<ResearchTaskResult> {
      return createResearchTask(deps.orm.em.fork(), {
        ...input,
        uniqueKey: stepKey(input.workflowId, 'research'),
        now: deps.clock(),
      });
    },

    /** What of the payment is still unapplied, from the record of truth (0 for a payment that no longer exists). */
    async unappliedAmountOf(input: { paymentId: string }): Promise<number> {
      return (await findPayment(deps.orm.em.fork(), input.paymentId))?.unappliedAmount ?? 0;
    },

    async closeResearchTask(input: { workflowId: string; by: string }): Promise<boolean> {
      return completeResearchTask(deps.orm.em.fork(), {
        uniqueKey: stepKey(input.workflowId, 'research'),
        outcome: { resolution: 'applied', by: input.by },
      });
    },
  };
}

export type PaymentActivities = ReturnType<typeof createPaymentActivities>;
