// The credit note approval workflow `credit-note-approval-<creditNoteId>`: a credit note above the approval
// threshold (credit policy) waits for a `credit_note_approval` task in the queue of the role whose ceiling covers its
// amount; approve issues it (under the id it was requested with, so a retry never credits twice), reject records
// why and issues nothing. A credit note the invoice no longer allows (paid meanwhile) ends as refused, not FAILED.
import { allHandlersFinished, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { CreditNoteApprovalActivities } from '../../activities/invoices/credit-note-approvals.js';
import { overrideProblems } from '../../src/credit/rules/credit-decision.js';
import type { Money } from '../../src/shared/money.js';
import { creditNoteApprovalQuery, type CreditNoteApprovalState } from './messages.js';
import { MANAGER_QUEUE } from '../../src/tasks/rules/task-duties.js';
import { deadlineAfter, escalateAtDeadline } from '../tasks/task-deadlines.js';
import { installTaskInbox } from '../tasks/task-inbox.js';
import { DURABLE_STEP } from '../shared/activity-options.js';

const { issueApprovedCreditNote } = proxyActivities<CreditNoteApprovalActivities>(DURABLE_STEP);

export interface CreditNoteApprovalInput {
  creditNoteId: string;
  invoiceId: string;
  invoiceNumber: string;
  customerId: string;
  amount: Money;
  reason: string;
  requestedBy: string;
  /** The approval queue chosen by the ceilings when it was requested. */
  queue: string;
  /** The approval's SLA, and its deadline. */
  sla: string;
  /** Where the approval moves if still open at its deadline (credit policy); absent in inputs recorded before. */
  escalateTo?: string;
}

export async function creditNoteApprovalWorkflow(input: CreditNoteApprovalInput): Promise<CreditNoteApprovalState> {
  let state: CreditNoteApprovalState = {
    status: 'awaiting_approval',
    taskId: null,
    decidedBy: null,
    comment: null,
    creditNoteNumber: null,
    refusal: null,
  };
  setHandler(creditNoteApprovalQuery, () => state);
  // Approve, or reject with a reason: the same rule as a credit override.
  const inbox = installTaskInbox({ validate: (_task, completion) => overrideProblems(completion) });
  const task = await inbox.open({
    key: 'approve-credit-note',
    type: 'credit_note_approval',
    queue: input.queue,
    title: `Approve a credit note of ${input.amount.amount} ${input.amount.currency} on invoice ${input.invoiceNumber}`,
    subjectType: 'invoice',
    subjectId: input.invoiceId,
    customerId: input.customerId,
    sla: input.sla,
    payload: {
      creditNoteId: input.creditNoteId,
      invoiceId: input.invoiceId,
      invoiceNumber: input.invoiceNumber,
      amount: input.amount,
      reason: input.reason,
      requestedBy: input.requestedBy,
      outcomes: ['approve', 'reject'],
    },
  });
  state = { ...state, taskId: task.taskId };
  escalateAtDeadline(inbox, task, { dueAt: deadlineAfter(input.sla), escalateTo: input.escalateTo ?? MANAGER_QUEUE });
  const done = (await inbox.waitFor(task.taskId))!;
  const comment = done.comment ?? (typeof done.data.reason === 'string' ? done.data.reason : null);
  if (done.outcome === 'approve') {
    const issued = await issueApprovedCreditNote({
      creditNoteId: input.creditNoteId,
      invoiceId: input.invoiceId,
      amount: input.amount,
      reason: input.reason,
      requestedBy: input.requestedBy,
      approvedBy: (done.approvals ?? [{ by: done.by }]).map((a) => a.by),
      taskId: task.taskId,
    });
    state = issued.issued
      ? { ...state, status: 'issued', decidedBy: done.by, comment, creditNoteNumber: issued.number }
      : { ...state, status: 'refused', decidedBy: done.by, comment, refusal: issued.refusal };
  } else {
    state = { ...state, status: 'rejected', decidedBy: done.by, comment };
  }
  await condition(allHandlersFinished);
  return state;
}
