import { defineEntity, p } from '@mikro-orm/postgresql';

export const DomainEvent = defineEntity({
  name: 'DomainEvent',
  tableName: 'domain_event',
  properties: {
    position: p.bigint('number').primary().autoincrement(),
    id: p.uuid(),
    type: p.text(),
    entityType: p.text(),
    entityId: p.text(),
    customerId: p.uuid().nullable(),
    data: p.json().defaultRaw("'{}'"),
    actor: p.text().nullable(),
    dedupeKey: p.text().nullable(),
    txId: p.type('unknown').columnType('xid8').defaultRaw('pg_current_xact_id()'),
    occurredAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  },
  indexes: [
    {
      name: 'domain_event_customer_idx',
      expression: 'CREATE INDEX domain_event_customer_idx ON public.domain_event USING btree (customer_id, "position")',
    },
    {
      name: 'domain_event_entity_idx',
      expression:
        'CREATE INDEX domain_event_entity_idx ON public.domain_event USING btree (entity_type, entity_id, "position")',
    },
    {
      name: 'domain_event_stream_idx',
      expression: 'CREATE INDEX domain_event_stream_idx ON public.domain_event USING btree (tx_id, "position")',
    },
  ],
  uniques: [
    { name: 'domain_event_dedupe_key_key', properties: ['dedupeKey'] },
    { name: 'domain_event_id_key', properties: ['id'] },
  ],
  checks: [
    {
      name: 'domain_event_tax_id_sealed',
      expression:
        "((((data -> 'customer'::text) -> 'taxId'::text) ->> 'value'::text) IS NULL) OR ((((data -> 'customer'::text) -> 'taxId'::text) ->> 'value'::text) ~~ 'sealed:v1:%'::text)",
    },
  ],
});
