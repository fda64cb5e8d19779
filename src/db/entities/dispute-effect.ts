import { defineEntity, p } from '@mikro-orm/postgresql';
import { CreditNote } from './credit-note.js';
import { Dispute } from './dispute.js';
import { Invoice } from './invoice.js';

export const DisputeEffect = defineEntity({
  name: 'DisputeEffect',
  tableName: 'dispute_effect',
  properties: {
    idempotencyKey: p.text().primary(),
    disputeId: () =>
      p
        .manyToOne(Dispute)
        .mapToPk()
        .fieldName('dispute_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('dispute_effect_dispute_id_fkey')
        .columnType('uuid'),
    kind: p.text(),
    creditNoteId: () =>
      p
        .manyToOne(CreditNote)
        .mapToPk()
        .fieldName('credit_note_id')
        .nullable()
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('dispute_effect_credit_note_id_fkey')
        .columnType('uuid'),
    invoiceId: () =>
      p
        .manyToOne(Invoice)
        .mapToPk()
        .fieldName('invoice_id')
        .nullable()
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('dispute_effect_invoice_id_fkey')
        .columnType('uuid'),
    amount: p.bigint('number').defaultRaw('0'),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  },
  indexes: [{ name: 'dispute_effect_dispute_idx', properties: ['disputeId'] }],
  checks: [
    { name: 'dispute_effect_amount_check', expression: 'amount >= 0' },
    { name: 'dispute_effect_kind_check', expression: "\"kind\" in ('credit_note', 'reissue')" },
  ],
});
