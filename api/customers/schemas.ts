import { Type, type Static } from 'typebox';
import { Amount, CountryCode, CurrencyCode, CurrencyCodeOf, MoneySchema } from '../http/common-schemas.js';

export const AddressSchema = Type.Object(
  {
    line1: Type.String({ minLength: 1, maxLength: 200 }),
    line2: Type.Optional(Type.String({ maxLength: 200 })),
    city: Type.String({ minLength: 1, maxLength: 100 }),
    region: Type.Optional(Type.String({ maxLength: 100 })),
    postalCode: Type.String({ minLength: 1, maxLength: 20 }),
    country: CountryCode('ISO 3166-1 alpha-2'),
  },
  { additionalProperties: false },
);

export const TaxIdSchema = Type.Object(
  {
    country: CountryCode('ISO 3166-1 alpha-2 country that issued the id'),
    value: Type.String({
      minLength: 2,
      maxLength: 40,
      pattern: '[0-9A-Za-z]',
      description: 'Stored normalized: no spaces or punctuation, upper case',
    }),
  },
  { additionalProperties: false },
);

const ContactRole = Type.Union([
  Type.Literal('billing'),
  Type.Literal('accounts_payable'),
  Type.Literal('purchasing'),
  Type.Literal('management'),
  Type.Literal('other'),
]);
const ContactChannel = Type.Union([
  Type.Literal('email'),
  Type.Literal('phone'),
  Type.Literal('portal'),
  Type.Literal('post'),
]);

export const ContactSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
    phone: Type.Optional(Type.String({ minLength: 3, maxLength: 40, pattern: '^[0-9+()./ -]+$' })),
    role: ContactRole,
    preferredChannel: Type.Optional(ContactChannel),
  },
  // A contact is someone to reach: the schema says so, rather than leaving it to the domain's 422. Each branch names
  // its type, or the answer serializer's strict Ajv warns on every customer it writes.
  {
    additionalProperties: false,
    anyOf: [
      { type: 'object', required: ['email'] },
      { type: 'object', required: ['phone'] },
    ],
  },
);

export const CommunicationSchema = Type.Object(
  {
    language: Type.String({ pattern: '^[a-z]{2,3}(-[A-Z]{2})?$', description: 'BCP 47 language tag, e.g. en, de-DE' }),
    channel: Type.Union([Type.Literal('email'), Type.Literal('portal'), Type.Literal('post')]),
    statementFrequency: Type.Union([
      Type.Literal('none'),
      Type.Literal('weekly'),
      Type.Literal('monthly'),
      Type.Literal('quarterly'),
    ]),
  },
  { additionalProperties: false },
);

const RiskSegment = Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')]);
const Tag = Type.String({ pattern: '^[a-z0-9][a-z0-9_:-]{0,39}$', description: 'lower-case tag' });
const TermsCode = Type.String({
  pattern: '^[A-Z0-9_]{1,40}$',
  description: 'Code of a payment terms template (GET /payment-terms)',
});
const CreditLimit = Type.Union(
  [
    Type.Object({ amount: Amount({ minimum: 0 }), currency: CurrencyCode }, { additionalProperties: false }),
    Type.Null(),
  ],
  { description: 'Money in the customer currency, at least zero; null: no limit assigned' },
);

/** Fields a clerk may set at creation and change later (PATCH takes any subset). */
const editable = {
  legalName: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
  displayName: Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()]),
  taxId: Type.Union([TaxIdSchema, Type.Null()]),
  email: Type.String({ format: 'email', maxLength: 254, description: 'Main billing e-mail' }),
  billingAddress: AddressSchema,
  contacts: Type.Array(ContactSchema, { maxItems: 50 }),
  communication: CommunicationSchema,
  termsCode: TermsCode,
  creditLimit: CreditLimit,
  riskSegment: Type.Union([RiskSegment, Type.Null()]),
  externalRef: Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()], {
    description: 'Id of the customer in the ERP',
  }),
  tags: Type.Array(Tag, { maxItems: 50, uniqueItems: true }),
};

const duplicateOverride = {
  allowDuplicate: Type.Optional(
    Type.Boolean({ description: 'Create/change even though probable duplicates exist (recorded in the history)' }),
  ),
  duplicateReason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
};

export const CreateCustomerBody = Type.Object(
  {
    legalName: editable.legalName,
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    taxId: Type.Optional(TaxIdSchema),
    email: editable.email,
    currency: CurrencyCode,
    billingAddress: AddressSchema,
    contacts: Type.Optional(editable.contacts),
    communication: Type.Optional(CommunicationSchema),
    termsCode: Type.Optional(TermsCode),
    creditLimit: Type.Optional(CreditLimit),
    riskSegment: Type.Optional(RiskSegment),
    externalRef: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    tags: Type.Optional(editable.tags),
    ...duplicateOverride,
  },
  { additionalProperties: false },
);
export type CreateCustomerBody = Static<typeof CreateCustomerBody>;

export const PatchCustomerBody = Type.Object(
  {
    legalName: Type.Optional(editable.legalName),
    displayName: Type.Optional(editable.displayName),
    taxId: Type.Optional(editable.taxId),
    email: Type.Optional(editable.email),
    billingAddress: Type.Optional(editable.billingAddress),
    contacts: Type.Optional(editable.contacts),
    communication: Type.Optional(editable.communication),
    termsCode: Type.Optional(editable.termsCode),
    creditLimit: Type.Optional(editable.creditLimit),
    riskSegment: Type.Optional(editable.riskSegment),
    externalRef: Type.Optional(editable.externalRef),
    tags: Type.Optional(editable.tags),
    currency: Type.Optional(CurrencyCodeOf('Only while the customer has no ledger activity')),
    hold: Type.Optional(
      Type.Union(
        [
          Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false }),
          Type.Null(),
        ],
        {
          description: 'Put the account on hold (with a reason) or release it (null)',
        },
      ),
    ),
    ...duplicateOverride,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchCustomerBody = Static<typeof PatchCustomerBody>;

const IfMatch = Type.Optional(Type.String({ description: 'ETag of the version being changed; a stale one gets 412' }));
export const IfMatchHeaders = Type.Object({ 'if-match': IfMatch }, { additionalProperties: true });
export const IdempotencyAndIfMatchHeaders = Type.Object(
  {
    'if-match': IfMatch,
    'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' })),
  },
  { additionalProperties: true },
);

export const AccountChangeSchema = Type.Object({
  at: Type.String(),
  field: Type.String(),
  from: Type.Unknown(),
  to: Type.Unknown(),
  by: Type.String(),
});

const HoldSchema = Type.Object({ reason: Type.String(), by: Type.String(), at: Type.String() });
const DelinquencySchema = Type.Object({
  since: Type.String(),
  reasons: Type.Array(Type.Object({ code: Type.String(), detail: Type.String() })),
});
const Status = Type.Union([
  Type.Literal('active'),
  Type.Literal('on_hold'),
  Type.Literal('delinquent'),
  Type.Literal('closed'),
]);

export const AccountStateSchema = Type.Object({
  customerId: Type.String(),
  status: Status,
  currency: Type.String(),
  profileVersion: Type.Integer(),
  openedAt: Type.String(),
  lastRefreshedAt: Type.Union([Type.String(), Type.Null()]),
  nextRefreshAt: Type.String(),
  refreshCount: Type.Integer(),
  closedAt: Type.Union([Type.String(), Type.Null()]),
  changes: Type.Array(AccountChangeSchema),
  termsCode: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  creditLimit: Type.Optional(Type.Union([MoneySchema, Type.Null()])),
  hold: Type.Optional(Type.Union([HoldSchema, Type.Null()])),
  delinquency: Type.Optional(Type.Union([DelinquencySchema, Type.Null()])),
  facts: Type.Optional(
    Type.Object({
      openInvoiceCount: Type.Integer(),
      openAmount: Type.Integer(),
      oldestOpenDueDate: Type.Union([Type.String(), Type.Null()]),
      overdueInvoiceCount: Type.Integer(),
      overdueAmount: Type.Integer(),
      brokenPromises: Type.Integer(),
    }),
  ),
  overCreditLimit: Type.Optional(Type.Boolean()),
  profileLoaded: Type.Optional(Type.Boolean()),
});

export const BalanceSchema = Type.Object({
  receivable: MoneySchema,
  credit: MoneySchema,
  net: MoneySchema,
});

export const OpenInvoicesSchema = Type.Object({
  count: Type.Integer(),
  total: MoneySchema,
  overdueCount: Type.Integer(),
  overdue: MoneySchema,
  oldestDueDate: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
});

export const CustomerSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  legalName: Type.String(),
  displayName: Type.Union([Type.String(), Type.Null()]),
  taxId: Type.Union([TaxIdSchema, Type.Null()]),
  email: Type.String(),
  currency: Type.String(),
  billingAddress: AddressSchema,
  contacts: Type.Array(ContactSchema),
  communication: CommunicationSchema,
  termsCode: Type.String(),
  creditLimit: Type.Union([MoneySchema, Type.Null()]),
  riskSegment: Type.Union([RiskSegment, Type.Null()]),
  externalRef: Type.Union([Type.String(), Type.Null()]),
  tags: Type.Array(Type.String()),
  status: Status,
  hold: Type.Union([HoldSchema, Type.Null()]),
  delinquency: Type.Union([DelinquencySchema, Type.Null()]),
  mergedInto: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  closedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  version: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  balance: Type.Optional(BalanceSchema),
  openInvoices: Type.Optional(OpenInvoicesSchema),
  account: Type.Optional(
    Type.Union([AccountStateSchema, Type.Null()], {
      description:
        'With `?include=account` (and on create): the live state answered by the customer account workflow; null if the workflow cannot answer right now.',
    }),
  ),
});
