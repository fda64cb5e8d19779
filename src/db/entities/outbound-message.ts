import { defineEntity, p } from '@mikro-orm/postgresql';
import { Customer } from './customer.js';

/** One e-mail the engine decided to send, keyed by the workflow step that sent it, so a retry never sends twice. */
export const OutboundMessageSchema = defineEntity({
  name: 'OutboundMessage',
  tableName: 'outbound_message',
  properties: {
    idempotencyKey: p.text().primary(),
    template: p.text(),
    recipient: p.text(),
    subject: p.text(),
    messageId: p.text(),
    status: p.enum(['sending', 'sent'] as const),
    customerId: () =>
      p
        .manyToOne(Customer)
        .mapToPk()
        .fieldName('customer_id')
        .nullable()
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('outbound_message_customer_id_fkey')
        .columnType('uuid'),
    createdAt: p
      .datetime()
      .columnType('timestamptz')
      .defaultRaw('now()')
      .onCreate(() => new Date()),
    sentAt: p.datetime().columnType('timestamptz').nullable(),
  },
  indexes: [{ name: 'outbound_message_customer_idx', properties: ['customerId', 'createdAt'] }],
});

export class OutboundMessage extends OutboundMessageSchema.class {}
OutboundMessageSchema.setClass(OutboundMessage);
