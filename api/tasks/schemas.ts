import { Type } from 'typebox';
import { TASK_STATUSES } from '../../src/tasks/rules/tasks.js';

const Nullable = <T extends import('typebox').TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const TaskSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  type: Type.String(),
  queue: Type.String(),
  status: Type.Enum(TASK_STATUSES),
  title: Type.String(),
  subject: Type.Object({ type: Type.String(), id: Type.String() }),
  customerId: Nullable(Type.String()),
  workflowId: Nullable(Type.String()),
  assignee: Nullable(Type.String()),
  sla: Type.Object({
    dueAt: Nullable(Type.String({ format: 'date-time' })),
    state: Type.Enum(['none', 'on_track', 'due_soon', 'breached', 'met'] as const),
  }),
  payload: Type.Record(Type.String(), Type.Unknown()),
  outcome: Nullable(Type.Record(Type.String(), Type.Unknown())),
  version: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  claimedAt: Nullable(Type.String({ format: 'date-time' })),
  escalatedAt: Nullable(Type.String({ format: 'date-time' })),
  completedAt: Nullable(Type.String({ format: 'date-time' })),
});

export const TaskActivitySchema = Type.Object({
  kind: Type.String(),
  actor: Type.String(),
  body: Nullable(Type.String()),
  data: Type.Record(Type.String(), Type.Unknown()),
  at: Type.String({ format: 'date-time' }),
});

export const TaskDetailSchema = Type.Object({ ...TaskSchema.properties, activity: Type.Array(TaskActivitySchema) });

export const TaskListQuery = Type.Object(
  {
    queue: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    assignee: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    status: Type.Optional(
      Type.Array(Type.Enum(TASK_STATUSES), { description: 'one or more statuses (default: open and claimed)' }),
    ),
    type: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    customerId: Type.Optional(Type.String({ format: 'uuid' })),
    subjectType: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
    subjectId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    breached: Type.Optional(Type.Boolean({ description: 'only tasks past their SLA deadline' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);

export const AssignBody = Type.Object(
  {
    assignee: Type.String({ minLength: 1, maxLength: 200, pattern: '^[\\w@.+:-]+$' }),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

export const CommentBody = Type.Object(
  { body: Type.String({ minLength: 1, maxLength: 10_000 }) },
  { additionalProperties: false },
);

export const CompleteBody = Type.Object(
  {
    outcome: Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z][a-z0-9_]*$' }),
    data: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'outcome fields, e.g. { "amount": 2500 } for a partial credit',
      }),
    ),
    comment: Type.Optional(Type.String({ maxLength: 10_000 })),
  },
  { additionalProperties: false },
);

export const CompletionResultSchema = Type.Object({
  taskId: Type.String({ format: 'uuid' }),
  outcome: Type.String(),
  completedBy: Type.String(),
  completedAt: Type.String({ format: 'date-time' }),
});

export const PendingApprovalSchema = Type.Object(
  {
    taskId: Type.String({ format: 'uuid' }),
    outcome: Type.Literal('approve'),
    status: Type.Literal('awaiting_approval'),
    approvals: Type.Array(Type.Object({ by: Type.String(), at: Type.String({ format: 'date-time' }) })),
    approvalsRequired: Type.Integer({
      description: 'approvals the amount needs from different people (above the highest approval ceiling)',
    }),
  },
  { description: 'One approval of several recorded; the task is back in its queue for a different approver' },
);

export const IfMatchHeaders = Type.Object(
  { 'if-match': Type.Optional(Type.String({ description: 'ETag of the task version read ("<id>.<version>")' })) },
  { additionalProperties: true },
);
