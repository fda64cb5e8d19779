import { Type } from 'typebox';

const Days = Type.Integer({ minimum: 0, maximum: 3650 });
const Discount = Type.Object(
  {
    rateBp: Type.Integer({
      minimum: 1,
      maximum: 9999,
      description: 'discount in basis points of the total (200 = 2 %)',
    }),
    withinDays: Type.Integer({
      minimum: 0,
      maximum: 3650,
      description: 'paid within this many days of the issue date',
    }),
  },
  { additionalProperties: false },
);

export const PaymentTermsSchema = Type.Union([
  Type.Object({ type: Type.Literal('due_on_receipt') }, { additionalProperties: false }),
  Type.Object(
    { type: Type.Literal('net'), days: Days, discount: Type.Optional(Discount) },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('end_of_month'), days: Days, discount: Type.Optional(Discount) },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('instalments'),
      instalments: Type.Array(
        Type.Object(
          { portionBp: Type.Integer({ minimum: 1, maximum: 10000 }), dueDays: Days },
          { additionalProperties: false },
        ),
        { minItems: 2, maxItems: 60, description: 'portions (basis points) sum to 10000' },
      ),
    },
    { additionalProperties: false },
  ),
]);

export const TermsCodeParams = Type.Object(
  { code: Type.String({ pattern: '^[A-Z0-9_]{1,40}$' }) },
  { additionalProperties: false },
);

export const CreateTermsBody = Type.Object(
  {
    code: Type.String({ pattern: '^[A-Z0-9_]{1,40}$' }),
    name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
    terms: PaymentTermsSchema,
  },
  { additionalProperties: false },
);

export const ReplaceTermsBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }), terms: PaymentTermsSchema },
  { additionalProperties: false },
);

export const TermsTemplateSchema = Type.Object({
  code: Type.String(),
  name: Type.String(),
  terms: PaymentTermsSchema,
  version: Type.Integer(),
  updatedAt: Type.String({ format: 'date-time' }),
  updatedBy: Type.String(),
  example: Type.Object(
    {
      issueDate: Type.String({ format: 'date' }),
      dueDate: Type.String({ format: 'date' }),
      instalmentDueDates: Type.Array(Type.String({ format: 'date' })),
      discountDeadline: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
    },
    { description: 'Due dates these terms give an invoice issued today' },
  ),
});
