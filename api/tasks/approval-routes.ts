// The approval rules a task completion passes before its workflow hears of it: four eyes (nobody decides their own
// request, whatever their role or credential) and authority by amount (an approval above the decider's ceiling is
// refused and routed to the queue of the role whose ceiling covers it; above the highest ceiling it takes two
// different people of the top role). A refusal changes nothing about the thing approved.
import type { FastifyRequest } from 'fastify';
import {
  authorityVerdict,
  ceilingsFor,
  decidedAmount,
  formatAmount,
  isApprovalTask,
  type AuthorityVerdict,
} from '../../src/tasks/rules/approval-authority.js';
import { approvalCeilingsOf } from '../../src/credit/rules/credit-policy.js';
import type { TaskCompletion } from '../../src/tasks/rules/tasks.js';
import { approvalsOf, recordApproval, taskRequester, type RecordedApproval } from '../../src/tasks/store/approvals.js';
import type { TaskRecord } from '../../src/tasks/store/tasks.js';
import { routeTaskSignal } from '../../workflows/tasks/messages.js';
import { actorOf, isTaskManager, rolesOf } from '../http/actor.js';
import type { ApiDeps } from '../http/deps.js';
import { ProblemError, problems } from '../http/problem.js';

const ownRequest = (requester: string) =>
  new ProblemError(
    403,
    'four-eyes',
    'Not your own request',
    `${requester} requested what this task approves; another person must decide it.`,
    { requestedBy: requester },
  );

/** Four eyes: the requester of the thing a task decides may neither claim nor complete it (admins and API keys too). */
export async function requireOtherPerson(deps: ApiDeps, request: FastifyRequest, task: TaskRecord): Promise<void> {
  const requester = await taskRequester(deps.orm.em.fork(), task);
  if (requester !== null && requester === actorOf(request)) throw ownRequest(requester);
}

export type ApprovalGate =
  /** Hand the completion to the workflow with these extra fields. */
  | { kind: 'complete'; extra: Pick<TaskCompletion, 'authority' | 'approvals'> }
  /** One approval of several recorded; the workflow waits for the next person. */
  | { kind: 'recorded'; approvals: RecordedApproval[]; required: number };

const sameData = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  JSON.stringify(a.limit ?? null) === JSON.stringify(b.limit ?? null);

/** Routes the task to the queue that may decide it (the owning workflow moves its record), best effort. */
async function routeUp(
  deps: ApiDeps,
  task: TaskRecord,
  verdict: Extract<AuthorityVerdict, { kind: 'above' }>,
): Promise<void> {
  if (!verdict.routeTo || !task.workflowId || verdict.routeTo.queue === task.queue) return;
  await deps.temporal.workflow
    .getHandle(task.workflowId)
    .signal(routeTaskSignal, { taskId: task.id, queue: verdict.routeTo.queue, reason: verdict.detail })
    .catch(() => undefined); // a finished workflow has nothing to route; the refusal stands either way
}

/** Checks an approval against the decider's authority; rejections and other outcomes pass (within the duty). */
export async function approvalGate(
  deps: ApiDeps,
  request: FastifyRequest,
  task: TaskRecord,
  body: { outcome: string; data?: Record<string, unknown>; comment?: string },
): Promise<ApprovalGate> {
  if (body.outcome !== 'approve' || !isApprovalTask(task.type)) return { kind: 'complete', extra: {} };
  const data = body.data ?? {};
  const amount = decidedAmount(task, data);
  const verdict = authorityVerdict(rolesOf(request), amount, approvalCeilingsOf(deps.config.policy.credit));
  if (verdict.kind === 'within') {
    const own = ownCeiling(request, deps, amount?.currency);
    return { kind: 'complete', extra: own ? { authority: own } : {} };
  }
  if (verdict.kind === 'above') {
    await routeUp(deps, task, verdict);
    throw new ProblemError(403, 'approval-authority', 'Above your approval authority', verdict.detail, {
      ceiling: verdict.ceiling,
      role: verdict.role,
      routedTo: verdict.routeTo?.queue ?? null,
      errors: [
        {
          pointer: task.type === 'credit_approval' && data.limit !== undefined ? '/data/limit' : '/outcome',
          in: 'body',
          detail: verdict.detail,
        },
      ],
    });
  }
  // Above every ceiling: each approval is recorded and the task goes back to its queue, until enough different people
  // gave one (two approving at the same moment both count; either, or anyone, completing next finishes it).
  const actor = actorOf(request);
  const given = await approvalsOf(deps.orm.em.fork(), task.id);
  const approvers = [...new Set(given.map((a) => a.by))];
  const first = given[0];
  if (first && !sameData(first.data, data)) {
    throw problems.unprocessable(
      [
        {
          pointer: '/data/limit',
          in: 'body',
          detail: `must match the approval already given by ${first.by} (${JSON.stringify(first.data.limit ?? 'as recommended')})`,
        },
      ],
      'A later approval approves what the first did.',
    );
  }
  const firstBy = (by: string) => given.find((a) => a.by === by)!;
  const complete = (people: { by: string; at: string }[]): ApprovalGate => ({
    kind: 'complete',
    extra: { authority: { role: null, ceiling: null }, approvals: people },
  });
  if (approvers.length >= verdict.required) return complete(approvers.map((by) => ({ by, at: firstBy(by).at })));
  if (approvers.includes(actor)) {
    throw new ProblemError(
      403,
      'four-eyes',
      'Already approved by you',
      `You gave one of the ${verdict.required} approvals ${formatAmount(amount!)} needs; a different person must give the next.`,
    );
  }
  if (approvers.length + 1 < verdict.required) {
    const note = `Approval ${approvers.length + 1} of ${verdict.required} for ${formatAmount(amount!)} (above the ${formatAmount(verdict.ceiling)} a single approver may grant)${body.comment ? `: ${body.comment}` : ''}`;
    const approvals = await recordApproval(deps.orm.em.fork(), {
      taskId: task.id,
      actor,
      isManager: isTaskManager(request),
      data,
      note,
    });
    return { kind: 'recorded', approvals, required: verdict.required };
  }
  return complete([
    ...approvers.map((by) => ({ by, at: firstBy(by).at })),
    { by: actor, at: new Date().toISOString() },
  ]);
}

/** The caller's own ceiling in a currency, for the workflow's validator (undefined: no amount, no ceiling to pass). */
function ownCeiling(
  request: FastifyRequest,
  deps: ApiDeps,
  currency: string | undefined,
): TaskCompletion['authority'] | undefined {
  if (!currency) return undefined;
  const best = ceilingsFor(approvalCeilingsOf(deps.config.policy.credit), currency)
    .filter(([role]) => rolesOf(request).includes(role))
    .at(-1);
  return best ? { role: best[0], ceiling: best[1] } : undefined;
}
