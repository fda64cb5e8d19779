// Side effects of credit management: gathering the scorecard inputs (bureau pull included), recording the score and
// the decision, starting periodic and early reviews for the account workflow, and the credit override of a held
// invoice. Each is idempotent: keyed by the review's workflow id or the caller's step.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { CreditPolicy, RiskClass } from '../../src/credit/rules/credit-policy.js';
import type { ScorecardResult } from '../../src/credit/rules/credit-scorecard.js';
import type { InvoiceSnapshot } from '../../src/invoices/rules/invoice-workflow-state.js';
import { applyCreditDecision, type CreditDecisionInput } from '../../src/credit/store/decisions.js';
import { rejectHeldInvoice, releaseHeldInvoice, type OverrideDecision } from '../../src/credit/store/held-invoices.js';
import {
  gatherInputs,
  recordScore,
  ReviewNotCommitted,
  type GatheredInputs,
  type ReviewTrigger,
} from '../../src/credit/store/reviews.js';
import { openReviewUnlessRunning } from '../../src/credit/store/start-review.js';
import { stepKey, workflowIds } from '../../src/temporal/ids.js';
import { accountProfileChangedSignal } from '../../workflows/customers/messages.js';
import { temporalOf, type ActivityDeps } from '../deps.js';
import { isWorkflowNotFound } from '../../src/temporal/errors.js';

/** Attempts before a review row still missing counts as rolled back (the API starts the workflow before its commit). */
const MISSING_AFTER_ATTEMPTS = 10;

export function createCreditActivities(deps: ActivityDeps) {
  return {
    async gatherCreditReviewInputs(input: {
      workflowId: string;
      policy: CreditPolicy;
      asOf: string;
    }): Promise<GatheredInputs> {
      try {
        return await deps.orm.em.fork().transactional((tx) => gatherInputs(tx, { ...input, now: deps.clock() }));
      } catch (error) {
        if (!(error instanceof ReviewNotCommitted)) throw error;
        if (Context.current().info.attempt < MISSING_AFTER_ATTEMPTS)
          throw ApplicationFailure.retryable(error.message, 'ReviewNotCommitted');
        throw ApplicationFailure.nonRetryable(error.message, 'ReviewNotCommitted');
      }
    },

    async recordCreditScore(input: {
      workflowId: string;
      scorecard: ScorecardResult;
      bureau: GatheredInputs['bureau'];
      approver: string;
      taskId: string | null;
    }): Promise<void> {
      await recordScore(deps.orm.em.fork(), input);
    },

    /** Writes the decision; after the commit tells the account workflow (limit, risk class, next review). */
    async applyCreditDecision(
      input: CreditDecisionInput,
    ): Promise<{ version: number; nextReviewDate: string; riskClass: RiskClass }> {
      const applied = await applyCreditDecision(deps.orm.em.fork(), input);
      if (deps.temporal && applied.changes.length) {
        try {
          await deps.temporal.client.workflow
            .getHandle(workflowIds.customerAccount(input.customerId))
            .signal(accountProfileChangedSignal, {
              changes: applied.changes,
              by: input.decidedBy,
              version: applied.version,
            });
        } catch (error) {
          if (!isWorkflowNotFound(error)) throw error;
        }
      }
      return {
        version: applied.version,
        nextReviewDate: applied.decision.nextReviewDate,
        riskClass: applied.decision.riskClass,
      };
    },

    /** For the account workflow: a periodic or early review (none while another one is running). */
    async startCreditReview(input: {
      workflowId: string;
      step: string;
      customerId: string;
      trigger: Exclude<ReviewTrigger, 'application'>;
      reasons: string[];
      policy: CreditPolicy;
    }): Promise<{ workflowId: string; started: boolean }> {
      return openReviewUnlessRunning(
        deps.orm.em.fork(),
        temporalOf(deps),
        {
          customerId: input.customerId,
          currency: '',
          trigger: input.trigger,
          reasons: input.reasons,
          application: null,
          requestedBy: input.workflowId,
          requestKey: stepKey(input.workflowId, input.step),
        },
        input.policy,
      );
    },

    async releaseHeldInvoice(input: OverrideDecision): Promise<InvoiceSnapshot> {
      return releaseHeldInvoice(deps.orm.em.fork(), input);
    },

    async rejectHeldInvoice(input: OverrideDecision): Promise<InvoiceSnapshot> {
      return rejectHeldInvoice(deps.orm.em.fork(), { ...input, today: deps.clock().toISOString().slice(0, 10) });
    },
  };
}

export type CreditActivities = ReturnType<typeof createCreditActivities>;
