import { defineEntity, p } from '@mikro-orm/postgresql';

export const DunningPolicyAssignment = defineEntity({
  name: 'DunningPolicyAssignment',
  tableName: 'dunning_policy_assignment',
  properties: {
    segment: p.text().primary(),
    policyCode: p.text(),
    updatedBy: p.text(),
    updatedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  },
  checks: [
    {
      name: 'dunning_policy_assignment_segment_check',
      expression: "\"segment\" in ('default', 'low', 'medium', 'high')",
    },
  ],
});
