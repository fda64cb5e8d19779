import { Type } from 'typebox';
import { DISPUTE_CATEGORIES, DISPUTE_STATUSES } from '../../src/disputes/rules/dispute.js';
import { MoneySchema, PositiveMoneyInput } from '../http/common-schemas.js';

export const DisputeCategorySchema = Type.Union([
  Type.Literal('pricing'),
  Type.Literal('quantity'),
  Type.Literal('quality'),
  Type.Literal('delivery'),
  Type.Literal('documentation'),
  Type.Literal('other'),
]) satisfies { anyOf: { const: (typeof DISPUTE_CATEGORIES)[number] }[] };
export const DisputeStatusSchema = Type.Union([
  Type.Literal('open'),
  Type.Literal('awaiting_info'),
  Type.Literal('resolved'),
  Type.Literal('withdrawn'),
]) satisfies {
  anyOf: { const: (typeof DISPUTE_STATUSES)[number] }[];
};

export const AttachmentSchema = Type.Object(
  {
    filename: Type.String({ minLength: 1, maxLength: 255 }),
    url: Type.Optional(Type.String({ format: 'uri', maxLength: 2000 })),
    contentType: Type.Optional(Type.String({ maxLength: 255 })),
  },
  { additionalProperties: false },
);

export const OpenDisputeBody = Type.Object(
  {
    // A string rather than an enum: a category outside the list is a business-rule rejection (422 naming /category).
    category: Type.String({ minLength: 1, maxLength: 50, description: `one of ${DISPUTE_CATEGORIES.join(', ')}` }),
    amount: Type.Optional(PositiveMoneyInput),
    lines: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1 }), {
        minItems: 1,
        maxItems: 500,
        description: 'Invoice line numbers; leave out to dispute the whole invoice',
      }),
    ),
    reason: Type.String({ minLength: 1, maxLength: 4000 }),
    attachments: Type.Optional(Type.Array(AttachmentSchema, { maxItems: 20 })),
  },
  { additionalProperties: false },
);

export const CustomerReplyBody = Type.Object(
  { text: Type.String({ minLength: 1, maxLength: 8000 }) },
  { additionalProperties: false },
);
export const WithdrawBody = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 2000 }) },
  { additionalProperties: false },
);

export const ListDisputesQuery = Type.Object({
  status: Type.Optional(DisputeStatusSchema),
  category: Type.Optional(DisputeCategorySchema),
  queue: Type.Optional(Type.String({ maxLength: 100 })),
  customerId: Type.Optional(Type.String({ format: 'uuid' })),
  invoiceId: Type.Optional(Type.String({ format: 'uuid' })),
});

const Nullable = <T extends import('typebox').TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const DisputeSchema = Type.Object({
  id: Type.String(),
  invoiceId: Type.String(),
  invoiceNumber: Type.String(),
  customerId: Type.String(),
  category: DisputeCategorySchema,
  status: DisputeStatusSchema,
  amount: MoneySchema,
  reason: Type.String(),
  lines: Nullable(Type.Array(Type.Integer())),
  attachments: Type.Array(
    Type.Object({
      filename: Type.String(),
      url: Type.Optional(Type.String()),
      contentType: Type.Optional(Type.String()),
    }),
  ),
  correspondence: Type.Array(
    Type.Object({
      at: Type.String(),
      from: Type.String(),
      kind: Type.String(),
      text: Type.String(),
      by: Type.Optional(Type.String()),
    }),
  ),
  queue: Nullable(Type.String()),
  outcome: Nullable(Type.Record(Type.String(), Type.Unknown())),
  rootCause: Nullable(Type.Object({ category: Type.String(), note: Type.String() })),
  policyVersion: Nullable(Type.String()),
  openedAt: Type.String(),
  openedBy: Type.String(),
  channel: Type.Union([Type.Literal('staff'), Type.Literal('portal')]),
  acknowledgedAt: Nullable(Type.String()),
  acknowledgedBy: Nullable(Type.String()),
  slaDueAt: Nullable(
    Type.String({
      description: 'Resolution deadline (business days); null while waiting for the customer or once ended',
    }),
  ),
  escalatedAt: Nullable(Type.String()),
  resolvedAt: Nullable(Type.String()),
  version: Type.Integer(),
});

export const DisputeDetailSchema = Type.Object({
  ...DisputeSchema.properties,
  instalments: Type.Array(
    Type.Object({
      seq: Type.Integer(),
      dueDate: Type.String(),
      amount: MoneySchema,
      status: Type.String(),
      checkedAt: Nullable(Type.String()),
    }),
  ),
  effects: Type.Array(
    Type.Object({
      kind: Type.String(),
      creditNoteId: Nullable(Type.String()),
      invoiceId: Nullable(Type.String()),
      amount: MoneySchema,
    }),
  ),
  workflow: Nullable(
    Type.Record(Type.String(), Type.Unknown(), {
      description: 'Live state of dispute-<id>: phase, SLA clock, tasks, instalments',
    }),
  ),
});

export const UpdateAcceptedSchema = Type.Object({ accepted: Type.Literal(true), dispute: DisputeSchema });
