// Cash application of one payment, `payment-<id>`: apply it (one idempotent activity and transaction), signal the
// invoices it touched, then, while money stays unapplied, wait until it is older than the policy's research delay and
// open a research task; the task closes itself when the money is applied later (`paymentAllocated` signal).
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { DocumentActivities } from '../../activities/documents/documents.js';
import type { PaymentActivities } from '../../activities/payments/payments.js';
import type { TaskActivities } from '../../activities/tasks/tasks.js';
import {
  cashApplicationPolicyProblems,
  DEFAULT_CASH_APPLICATION_POLICY,
  type CashApplicationPolicy,
} from '../../src/payments/rules/cash-application-policy.js';
import { addDuration, durationMs } from '../../src/shared/duration.js';
import { MANAGER_QUEUE } from '../../src/tasks/rules/task-duties.js';
import { RESEARCH_QUEUE, RESEARCH_TASK_TYPE } from '../../src/payments/rules/research-task.js';
import { cashApplicationStateQuery, paymentAllocatedSignal, type CashApplicationState } from './messages.js';
import { escalationReason } from '../tasks/task-deadlines.js';
import { DURABLE_STEP, TASK_RECORD_STEP } from '../shared/activity-options.js';

const { applyPayment, notifyInvoicesOfPayment, openResearchTask, closeResearchTask, unappliedAmountOf } =
  proxyActivities<PaymentActivities>({
    // Each activity is one short transaction; a worker that dies mid-activity is detected after this long and the
    // activity runs again on another worker (its database transaction died with the process, so nothing is half-done).
    startToCloseTimeout: '20 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute', nonRetryableErrorTypes: ['PaymentNotFound'] },
  });

const { escalateTaskRecord } = proxyActivities<TaskActivities>(TASK_RECORD_STEP);

const { sendPaymentReceipt } = proxyActivities<DocumentActivities>(DURABLE_STEP);

const isPaymentNotFound = (error: unknown) =>
  error instanceof ActivityFailure &&
  error.cause instanceof ApplicationFailure &&
  error.cause.type === 'PaymentNotFound';

export interface CashApplicationInput {
  paymentId: string;
  /** When the money arrived (ISO instant): the research delay runs from here. */
  receivedAt: string;
  policy: CashApplicationPolicy;
}

export async function cashApplicationWorkflow(input: CashApplicationInput): Promise<CashApplicationState> {
  const problems = cashApplicationPolicyProblems(input.policy);
  // Fails the workflow (not just the task): a bad policy will not get better on retry.
  if (problems.length)
    throw ApplicationFailure.nonRetryable(
      `invalid cash application policy: ${problems.map((p) => `${p.pointer} ${p.detail}`).join('; ')}`,
      'InvalidPolicy',
    );
  const workflowId = workflowInfo().workflowId;
  const state: CashApplicationState = {
    paymentId: input.paymentId,
    phase: 'applying',
    unappliedAmount: null,
    researchDueAt: null,
    researchTaskId: null,
  };
  let appliedBy = 'system';

  setHandler(cashApplicationStateQuery, () => state);
  setHandler(paymentAllocatedSignal, ({ unappliedAmount, by }) => {
    // Signals carry the committed figure; only ever move it down (a late duplicate must not resurrect money).
    state.unappliedAmount =
      state.unappliedAmount === null ? unappliedAmount : Math.min(state.unappliedAmount, unappliedAmount);
    appliedBy = by;
  });

  const visibleWithin = input.policy.recordVisibleWithin ?? DEFAULT_CASH_APPLICATION_POLICY.recordVisibleWithin!;
  const missingAfter = new Date(workflowInfo().startTime.getTime() + durationMs(visibleWithin)).toISOString();
  let result: Awaited<ReturnType<typeof applyPayment>>;
  try {
    result = await applyPayment({ paymentId: input.paymentId, workflowId, match: input.policy.match, missingAfter });
  } catch (error) {
    if (!isPaymentNotFound(error)) throw error;
    state.phase = 'done';
    state.recordMissing = true;
    return state;
  }
  // A paymentAllocated signal may already have arrived (it carries a later, lower figure).
  state.unappliedAmount =
    state.unappliedAmount === null ? result.unappliedAmount : Math.min(state.unappliedAmount, result.unappliedAmount);
  state.phase = 'notifying_invoices';
  await notifyInvoicesOfPayment({ paymentId: input.paymentId });
  if (result.customerId) {
    await sendPaymentReceipt({ paymentId: input.paymentId, workflowId });
  }

  if (state.unappliedAmount > 0) {
    state.phase = 'awaiting_application';
    const dueAt = addDuration(new Date(input.receivedAt), input.policy.researchAfter);
    state.researchDueAt = dueAt.toISOString();
    const appliedInTime = await condition(() => state.unappliedAmount === 0, Math.max(1, dueAt.getTime() - Date.now()));
    if (!appliedInTime) {
      const task = await openResearchTask({
        paymentId: input.paymentId,
        workflowId,
        sla: input.policy.researchSla,
        unmatched: result.unmatched,
      });
      state.researchTaskId = task.taskId;
      if (task.taskId) {
        state.phase = 'research_open';
        // Applying set the unapplied amount: it is a number from here on.
        await researchUntilApplied(input, state as CashApplicationState & { unappliedAmount: number }, task.taskId);
        await closeResearchTask({ workflowId, by: appliedBy });
      }
    }
  }
  state.phase = 'done';
  return state;
}

/**
 * Waits, with the research task open, until no money of the payment is left unapplied. Re-reads the unapplied amount
 * once per research SLA, so a `paymentAllocated` signal lost after its commit cannot leave the task open for ever. The
 * first re-check falls on the task's deadline (its SLA): money still unapplied then moves the task once.
 */
async function researchUntilApplied(
  input: CashApplicationInput,
  state: CashApplicationState & { unappliedAmount: number },
  taskId: string,
): Promise<void> {
  let escalateTo: string | null = input.policy.researchEscalateTo ?? MANAGER_QUEUE;
  const dueAt = addDuration(new Date(), input.policy.researchSla).toISOString();
  while (!(await condition(() => state.unappliedAmount === 0, durationMs(input.policy.researchSla)))) {
    const current = await unappliedAmountOf({ paymentId: input.paymentId });
    state.unappliedAmount = Math.min(state.unappliedAmount, current);
    if (escalateTo && state.unappliedAmount > 0) {
      await escalateTaskRecord({
        taskId,
        queue: escalateTo,
        reason: escalationReason({ type: RESEARCH_TASK_TYPE, queue: RESEARCH_QUEUE }, dueAt),
      });
      escalateTo = null;
    }
  }
}
