import { defineEntity, p } from '@mikro-orm/postgresql';
import { WebhookDelivery } from './webhook-delivery.js';

export const WebhookAttempt = defineEntity({
  name: 'WebhookAttempt',
  tableName: 'webhook_attempt',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    deliveryId: () =>
      p
        .manyToOne(WebhookDelivery)
        .mapToPk()
        .fieldName('delivery_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('webhook_attempt_delivery_id_fkey')
        .columnType('uuid'),
    attemptNo: p.integer(),
    at: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    statusCode: p.integer().nullable(),
    responseExcerpt: p.text().nullable(),
    error: p.text().nullable(),
    durationMs: p.integer(),
    outcome: p.text(),
  },
  uniques: [{ name: 'webhook_attempt_delivery_id_attempt_no_key', properties: ['deliveryId', 'attemptNo'] }],
  checks: [{ name: 'webhook_attempt_outcome_check', expression: "\"outcome\" in ('delivered', 'retry', 'dead')" }],
});
