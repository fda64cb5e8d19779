import { defineEntity, p } from '@mikro-orm/postgresql';
import { Customer } from './customer.js';

export const AppUser = defineEntity({
  name: 'AppUser',
  tableName: 'app_user',
  properties: {
    id: p.uuid().primary(),
    email: p.text(),
    displayName: p.text().nullable(),
    role: p.text(),
    customerId: () =>
      p
        .manyToOne(Customer)
        .mapToPk()
        .fieldName('customer_id')
        .nullable()
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('app_user_customer_id_fkey')
        .columnType('uuid'),
    passwordHash: p.text().nullable(),
    status: p.text().defaultRaw("'active'"),
    preferences: p.json().defaultRaw("'{}'"),
    createdBy: p.text(),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    updatedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    lastSignInAt: p.datetime().columnType('timestamptz').nullable(),
  },
  indexes: [
    {
      name: 'app_user_customer_idx',
      expression:
        'CREATE INDEX app_user_customer_idx ON public.app_user USING btree (customer_id) WHERE (customer_id IS NOT NULL)',
    },
  ],
  uniques: [{ name: 'app_user_email_idx', properties: ['email'] }],
  checks: [
    { name: 'app_user_check', expression: "(role = 'customer'::text) = (customer_id IS NOT NULL)" },
    {
      name: 'app_user_email_check',
      expression: '(email = lower(email)) AND ((length(email) >= 3) AND (length(email) <= 254))',
    },
    {
      name: 'app_user_role_check',
      expression:
        "\"role\" in ('admin', 'ar_clerk', 'collector', 'dispute_handler', 'credit_manager', 'finance_director', 'auditor', 'customer')",
    },
    { name: 'app_user_status_check', expression: "\"status\" in ('invited', 'active', 'disabled')" },
  ],
});
