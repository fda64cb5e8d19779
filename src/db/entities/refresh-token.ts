import { defineEntity, p } from '@mikro-orm/postgresql';
import { AppUser } from './app-user.js';

export const RefreshToken = defineEntity({
  name: 'RefreshToken',
  tableName: 'refresh_token',
  properties: {
    id: p.uuid().primary(),
    userId: () =>
      p
        .manyToOne(AppUser)
        .mapToPk()
        .fieldName('user_id')
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('refresh_token_user_id_fkey')
        .columnType('uuid'),
    familyId: p.uuid(),
    tokenHash: p.text(),
    issuedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    expiresAt: p.datetime().columnType('timestamptz'),
    usedAt: p.datetime().columnType('timestamptz').nullable(),
    replacedBy: p.uuid().nullable(),
    revokedAt: p.datetime().columnType('timestamptz').nullable(),
    revokedReason: p.text().nullable(),
    ip: p.text().nullable(),
    userAgent: p.text().nullable(),
  },
  indexes: [
    { name: 'refresh_token_family_idx', properties: ['familyId'] },
    { name: 'refresh_token_user_idx', properties: ['userId'] },
  ],
  uniques: [{ name: 'refresh_token_token_hash_key', properties: ['tokenHash'] }],
});
