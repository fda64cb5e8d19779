// The live state the `invoice-<id>` workflow keeps and answers to queries, and the pure rules that change it.
// The `invoice` row is the record of truth: balance-change signals and activity snapshots are mirrored here.
import { isOpenStatus, type InvoiceStatus } from './invoice-status.js';
import { overdueAt, reminderAt, type InvoicePolicy } from './invoice-policy.js';

/** What an activity read from (or committed to) the invoice row. */
export interface InvoiceSnapshot {
  exists: boolean;
  status: InvoiceStatus;
  openAmount: number;
  /**
   * For an invoice payable in instalments: the due date of the earliest instalment the payments have not covered
   * (src/invoices/rules/invoice-age.ts), where the overdue step waits instead of the invoice's own (last) due date. Absent for
   * single-payment invoices and in snapshots recorded before instalments were read.
   */
  pastDueFrom?: string;
}

export interface InvoiceBalanceEvent {
  at: string;
  openAmount: number;
  cause: string;
  source: string;
}

/**
 * The step the workflow takes next; `held` waits for a credit override before delivery; `watch` waits for the balance
 * to reach zero (collections picks up from there).
 */
export type InvoicePhase = 'held' | 'deliver' | 'remind' | 'overdue' | 'watch' | 'closed';

export interface InvoiceWorkflowState {
  invoiceId: string;
  customerId: string;
  currency: string;
  totalAmount: number;
  openAmount: number;
  status: InvoiceStatus;
  dueDate: string;
  phase: InvoicePhase;
  policyVersion: string;
  reminderAt: string;
  overdueAt: string;
  deliveredAt: string | null;
  remindedAt: string | null;
  reminderSkipped: boolean;
  /** Date the invoice became overdue: the hand-off point to collections (a later workflow reads it). */
  overdueSince: string | null;
  closedAt: string | null;
  /** The row disappeared (its issuing transaction rolled back after the workflow started): nothing to do. */
  recordMissing: boolean;
  /** Last balance changes, newest last, bounded so a continued run starts small. */
  balanceEvents: InvoiceBalanceEvent[];
  /**
   * Instalment invoices only: the earliest unpaid instalment's due date, from which `reminderAt` and `overdueAt` are
   * counted (absent: both count from `dueDate`).
   */
  pastDueFrom?: string;
  /** The credit override of an invoice issued `held` (absent for invoices that were never held). */
  creditOverride?: {
    taskId: string | null;
    outcome: 'approve' | 'reject' | null;
    by: string | null;
    at: string | null;
  };
}

export const MAX_BALANCE_EVENTS = 20;

export function initialInvoiceState(input: {
  invoiceId: string;
  customerId: string;
  currency: string;
  totalAmount: number;
  dueDate: string;
  policy: InvoicePolicy;
  creditHold?: unknown;
}): InvoiceWorkflowState {
  const held = Boolean(input.creditHold);
  return {
    ...(held ? { creditOverride: { taskId: null, outcome: null, by: null, at: null } } : {}),
    invoiceId: input.invoiceId,
    customerId: input.customerId,
    currency: input.currency,
    totalAmount: input.totalAmount,
    openAmount: input.totalAmount,
    status: held ? 'held' : 'issued',
    dueDate: input.dueDate,
    phase: held ? 'held' : 'deliver',
    policyVersion: input.policy.version,
    reminderAt: reminderAt(input.dueDate, input.policy).toISOString(),
    overdueAt: overdueAt(input.dueDate, input.policy).toISOString(),
    deliveredAt: null,
    remindedAt: null,
    reminderSkipped: false,
    overdueSince: null,
    closedAt: null,
    recordMissing: false,
    balanceEvents: [],
  };
}

export function isInvoiceClosed(state: InvoiceWorkflowState): boolean {
  return state.phase === 'closed';
}

function close(state: InvoiceWorkflowState, now: Date): InvoiceWorkflowState {
  return { ...state, phase: 'closed', closedAt: state.closedAt ?? now.toISOString() };
}

/** Mirrors what an activity read from the row; a closed status (or a missing row) closes the workflow. */
export function applyInvoiceSnapshot(
  state: InvoiceWorkflowState,
  snapshot: InvoiceSnapshot,
  now: Date,
): InvoiceWorkflowState {
  if (!snapshot.exists) return close({ ...state, recordMissing: true }, now);
  const next = { ...state, status: snapshot.status, openAmount: snapshot.openAmount };
  return isOpenStatus(snapshot.status) ? next : close(next, now);
}

/**
 * Mirrors a balance-change signal. The signal does not close the workflow by itself: reaching zero asks the workflow
 * to confirm against the row (signals from concurrent allocations may arrive out of order).
 */
export function applyBalanceChange(
  state: InvoiceWorkflowState,
  change: { openAmount: number; cause: string; source: string; status?: InvoiceStatus },
  now: Date,
): InvoiceWorkflowState {
  const event = { at: now.toISOString(), openAmount: change.openAmount, cause: change.cause, source: change.source };
  return {
    ...state,
    openAmount: change.openAmount,
    status: change.status ?? (change.openAmount === 0 ? 'paid' : state.status),
    balanceEvents: [...state.balanceEvents, event].slice(-MAX_BALANCE_EVENTS),
  };
}

/**
 * Moves the courtesy reminder and the overdue moment to the earliest unpaid instalment's due date: an instalment
 * schedule falls due piece by piece, and the first piece left unpaid makes the invoice overdue (and dunned).
 */
export function schedulePastDue(
  state: InvoiceWorkflowState,
  pastDueFrom: string,
  policy: InvoicePolicy,
): InvoiceWorkflowState {
  if (state.pastDueFrom === pastDueFrom) return state;
  return {
    ...state,
    pastDueFrom,
    reminderAt: reminderAt(pastDueFrom, policy).toISOString(),
    overdueAt: overdueAt(pastDueFrom, policy).toISOString(),
  };
}

/** Whether the mirrored state says the invoice may be settled (to be confirmed against the row). */
export function looksSettled(state: InvoiceWorkflowState): boolean {
  return state.phase !== 'closed' && (state.openAmount === 0 || !isOpenStatus(state.status));
}

/** The instant the current phase waits for (none for `deliver`, `watch` and `closed`). */
export function phaseDueAt(state: InvoiceWorkflowState): Date | undefined {
  if (state.phase === 'remind') return new Date(state.reminderAt);
  if (state.phase === 'overdue') return new Date(state.overdueAt);
  return undefined;
}

/** After delivery: remind if there is still time before the reminder instant, else go straight to the overdue wait. */
export function afterDelivery(state: InvoiceWorkflowState, deliveredAt: Date): InvoiceWorkflowState {
  const remind = deliveredAt.getTime() < Date.parse(state.reminderAt);
  return {
    ...state,
    deliveredAt: deliveredAt.toISOString(),
    phase: remind ? 'remind' : 'overdue',
    reminderSkipped: !remind,
  };
}

/**
 * The state an invoice workflow starts in when the invoice exists already and was delivered (an imported invoice or
 * opening balance, an invoice a reversal opened again): the reminder still ahead, else straight to the overdue step,
 * which flips it and hands it to collections at once when its due date (of the earliest unpaid instalment) has
 * passed. Every path that makes an existing invoice open and due starts here, so it reaches collections one way.
 */
export function resumedInvoiceState(
  input: Parameters<typeof initialInvoiceState>[0],
  row: { openAmount: number; status: InvoiceStatus; pastDueFrom?: string },
  now: Date,
): InvoiceWorkflowState {
  const base = { ...initialInvoiceState(input), openAmount: row.openAmount, status: row.status };
  return afterDelivery(row.pastDueFrom ? schedulePastDue(base, row.pastDueFrom, input.policy) : base, now);
}
