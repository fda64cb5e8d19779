// The credit review workflow `credit-review-<customerId>-<n>`: gathers the inputs (application, own payment history,
// bureau report), scores them with the policy's scorecard (pure, recorded in history), routes the recommended limit
// through the authority matrix (auto, or an approval task in the role's inbox queue), and records the decision on the
// customer. Started by a credit application, by the account workflow's periodic timer, or early on deterioration.
import { condition, allHandlersFinished, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { CreditActivities } from '../../activities/credit/credit.js';
import { approvalProblems, approverFor, type ApprovalContext } from '../../src/credit/rules/credit-decision.js';
import {
  approvalQueue,
  taskEscalationQueueOf,
  validateCreditPolicy,
  type CreditPolicy,
} from '../../src/credit/rules/credit-policy.js';
import { scoreCredit } from '../../src/credit/rules/credit-scorecard.js';
import { creditReviewStateQuery, type CreditReviewState } from './messages.js';
import { deadlineAfter, escalateAtDeadline } from '../tasks/task-deadlines.js';
import { installTaskInbox } from '../tasks/task-inbox.js';

const { gatherCreditReviewInputs, recordCreditScore, applyCreditDecision } = proxyActivities<CreditActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export interface CreditReviewInput {
  customerId: string;
  seq: number;
  trigger: CreditReviewState['trigger'];
  reasons: string[];
  policy: CreditPolicy;
}

export async function creditReviewWorkflow(input: CreditReviewInput): Promise<CreditReviewState> {
  validateCreditPolicy(input.policy);
  const workflowId = workflowInfo().workflowId;
  let state: CreditReviewState = {
    workflowId,
    customerId: input.customerId,
    seq: input.seq,
    trigger: input.trigger,
    reasons: input.reasons,
    phase: 'gathering',
    policyVersion: input.policy.version,
    scorecard: null,
    approver: null,
    taskId: null,
    decision: null,
  };
  // Completing the approval task: the validator holds the approver to the authority of their level.
  const inbox = installTaskInbox({
    validate: (task, completion) => approvalProblems(completion, task.context as unknown as ApprovalContext),
  });
  setHandler(creditReviewStateQuery, () => state);

  const today = new Date().toISOString().slice(0, 10);
  const gathered = await gatherCreditReviewInputs({ workflowId, policy: input.policy, asOf: today });
  const scorecard = scoreCredit(gathered.input, input.policy);
  const recommended = scorecard.recommendedLimit.amount;
  const route = approverFor(recommended, scorecard.recommendedLimit.currency, input.policy);
  state = { ...state, scorecard, approver: route.approver };

  let decision: NonNullable<CreditReviewState['decision']>;
  if (route.approver === 'auto') {
    await recordCreditScore({ workflowId, scorecard, bureau: gathered.bureau, approver: route.approver, taskId: null });
    decision = {
      outcome: 'approved',
      limit: recommended,
      decidedBy: `policy:${input.policy.version}`,
      comment: null,
      nextReviewDate: scorecard.nextReviewDate,
    };
  } else {
    const context: ApprovalContext = { approver: route.approver, maxAmount: route.upTo, recommended };
    const task = await inbox.open({
      key: 'approve-limit',
      type: 'credit_approval',
      queue: approvalQueue(route.approver),
      title: `Approve a credit limit of ${recommended} ${scorecard.recommendedLimit.currency} (${scorecard.riskClass} risk, ${input.trigger} review)`,
      subjectType: 'customer',
      subjectId: input.customerId,
      customerId: input.customerId,
      sla: input.policy.approvalSla,
      payload: {
        reviewId: workflowId,
        trigger: input.trigger,
        reasons: input.reasons,
        riskClass: scorecard.riskClass,
        weightedScore: scorecard.weightedScore,
        requested: scorecard.inputs.requestedLimit,
        currentLimit: gathered.currentLimit,
        recommended: scorecard.recommendedLimit,
        approver: route.approver,
        maxAmount: route.upTo,
        rationale: scorecard.rationale,
        outcomes: ['approve', 'reject'],
      },
      context: context as unknown as Record<string, unknown>,
    });
    state = { ...state, phase: 'awaiting_approval', taskId: task.taskId };
    escalateAtDeadline(inbox, task, {
      dueAt: deadlineAfter(input.policy.approvalSla),
      escalateTo: taskEscalationQueueOf(input.policy),
    });
    await recordCreditScore({
      workflowId,
      scorecard,
      bureau: gathered.bureau,
      approver: route.approver,
      taskId: task.taskId,
    });
    const done = (await inbox.waitFor(task.taskId))!;
    const comment = done.comment ?? (typeof done.data.reason === 'string' ? done.data.reason : null);
    decision =
      done.outcome === 'approve'
        ? {
            outcome: 'approved',
            limit: typeof done.data.limit === 'number' ? done.data.limit : recommended,
            decidedBy: done.by,
            comment,
            nextReviewDate: scorecard.nextReviewDate,
          }
        : { outcome: 'rejected', limit: null, decidedBy: done.by, comment, nextReviewDate: scorecard.nextReviewDate };
  }

  state = { ...state, phase: 'deciding', decision };
  await applyCreditDecision({
    workflowId,
    customerId: input.customerId,
    outcome: decision.outcome,
    limit: decision.limit,
    riskClass: scorecard.riskClass,
    approver: route.approver,
    decidedBy: decision.decidedBy,
    comment: decision.comment,
    nextReviewDate: decision.nextReviewDate,
    policyVersion: input.policy.version,
    taskId: state.taskId,
  });
  state = { ...state, phase: 'decided' };
  await condition(allHandlersFinished);
  return state;
}
