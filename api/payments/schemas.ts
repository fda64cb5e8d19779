import { Type } from 'typebox';
import { Cursor } from '../http/pagination.js';
import { MoneySchema, PositiveMoneyInput, Timestamp } from '../http/common-schemas.js';

const PositiveMoney = PositiveMoneyInput;

export const PaymentMethodSchema = Type.Union([
  Type.Literal('card'),
  Type.Literal('ach'),
  Type.Literal('wire'),
  Type.Literal('check'),
  Type.Literal('cash'),
]);
const MatchRuleSchema = Type.Union(
  [
    Type.Literal('remittance'),
    Type.Literal('reference'),
    Type.Literal('exact_amount'),
    Type.Literal('amount_combination'),
    Type.Literal('oldest_first'),
    Type.Literal('manual'),
  ],
  {
    description: 'Why the money went to this invoice',
  },
);
const PaymentStatusSchema = Type.Union(
  [
    Type.Literal('received'),
    Type.Literal('applied'),
    Type.Literal('partially_applied'),
    Type.Literal('unapplied'),
    Type.Literal('reversed'),
  ],
  {
    description:
      'received: cash application has not run yet; applied: every unit is on invoices; reversed: the bank took it back (POST /payments/{id}/reversal); otherwise some is credit or unapplied cash',
  },
);

export const RemittanceLineSchema = Type.Object(
  { invoiceNumber: Type.String({ minLength: 1, maxLength: 64 }), amount: PositiveMoney },
  { additionalProperties: false },
);

export const CreatePaymentBody = Type.Object(
  {
    customerId: Type.Optional(
      Type.String({
        format: 'uuid',
        description: 'The payer, when known; otherwise identified from remittance or reference',
      }),
    ),
    amount: PositiveMoney,
    method: PaymentMethodSchema,
    receivedAt: Timestamp({ description: 'When the money arrived (decides early-payment discounts)' }),
    reference: Type.String({
      maxLength: 500,
      description: 'Free text from the payer or the bank; invoice numbers in it are matched',
    }),
    remittance: Type.Optional(
      Type.Array(RemittanceLineSchema, {
        maxItems: 1000,
        description: 'Invoices the payer says this pays, applied first',
      }),
    ),
  },
  { additionalProperties: false },
);

export const AllocationSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  seq: Type.Integer(),
  invoiceId: Type.String({ format: 'uuid' }),
  invoiceNumber: Type.String(),
  amount: MoneySchema,
  discount: MoneySchema,
  rule: MatchRuleSchema,
  fundedFrom: Type.Union([Type.Literal('cash'), Type.Literal('customer_credit'), Type.Literal('unapplied_cash')]),
  journalKey: Type.String({ description: 'Idempotency key of the journal entry that posted it' }),
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});

export const RemittanceOutcomeSchema = Type.Object({
  invoiceNumber: Type.String(),
  stated: MoneySchema,
  applied: MoneySchema,
  outcome: Type.Union(
    [Type.Literal('pending'), Type.Literal('applied'), Type.Literal('partly_applied'), Type.Literal('not_applied')],
    {
      description:
        'pending: cash application has not run yet; otherwise how much of the line reached the invoice it names',
    },
  ),
  detail: Type.Union([Type.String(), Type.Null()], { description: 'Why less than stated was applied' }),
});

export const PaymentSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  customerId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  amount: MoneySchema,
  method: PaymentMethodSchema,
  receivedAt: Type.String({ format: 'date-time' }),
  reference: Type.String(),
  remittance: Type.Array(RemittanceLineSchema),
  status: PaymentStatusSchema,
  applied: MoneySchema,
  unapplied: MoneySchema,
  unappliedHeldAs: Type.Union([Type.Literal('customer_credit'), Type.Literal('unapplied_cash'), Type.Null()], {
    description: 'Where the unapplied part sits: the payer’s credit, or unapplied cash while the payer is unknown',
  }),
  discount: MoneySchema,
  source: Type.Union([Type.Literal('api'), Type.Literal('bank_statement')]),
  bankStatementId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  counterparty: Type.Union([
    Type.Object({ name: Type.Optional(Type.String()), iban: Type.Optional(Type.String()) }),
    Type.Null(),
  ]),
  appliedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  allocations: Type.Array(AllocationSchema),
  remittanceOutcome: Type.Array(RemittanceOutcomeSchema, {
    description:
      'What became of each remittance line: the receipt is always recorded, lines that do not fit are explained here',
  }),
  workflowId: Type.String(),
  version: Type.Integer(),
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});

export const PaymentListItemSchema = Type.Omit(PaymentSchema, ['allocations', 'remittance', 'remittanceOutcome']);

export const AllocateBody = Type.Object(
  {
    allocations: Type.Array(
      Type.Object(
        { invoiceId: Type.String({ format: 'uuid' }), amount: PositiveMoney },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 100 },
    ),
  },
  { additionalProperties: false },
);

export const PaymentListQuery = Type.Object(
  {
    customerId: Type.Optional(Type.String({ format: 'uuid' })),
    status: Type.Optional(PaymentStatusSchema),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Cursor()),
  },
  { additionalProperties: false },
);
