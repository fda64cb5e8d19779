import { defineEntity, p } from '@mikro-orm/postgresql';

export const TaskDecisionContext = defineEntity({
  name: 'TaskDecisionContext',
  tableName: 'task_decision_context',
  properties: {
    taskId: p.uuid().primary(),
    actor: p.text().primary(),
    context: p.json(),
    recordedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  },
});
