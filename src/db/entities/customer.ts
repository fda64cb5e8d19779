import { defineEntity, p } from '@mikro-orm/postgresql';
import type { AccountStatus } from '../../domain/account.js';

export interface PostalAddress {
  line1: string;
  line2?: string;
  city: string;
  region?: string;
  postalCode: string;
  country: string;
}

export const CustomerSchema = defineEntity({
  name: 'Customer',
  tableName: 'customer',
  properties: {
    id: p.uuid().primary(),
    legalName: p.text(),
    displayName: p.text().nullable(),
    email: p.text(),
    currency: p.string().length(3),
    billingAddress: p.json<PostalAddress>(),
    status: p.enum(['active', 'on_hold', 'delinquent', 'closed'] as const satisfies readonly AccountStatus[]),
    /** Optimistic concurrency: bumped on every update, compared against If-Match. */
    version: p.integer().version(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export class Customer extends CustomerSchema.class {}
CustomerSchema.setClass(Customer);
