import { Type } from 'typebox';
import { Amount, IsoDate } from '../http/common-schemas.js';

const Id = Type.String({ format: 'uuid' });
const Money = Type.Object({ amount: Type.Integer(), currency: Type.String() });

export const PortalSummarySchema = Type.Object({
  customer: Type.Object({ id: Id, name: Type.String(), currency: Type.String(), status: Type.String() }),
  balance: Money,
  overdue: Money,
  overdueCount: Type.Integer(),
  openCount: Type.Integer(),
  nextDue: Type.Union([
    Type.Object({ invoiceId: Id, number: Type.String(), dueDate: Type.String(), amount: Money }),
    Type.Null(),
  ]),
});

export const PortalInvoiceSchema = Type.Object({
  id: Id,
  number: Type.String(),
  issueDate: Type.String(),
  dueDate: Type.String(),
  status: Type.String(),
  total: Money,
  open: Money,
  overdue: Type.Boolean(),
});

export const PortalInvoiceDetailSchema = Type.Intersect([
  PortalInvoiceSchema,
  Type.Object({
    lines: Type.Array(
      Type.Object({
        lineNo: Type.Integer(),
        description: Type.String(),
        quantity: Type.Number(),
        unitPrice: Money,
        taxRate: Type.String(),
        net: Money,
        tax: Type.Number(),
      }),
    ),
    pdf: Type.String({ description: 'download link of the invoice PDF' }),
  }),
]);

export const PortalPaymentSchema = Type.Object({
  id: Id,
  amount: Money,
  method: Type.String(),
  receivedAt: Type.String(),
  reference: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  applied: Money,
  allocations: Type.Optional(Type.Array(Type.Object({ invoiceId: Id, invoiceNumber: Type.String(), amount: Money }))),
});

export const PortalDocumentSchema = Type.Object({
  id: Id,
  kind: Type.String(),
  filename: Type.String(),
  mediaType: Type.String(),
  sizeBytes: Type.Integer(),
  createdAt: Type.String(),
  href: Type.String(),
});

export const PortalDisputeSchema = Type.Object({
  id: Id,
  invoiceId: Id,
  invoiceNumber: Type.String(),
  category: Type.String(),
  status: Type.String(),
  amount: Money,
  reason: Type.String(),
  openedAt: Type.String(),
  resolvedAt: Type.Union([Type.String(), Type.Null()]),
});

export const DisputeCategorySchema = Type.Union(
  ['pricing', 'quantity', 'quality', 'delivery', 'documentation', 'other'].map((c) => Type.Literal(c)),
);

/** Everything a customer may say when disputing; nothing else (no status, no queue, no customer id). */
export const PortalDisputeBody = Type.Object(
  {
    invoiceId: Id,
    category: Type.String({ enum: ['pricing', 'quantity', 'quality', 'delivery', 'documentation', 'other'] }),
    reason: Type.String({ minLength: 3, maxLength: 2000, pattern: '\\S' }),
    amount: Type.Optional(
      Amount({
        minimum: 1,
        description: 'disputed amount in minor units of the invoice currency; absent: the whole open amount',
      }),
    ),
  },
  { additionalProperties: false },
);

export const PortalPromiseBody = Type.Object(
  {
    amount: Amount({ minimum: 1, description: 'minor units of the account currency' }),
    date: IsoDate(),
    invoiceIds: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: 100, uniqueItems: true })),
  },
  { additionalProperties: false },
);

export const PortalPromiseSchema = Type.Object({
  id: Id,
  amount: Money,
  promisedDate: Type.String(),
  invoiceIds: Type.Array(Id),
  status: Type.String(),
  createdAt: Type.String(),
});

export const GatewayMethodSchema = Type.Union([Type.Literal('card'), Type.Literal('ach_debit')]);

export const PortalPaymentStartBody = Type.Object(
  {
    invoiceIds: Type.Array(Id, { minItems: 1, maxItems: 50, uniqueItems: true }),
    method: GatewayMethodSchema,
    paymentMethod: Type.Optional(
      Type.String({
        pattern: '^pm_[A-Za-z0-9_]{1,100}$',
        description: 'a payment method the gateway already holds (confirms at once)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const GatewayPaymentSchema = Type.Object({
  id: Id,
  method: GatewayMethodSchema,
  amount: Money,
  invoiceIds: Type.Array(Id),
  status: Type.String(),
  failureReason: Type.Union([Type.String(), Type.Null()]),
  paymentId: Type.Union([Id, Type.Null()]),
  /** The gateway's own reference (a Stripe PaymentIntent id): what the customer and support quote to each other. */
  gatewayReference: Type.String(),
  clientSecret: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  createdAt: Type.String(),
});

export const BankTransferSchema = Type.Object({
  accountName: Type.String(),
  iban: Type.String(),
  bic: Type.String(),
  reference: Type.String(),
  note: Type.String(),
});

export const PaymentMethodsSchema = Type.Object({
  bankTransfer: BankTransferSchema,
  gateway: Type.Union([
    Type.Object({
      provider: Type.String(),
      methods: Type.Array(GatewayMethodSchema),
      publishableKey: Type.Union([Type.String(), Type.Null()]),
    }),
    Type.Null(),
  ]),
});

/** Preferences a portal user may change; nothing about credit, status or terms. */
export const PortalPreferencesBody = Type.Object(
  {
    channel: Type.Optional(Type.Union([Type.Literal('email'), Type.Literal('portal'), Type.Literal('post')])),
    language: Type.Optional(Type.String({ pattern: '^[a-z]{2,3}(-[A-Z]{2})?$' })),
    statementFrequency: Type.Optional(
      Type.Union([Type.Literal('none'), Type.Literal('weekly'), Type.Literal('monthly'), Type.Literal('quarterly')]),
    ),
    autopay: Type.Optional(
      Type.Boolean({ description: 'consent to charge due invoices automatically with the saved method' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const PortalPreferencesSchema = Type.Object({
  channel: Type.String(),
  language: Type.String(),
  statementFrequency: Type.String(),
  autopay: Type.Boolean(),
  autopayConsentAt: Type.Union([Type.String(), Type.Null()]),
});

export const StatementQuery = Type.Object(
  {
    from: Type.Optional(IsoDate()),
    to: Type.Optional(IsoDate()),
    format: Type.Optional(Type.Union([Type.Literal('html'), Type.Literal('pdf')], { default: 'pdf' })),
  },
  { additionalProperties: false },
);

export const InviteBody = Type.Object(
  { email: Type.String({ format: 'email', maxLength: 254 }) },
  { additionalProperties: false },
);
