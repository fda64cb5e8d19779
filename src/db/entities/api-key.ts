import { defineEntity, p } from '@mikro-orm/postgresql';

export const ApiKey = defineEntity({
  name: 'ApiKey',
  tableName: 'api_key',
  properties: {
    id: p.uuid().primary(),
    name: p.text(),
    prefix: p.text(),
    secretHash: p.text(),
    roles: p.array().columnType('text[]'),
    createdBy: p.text(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    expiresAt: p.datetime().columnType('timestamptz').nullable(),
    lastUsedAt: p.datetime().columnType('timestamptz').nullable(),
    revokedAt: p.datetime().columnType('timestamptz').nullable(),
  },
  uniques: [{ name: 'api_key_prefix_key', properties: ['prefix'] }],
  checks: [
    { name: 'api_key_name_check', expression: 'length(btrim(name)) > 0' },
    { name: 'api_key_roles_check', expression: "(cardinality(roles) > 0) AND (NOT ('customer'::text = ANY (roles)))" },
  ],
});
