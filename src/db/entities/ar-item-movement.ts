import { defineEntity, p } from '@mikro-orm/postgresql';
import { ArOpenItem } from './ar-open-item.js';

export const ArItemMovement = defineEntity({
  name: 'ArItemMovement',
  tableName: 'ar_item_movement',
  properties: {
    lineId: p.bigint('number').primary().autoincrement(false),
    itemId: () =>
      p
        .manyToOne(ArOpenItem)
        .mapToPk()
        .fieldName('item_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('ar_item_movement_item_id_fkey')
        .columnType('bigint'),
    effectiveDate: p.date(),
    amount: p.bigint('number'),
    kind: p.text(),
    currency: p.character().length(3),
  },
  indexes: [
    {
      name: 'ar_item_movement_date_idx',
      expression:
        'CREATE INDEX ar_item_movement_date_idx ON public.ar_item_movement USING btree (effective_date, item_id) INCLUDE (amount)',
    },
    {
      name: 'ar_item_movement_kind_idx',
      expression:
        'CREATE INDEX ar_item_movement_kind_idx ON public.ar_item_movement USING btree (kind, effective_date) INCLUDE (currency, amount)',
    },
  ],
});
