import { defineEntity, p } from '@mikro-orm/postgresql';

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
    customerId: p.uuid().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    sentAt: p.datetime().nullable(),
  },
});

export class OutboundMessage extends OutboundMessageSchema.class {}
OutboundMessageSchema.setClass(OutboundMessage);
