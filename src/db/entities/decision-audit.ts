import { defineEntity, p } from '@mikro-orm/postgresql';

export const DecisionAudit = defineEntity({
  name: 'DecisionAudit',
  tableName: 'decision_audit',
  properties: {
    id: p.uuid().primary(),
    decisionKey: p.text().nullable(),
    outcome: p.text(),
    refusal: p.json().nullable(),
    actor: p.text(),
    actorKind: p.text().nullable(),
    actorId: p.text().nullable(),
    actorName: p.text().nullable(),
    roles: p.array().columnType('text[]').defaultRaw("'{}'"),
    authority: p.json().nullable(),
    amount: p.bigint('number').nullable(),
    currency: p.text().nullable(),
    policyVersion: p.text().nullable(),
    taskId: p.uuid(),
    taskType: p.text(),
    subjectType: p.text().nullable(),
    subjectId: p.text().nullable(),
    customerId: p.uuid().nullable(),
    workflowId: p.text().nullable(),
    runId: p.text().nullable(),
    comment: p.text().nullable(),
    data: p.json().defaultRaw("'{}'"),
    decidedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  },
  indexes: [
    {
      name: 'decision_audit_customer_idx',
      expression:
        'CREATE INDEX decision_audit_customer_idx ON public.decision_audit USING btree (customer_id, decided_at DESC) WHERE (customer_id IS NOT NULL)',
    },
    { name: 'decision_audit_task_idx', properties: ['taskId'] },
    {
      name: 'decision_audit_time_idx',
      expression:
        'CREATE INDEX decision_audit_time_idx ON public.decision_audit USING btree (decided_at DESC, id DESC)',
    },
  ],
  uniques: [{ name: 'decision_audit_decision_key_key', properties: ['decisionKey'] }],
  triggers: [
    {
      name: 'decision_audit_no_change',
      timing: 'before',
      events: ['delete', 'update'],
      forEach: 'row',
      expression:
        'CREATE TRIGGER decision_audit_no_change BEFORE DELETE OR UPDATE ON public.decision_audit FOR EACH ROW EXECUTE FUNCTION decision_audit_append_only()',
    },
  ],
  checks: [
    { name: 'decision_audit_actor_kind_check', expression: "\"actor_kind\" in ('user', 'api_key', 'token')" },
    { name: 'decision_audit_check', expression: "(outcome = 'refused'::text) = (refusal IS NOT NULL)" },
    { name: 'decision_audit_check1', expression: '(amount IS NULL) = (currency IS NULL)' },
    { name: 'decision_audit_currency_check', expression: "currency ~ '^[A-Z]{3}$'::text" },
    { name: 'decision_audit_outcome_check', expression: 'length(outcome) > 0' },
  ],
});
