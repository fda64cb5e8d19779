import { defineEntity, p } from '@mikro-orm/postgresql';
import { Dispute } from './dispute.js';

export const DisputeInstalment = defineEntity({
  name: 'DisputeInstalment',
  tableName: 'dispute_instalment',
  properties: {
    disputeId: () =>
      p
        .manyToOne(Dispute)
        .mapToPk()
        .fieldName('dispute_id')
        .primary()
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('dispute_instalment_dispute_id_fkey')
        .columnType('uuid'),
    seq: p.integer().primary(),
    dueDate: p.date(),
    amount: p.bigint('number'),
    currency: p.character().length(3),
    status: p.text().defaultRaw("'pending'"),
    checkedAt: p.datetime().columnType('timestamptz').nullable(),
  },
  checks: [
    { name: 'dispute_instalment_amount_check', expression: 'amount > 0' },
    { name: 'dispute_instalment_seq_check', expression: 'seq >= 1' },
    { name: 'dispute_instalment_status_check', expression: "\"status\" in ('pending', 'kept', 'missed', 'cancelled')" },
  ],
});
