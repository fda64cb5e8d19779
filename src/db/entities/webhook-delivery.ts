import { defineEntity, p } from '@mikro-orm/postgresql';
import { DomainEvent } from './domain-event.js';
import { WebhookSubscription } from './webhook-subscription.js';

export const WebhookDelivery = defineEntity({
  name: 'WebhookDelivery',
  tableName: 'webhook_delivery',
  properties: {
    id: p.uuid().primary(),
    subscriptionId: () =>
      p
        .manyToOne(WebhookSubscription)
        .mapToPk()
        .fieldName('subscription_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('webhook_delivery_subscription_id_fkey')
        .columnType('uuid'),
    eventId: () =>
      p
        .manyToOne(DomainEvent)
        .mapToPk()
        .fieldName('event_id')
        .referencedColumnNames('id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('webhook_delivery_event_id_fkey')
        .columnType('uuid'),
    eventPosition: p.bigint('number'),
    eventType: p.text(),
    entityKey: p.text(),
    status: p.text().defaultRaw("'pending'"),
    attempts: p.integer().defaultRaw('0'),
    nextAttemptAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    dueNow: p.boolean().defaultRaw('true'),
    firstAttemptAt: p.datetime().columnType('timestamptz').nullable(),
    lastAttemptAt: p.datetime().columnType('timestamptz').nullable(),
    lastStatusCode: p.integer().nullable(),
    lastError: p.text().nullable(),
    deliveredAt: p.datetime().columnType('timestamptz').nullable(),
    deadAt: p.datetime().columnType('timestamptz').nullable(),
    manualRetries: p.integer().defaultRaw('0'),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  },
  indexes: [
    {
      name: 'webhook_delivery_dead_idx',
      expression:
        "CREATE INDEX webhook_delivery_dead_idx ON public.webhook_delivery USING btree (status, dead_at) WHERE (status = 'dead'::text)",
    },
    {
      name: 'webhook_delivery_lane_idx',
      expression:
        "CREATE INDEX webhook_delivery_lane_idx ON public.webhook_delivery USING btree (subscription_id, entity_key, event_position) WHERE (status = 'pending'::text)",
    },
    {
      name: 'webhook_delivery_list_idx',
      expression:
        'CREATE INDEX webhook_delivery_list_idx ON public.webhook_delivery USING btree (subscription_id, created_at DESC, id)',
    },
  ],
  uniques: [{ name: 'webhook_delivery_subscription_id_event_id_key', properties: ['subscriptionId', 'eventId'] }],
  checks: [{ name: 'webhook_delivery_status_check', expression: "\"status\" in ('pending', 'delivered', 'dead')" }],
});
