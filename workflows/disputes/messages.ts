// Queries and updates of the dispute workflow (`dispute-<id>`). The API imports these definitions (and types) only.
// Task completions arrive through the task inbox's `completeTask` update (workflows/tasks/messages.ts).
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { SlaClock } from '../../src/shared/business-days.js';
import type { DisputeOutcome } from '../../src/disputes/rules/dispute.js';

export type DisputePhase =
  | 'starting'
  | 'acknowledging'
  | 'open'
  | 'awaiting_info'
  | 'resolving'
  | 'payment_plan'
  | 'closed';

export interface DisputeWorkflowState {
  disputeId: string;
  phase: DisputePhase;
  policyVersion: string;
  queue: string | null;
  /** The resolution SLA clock in business time (paused while the customer is asked for information). */
  sla: SlaClock | null;
  /** The resolution deadline while the clock runs; null while paused or once resolved. */
  slaDueAt: string | null;
  breachedAt: string | null;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  /** The task a person works now (acknowledgement or resolution). */
  taskId: string | null;
  /** Resolution tasks opened so far (a new one after each customer reply). */
  rounds: number;
  infoRequests: { question: string; askedAt: string; replyBy: string; answeredAt: string | null; answered: boolean }[];
  outcome: DisputeOutcome | { kind: 'withdrawn'; reason: string; by: string } | null;
  instalments: { seq: number; dueDate: string; status: 'pending' | 'kept' | 'missed' | 'cancelled' }[];
  dunningPaused: boolean;
  recordMissing: boolean;
}

export const disputeStateQuery = defineQuery<DisputeWorkflowState>('disputeState');

/** The customer's answer to a request for information; refused (DisputeNotAwaitingInfo) unless one is pending. */
export interface CustomerReply {
  text: string;
  by: string;
}
export const customerReplyUpdate = defineUpdate<{ accepted: true }, [CustomerReply]>('customerReply');

/** Withdraw the dispute; refused (DisputeClosed) once a decision is being applied or the dispute ended. */
export interface DisputeWithdrawal {
  by: string;
  reason: string;
}
export const withdrawDisputeUpdate = defineUpdate<{ accepted: true }, [DisputeWithdrawal]>('withdrawDispute');

/** Failure types of the dispute updates, for the API's 409 mapping. */
export const DisputeFailureType = { notAwaitingInfo: 'DisputeNotAwaitingInfo', closed: 'DisputeClosed' } as const;
