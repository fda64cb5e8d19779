// The human task inbox: list and search tasks, claim, release, reassign, comment, and complete. Completion is a
// Temporal update on the workflow that owns the task; its validator decides what outcomes are acceptable, so a
// refused completion changes nothing (422), a second completion is a 409 and only the claimant or a manager may act.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { slaState, TaskFailureType, type TaskStatus } from '../../src/tasks/rules/tasks.js';
import {
  addTaskComment,
  assignTask,
  checkCompletion,
  claimTask,
  findTask,
  listTasks,
  releaseTask,
  taskActivity,
  taskCursor,
  TaskRefusalError,
  type TaskRecord,
} from '../../src/tasks/store/tasks.js';
import { completeTaskUpdate } from '../../workflows/tasks/messages.js';
import { dutyRefusal, mayRead, TASK_OVERSIGHT_ROLES, workableTypes } from '../../src/tasks/rules/task-duties.js';
import { actorOf, isTaskManager, rolesOf } from '../http/actor.js';
import type { ApiDeps } from '../http/deps.js';
import { IdempotencyHeaders } from '../http/idempotency.js';
import { decodeCursor, encodeCursor } from '../http/pagination.js';
import { ProblemError, problems } from '../http/problem.js';
import { problemResponses, UuidParams } from '../http/common-schemas.js';
import {
  AssignBody,
  CommentBody,
  CompleteBody,
  CompletionResultSchema,
  IfMatchHeaders,
  PendingApprovalSchema,
  TaskActivitySchema,
  TaskDetailSchema,
  TaskListQuery,
  TaskSchema,
} from './schemas.js';
import { expectedVersion } from '../http/if-match.js';
import { approvalPolicyRoutes } from './approval-policy-routes.js';
import { approvalGate, requireOtherPerson } from './approval-routes.js';
import { auditingRefusals, leaveDecisionContext } from './decision-routes.js';
import type { FieldProblem } from '../../src/shared/field-problem.js';
import { isUpdateFailed, isWorkflowNotFound } from '../../src/temporal/errors.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function taskView(task: TaskRecord, now = new Date()) {
  return {
    id: task.id,
    type: task.type,
    queue: task.queue,
    status: task.status,
    title: task.title,
    subject: { type: task.subjectType, id: task.subjectId },
    customerId: task.customerId,
    workflowId: task.workflowId,
    assignee: task.assignee,
    sla: {
      dueAt: iso(task.slaDueAt),
      state: slaState({ slaDueAt: task.slaDueAt, createdAt: task.createdAt, closedAt: task.completedAt, now }),
    },
    payload: task.payload,
    outcome: task.outcome,
    version: task.version,
    createdAt: task.createdAt.toISOString(),
    claimedAt: iso(task.claimedAt),
    escalatedAt: iso(task.escalatedAt),
    completedAt: iso(task.completedAt),
  };
}

const etag = (task: TaskRecord) => `"${task.id}.${task.version}"`;

/**
 * The caller may work this task (its type's and queue's duty) and did not request what it decides (four eyes): else
 * 403 naming who may, and nothing changes.
 */
async function requireDuty(deps: ApiDeps, request: FastifyRequest, taskId: string): Promise<TaskRecord> {
  const task = await findTask(deps.orm.em.fork(), taskId);
  if (!task || !mayRead(rolesOf(request), task)) throw problems.notFound('Task', taskId);
  const refusal = dutyRefusal(rolesOf(request), task);
  if (refusal) throw new ProblemError(403, 'forbidden', 'Not your duty', refusal);
  await requireOtherPerson(deps, request, task);
  return task;
}

const overseesTasks = (request: FastifyRequest) =>
  rolesOf(request).some((r) => (TASK_OVERSIGHT_ROLES as readonly string[]).includes(r));

/** How long after creation a "task not open" answer from the workflow may still be the registration race. */
const NEW_TASK_WINDOW_MS = 30_000;

function refusalProblem(error: TaskRefusalError): ProblemError {
  const { status, detail } = error.refusal;
  if (status === 403) return new ProblemError(403, 'forbidden', 'Forbidden', detail);
  if (status === 412) return problems.preconditionFailed(detail);
  return problems.conflict(detail);
}

/** Runs a store call, turning refusals into problems and a missing task into a 404. */
async function guarded(taskId: string, run: () => Promise<TaskRecord | undefined>): Promise<TaskRecord> {
  try {
    const task = await run();
    if (!task) throw problems.notFound('Task', taskId);
    return task;
  } catch (error) {
    if (error instanceof TaskRefusalError) throw refusalProblem(error);
    throw error;
  }
}

interface FailureLike {
  name?: string;
  message?: string;
  type?: string;
  details?: unknown[];
  cause?: FailureLike;
}

/** Maps what the owning workflow answered to a problem: its validator's rules are 422, a closed task 409. */
function completionProblem(error: unknown): ProblemError | undefined {
  const failure = error as FailureLike;
  if (isWorkflowNotFound(failure))
    return problems.conflict('The workflow that owned this task has ended; the task can no longer be completed.');
  if (!isUpdateFailed(failure)) return undefined;
  const cause = failure.cause;
  if (cause?.type === TaskFailureType.closed)
    return problems.conflict('The task is already completed or no longer awaited.');
  if (cause?.type === TaskFailureType.invalid) {
    const found = (cause.details?.[0] ?? []) as FieldProblem[];
    return problems.unprocessable(
      found.map((p) => ({ pointer: p.pointer, in: 'body' as const, detail: p.detail })),
      'The task cannot be completed this way.',
    );
  }
  return problems.unprocessable(
    [{ pointer: '/outcome', in: 'body', detail: cause?.message ?? 'refused by the owning workflow' }],
    'The owning workflow refused the completion.',
  );
}

async function guardedGate<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof TaskRefusalError) throw refusalProblem(error);
    throw error;
  }
}

function sendTask(reply: FastifyReply, task: TaskRecord) {
  return reply.header('etag', etag(task)).send(taskView(task));
}

export const taskRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { orm, temporal } = deps;
  const tags = ['tasks'];
  // The ceilings the completion below enforces, readable next to it.
  await app.register(approvalPolicyRoutes, { deps });

  app.get(
    '/tasks',
    {
      schema: {
        tags,
        summary: 'The task inbox: open and claimed tasks by default, oldest SLA deadline first',
        querystring: TaskListQuery,
        response: {
          200: Type.Object({ items: Type.Array(TaskSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }),
          ...problemResponses(400),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? 50;
      const after = decodeCursor(q.cursor, 2) as [string, string] | undefined;
      const now = new Date();
      const status = (q.status?.length ? q.status : ['open', 'claimed']) as TaskStatus[];
      // The inbox lists what the caller may work (oversight roles see every task); the page's cursor comes from the
      // rows read, so a page narrowed by queue (an approval for a higher approver) never skips what follows.
      const types = overseesTasks(request) ? undefined : workableTypes(rolesOf(request));
      const rows = await listTasks(orm.em.fork(), { ...q, status, types }, { limit: limit + 1, after, now });
      const page = rows.slice(0, limit);
      const items = page.filter((t) => mayRead(rolesOf(request), t));
      return {
        items: items.map((t) => taskView(t, now)),
        nextCursor: rows.length > limit ? encodeCursor(taskCursor(page.at(-1)!)) : null,
      };
    },
  );

  app.get(
    '/tasks/:id',
    {
      schema: {
        tags,
        summary: 'A task with its SLA state and its trail (claims, reassignments, comments, escalations)',
        params: UuidParams,
        response: { 200: TaskDetailSchema, ...problemResponses(404) },
      },
    },
    async (request, reply) => {
      const em = orm.em.fork();
      const task = await findTask(em, request.params.id);
      // A task's payload (amounts, customer facts) is for those who work or oversee its queue: to others it does not exist.
      if (!task || !mayRead(rolesOf(request), task)) throw problems.notFound('Task', request.params.id);
      const activity = await taskActivity(em, task.id);
      return reply
        .header('etag', etag(task))
        .send({ ...taskView(task), activity: activity.map((a) => ({ ...a, at: a.at.toISOString() })) });
    },
  );

  const versionOf = (header: string | undefined, taskId: string) => expectedVersion(header, taskId);

  app.post(
    '/tasks/:id/claim',
    {
      schema: {
        tags,
        summary: 'Claim a task (claiming one you already hold is a no-op)',
        params: UuidParams,
        headers: IfMatchHeaders,
        response: { 200: TaskSchema, ...problemResponses(403, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      // Claiming one's own request is the first step of a self-approval: refused, and kept in the decision audit.
      await auditingRefusals(deps, request, await findTask(orm.em.fork(), id), { outcome: 'claim' }, () =>
        requireDuty(deps, request, id),
      );
      const task = await guarded(id, () =>
        claimTask(orm.em.fork(), id, actorOf(request), versionOf(request.headers['if-match'], id)),
      );
      return sendTask(reply, task);
    },
  );

  app.post(
    '/tasks/:id/release',
    {
      schema: {
        tags,
        summary: 'Give a claimed task back to its queue (the claimant or a manager)',
        params: UuidParams,
        headers: IfMatchHeaders,
        response: { 200: TaskSchema, ...problemResponses(403, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const task = await guarded(id, () =>
        releaseTask(
          orm.em.fork(),
          id,
          actorOf(request),
          isTaskManager(request),
          versionOf(request.headers['if-match'], id),
        ),
      );
      return sendTask(reply, task);
    },
  );

  app.post(
    '/tasks/:id/assign',
    {
      schema: {
        tags,
        summary: 'Assign a task to someone (reassigning a claimed task takes the claimant or a manager)',
        params: UuidParams,
        headers: IfMatchHeaders,
        body: AssignBody,
        response: { 200: TaskSchema, ...problemResponses(400, 403, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const input = {
        assignee: request.body.assignee,
        note: request.body.note,
        actor: actorOf(request),
        isManager: isTaskManager(request),
      };
      const task = await guarded(id, () =>
        assignTask(orm.em.fork(), id, input, versionOf(request.headers['if-match'], id)),
      );
      return sendTask(reply, task);
    },
  );

  app.post(
    '/tasks/:id/comments',
    {
      config: { idempotency: true },
      schema: {
        tags,
        summary: 'Comment on a task',
        params: UuidParams,
        headers: IdempotencyHeaders,
        body: CommentBody,
        response: { 201: TaskActivitySchema, ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const found = await findTask(orm.em.fork(), request.params.id);
      if (!found || !mayRead(rolesOf(request), found)) throw problems.notFound('Task', request.params.id);
      const comment = await addTaskComment(orm.em.fork(), request.params.id, {
        actor: actorOf(request),
        body: request.body.body,
      });
      if (!comment) throw problems.notFound('Task', request.params.id);
      return reply.status(201).send({ ...comment, at: comment.at.toISOString() });
    },
  );

  app.post(
    '/tasks/:id/complete',
    {
      schema: {
        tags,
        summary: 'Complete a task with an outcome; the owning workflow validates it and acts on it',
        params: UuidParams,
        body: CompleteBody,
        response: {
          200: CompletionResultSchema,
          202: PendingApprovalSchema,
          ...problemResponses(400, 403, 404, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      // A refusal for four eyes or authority is an attempted decision: the audit keeps it (task-decisions.ts).
      await auditingRefusals(deps, request, await findTask(orm.em.fork(), id), request.body, () =>
        requireDuty(deps, request, id),
      );
      const actor = actorOf(request);
      const manager = isTaskManager(request);
      const task = await guarded(id, () => checkCompletion(orm.em.fork(), id, actor, manager));
      if (!task.workflowId) {
        throw problems.unprocessable(
          [{ pointer: '/outcome', in: 'body', detail: 'this task closes itself when its subject is resolved' }],
          'The task has no workflow to complete it.',
        );
      }
      // Authority by amount: refused above the caller's ceiling (and routed up), or one of two approvals recorded.
      const gate = await auditingRefusals(deps, request, task, request.body, () =>
        guardedGate(() => approvalGate(deps, request, task, request.body)),
      );
      if (gate.kind === 'recorded') {
        return reply.status(202).send({
          taskId: id,
          outcome: 'approve',
          status: 'awaiting_approval',
          approvals: gate.approvals.map(({ by, at }) => ({ by, at })),
          approvalsRequired: gate.required,
        });
      }
      await leaveDecisionContext(deps, request, task, request.body, gate.extra.approvals);
      const handle = temporal.workflow.getHandle(task.workflowId);
      const completion = {
        taskId: id,
        outcome: request.body.outcome,
        data: request.body.data ?? {},
        by: actor,
        byManager: manager,
        comment: request.body.comment,
        ...gate.extra,
      };
      // The task row commits a moment before its workflow has processed the activity result that registers it; a
      // completion in that window is refused as "not open" although the store says it is. Ask again briefly.
      for (let attempt = 1; ; attempt++) {
        try {
          return await handle.executeUpdate(completeTaskUpdate, { args: [completion] });
        } catch (error) {
          const problem = completionProblem(error);
          const justCreated = Date.now() - task.createdAt.getTime() < NEW_TASK_WINDOW_MS;
          if (problem?.slug === 'conflict' && justCreated && attempt < 10) {
            await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
            const fresh = await findTask(orm.em.fork(), id);
            if (fresh && (fresh.status === 'open' || fresh.status === 'claimed')) continue;
          }
          throw problem ?? error;
        }
      }
    },
  );
};
