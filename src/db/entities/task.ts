import { defineEntity, p } from '@mikro-orm/postgresql';

export const Task = defineEntity({
  name: 'Task',
  tableName: 'task',
  properties: {
    id: p.uuid().primary(),
    uniqueKey: p.text(),
    type: p.text(),
    queue: p.text(),
    status: p.text().defaultRaw("'open'"),
    title: p.text(),
    subjectType: p.text(),
    subjectId: p.text(),
    workflowId: p.text().nullable(),
    assignee: p.text().nullable(),
    slaDueAt: p.datetime().columnType('timestamptz').nullable(),
    payload: p.json().defaultRaw("'{}'"),
    outcome: p.json().nullable(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    completedAt: p.datetime().columnType('timestamptz').nullable(),
    version: p.integer().defaultRaw('1'),
    claimedAt: p.datetime().columnType('timestamptz').nullable(),
    escalatedAt: p.datetime().columnType('timestamptz').nullable(),
    customerId: p.uuid().nullable(),
  },
  indexes: [
    { name: 'task_assignee_idx', properties: ['assignee', 'status', 'slaDueAt'] },
    { name: 'task_inbox_idx', properties: ['queue', 'status', 'slaDueAt'] },
    { name: 'task_sla_idx', properties: ['status', 'slaDueAt', 'id'] },
    { name: 'task_subject_idx', properties: ['subjectType', 'subjectId'] },
  ],
  uniques: [{ name: 'task_unique_key_key', properties: ['uniqueKey'] }],
  checks: [
    {
      name: 'task_check',
      expression: "(status = ANY (ARRAY['completed'::text, 'cancelled'::text])) = (completed_at IS NOT NULL)",
    },
    {
      name: 'task_counterparty_iban_sealed',
      expression:
        "(((payload -> 'counterparty'::text) ->> 'iban'::text) IS NULL) OR (((payload -> 'counterparty'::text) ->> 'iban'::text) ~~ 'sealed:v1:%'::text)",
    },
    { name: 'task_status_check', expression: "\"status\" in ('open', 'claimed', 'completed', 'cancelled')" },
  ],
});
