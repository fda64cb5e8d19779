// The invoice lifecycle workflow `invoice-<id>`: delivers the invoice, sends a courtesy reminder before the due date,
// flips it to overdue when the due date passes (recording `overdueSince`, where collections takes over), and closes
// when the balance reaches zero. Balance changes arrive as signals from whoever committed them (allocations, credit
// notes); timers are durable, so a worker restart loses nothing. Policy (offsets) is input, recorded in history.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { CreditActivities } from '../../activities/credit/credit.js';
import type { InvoiceActivities } from '../../activities/invoices/invoice.js';
import { validateInvoicePolicy, type InvoicePolicy } from '../../src/invoices/rules/invoice-policy.js';
import { addDuration } from '../../src/shared/duration.js';
import {
  afterDelivery,
  applyBalanceChange,
  applyInvoiceSnapshot,
  initialInvoiceState,
  isInvoiceClosed,
  looksSettled,
  phaseDueAt,
  schedulePastDue,
  type InvoiceSnapshot,
  type InvoiceWorkflowState,
} from '../../src/invoices/rules/invoice-workflow-state.js';
import { overrideProblems, type InvoiceCreditHold } from '../../src/credit/rules/credit-decision.js';
import { CREDIT_OVERRIDE_QUEUE } from '../../src/credit/rules/credit-policy.js';
import { MANAGER_QUEUE } from '../../src/tasks/rules/task-duties.js';
import { invoiceBalanceChangedSignal, invoiceStateQuery } from './messages.js';
import { deadlineAfter, escalateAtDeadline } from '../tasks/task-deadlines.js';
import { installTaskInbox } from '../tasks/task-inbox.js';
import { DURABLE_STEP } from '../shared/activity-options.js';

// The overdue step (flip and hand-off to collections) retries as long as it takes: an overdue invoice must reach
// collections.
const { sendCourtesyReminder, markInvoiceOverdueAndStartCollection, loadInvoiceSnapshot } =
  proxyActivities<InvoiceActivities>(DURABLE_STEP);

const { releaseHeldInvoice, rejectHeldInvoice } = proxyActivities<CreditActivities>(DURABLE_STEP);

// Delivery's first attempt often runs before the issuing transaction commits: retry soon, then back off. The activity
// counts a row still missing at attempt MISSING_AFTER_ATTEMPTS (about three minutes on this schedule) as rolled back.
const { deliverInvoice } = proxyActivities<InvoiceActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export interface InvoiceWorkflowInput {
  invoiceId: string;
  customerId: string;
  currency: string;
  totalAmount: number;
  dueDate: string;
  policy: InvoicePolicy;
  /** The credit check held the invoice at issue: a credit override decides before delivery. */
  creditHold?: InvoiceCreditHold;
  /** Present when the workflow continued as new: the state it carries over. */
  state?: InvoiceWorkflowState;
}

export async function invoiceWorkflow(input: InvoiceWorkflowInput): Promise<InvoiceWorkflowState> {
  validateInvoicePolicy(input.policy);
  let state = input.state ?? initialInvoiceState(input);
  const step = { invoiceId: input.invoiceId };

  setHandler(invoiceStateQuery, () => state);
  let changedDuringActivity = false;
  setHandler(invoiceBalanceChangedSignal, (change) => {
    if (isInvoiceClosed(state)) return;
    state = applyBalanceChange(state, change, new Date());
    changedDuringActivity = true;
  });
  // The credit override of a held invoice is a task in the shared inbox; its completion arrives as an update.
  const inbox = installTaskInbox({
    validate: (task, completion) => (task.type === 'credit_override' ? overrideProblems(completion) : []),
  });

  /**
   * Runs an activity that reads the invoice row and mirrors what it read. An activity's snapshot can predate a
   * balance change signalled while it ran (a cancel during delivery); then the row is read again, so the older
   * snapshot cannot overwrite the newer news and leave the workflow waiting on a timer for a closed invoice.
   */
  async function mirror<T extends InvoiceSnapshot>(read: () => Promise<T>): Promise<T> {
    changedDuringActivity = false;
    const snapshot = await read();
    state = applyInvoiceSnapshot(state, snapshot, new Date());
    if (changedDuringActivity && !isInvoiceClosed(state)) {
      state = applyInvoiceSnapshot(state, await loadInvoiceSnapshot(step), new Date());
    }
    followInstalments(snapshot);
    return snapshot;
  }

  /**
   * An invoice payable in instalments waits for its earliest unpaid instalment (snapshots name its due date) rather
   * than its own last due date.
   */
  function followInstalments(snapshot: InvoiceSnapshot): void {
    if (snapshot.pastDueFrom && !isInvoiceClosed(state))
      state = schedulePastDue(state, snapshot.pastDueFrom, input.policy);
  }

  // The delivery activity itself waits for the issuing commit. An invoice issued over the credit limit (or to an
  // account on hold) waits here for a credit override: approve releases it to delivery, reject cancels it.
  if (state.phase === 'held' && input.creditHold) {
    await awaitCreditOverride(input.creditHold);
  } else if (state.phase === 'held') {
    state = { ...state, phase: 'deliver' };
  }

  while (!isInvoiceClosed(state)) {
    if (looksSettled(state)) {
      // A signal said zero (or closed): confirm against the row, since signals of concurrent changes can cross.
      state = applyInvoiceSnapshot(state, await loadInvoiceSnapshot(step), new Date());
      if (isInvoiceClosed(state)) break;
    }
    if (state.phase === 'deliver') {
      const delivery = await mirror(() => deliverInvoice(step));
      // An invoice settled while it was being delivered still records the delivery that happened.
      if (!isInvoiceClosed(state)) state = afterDelivery(state, new Date());
      else if (delivery.deliveredAt) state = { ...state, deliveredAt: delivery.deliveredAt };
      continue;
    }
    const dueAt = phaseDueAt(state);
    // Watching an overdue balance has no timer of its own; the row is re-read every `reconcileEvery`, so a balance
    // signal lost with the process that was to send it delays closing by at most that.
    const reconcileAt =
      dueAt === undefined && state.phase === 'watch' && input.policy.reconcileEvery
        ? addDuration(new Date(), input.policy.reconcileEvery)
        : undefined;
    const wakeAt = dueAt ?? reconcileAt;
    const wait = () => looksSettled(state) || workflowInfo().continueAsNewSuggested;
    if (wakeAt === undefined) await condition(wait);
    else if (wakeAt.getTime() > Date.now()) await condition(wait, wakeAt.getTime() - Date.now());
    if (looksSettled(state)) continue;
    if (reconcileAt && Date.now() >= reconcileAt.getTime()) {
      state = applyInvoiceSnapshot(state, await loadInvoiceSnapshot(step), new Date());
      continue;
    }
    if (dueAt === undefined || Date.now() < dueAt.getTime()) {
      // Woken only because the history is long: continue with the same state (timers are recomputed from it).
      await condition(allHandlersFinished);
      return continueAsNew<typeof invoiceWorkflow>({ ...input, state });
    }
    if (state.phase === 'overdue' && state.pastDueFrom) {
      // A payment since the timer was set may have covered that instalment: the next unpaid one decides.
      await mirror(() => loadInvoiceSnapshot(step));
      if (isInvoiceClosed(state) || Date.now() < Date.parse(state.overdueAt)) continue;
    }
    if (state.phase === 'remind') {
      const reminded = await mirror(() => sendCourtesyReminder(step));
      state = { ...state, remindedAt: reminded.reminded ? new Date().toISOString() : null };
      if (!isInvoiceClosed(state)) state = { ...state, phase: 'overdue' };
    } else if (state.phase === 'overdue') {
      // The flip and the hand-off to collections are one activity: when thousands of invoices fall due at once, each
      // costs one activity and one workflow task fewer.
      const overdueSince = new Date().toISOString().slice(0, 10);
      await mirror(() =>
        markInvoiceOverdueAndStartCollection({
          ...step,
          customerId: input.customerId,
          overdueSince,
          overdueAt: new Date().toISOString(),
        }),
      );
      if (!isInvoiceClosed(state)) state = { ...state, phase: 'watch', overdueSince };
    }
  }
  await condition(allHandlersFinished);
  return state;

  async function awaitCreditOverride(hold: InvoiceCreditHold): Promise<void> {
    const task = await inbox.open({
      key: 'credit-override',
      type: 'credit_override',
      queue: CREDIT_OVERRIDE_QUEUE,
      title: `Credit override: invoice for ${input.totalAmount} ${input.currency} (${hold.reasons.join(', ')})`,
      subjectType: 'invoice',
      subjectId: input.invoiceId,
      customerId: input.customerId,
      sla: hold.overrideSla,
      payload: {
        ...hold,
        invoiceId: input.invoiceId,
        amount: { amount: input.totalAmount, currency: input.currency },
        outcomes: ['approve', 'reject'],
      },
    });
    state = { ...state, creditOverride: { taskId: task.taskId, outcome: null, by: null, at: null } };
    // Still held at the override deadline: the override moves to the manager's queue (policy).
    escalateAtDeadline(inbox, task, {
      dueAt: deadlineAfter(hold.overrideSla),
      escalateTo: hold.escalateTo ?? MANAGER_QUEUE,
    });
    // A cancel (credit note) while held closes the invoice; then the task is no longer needed.
    await condition(() => !inbox.isOpen(task.taskId) || looksSettled(state));
    if (inbox.isOpen(task.taskId)) {
      await inbox.cancel(task.taskId, 'the invoice was settled or cancelled while held');
      state = applyInvoiceSnapshot(state, await loadInvoiceSnapshot(step), new Date());
      if (!isInvoiceClosed(state)) state = { ...state, phase: 'deliver' };
      return;
    }
    const done = await inbox.waitFor(task.taskId);
    const decision = {
      taskId: task.taskId,
      outcome: done?.outcome ?? 'reject',
      by: done?.by ?? 'system',
      comment: done?.comment ?? (done?.data.reason as string | undefined) ?? null,
    };
    const at = new Date().toISOString();
    if (decision.outcome === 'approve') {
      state = applyInvoiceSnapshot(state, await releaseHeldInvoice({ ...step, ...decision }), new Date());
      state = { ...state, creditOverride: { taskId: task.taskId, outcome: 'approve', by: decision.by, at } };
      if (!isInvoiceClosed(state)) state = { ...state, phase: 'deliver' };
    } else {
      state = applyInvoiceSnapshot(state, await rejectHeldInvoice({ ...step, ...decision }), new Date());
      state = { ...state, creditOverride: { taskId: task.taskId, outcome: 'reject', by: decision.by, at } };
    }
  }
}
