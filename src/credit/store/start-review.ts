// Opening a credit review: the numbered row and the `credit-review-<customerId>-<n>` workflow. The API (an
// application) records the workflow's start with the row and starts it after the commit;
// the account workflow (periodic and early reviews) goes through an activity keyed by its step, so a retry reuses
// the same review.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import type { creditReviewWorkflow } from '../../../workflows/credit/credit-review.js';
import type { CreditPolicy } from '../rules/credit-policy.js';
import { entityOptions } from '../../temporal/starters.js';
import { recordWorkflowStart, type WorkflowStart } from '../../temporal/start-after-commit.js';
import { createReview, runningReview, type CreditApplication, type ReviewTrigger } from './reviews.js';

export interface ReviewRequest {
  customerId: string;
  currency: string;
  trigger: ReviewTrigger;
  reasons: string[];
  application: CreditApplication | null;
  requestedBy: string;
  requestKey?: string;
}

export async function startReviewWorkflow(
  ctx: { client: Client; taskQueue: string; requestId?: string },
  input: {
    workflowId: string;
    customerId: string;
    seq: number;
    trigger: ReviewTrigger;
    reasons: string[];
    policy: CreditPolicy;
  },
) {
  return ctx.client.workflow.start<typeof creditReviewWorkflow>('creditReviewWorkflow', {
    ...entityOptions(ctx, input.workflowId, 'credit_review', input.customerId),
    args: [
      {
        customerId: input.customerId,
        seq: input.seq,
        trigger: input.trigger,
        reasons: input.reasons,
        policy: input.policy,
      },
    ],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}

/** The start of a review's workflow, recorded with the review row and carried out after the commit. */
export function reviewWorkflowStart(
  ctx: { taskQueue: string; requestId?: string },
  input: {
    workflowId: string;
    customerId: string;
    seq: number;
    trigger: ReviewTrigger;
    reasons: string[];
    policy: CreditPolicy;
  },
): WorkflowStart {
  return {
    workflowType: 'creditReviewWorkflow',
    workflowId: input.workflowId,
    taskQueue: ctx.taskQueue,
    args: [
      {
        customerId: input.customerId,
        seq: input.seq,
        trigger: input.trigger,
        reasons: input.reasons,
        policy: input.policy,
      },
    ],
    entityType: 'credit_review',
    customerId: input.customerId,
    requestId: ctx.requestId,
  };
}

/**
 * Inserts the review and records its workflow's start in the caller's transaction; the caller starts it after the
 * commit (`startRecorded` with the returned workflow id).
 */
export async function openReview(
  tx: EntityManager,
  ctx: { client: Client; taskQueue: string; requestId?: string },
  request: ReviewRequest,
  policy: CreditPolicy,
): Promise<{ workflowId: string; seq: number; created: boolean }> {
  const review = await createReview(tx, {
    customerId: request.customerId,
    trigger: request.trigger,
    reasons: request.reasons,
    currency: request.currency,
    requestedLimit: request.application?.requestedLimit ?? null,
    application: request.application,
    requestedBy: request.requestedBy,
    requestKey: request.requestKey,
  });
  await recordWorkflowStart(
    tx,
    reviewWorkflowStart(ctx, {
      workflowId: review.workflowId,
      customerId: request.customerId,
      seq: review.seq,
      trigger: request.trigger,
      reasons: request.reasons,
      policy,
    }),
  );
  return review;
}

/**
 * A periodic or early review unless one is running already (then that one is returned): reviews do not pile up
 * while an approver is still deciding.
 */
export async function openReviewUnlessRunning(
  em: EntityManager,
  ctx: { client: Client; taskQueue: string },
  request: ReviewRequest & { requestKey: string },
  policy: CreditPolicy,
): Promise<{ workflowId: string; started: boolean }> {
  const review = await em.transactional(async (tx) => {
    const [customer] = await tx.execute<{ currency: string; status: string }[]>(
      'SELECT currency, status FROM customer WHERE id = ?',
      [request.customerId],
    );
    if (!customer || customer.status === 'closed') return null;
    const [mine] = await tx.execute<{ workflow_id: string; seq: number }[]>(
      'SELECT workflow_id, seq FROM credit_review WHERE request_key = ?',
      [request.requestKey],
    );
    if (mine) return { workflowId: mine.workflow_id, seq: mine.seq, created: false };
    const running = await runningReview(tx, request.customerId);
    if (running) return { workflowId: running, seq: 0, created: false, running: true };
    return createReview(tx, { ...request, currency: customer.currency, requestedLimit: null });
  });
  if (!review) return { workflowId: '', started: false };
  if ('running' in review) return { workflowId: review.workflowId, started: false };
  // Committed first, then started; USE_EXISTING makes a retry after a failed start harmless.
  await startReviewWorkflow(ctx, {
    workflowId: review.workflowId,
    customerId: request.customerId,
    seq: review.seq,
    trigger: request.trigger,
    reasons: request.reasons,
    policy,
  });
  return { workflowId: review.workflowId, started: review.created };
}
