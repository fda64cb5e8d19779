import { defineEntity, p } from '@mikro-orm/postgresql';

export const WorkflowStart = defineEntity({
  name: 'WorkflowStart',
  tableName: 'workflow_start',
  properties: {
    workflowId: p.text().primary(),
    workflowType: p.text(),
    taskQueue: p.text(),
    args: p.json().columnType('json'),
    entityType: p.text(),
    customerId: p.uuid().nullable(),
    requestId: p.text().nullable(),
    recordedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    nextAttemptAt: p.datetime().columnType('timestamptz'),
    attempts: p.integer().defaultRaw('0'),
    lastError: p.text().nullable(),
    startedAt: p.datetime().columnType('timestamptz').nullable(),
    runId: p.text().nullable(),
  },
  indexes: [
    {
      name: 'workflow_start_pending_idx',
      expression:
        'CREATE INDEX workflow_start_pending_idx ON public.workflow_start USING btree (next_attempt_at) WHERE (started_at IS NULL)',
    },
  ],
});
