import { defineEntity, p } from '@mikro-orm/postgresql';

export const DunningPolicy = defineEntity({
  name: 'DunningPolicy',
  tableName: 'dunning_policy',
  properties: {
    code: p.text().primary(),
    version: p.integer().primary(),
    definition: p.json(),
    createdBy: p.text(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  },
  checks: [
    { name: 'dunning_policy_code_check', expression: "code ~ '^[a-z0-9][a-z0-9_-]{0,39}$'::text" },
    { name: 'dunning_policy_version_check', expression: 'version >= 1' },
  ],
});
