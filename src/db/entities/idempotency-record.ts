import { defineEntity, p } from '@mikro-orm/postgresql';

export const IdempotencyRecord = defineEntity({
  name: 'IdempotencyRecord',
  tableName: 'idempotency_record',
  properties: {
    scope: p.text().primary(),
    key: p.text().primary(),
    fingerprint: p.text(),
    status: p.text(),
    responseStatus: p.integer().nullable(),
    responseType: p.text().nullable(),
    responseBody: p.text().nullable(),
    lockedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    effectCommittedAt: p.datetime().columnType('timestamptz').nullable(),
    effectLocation: p.text().nullable(),
  },
  indexes: [{ name: 'idempotency_record_created_idx', properties: ['createdAt'] }],
  checks: [{ name: 'idempotency_record_status_check', expression: "\"status\" in ('in_progress', 'completed')" }],
});
