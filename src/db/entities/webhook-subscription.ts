import { defineEntity, p } from '@mikro-orm/postgresql';

export const WebhookSubscription = defineEntity({
  name: 'WebhookSubscription',
  tableName: 'webhook_subscription',
  properties: {
    id: p.uuid().primary(),
    url: p.text(),
    eventTypes: p.array().columnType('text[]'),
    secret: p.text(),
    description: p.text().nullable(),
    status: p.text().defaultRaw("'active'"),
    cursorTx: p.type('unknown').columnType('xid8'),
    cursorPosition: p.bigint('number').defaultRaw('0'),
    createdBy: p.text(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    deletedAt: p.datetime().columnType('timestamptz').nullable(),
  },
  checks: [{ name: 'webhook_subscription_status_check', expression: "\"status\" in ('active', 'deleted')" }],
});
