// What the decision audit records about a task decision beyond the task itself: the amount decided and the approval
// authority the decider held for it (src/tasks/rules/approval-authority.ts). Pure, shared by the API (which knows the
// decider's roles) and the activity that records the completion (which falls back to these when the API left no
// context, e.g. a completion sent straight to the workflow).
import { ceilingsFor, decidedAmount, isApprovalTask, taskAmount, type ApprovalCeilings } from './approval-authority.js';
import type { Role } from '../../auth/roles.js';
import type { Money } from '../../shared/money.js';

/** The outcome an attempt refused before it reached the workflow (authority by amount, four eyes) is stored under. */
export const REFUSED_OUTCOME = 'refused';

export interface DecisionAuthority {
  /** The role whose ceiling allowed the decision (the top role when two approvals were needed). */
  role: Role | null;
  /** That role's ceiling in the decided currency; above the highest ceiling it is the highest one, exceeded. */
  ceiling: Money | null;
  /** `ceiling`: one person within their ceiling; `two_approvals`: above the highest, decided by several people. */
  basis: 'ceiling' | 'two_approvals';
  /** Everyone who approved, in order, when more than one approval was needed. */
  approvals?: { by: string; at: string }[];
}

/**
 * The amount a decision is about: for approvals what is approved (a credit approval's entered limit), otherwise an
 * amount the decider entered (a dispute's partial credit, as money or in the task's currency), else the task's own amount.
 */
export function auditedAmount(
  task: { type: string; payload: Record<string, unknown> },
  data: Record<string, unknown>,
): Money | undefined {
  if (isApprovalTask(task.type)) return decidedAmount(task, data);
  const entered = data.amount as Partial<Money> | number | undefined;
  if (
    typeof entered === 'object' &&
    entered !== null &&
    Number.isSafeInteger(entered.amount) &&
    typeof entered.currency === 'string'
  )
    return { amount: entered.amount!, currency: entered.currency };
  const base = taskAmount(task);
  if (base && Number.isSafeInteger(entered)) return { amount: entered as number, currency: base.currency };
  return base;
}

/**
 * The authority a decider used on `amount`: the highest ceiling among their roles in its currency, or, when the
 * decision took several approvals, the highest ceiling it went beyond. Null without an amount, or when the decider
 * holds no ceiling at all (a dispute handler settling a dispute: a duty, not an approval authority).
 */
export function authorityUsed(
  roles: readonly string[],
  amount: Money | undefined,
  ceilings: ApprovalCeilings,
  approvals?: { by: string; at: string }[],
): DecisionAuthority | null {
  if (!amount) return null;
  const levels = ceilingsFor(ceilings, amount.currency);
  if (approvals && approvals.length > 1) {
    const top = levels.at(-1);
    return {
      role: top?.[0] ?? null,
      ceiling: top ? { amount: top[1], currency: amount.currency } : null,
      basis: 'two_approvals',
      approvals,
    };
  }
  const own = levels.filter(([role]) => roles.includes(role)).at(-1);
  return own ? { role: own[0], ceiling: { amount: own[1], currency: amount.currency }, basis: 'ceiling' } : null;
}
