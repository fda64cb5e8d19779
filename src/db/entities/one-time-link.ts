import { defineEntity, p } from '@mikro-orm/postgresql';
import { AppUser } from './app-user.js';

export const OneTimeLink = defineEntity({
  name: 'OneTimeLink',
  tableName: 'one_time_link',
  properties: {
    id: p.uuid().primary(),
    userId: () =>
      p
        .manyToOne(AppUser)
        .mapToPk()
        .fieldName('user_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('one_time_link_user_id_fkey')
        .columnType('uuid'),
    purpose: p.text(),
    tokenHash: p.text(),
    expiresAt: p.datetime().columnType('timestamptz'),
    usedAt: p.datetime().columnType('timestamptz').nullable(),
    createdBy: p.text(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
  },
  indexes: [{ name: 'one_time_link_user_idx', properties: ['userId', 'purpose'] }],
  uniques: [{ name: 'one_time_link_token_hash_key', properties: ['tokenHash'] }],
  checks: [{ name: 'one_time_link_purpose_check', expression: "\"purpose\" in ('invitation', 'magic_link')" }],
});
