import { defineEntity, p } from '@mikro-orm/postgresql';
import { Task } from './task.js';

export const TaskActivity = defineEntity({
  name: 'TaskActivity',
  tableName: 'task_activity',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    taskId: () =>
      p
        .manyToOne(Task)
        .mapToPk()
        .fieldName('task_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('task_activity_task_id_fkey')
        .columnType('uuid'),
    kind: p.text(),
    actor: p.text(),
    body: p.text().nullable(),
    data: p.json().defaultRaw("'{}'"),
    at: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  },
  indexes: [{ name: 'task_activity_task_idx', properties: ['taskId', 'id'] }],
  checks: [
    {
      name: 'task_activity_kind_check',
      expression:
        "\"kind\" in ('created', 'claimed', 'released', 'assigned', 'commented', 'escalated', 'completed', 'cancelled')",
    },
  ],
});
