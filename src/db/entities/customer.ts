import { defineEntity, p } from '@mikro-orm/postgresql';
import type { AccountStatus } from '../../customers/rules/account.js';
import { PaymentTermsTemplate } from './payment-terms-template.js';

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
    currency: p.character().length(3),
    billingAddress: p.json<PostalAddress>(),
    status: p
      .enum(['active', 'on_hold', 'delinquent', 'closed'] as const satisfies readonly AccountStatus[])
      .defaultRaw("'active'"),
    /** Optimistic concurrency: bumped on every update, compared against If-Match. */
    version: p.integer().version().defaultRaw('1'),
    createdAt: p
      .datetime()
      .columnType('timestamptz')
      .defaultRaw('now()')
      .onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .columnType('timestamptz')
      .defaultRaw('now()')
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
    taxId: p.text().nullable(),
    taxCountry: p.character().length(2).nullable(),
    taxKey: p.text().nullable().comment('HMAC-SHA-256 of the comparable tax id (src/customers/store/sealed-tax-id.ts)'),
    contacts: p.json().defaultRaw("'[]'"),
    communication: p.json().defaultRaw('\'{"channel": "email", "language": "en", "statementFrequency": "monthly"}\''),
    termsCode: p
      .manyToOne(PaymentTermsTemplate)
      .mapToPk()
      .fieldName('terms_code')
      .deleteRule('no action')
      .updateRule('no action')
      .foreignKeyName('customer_terms_code_fkey')
      .columnType('text')
      .default('NET30'),
    creditLimit: p.bigint('number').nullable(),
    riskSegment: p.text().nullable(),
    externalRef: p.text().nullable(),
    tags: p.array().columnType('text[]').defaultRaw("'{}'"),
    hold: p.json<Record<string, unknown>>().nullable(),
    delinquency: p.json<Record<string, unknown>>().nullable(),
    mergedInto: () =>
      p
        .manyToOne(CustomerSchema)
        .mapToPk()
        .fieldName('merged_into')
        .nullable()
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('customer_merged_into_fkey')
        .columnType('uuid'),
    closedAt: p.datetime().columnType('timestamptz').nullable(),
    nameKey: p.text().defaultRaw("''"),
    addressKey: p.text().defaultRaw("''"),
    matchEmails: p.array().columnType('text[]').defaultRaw("'{}'"),
    matchPhones: p.array().columnType('text[]').defaultRaw("'{}'"),
    postcodeKey: p.text().defaultRaw("''"),
    nameCore: p.text().defaultRaw("''"),
    creditDecision: p.json<Record<string, unknown>>().nullable(),
  },
  indexes: [
    {
      name: 'customer_delinquent_idx',
      expression:
        "CREATE INDEX customer_delinquent_idx ON public.customer USING btree (id) WHERE ((delinquency IS NOT NULL) AND (status <> 'closed'::text))",
    },
    { name: 'customer_email_idx', properties: ['email'] },
    {
      name: 'customer_match_emails_idx',
      expression: 'CREATE INDEX customer_match_emails_idx ON public.customer USING gin (match_emails)',
    },
    {
      name: 'customer_match_phones_idx',
      expression: 'CREATE INDEX customer_match_phones_idx ON public.customer USING gin (match_phones)',
    },
    {
      name: 'customer_name_core_trgm_idx',
      expression:
        'CREATE INDEX customer_name_core_trgm_idx ON public.customer USING gin (name_core gin_trgm_ops) WITH (fastupdate=off)',
    },
    {
      name: 'customer_name_order_idx',
      expression: 'CREATE INDEX customer_name_order_idx ON public.customer USING btree (lower(legal_name), id)',
    },
    {
      name: 'customer_postcode_key_idx',
      expression:
        "CREATE INDEX customer_postcode_key_idx ON public.customer USING btree (postcode_key, id) WHERE (postcode_key <> ''::text)",
    },
    {
      name: 'customer_search_trgm_idx',
      expression:
        "CREATE INDEX customer_search_trgm_idx ON public.customer USING gin (lower(((legal_name || ' '::text) || COALESCE(display_name, ''::text))) gin_trgm_ops)",
    },
    { name: 'customer_status_idx', properties: ['status'] },
    { name: 'customer_tags_idx', expression: 'CREATE INDEX customer_tags_idx ON public.customer USING gin (tags)' },
    {
      name: 'customer_tax_key_idx',
      expression:
        'CREATE INDEX customer_tax_key_idx ON public.customer USING btree (tax_key) WHERE (tax_key IS NOT NULL)',
    },
  ],
  uniques: [
    {
      name: 'customer_external_ref_idx',
      expression:
        'CREATE UNIQUE INDEX customer_external_ref_idx ON public.customer USING btree (external_ref) WHERE ((external_ref IS NOT NULL) AND (merged_into IS NULL))',
    },
  ],
  checks: [
    { name: 'customer_credit_limit_check', expression: 'credit_limit >= 0' },
    { name: 'customer_currency_check', expression: "currency ~ '^[A-Z]{3}$'::text" },
    { name: 'customer_legal_name_check', expression: 'length(btrim(legal_name)) > 0' },
    { name: 'customer_not_merged_into_self', expression: '(merged_into IS NULL) OR (merged_into <> id)' },
    { name: 'customer_risk_segment_check', expression: "\"risk_segment\" in ('low', 'medium', 'high')" },
    { name: 'customer_tax_id_sealed', expression: "(tax_id IS NULL) OR (tax_id ~~ 'sealed:v1:%'::text)" },
    { name: 'customer_tax_id_with_country', expression: '(tax_id IS NULL) = (tax_country IS NULL)' },
    { name: 'customer_tax_key_hashed', expression: "(tax_key IS NULL) OR (tax_key ~ '^[0-9a-f]{64}$'::text)" },
  ],
});

export class Customer extends CustomerSchema.class {}
CustomerSchema.setClass(Customer);
