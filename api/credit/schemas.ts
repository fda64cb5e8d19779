// Schemas of the credit routes: hold/release, credit applications, reviews and the credit position.
import { Type } from 'typebox';
import { Amount, CurrencyCode, MoneySchema } from '../http/common-schemas.js';

const Nullable = <T extends import('typebox').TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Minor = (description: string) => Amount({ description: `${description} (minor units)` });

export const HoldBody = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 500 }) },
  { additionalProperties: false },
);

const HoldSchema = Type.Object({ reason: Type.String(), by: Type.String(), at: Type.String() });

export const HoldResultSchema = Type.Object({
  customerId: Type.String({ format: 'uuid' }),
  changed: Type.Boolean({ description: 'false: the account already was in that state (nothing written)' }),
  status: Type.String(),
  hold: Nullable(HoldSchema),
  version: Type.Integer(),
});

const Behaviour = Type.Union([Type.Literal('early'), Type.Literal('on_time'), Type.Literal('late')]);
const Risk = Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')]);

export const CreditApplicationBody = Type.Object(
  {
    requestedLimit: Amount({ minimum: 0, description: 'requested credit limit (minor units)' }),
    currency: CurrencyCode,
    financials: Type.Object(
      {
        revenue: Type.Optional(Minor('annual revenue')),
        netIncome: Type.Optional(Minor('net income')),
        currentAssets: Type.Optional(Amount({ minimum: 0 })),
        currentLiabilities: Type.Optional(Amount({ minimum: 0 })),
        totalAssets: Type.Optional(Amount({ minimum: 0 })),
        totalLiabilities: Type.Optional(Amount({ minimum: 0 })),
        netWorth: Type.Optional(Minor('net worth; default total assets - total liabilities')),
        operatingCashFlow: Type.Optional(Minor('operating cash flow')),
        yearsInBusiness: Type.Optional(Type.Integer({ minimum: 0, maximum: 500 })),
      },
      { additionalProperties: false },
    ),
    tradeReferences: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            behaviour: Behaviour,
            contact: Type.Optional(Type.String({ maxLength: 200 })),
            creditLimit: Type.Optional(Amount({ minimum: 0 })),
            yearsKnown: Type.Optional(Type.Integer({ minimum: 0 })),
          },
          { additionalProperties: false },
        ),
        { maxItems: 20 },
      ),
    ),
    bureauScore: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 100,
        description: 'a bureau score you already have (0-100); none: the configured bureau is asked',
      }),
    ),
    collateral: Type.Optional(
      Type.Object(
        {
          description: Type.String({ maxLength: 500, description: 'Not blank when value is above 0 (422 otherwise)' }),
          value: Amount({ minimum: 0 }),
        },
        { additionalProperties: false },
      ),
    ),
    industry: Type.Optional(
      Type.Object({ code: Type.Optional(Type.String({ maxLength: 20 })), risk: Risk }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);

export const CreditReviewSchema = Type.Object({
  workflowId: Type.String(),
  customerId: Type.String({ format: 'uuid' }),
  seq: Type.Integer(),
  trigger: Type.String({ description: 'application | periodic | early' }),
  reasons: Type.Array(Type.String()),
  status: Type.String({ description: 'open | awaiting_approval | decided | failed' }),
  currency: Type.String(),
  requestedLimit: Nullable(Type.Integer()),
  application: Type.Unknown(),
  bureau: Type.Unknown({ description: 'the bureau report used (provider, reference, score, pulledAt, reused)' }),
  scorecard: Type.Unknown({
    description:
      'every input, metric, rule line (band, points, weight), component, the weighted score and the rationale',
  }),
  policyVersion: Nullable(Type.String()),
  riskClass: Nullable(Type.String()),
  recommendedLimit: Nullable(Type.Integer()),
  approver: Nullable(Type.String({ description: 'auto | credit_manager | finance_director (authority matrix)' })),
  taskId: Nullable(Type.String()),
  outcome: Nullable(Type.String()),
  approvedLimit: Nullable(Type.Integer()),
  previousLimit: Nullable(Type.Integer()),
  decidedBy: Nullable(Type.String()),
  decisionComment: Nullable(Type.String()),
  nextReviewDate: Nullable(Type.String()),
  requestedBy: Type.String(),
  startedAt: Type.String(),
  decidedAt: Nullable(Type.String()),
});

export const CreditPositionSchema = Type.Object({
  customerId: Type.String({ format: 'uuid' }),
  currency: Type.String(),
  limit: Nullable(MoneySchema),
  exposure: Type.Object({
    openReceivables: MoneySchema,
    awaitingRelease: MoneySchema,
    total: MoneySchema,
    heldInvoices: Type.Integer(),
  }),
  available: Nullable(MoneySchema),
  overLimit: Type.Boolean(),
  hold: Nullable(HoldSchema),
  riskClass: Nullable(Type.String()),
  lastReview: Nullable(
    Type.Object({
      reviewId: Type.String(),
      decidedAt: Type.String(),
      outcome: Type.String(),
      approver: Type.String(),
      decidedBy: Type.String(),
    }),
  ),
  nextReviewDate: Nullable(Type.String()),
  runningReview: Nullable(Type.String()),
  decisions: Type.Array(
    Type.Object({
      reviewId: Type.String(),
      trigger: Type.String(),
      reasons: Type.Array(Type.String()),
      outcome: Type.String(),
      riskClass: Nullable(Type.String()),
      recommendedLimit: Nullable(MoneySchema),
      approvedLimit: Nullable(MoneySchema),
      previousLimit: Nullable(MoneySchema),
      approver: Nullable(Type.String()),
      decidedBy: Nullable(Type.String()),
      comment: Nullable(Type.String()),
      decidedAt: Nullable(Type.String()),
      nextReviewDate: Nullable(Type.String()),
      policyVersion: Nullable(Type.String()),
    }),
  ),
});
