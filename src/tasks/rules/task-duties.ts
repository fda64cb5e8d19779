// Who may work which task: duties as data. A task is worked (claimed, completed, its payload read) only by a role
// named for its type and, where its queue narrows it (a credit approval routed to the finance director by the
// authority matrix), for that queue too. Managers may still reassign or release any task, and auditors read all, but
// neither completes work outside their duties: routing means something only if nobody else can decide.
// docs/access.md renders this table (src/auth/access-doc.ts), so the documentation cannot drift from what is enforced.
import type { Role } from '../../auth/roles.js';

export interface TaskDuty {
  /** The task type, or a prefix ending in `_*` for a family of types (dunning_letter, dunning_sms, ...). */
  type: string;
  /** What the work is, for the access guide. */
  work: string;
  roles: readonly Role[];
  /** Queues of this type that only some of `roles` may work (e.g. the approver the authority matrix chose). */
  queues?: Readonly<Record<string, readonly Role[]>>;
}

/**
 * The manager's queue: where a task still open at its deadline moves to unless its policy names another. Each duty
 * below lets the finance director work its type there (the approvals only the director; operational work the director
 * or the people of the original duty, so the director can hand it back).
 */
export const MANAGER_QUEUE = 'finance-director';

const QUEUE_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;
export const isQueueName = (value: string): boolean => QUEUE_NAME.test(value);

export const TASK_DUTIES: readonly TaskDuty[] = [
  {
    type: 'credit_override',
    work: 'release or keep an invoice held over the credit limit',
    roles: ['credit_manager', 'finance_director'],
    // An override above the credit manager's approval ceiling is routed up to the finance director.
    queues: { 'finance-director': ['finance_director'] },
  },
  {
    type: 'credit_approval',
    work: 'approve or decline a credit limit',
    roles: ['credit_manager', 'finance_director'],
    queues: { 'credit-manager': ['credit_manager', 'finance_director'], 'finance-director': ['finance_director'] },
  },
  {
    type: 'credit_note_approval',
    work: 'approve or refuse a credit note above the approval threshold',
    roles: ['credit_manager', 'finance_director'],
    queues: { 'finance-director': ['finance_director'] },
  },
  { type: 'write_off_proposal', work: 'approve or reject a bad-debt write-off', roles: ['finance_director'] },
  {
    type: 'dispute_acknowledgement',
    work: 'acknowledge a customer dispute',
    roles: ['dispute_handler'],
    // Past its deadline it moves to the dispute managers' queue, where the finance director may acknowledge it too.
    queues: { 'disputes-managers': ['dispute_handler', 'finance_director'] },
  },
  {
    type: 'dispute_resolution',
    work: 'resolve a customer dispute (credit note, rejection, ...)',
    roles: ['dispute_handler'],
  },
  {
    type: 'collection_call',
    work: 'call an overdue customer and log the contact',
    roles: ['collector'],
    queues: { [MANAGER_QUEUE]: ['finance_director', 'collector'] },
  },
  {
    type: 'dunning_*',
    work: 'send a dunning letter or text message by hand',
    roles: ['collector'],
    queues: { [MANAGER_QUEUE]: ['finance_director', 'collector'] },
  },
  {
    type: 'unapplied_cash_research',
    work: 'identify the payer of unapplied cash or apply customer credit',
    roles: ['ar_clerk'],
    queues: { [MANAGER_QUEUE]: ['finance_director', 'ar_clerk'] },
  },
];

/** Roles that read every task (not work it): oversight. */
export const TASK_OVERSIGHT_ROLES: readonly Role[] = ['admin', 'finance_director', 'auditor'];

export function dutyFor(type: string): TaskDuty | undefined {
  return (
    TASK_DUTIES.find((d) => d.type === type) ??
    TASK_DUTIES.find((d) => d.type.endsWith('_*') && type.startsWith(d.type.slice(0, -1)))
  );
}

/** The roles that may work a task of this type in this queue; none for a type nobody was given (refused to all). */
export function rolesForTask(task: { type: string; queue: string }): readonly Role[] {
  const duty = dutyFor(task.type);
  if (!duty) return [];
  return duty.queues?.[task.queue] ?? duty.roles;
}

/**
 * An administrator reads every task but works only the duties above name: administering the system is not a licence
 * to decide credit or write off debt, and a break-glass completion would bypass both the ceilings and four eyes.
 */
export function mayWork(roles: readonly string[], task: { type: string; queue: string }): boolean {
  const allowed = rolesForTask(task) as readonly string[];
  return roles.some((r) => allowed.includes(r));
}

export function mayRead(roles: readonly string[], task: { type: string; queue: string }): boolean {
  return mayWork(roles, task) || roles.some((r) => (TASK_OVERSIGHT_ROLES as readonly string[]).includes(r));
}

/** The task types (exact or prefix) a caller may work, for filtering the inbox in the database. */
export function workableTypes(roles: readonly string[]): { exact: string[]; prefixes: string[] } {
  const exact: string[] = [];
  const prefixes: string[] = [];
  for (const duty of TASK_DUTIES) {
    const anyQueue = [...duty.roles, ...Object.values(duty.queues ?? {}).flat()];
    if (!roles.some((r) => (anyQueue as readonly string[]).includes(r))) continue;
    if (duty.type.endsWith('_*')) prefixes.push(duty.type.slice(0, -1));
    else exact.push(duty.type);
  }
  return { exact, prefixes };
}

/** Why a caller may not work a task, naming who may (for the 403 problem). */
export function dutyRefusal(roles: readonly string[], task: { type: string; queue: string }): string | undefined {
  if (mayWork(roles, task)) return undefined;
  const allowed = rolesForTask(task);
  return allowed.length
    ? `A ${task.type.replace(/_/g, ' ')} task in queue ${task.queue} is worked by ${allowed.join(' or ')}; your roles (${roles.join(', ') || 'none'}) do not include it.`
    : `Nobody has the duty for ${task.type} tasks; the task policy must name a role first.`;
}
