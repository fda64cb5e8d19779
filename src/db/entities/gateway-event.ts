import { defineEntity, p } from '@mikro-orm/postgresql';

export const GatewayEvent = defineEntity({
  name: 'GatewayEvent',
  tableName: 'gateway_event',
  properties: {
    provider: p.text().primary(),
    eventId: p.text().primary(),
    type: p.text(),
    receivedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  },
});
