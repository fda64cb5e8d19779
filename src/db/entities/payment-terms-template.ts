import { defineEntity, p } from '@mikro-orm/postgresql';

export const PaymentTermsTemplate = defineEntity({
  name: 'PaymentTermsTemplate',
  tableName: 'payment_terms_template',
  properties: {
    code: p.text().primary(),
    name: p.text(),
    terms: p.json(),
    version: p.integer().defaultRaw('1'),
    createdAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    updatedAt: p.datetime().columnType('timestamptz').defaultRaw('now()'),
    updatedBy: p.text().defaultRaw("'system'"),
  },
  checks: [
    { name: 'payment_terms_template_code_check', expression: "code ~ '^[A-Z0-9_]{1,40}$'::text" },
    { name: 'payment_terms_template_name_check', expression: 'length(btrim(name)) > 0' },
  ],
});
