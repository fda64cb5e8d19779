import { defineEntity, p } from '@mikro-orm/postgresql';

export const AuditLog = defineEntity({
  name: 'AuditLog',
  tableName: 'audit_log',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    at: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    actor: p.text(),
    role: p.text().nullable(),
    action: p.text(),
    outcome: p.text(),
    method: p.text().nullable(),
    route: p.text().nullable(),
    target: p.text().nullable(),
    statusCode: p.integer().nullable(),
    ip: p.text().nullable(),
    userAgent: p.text().nullable(),
    requestId: p.text().nullable(),
    detail: p.json().defaultRaw("'{}'"),
  },
  indexes: [
    { name: 'audit_log_actor_idx', properties: ['actor', 'at'] },
    { name: 'audit_log_at_idx', properties: ['at', 'id'] },
  ],
});
