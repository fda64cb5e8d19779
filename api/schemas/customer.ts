import { Type, type Static } from 'typebox';

export const AddressSchema = Type.Object(
  {
    line1: Type.String({ minLength: 1, maxLength: 200 }),
    line2: Type.Optional(Type.String({ maxLength: 200 })),
    city: Type.String({ minLength: 1, maxLength: 100 }),
    region: Type.Optional(Type.String({ maxLength: 100 })),
    postalCode: Type.String({ minLength: 1, maxLength: 20 }),
    country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' }),
  },
  { additionalProperties: false },
);

export const CreateCustomerBody = Type.Object(
  {
    legalName: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    email: Type.String({ format: 'email', maxLength: 254 }),
    currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code' }),
    billingAddress: AddressSchema,
  },
  { additionalProperties: false },
);
export type CreateCustomerBody = Static<typeof CreateCustomerBody>;

export const AccountChangeSchema = Type.Object({
  at: Type.String(),
  field: Type.String(),
  from: Type.Unknown(),
  to: Type.Unknown(),
  by: Type.String(),
});

export const AccountStateSchema = Type.Object({
  customerId: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('on_hold'), Type.Literal('delinquent'), Type.Literal('closed')]),
  currency: Type.String(),
  profileVersion: Type.Integer(),
  openedAt: Type.String(),
  lastRefreshedAt: Type.Union([Type.String(), Type.Null()]),
  nextRefreshAt: Type.String(),
  refreshCount: Type.Integer(),
  closedAt: Type.Union([Type.String(), Type.Null()]),
  changes: Type.Array(AccountChangeSchema),
});

export const CustomerSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  legalName: Type.String(),
  displayName: Type.Union([Type.String(), Type.Null()]),
  email: Type.String(),
  currency: Type.String(),
  billingAddress: AddressSchema,
  status: Type.String(),
  version: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  account: Type.Union([AccountStateSchema, Type.Null()], {
    description: 'Live state answered by the customer account workflow; null if the workflow cannot answer right now.',
  }),
});
