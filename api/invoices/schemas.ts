import { Type, type Static } from 'typebox';
import { INVOICE_STATUSES } from '../../src/invoices/rules/invoice-status.js';
import { Amount, CurrencyCode, IsoDate as SharedIsoDate, MoneySchema } from '../http/common-schemas.js';

const IsoDate = (description: string) => SharedIsoDate({ description });
/** 0 to 100 with up to 4 decimals: what src/invoices/rules/invoice.ts taxRateToPpm takes. */
export const TAX_RATE_PATTERN = '^(100(\\.0{1,4})?|\\d{1,2}(\\.\\d{1,4})?)$';

export const InvoiceLineBody = Type.Object(
  {
    description: Type.String({ minLength: 1, maxLength: 500, pattern: '\\S' }),
    quantity: Type.Number({
      minimum: 0.001,
      maximum: 1_000_000_000,
      multipleOf: 0.001,
      description: 'Greater than 0, at most 3 decimals (kept as integer thousandths)',
    }),
    unitPrice: Type.Object(
      { amount: Amount({ minimum: 0, description: 'Integer minor units, at least 0' }), currency: CurrencyCode },
      { additionalProperties: false },
    ),
    taxRate: Type.Optional(
      Type.String({
        pattern: TAX_RATE_PATTERN,
        description: 'Percentage 0-100 with up to 4 decimals, e.g. "19" or "8.875"; default "0"',
      }),
    ),
  },
  { additionalProperties: false },
);

export const CreateInvoiceBody = Type.Object(
  {
    customerId: Type.String({ format: 'uuid' }),
    lines: Type.Array(InvoiceLineBody, { minItems: 1, maxItems: 500 }),
    issueDate: Type.Optional(IsoDate('Issue date; default today (UTC)')),
    dueDate: Type.Optional(IsoDate('Overrides the due date the terms give')),
    terms: Type.Optional(
      Type.String({
        pattern: '^[A-Z0-9_]{1,40}$',
        description: "Payment terms template code; default the customer's terms",
      }),
    ),
    externalRef: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type CreateInvoiceBody = Static<typeof CreateInvoiceBody>;

export const InvoiceStatusSchema = Type.Enum(INVOICE_STATUSES);

export const IssuedInvoiceSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  number: Type.String(),
  status: InvoiceStatusSchema,
  total: MoneySchema,
  balance: MoneySchema,
  dueDate: Type.String(),
});

export const InvoiceWorkflowStateSchema = Type.Object(
  {
    phase: Type.String(),
    status: Type.String(),
    openAmount: Type.Integer(),
    policyVersion: Type.String(),
    reminderAt: Type.String(),
    overdueAt: Type.String(),
    deliveredAt: Type.Union([Type.String(), Type.Null()]),
    remindedAt: Type.Union([Type.String(), Type.Null()]),
    reminderSkipped: Type.Boolean(),
    overdueSince: Type.Union([Type.String(), Type.Null()]),
    closedAt: Type.Union([Type.String(), Type.Null()]),
    balanceEvents: Type.Array(
      Type.Object({ at: Type.String(), openAmount: Type.Integer(), cause: Type.String(), source: Type.String() }),
    ),
  },
  { additionalProperties: true },
);

export const CreditNoteSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  number: Type.String(),
  kind: Type.String(),
  reason: Type.String(),
  issueDate: Type.String(),
  net: MoneySchema,
  tax: MoneySchema,
  total: MoneySchema,
  entryId: Type.String({ format: 'uuid' }),
  createdAt: Type.String(),
});

const Nullable = <T extends import('typebox').TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const InvoiceSummarySchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  number: Type.String(),
  customerId: Type.String({ format: 'uuid' }),
  customerName: Type.String(),
  status: InvoiceStatusSchema,
  issueDate: Type.String(),
  dueDate: Type.String(),
  total: MoneySchema,
  balance: MoneySchema,
  overdue: Type.Boolean({ description: 'Past its due date with money open (as of today, UTC)' }),
  overdueSince: Nullable(Type.String()),
  externalRef: Nullable(Type.String()),
  version: Type.Integer(),
});

export const InvoiceSchema = Type.Object({
  ...InvoiceSummarySchema.properties,
  series: Type.String(),
  termsCode: Nullable(Type.String()),
  subtotal: MoneySchema,
  tax: MoneySchema,
  credited: MoneySchema,
  discount: Nullable(Type.Object({ deadline: Type.String(), rateBp: Type.Integer(), amount: MoneySchema })),
  instalments: Type.Array(Type.Object({ dueDate: Type.String(), amount: MoneySchema })),
  issueEntryId: Type.String({ format: 'uuid' }),
  sentAt: Nullable(Type.String()),
  remindedAt: Nullable(Type.String()),
  closedAt: Nullable(Type.String()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  lines: Type.Array(
    Type.Object({
      lineNo: Type.Integer(),
      description: Type.String(),
      quantity: Type.Number(),
      unitPrice: MoneySchema,
      taxRate: Type.String(),
      net: MoneySchema,
      tax: MoneySchema,
    }),
  ),
  creditNotes: Type.Array(CreditNoteSchema),
  workflow: Type.Optional(
    Type.Union([InvoiceWorkflowStateSchema, Type.Null()], {
      description:
        'With `?include=workflow`: the live state answered by the invoice workflow; null if it cannot answer right now.',
    }),
  ),
});

export const InvoiceReadQuery = Type.Object(
  {
    include: Type.Optional(
      Type.Literal('workflow', {
        description:
          'Add the live workflow state (a query answered by a worker: a round trip through Temporal). The record itself is always current.',
      }),
    ),
    format: Type.Optional(
      Type.Union([Type.Literal('json'), Type.Literal('ubl')], {
        description: '`ubl`: the invoice as UBL 2.1 XML (or send Accept: application/xml).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ListInvoicesQuery = Type.Object(
  {
    customerId: Type.Optional(Type.String({ format: 'uuid' })),
    status: Type.Optional(InvoiceStatusSchema),
    overdue: Type.Optional(
      Type.Boolean({ description: 'true: only invoices past due with money open; false: only those not overdue' }),
    ),
    dueBefore: Type.Optional(IsoDate('Only invoices due strictly before this date')),
  },
  { additionalProperties: false },
);

export const CreditNoteBody = Type.Object(
  {
    amount: Type.Optional(
      Type.Object(
        { amount: Amount({ minimum: 1, description: 'Minor units to credit' }), currency: CurrencyCode },
        { additionalProperties: false },
      ),
    ),
    reason: Type.String({ minLength: 1, maxLength: 500, pattern: '\\S' }),
  },
  { additionalProperties: false },
);

export const CancelBody = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 500, pattern: '\\S' }) },
  { additionalProperties: false },
);

export const CreditNoteResultSchema = Type.Object({
  creditNote: CreditNoteSchema,
  invoice: Type.Object({ id: Type.String(), number: Type.String(), status: InvoiceStatusSchema, balance: MoneySchema }),
});
