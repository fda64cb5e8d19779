// What the task completion route tells the decision audit (src/tasks/store/decision-audit.ts): before it hands a completion
// to the owning workflow, the decider's credential, display name, roles, authority and the policy version in force
// (the activity recording the completion writes the decision from it); and every attempt refused for authority by
// amount or four eyes, which never reaches the workflow but is what an auditor looks for first.
import type { FastifyRequest } from 'fastify';
import { approvalCeilingsOf } from '../../src/credit/rules/credit-policy.js';
import { auditedAmount, authorityUsed } from '../../src/tasks/rules/decision-audit.js';
import type { TaskCompletion } from '../../src/tasks/rules/tasks.js';
import {
  displayNameOf,
  recordRefusedAttempt,
  saveDecisionContext,
  type DecisionActor,
  type DecisionContext,
  type DecisionRefusal,
} from '../../src/tasks/store/decision-audit.js';
import type { TaskRecord } from '../../src/tasks/store/tasks.js';
import { actorOf, rolesOf } from '../http/actor.js';
import type { ApiDeps } from '../http/deps.js';
import { ProblemError } from '../http/problem.js';

type Body = { outcome: string; data?: Record<string, unknown>; comment?: string };

/** Refusals that are attempted decisions: above the decider's ceiling, or their own request / a second own approval. */
const AUDITED_REFUSALS = new Set<string>(['approval-authority', 'four-eyes'] satisfies DecisionRefusal['type'][]);

async function deciderOf(deps: ApiDeps, request: FastifyRequest): Promise<DecisionActor> {
  const identity = request.identity;
  const actor = actorOf(request);
  if (!identity) return { actor, kind: null, id: null, name: null, roles: [] };
  return {
    actor,
    kind: identity.kind,
    id: identity.subject,
    name: await displayNameOf(deps.orm.em.fork(), identity),
    roles: [...identity.roles],
  };
}

/** Dispute decisions answer to the dispute policy; approvals, overrides and other tasks to the credit policy's ceilings. */
const policyVersionFor = (deps: ApiDeps, task: TaskRecord) =>
  task.type.startsWith('dispute') ? deps.config.policy.dispute.version : deps.config.policy.credit.version;

function contextOf(
  deps: ApiDeps,
  request: FastifyRequest,
  task: TaskRecord,
  body: Body,
  approvals?: TaskCompletion['approvals'],
) {
  const amount = auditedAmount(task, body.data ?? {});
  return {
    authority: authorityUsed(rolesOf(request), amount, approvalCeilingsOf(deps.config.policy.credit), approvals),
    amount: amount ?? null,
    policyVersion: policyVersionFor(deps, task),
  };
}

/** Leaves the decider's context for the activity that records this completion. */
export async function leaveDecisionContext(
  deps: ApiDeps,
  request: FastifyRequest,
  task: TaskRecord,
  body: Body,
  approvals?: TaskCompletion['approvals'],
): Promise<void> {
  const { actor, ...decider } = await deciderOf(deps, request);
  const context: DecisionContext = { ...decider, ...contextOf(deps, request, task, body, approvals) };
  await saveDecisionContext(deps.orm.em.fork(), task.id, actor, context);
}

/** Runs a check of the completion; a refusal for authority or four eyes is stored as a `refused` attempt, then stands. */
export async function auditingRefusals<T>(
  deps: ApiDeps,
  request: FastifyRequest,
  task: TaskRecord | undefined,
  body: Body,
  check: () => Promise<T>,
): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (task && error instanceof ProblemError && error.status === 403 && AUDITED_REFUSALS.has(error.slug)) {
      const refusal: DecisionRefusal = {
        type: error.slug as DecisionRefusal['type'],
        status: error.status,
        detail: error.message,
        attempted: body.outcome,
      };
      await recordRefusedAttempt(deps.orm.em.fork(), {
        task,
        actor: await deciderOf(deps, request),
        context: contextOf(deps, request, task, body),
        refusal,
        data: body.data ?? {},
        comment: body.comment ?? null,
      });
    }
    throw error;
  }
}
