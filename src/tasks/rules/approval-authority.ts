// Authority by amount: how much each role may approve on its own, per currency, for every approval task (credit
// limits, credit overrides of held invoices, write-offs, and credit notes or refunds routed for approval). The
// ceilings are policy data (the credit policy's `approvalCeilings`); the API holds the person deciding to them, so a
// task in the wrong queue cannot be approved by someone without the authority. Above the highest ceiling an approval
// needs two different people of the top role. Pure: amounts are integer minor units.
import type { Role } from '../../auth/roles.js';
import { currencyExponent } from '../../shared/iso.js';
import { formatMajorUnits, type Money } from '../../shared/money.js';

/** Per currency (ISO 4217, `*` for any other), the most each role may approve alone, in minor units. */
export type ApprovalCeilings = Record<string, Partial<Record<Role, number>>>;

export const DEFAULT_APPROVAL_CEILINGS: ApprovalCeilings = {
  '*': { credit_manager: 5_000_000, finance_director: 25_000_000 },
  // Currencies without minor units carry the same ceilings in whole units.
  JPY: { credit_manager: 50_000, finance_director: 250_000 },
};

/**
 * A credit note above this amount (minor units, per currency, `*` for any other) is not issued at once: it waits for
 * a `credit_note_approval` task, decided within the ceilings above by someone other than who asked for it.
 */
export type ApprovalThresholds = Record<string, number>;

export const DEFAULT_CREDIT_NOTE_APPROVAL_ABOVE: ApprovalThresholds = { '*': 1_000_000, JPY: 10_000 };

/** Whether an amount needs an approval under a threshold table (a currency without an entry uses `*`). */
export function needsApproval(thresholds: ApprovalThresholds, amount: Money): boolean {
  const above = thresholds[amount.currency] ?? thresholds['*'];
  return above !== undefined && amount.amount > above;
}

/** The queue an approval of `amount` opens in: that of the lowest role whose ceiling covers it (else the top role's). */
export function approvalQueueFor(ceilings: ApprovalCeilings, amount: Money): string {
  const levels = ceilingsFor(ceilings, amount.currency);
  const cover = levels.find(([, upTo]) => amount.amount <= upTo) ?? levels.at(-1);
  return cover ? approvalQueueOf(cover[0]) : 'approvals';
}

/** Task types that are approvals of an amount; only their `approve` outcome is held to the ceilings. */
export const APPROVAL_TASK_TYPES = [
  'credit_approval',
  'credit_override',
  'write_off_proposal',
  'credit_note_approval',
  'refund_approval',
] as const;

/** How many different people must approve an amount above the highest ceiling. */
export const APPROVALS_ABOVE_HIGHEST_CEILING = 2;

/** The queue where a role decides approvals routed up to it (`finance_director` -> `finance-director`). */
export const approvalQueueOf = (role: Role): string => role.replace(/_/g, '-');

export const isApprovalTask = (type: string) => (APPROVAL_TASK_TYPES as readonly string[]).includes(type);

const isMoney = (value: unknown): value is Money =>
  typeof value === 'object' &&
  value !== null &&
  Number.isSafeInteger((value as Money).amount) &&
  typeof (value as Money).currency === 'string';

/**
 * The amount a task asks to approve, from its payload: `amount` (credit overrides and any newer approval task), the
 * recommended limit of a credit approval, or the overdue total of a write-off proposal (tasks opened before every
 * approval carried `amount` still answer).
 */
export function taskAmount(task: { type: string; payload: Record<string, unknown> }): Money | undefined {
  const p = task.payload;
  if (isMoney(p.amount)) return p.amount;
  if (task.type === 'credit_approval' && isMoney(p.recommended)) return p.recommended;
  if (task.type === 'write_off_proposal' && Number.isSafeInteger(p.overdueAmount)) {
    const currency = Array.isArray(p.invoices)
      ? (p.invoices[0] as { currency?: unknown } | undefined)?.currency
      : undefined;
    if (typeof currency === 'string') return { amount: p.overdueAmount as number, currency };
  }
  return undefined;
}

/** What an approval with `data` decides: a credit approval may enter its own limit; others approve the task's amount. */
export function decidedAmount(
  task: { type: string; payload: Record<string, unknown> },
  data: Record<string, unknown>,
): Money | undefined {
  const amount = taskAmount(task);
  if (!amount) return undefined;
  if (task.type === 'credit_approval' && Number.isSafeInteger(data.limit))
    return { amount: data.limit as number, currency: amount.currency };
  return amount;
}

export function ceilingsFor(ceilings: ApprovalCeilings, currency: string): [Role, number][] {
  const table = ceilings[currency] ?? ceilings['*'] ?? {};
  return (Object.entries(table) as [Role, number][]).sort((a, b) => a[1] - b[1]);
}

/** `5000000 EUR` -> `50,000.00 EUR`. */
export function formatAmount(value: Money): string {
  return `${formatMajorUnits(value.amount, currencyExponent(value.currency))} ${value.currency}`;
}

export type AuthorityVerdict =
  /** The caller may approve alone (or the task is not an approval of an amount). */
  | { kind: 'within' }
  /** Above the caller's ceiling: refused; `routeTo` is the lowest role whose ceiling covers it. */
  | {
      kind: 'above';
      role: Role | null;
      ceiling: Money | null;
      routeTo: { role: Role; queue: string } | null;
      detail: string;
    }
  /** Above every ceiling and the caller holds the highest: one of the approvals it needs. */
  | { kind: 'dual'; ceiling: Money; required: number };

/**
 * Whether the caller (by their roles) may approve `amount`. The caller's authority is the highest ceiling among
 * their roles; a role without a ceiling has no approval authority at all.
 */
export function authorityVerdict(
  roles: readonly string[],
  amount: Money | undefined,
  ceilings: ApprovalCeilings,
): AuthorityVerdict {
  if (!amount) return { kind: 'within' };
  const levels = ceilingsFor(ceilings, amount.currency);
  const own = levels.filter(([role]) => roles.includes(role)).at(-1);
  if (own && amount.amount <= own[1]) return { kind: 'within' };
  const top = levels.at(-1);
  if (own && top && own[0] === top[0])
    return {
      kind: 'dual',
      ceiling: { amount: top[1], currency: amount.currency },
      required: APPROVALS_ABOVE_HIGHEST_CEILING,
    };
  const cover = levels.find(([, upTo]) => amount.amount <= upTo) ?? top;
  const routeTo = cover ? { role: cover[0], queue: approvalQueueOf(cover[0]) } : null;
  const asked = formatAmount(amount);
  if (!own) {
    return {
      kind: 'above',
      role: null,
      ceiling: null,
      routeTo,
      detail: `Your roles (${roles.join(', ') || 'none'}) carry no approval authority for ${asked}.`,
    };
  }
  const ceiling = { amount: own[1], currency: amount.currency };
  const next = routeTo ? ` It is routed to the ${routeTo.role} queue (${routeTo.queue}).` : '';
  return {
    kind: 'above',
    role: own[0],
    ceiling,
    routeTo,
    detail: `${own[0]} may approve up to ${formatAmount(ceiling)}; approving ${asked} needs a higher authority.${next}`,
  };
}

/** Problems of a ceilings table (empty when valid): whole non-negative minor units, a `*` entry. */
export function approvalCeilingProblems(ceilings: ApprovalCeilings): string[] {
  const problems: string[] = [];
  if (!ceilings['*']) problems.push('approvalCeilings needs a "*" entry for other currencies');
  for (const [currency, table] of Object.entries(ceilings)) {
    for (const [role, upTo] of Object.entries(table)) {
      if (!Number.isSafeInteger(upTo) || (upTo as number) < 0)
        problems.push(`approvalCeilings.${currency}.${role} must be whole minor units, 0 or more`);
    }
  }
  return problems;
}
