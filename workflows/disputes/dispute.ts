// The dispute workflow `dispute-<id>`: pauses dunning on the invoice, acknowledges the customer (at once, or through a
// person when the policy says so), routes the dispute to its department queue and opens a resolution task, escalates
// it to the managers when the resolution SLA (business time) passes, asks the customer for information with the SLA
// clock paused, and applies the handler's decision: credit, rebill, payment plan (each instalment tracked) or upheld.
// Dunning resumes whenever the dispute ends without settling the invoice. Policy is input, recorded in history.
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  proxyActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import type { DisputeActivities } from '../../activities/disputes/disputes.js';
import { addBusinessDuration, pauseSla, resumeSla, slaDeadline, startSla } from '../../src/shared/business-days.js';
import {
  DISPUTE_TASK_TYPES,
  outcomeFrom,
  resolutionProblems,
  type DisputeCategory,
  type DisputeOutcomeKind,
  type ResolutionContext,
} from '../../src/disputes/rules/dispute.js';
import { disputePolicyProblems, queueFor, type DisputePolicy } from '../../src/disputes/rules/dispute-policy.js';
import { addDuration } from '../../src/shared/duration.js';
import type { InvoicePolicy } from '../../src/invoices/rules/invoice-policy.js';
import { outcomeProblems, type TaskCompletion } from '../../src/tasks/rules/tasks.js';
import {
  customerReplyUpdate,
  DisputeFailureType,
  disputeStateQuery,
  withdrawDisputeUpdate,
  type CustomerReply,
  type DisputeWithdrawal,
  type DisputeWorkflowState,
} from './messages.js';
import { deadlineAfter, escalateAtDeadline } from '../tasks/task-deadlines.js';
import { installTaskInbox, type OpenTask } from '../tasks/task-inbox.js';

const acts = proxyActivities<DisputeActivities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: ['DisputeNotFound', 'InvoiceNotFound', 'InvoiceRequestError'],
  },
});

// The first read may run before the opening transaction commits: retry soon, give up after about a minute.
const { loadDispute } = proxyActivities<DisputeActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds' },
});

export interface DisputeWorkflowInput {
  disputeId: string;
  invoiceId: string;
  customerId: string;
  category: DisputeCategory;
  amount: number;
  currency: string;
  policy: DisputePolicy;
  /** The policy a corrected invoice (rebill) starts its own workflow with. */
  invoicePolicy: InvoicePolicy;
}

const MAX_INSTALMENTS = 24;
const ACKNOWLEDGED = 'acknowledged';
const iso = (ms: number) => new Date(ms).toISOString();
const today = () => iso(Date.now()).slice(0, 10);

export async function disputeWorkflow(input: DisputeWorkflowInput): Promise<DisputeWorkflowState> {
  const problems = disputePolicyProblems(input.policy);
  if (problems.length)
    throw ApplicationFailure.nonRetryable(
      `invalid dispute policy: ${problems.map((p) => `${p.pointer} ${p.detail}`).join('; ')}`,
      'InvalidPolicy',
    );
  const { policy } = input;
  const step = { disputeId: input.disputeId };
  const state: DisputeWorkflowState = {
    disputeId: input.disputeId,
    phase: 'starting',
    policyVersion: policy.version,
    queue: null,
    sla: null,
    slaDueAt: null,
    breachedAt: null,
    acknowledgedAt: null,
    acknowledgedBy: null,
    taskId: null,
    rounds: 0,
    infoRequests: [],
    outcome: null,
    instalments: [],
    dunningPaused: false,
    recordMissing: false,
  };
  let reply: CustomerReply | null = null;
  let withdrawal: DisputeWithdrawal | null = null;

  const inbox = installTaskInbox({
    validate: (task: OpenTask, completion: TaskCompletion) => {
      if (task.type === DISPUTE_TASK_TYPES.acknowledge) return outcomeProblems([ACKNOWLEDGED], completion);
      return resolutionProblems(
        completion.outcome,
        completion.data ?? {},
        task.context as unknown as ResolutionContext,
      );
    },
  });
  setHandler(disputeStateQuery, () => state);
  setHandler(
    customerReplyUpdate,
    (answer) => {
      reply = answer;
      return { accepted: true as const };
    },
    {
      validator: (answer) => {
        if (state.phase !== 'awaiting_info' || reply !== null) {
          throw ApplicationFailure.create({
            type: DisputeFailureType.notAwaitingInfo,
            message: 'the dispute is not waiting for an answer from the customer',
            nonRetryable: true,
          });
        }
        if (typeof answer.text !== 'string' || answer.text.trim() === '')
          throw ApplicationFailure.create({
            type: 'DisputeReplyInvalid',
            message: '/text must not be blank',
            nonRetryable: true,
          });
      },
    },
  );
  setHandler(
    withdrawDisputeUpdate,
    (request) => {
      withdrawal = request;
      return { accepted: true as const };
    },
    {
      validator: (_request: DisputeWithdrawal) => {
        if (
          withdrawal !== null ||
          state.phase === 'resolving' ||
          state.phase === 'payment_plan' ||
          state.phase === 'closed'
        ) {
          throw ApplicationFailure.create({
            type: DisputeFailureType.closed,
            message: 'the dispute is being resolved or has ended',
            nonRetryable: true,
          });
        }
      },
    },
  );

  const facts = await loadDispute(step);
  if (!facts.exists) {
    // The opening transaction rolled back after the start: nothing to do.
    state.recordMissing = true;
    state.phase = 'closed';
    return state;
  }

  const dunning = { disputeId: input.disputeId, invoiceId: input.invoiceId, customerId: input.customerId };
  await acts.notifyDunning({ ...dunning, disputed: true });
  state.dunningPaused = true;

  // The resolution clock starts when the dispute is opened, in business time.
  state.sla = startSla(new Date(), policy.resolutionSla);
  const refreshDeadline = () => {
    const due = state.sla ? slaDeadline(state.sla, policy.calendar) : null;
    state.slaDueAt = due ? due.toISOString() : null;
    return due;
  };
  refreshDeadline();
  state.queue = queueFor(input.category, policy);

  async function finishWithdrawn(): Promise<DisputeWorkflowState> {
    const w = withdrawal!;
    if (state.taskId && inbox.isOpen(state.taskId)) await inbox.cancel(state.taskId, `dispute withdrawn by ${w.by}`);
    state.phase = 'resolving';
    const result = await acts.withdrawDisputeRecord({ disputeId: input.disputeId, by: w.by, reason: w.reason });
    state.outcome = { kind: 'withdrawn', reason: w.reason, by: w.by };
    state.dunningPaused = !result.dunningResumed && result.invoiceStatus === 'disputed';
    state.phase = 'closed';
    state.slaDueAt = null;
    await condition(allHandlersFinished);
    return state;
  }

  /** Waits for the task to be completed or the dispute withdrawn, up to `timeoutMs`; which one happened. */
  async function awaitTask(taskId: string, timeoutMs?: number): Promise<'completed' | 'withdrawn' | 'timeout'> {
    const settled = () => withdrawal !== null || !inbox.isOpen(taskId);
    const done =
      timeoutMs === undefined ? (await condition(settled), true) : await condition(settled, Math.max(1, timeoutMs));
    if (withdrawal !== null) return 'withdrawn';
    return done ? 'completed' : 'timeout';
  }

  // --- acknowledge ---
  state.phase = 'acknowledging';
  let acknowledgedBy = 'system';
  if (policy.acknowledgement.needsPerson) {
    const task = await inbox.open({
      key: 'acknowledge',
      type: DISPUTE_TASK_TYPES.acknowledge,
      queue: policy.acknowledgement.queue,
      title: `Acknowledge dispute of invoice ${facts.invoiceNumber} (${input.category})`,
      subjectType: 'dispute',
      subjectId: input.disputeId,
      customerId: input.customerId,
      sla: policy.acknowledgement.sla,
      slaDueAt: addDuration(new Date(), policy.acknowledgement.sla).toISOString(),
      payload: {
        disputeId: input.disputeId,
        invoiceId: input.invoiceId,
        category: input.category,
        amount: { amount: input.amount, currency: input.currency },
      },
    });
    state.taskId = task.taskId;
    // Not acknowledged within its SLA (calendar time): the task moves to the dispute managers' queue.
    escalateAtDeadline(inbox, task, {
      dueAt: deadlineAfter(policy.acknowledgement.sla),
      escalateTo: policy.managerQueue,
    });
    if ((await awaitTask(task.taskId)) === 'withdrawn') return finishWithdrawn();
    acknowledgedBy = (await inbox.waitFor(task.taskId))?.by ?? 'system';
  }
  const ackAt = iso(Date.now());
  await acts.acknowledgeDispute({
    disputeId: input.disputeId,
    queue: state.queue,
    resolveBy: state.slaDueAt ?? ackAt,
    by: acknowledgedBy,
    at: ackAt,
  });
  state.acknowledgedAt = ackAt;
  state.acknowledgedBy = acknowledgedBy;

  // --- route and resolve ---
  state.phase = 'open';
  await acts.recordDisputeRouting({ disputeId: input.disputeId, queue: state.queue, slaDueAt: state.slaDueAt });
  for (;;) {
    if (withdrawal) return finishWithdrawn();
    state.rounds += 1;
    const current = await loadDispute(step);
    const context: ResolutionContext = {
      currency: input.currency,
      openAmount: current.openAmount,
      disputedAmount: input.amount,
      today: today(),
      maxInstalments: MAX_INSTALMENTS,
    };
    const task = await inbox.open({
      key: `resolve-${state.rounds}`,
      type: DISPUTE_TASK_TYPES.resolve,
      queue: state.breachedAt ? policy.managerQueue : state.queue,
      title: `Resolve ${input.category} dispute of invoice ${facts.invoiceNumber}`,
      subjectType: 'dispute',
      subjectId: input.disputeId,
      customerId: input.customerId,
      sla: null,
      slaDueAt: state.slaDueAt,
      payload: {
        disputeId: input.disputeId,
        invoiceId: input.invoiceId,
        category: input.category,
        amount: { amount: input.amount, currency: input.currency },
        round: state.rounds,
      },
      context: context as unknown as Record<string, unknown>,
    });
    state.taskId = task.taskId;

    let waited = await awaitTask(
      task.taskId,
      state.breachedAt ? undefined : Math.max(1, Date.parse(state.slaDueAt!) - Date.now()),
    );
    if (waited === 'timeout') {
      // Breach: the task moves to the managers' queue and they are told; the dispute keeps waiting for a decision.
      state.breachedAt = iso(Date.now());
      await inbox.escalate(task.taskId, {
        queue: policy.managerQueue,
        reason: `resolution SLA passed at ${state.slaDueAt}`,
      });
      await acts.notifyDisputeBreach({
        disputeId: input.disputeId,
        fromQueue: state.queue,
        toQueue: policy.managerQueue,
        managerEmail: policy.managerEmail,
        resolveBy: state.slaDueAt!,
        taskId: task.taskId,
        at: state.breachedAt,
      });
      waited = await awaitTask(task.taskId);
    }
    if (waited === 'withdrawn') return finishWithdrawn();
    const completion = await inbox.waitFor(task.taskId);
    if (!completion) continue; // cancelled outside the workflow: open a fresh task
    state.taskId = null;

    if (completion.outcome === 'request_info') {
      // The SLA clock pauses while the customer is asked; it resumes with what was left when the answer arrives.
      const question = String(completion.data.question).trim();
      state.sla = pauseSla(state.sla!, new Date(), policy.calendar);
      refreshDeadline();
      const askedAt = iso(Date.now());
      const replyBy = addBusinessDuration(new Date(), policy.infoReplyWithin, policy.calendar).toISOString();
      state.infoRequests.push({ question, askedAt, replyBy, answeredAt: null, answered: false });
      await acts.requestCustomerInfo({
        disputeId: input.disputeId,
        question,
        replyBy,
        n: state.infoRequests.length,
        by: completion.by,
        at: askedAt,
      });
      state.phase = 'awaiting_info';
      await condition(() => reply !== null || withdrawal !== null, Math.max(1, Date.parse(replyBy) - Date.now()));
      if (withdrawal) return finishWithdrawn();
      // Set by the update handler while the condition above waited (TypeScript cannot see that).
      const answer = reply as CustomerReply | null;
      reply = null;
      const request = state.infoRequests[state.infoRequests.length - 1]!;
      request.answeredAt = iso(Date.now());
      request.answered = answer !== null;
      await acts.recordCustomerReply({
        disputeId: input.disputeId,
        n: state.infoRequests.length,
        text: answer?.text ?? null,
        by: answer?.by ?? 'system',
        at: request.answeredAt,
      });
      state.sla = resumeSla(state.sla!, new Date());
      refreshDeadline();
      state.phase = 'open';
      await acts.recordDisputeRouting({
        disputeId: input.disputeId,
        queue: state.breachedAt ? policy.managerQueue : state.queue,
        slaDueAt: state.slaDueAt,
      });
      continue;
    }

    state.phase = 'resolving';
    const outcome = outcomeFrom(
      completion.outcome as Exclude<DisputeOutcomeKind, 'request_info'>,
      completion.data,
      completion.comment,
    );
    const result = await acts.resolveDisputeOutcome({
      disputeId: input.disputeId,
      outcome,
      by: completion.by,
      today: today(),
      invoicePolicy: input.invoicePolicy,
    });
    state.outcome = outcome;
    state.slaDueAt = null;
    state.dunningPaused = result.invoiceStatus === 'disputed';
    if (outcome.kind === 'payment_plan') {
      state.phase = 'payment_plan';
      state.instalments = outcome.instalments.map((i, n) => ({
        seq: n + 1,
        dueDate: i.dueDate,
        status: 'pending' as const,
      }));
      await trackInstalments();
    }
    break;
  }
  state.phase = 'closed';
  await condition(allHandlersFinished);
  return state;

  /** Each instalment is checked at the end of its due day plus grace; a miss ends the plan and dunning resumes. */
  async function trackInstalments(): Promise<void> {
    for (const instalment of state.instalments) {
      const checkAt = addDuration(new Date(`${instalment.dueDate}T00:00:00Z`), 'P1D');
      const at = addDuration(checkAt, policy.instalmentGrace).getTime();
      if (at > Date.now()) await sleep(at - Date.now());
      const check = await acts.checkDisputeInstalment({ disputeId: input.disputeId, seq: instalment.seq });
      instalment.status = check.status;
      if (check.settled) {
        for (const rest of state.instalments) if (rest.status === 'pending') rest.status = 'kept';
        state.dunningPaused = false;
        return;
      }
      if (check.status === 'missed') {
        for (const rest of state.instalments) if (rest.status === 'pending') rest.status = 'cancelled';
        state.dunningPaused = false;
        return;
      }
    }
    state.dunningPaused = false;
  }
}
