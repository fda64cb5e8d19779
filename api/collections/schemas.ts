// Request and response schemas of the collections routes: dunning policies, assignments, the worklist, a customer's
// collection, contacts, promises to pay and recoveries of written-off debt.
import { Type } from 'typebox';
import {
  Amount,
  DURATION_PATTERN,
  IsoDate,
  IsoDuration,
  MoneySchema,
  PositiveMoneyInput,
  Timestamp,
} from '../http/common-schemas.js';
import { mailTemplateNames } from '../../src/templates/render.js';
import { Cursor } from '../http/pagination.js';

const Duration = (description: string) => IsoDuration({ description });
// A level contacts the customer every so often: a duration of zero (P0D, PT0S) would contact without pause.
const ZERO_DURATION = '^P(0+[YMWD])*(T(0+[HM])*(0+(\\.0{1,3})?S)?)?$';
const PositiveDuration = (description: string) =>
  Type.String({
    pattern: DURATION_PATTERN,
    not: { pattern: ZERO_DURATION },
    maxLength: 40,
    description: `${description} (ISO-8601 duration longer than zero, e.g. P7D, PT5S)`,
  });
/** Templates a level can send: every mail template under src/templates. */
const TEMPLATES = mailTemplateNames();
const Channel = Type.Union([Type.Literal('email'), Type.Literal('letter'), Type.Literal('sms')]);
const Action = Type.Union([
  Type.Literal('collector_task'),
  Type.Literal('credit_hold'),
  Type.Literal('agency_handover'),
]);

export const DunningLevelSchema = Type.Object(
  {
    name: Type.String({
      pattern: '^[a-z][a-z0-9_]{0,39}$',
      description: 'lower_snake_case, unique in the policy (e.g. final_notice)',
    }),
    trigger: Type.Object(
      {
        pastDueFor: Type.Union([Duration('How long the oldest overdue invoice is past due'), Type.Null()]),
        overdueAbove: Type.Union([
          Amount({ minimum: 0, description: 'Overdue total strictly above this (minor units, customer currency)' }),
          Type.Null(),
        ]),
        match: Type.Union([Type.Literal('any'), Type.Literal('all')], {
          default: 'any',
          description: 'With both conditions: either suffices (any) or both must hold (all)',
        }),
      },
      { additionalProperties: false },
    ),
    contactEvery: PositiveDuration('Contact frequency at this level'),
    channels: Type.Array(Channel, { minItems: 1, maxItems: 3, uniqueItems: true }),
    template: Type.Unsafe<string>({
      type: 'string',
      enum: TEMPLATES,
      description: 'Template under src/templates (e.g. dunning-demand)',
    }),
    lateFee: Type.Union([
      Type.Object(
        {
          fixed: Amount({ minimum: 0, description: 'Fixed charge in minor units of the invoice currency' }),
          interest: Type.Union([
            Type.Object(
              {
                annualRateBp: Type.Integer({
                  minimum: 1,
                  maximum: 100_000,
                  description: 'Annual rate in basis points (800 = 8 %)',
                }),
                basis: Type.Union([Type.Literal(360), Type.Literal(365)]),
              },
              { additionalProperties: false },
            ),
            Type.Null(),
          ]),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    actions: Type.Array(Action, { maxItems: 3, uniqueItems: true, default: [] }),
  },
  { additionalProperties: false },
);

export const DunningPolicyBodySchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    courtesyReminder: Type.Union([
      Type.Object({ before: Duration('Courtesy reminder before the due date') }, { additionalProperties: false }),
      Type.Null(),
    ]),
    levels: Type.Array(DunningLevelSchema, { minItems: 1, maxItems: 12 }),
    promise: Type.Object(
      {
        maxAhead: Duration('Latest promised date from today'),
        grace: Duration('Grace after the promised date'),
        maxOpen: Type.Integer({ minimum: 1, maximum: 10 }),
      },
      { additionalProperties: false },
    ),
    writeOff: Type.Object(
      {
        after: Duration('Wait at the last level before a write-off proposal'),
        sla: Duration('SLA of the write-off proposal task'),
      },
      { additionalProperties: false },
    ),
    collectorQueue: Type.String({ minLength: 1, maxLength: 60, default: 'collections' }),
    collectorTaskSla: Duration('SLA of collector tasks'),
    managerQueue: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9][a-z0-9._-]{0,99}$',
        description:
          'Queue a collector task or write-off proposal still open at its deadline moves to, once (absent: finance-director)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const PolicyCodeParams = Type.Object(
  { code: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,39}$', description: 'Policy code, e.g. standard' }) },
  { additionalProperties: false },
);

// One object rather than an allOf of the stored fields and the (closed) body schema: each allOf part would judge the
// other's fields as additional, so a schema-checking client would refuse every stored policy.
export const DunningPolicySchema = Type.Object(
  {
    code: Type.String(),
    version: Type.Integer(),
    createdBy: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    ...DunningPolicyBodySchema.properties,
  },
  { additionalProperties: false },
);
export const PolicyVersionsSchema = Type.Object({ code: Type.String(), versions: Type.Array(DunningPolicySchema) });

export const SegmentParams = Type.Object(
  { segment: Type.Union([Type.Literal('default'), Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')]) },
  { additionalProperties: false },
);
export const AssignmentBody = Type.Object(
  { policyCode: Type.String({ minLength: 1, maxLength: 40 }) },
  { additionalProperties: false },
);
export const AssignmentSchema = Type.Object({
  segment: Type.String(),
  policyCode: Type.String(),
  updatedBy: Type.String(),
  updatedAt: Type.String({ format: 'date-time' }),
});
export const CustomerPolicyBody = Type.Object(
  {
    policyCode: Type.Union([Type.String({ minLength: 1, maxLength: 40 }), Type.Null()], {
      description: 'null removes the override',
    }),
  },
  { additionalProperties: false },
);
export const CustomerPolicySchema = Type.Object({
  customerId: Type.String(),
  policyCode: Type.String(),
  version: Type.Integer(),
  source: Type.Union([Type.Literal('customer'), Type.Literal('segment'), Type.Literal('default')]),
});

export const CustomerIdParams = Type.Object(
  { customerId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);

export const WorklistQuery = Type.Object(
  {
    level: Type.Optional(Type.String({ maxLength: 40, description: 'Only accounts at this level' })),
    until: Type.Optional(Timestamp({ description: 'Actions due by then (default: the end of today, UTC)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Cursor()),
  },
  { additionalProperties: false },
);

export const WorklistItemSchema = Type.Object({
  customerId: Type.String(),
  customerName: Type.String(),
  riskSegment: Type.Union([Type.String(), Type.Null()]),
  level: Type.Union([Type.String(), Type.Null()]),
  overdue: MoneySchema,
  daysPastDue: Type.Integer(),
  brokenPromises: Type.Integer(),
  latePaymentShare: Type.Number(),
  nextAction: Type.Union([Type.String(), Type.Null()]),
  nextActionAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  pausedUntil: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  priority: Type.Object({
    score: Type.Number(),
    parts: Type.Object({
      risk: Type.Number(),
      amount: Type.Number(),
      age: Type.Number(),
      promises: Type.Number(),
      history: Type.Number(),
    }),
  }),
  policy: Type.Object({ code: Type.String(), version: Type.Integer() }),
});

export const ContactBody = Type.Object(
  {
    channel: Type.Union([
      Type.Literal('call'),
      Type.Literal('letter'),
      Type.Literal('visit'),
      Type.Literal('email'),
      Type.Literal('sms'),
    ]),
    outcome: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'e.g. reached, no_answer, promised_payment, disputes_invoice',
    }),
    note: Type.Optional(Type.String({ maxLength: 4000 })),
    at: Type.Optional(Timestamp({ description: 'When the contact happened (default now; not in the future)' })),
    invoiceIds: Type.Optional(Type.Array(Type.String({ format: 'uuid' }), { maxItems: 200 })),
  },
  { additionalProperties: false },
);

export const ContactSchema = Type.Object({
  id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  channel: Type.String(),
  template: Type.Union([Type.String(), Type.Null()]),
  level: Type.Union([Type.String(), Type.Null()]),
  outcome: Type.String(),
  note: Type.Union([Type.String(), Type.Null()]),
  by: Type.String(),
  invoiceIds: Type.Array(Type.String()),
  taskId: Type.Union([Type.String(), Type.Null()]),
});

export const PromiseBody = Type.Object(
  {
    amount: PositiveMoneyInput,
    date: IsoDate({ description: 'Promised payment date (after today, within the policy maximum)' }),
    invoiceIds: Type.Optional(
      Type.Array(Type.String({ format: 'uuid' }), { minItems: 1, maxItems: 200, uniqueItems: true }),
    ),
  },
  { additionalProperties: false },
);

export const PromiseSchema = Type.Object({
  id: Type.String(),
  customerId: Type.String(),
  amount: MoneySchema,
  promisedDate: Type.String(),
  invoiceIds: Type.Array(Type.String()),
  status: Type.String(),
  deadlineAt: Type.String({ format: 'date-time' }),
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  resolvedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const MigrateBody = Type.Object(
  {
    policyCode: Type.Optional(
      Type.String({ minLength: 1, maxLength: 40, description: 'Default: the code the collection runs now' }),
    ),
    version: Type.Optional(Type.Integer({ minimum: 1, description: 'Default: the latest version of the code' })),
  },
  { additionalProperties: false },
);
export const MigrateResultSchema = Type.Object({
  from: Type.Object({ code: Type.String(), version: Type.Integer() }),
  to: Type.Object({ code: Type.String(), version: Type.Integer() }),
});

export const RecoveryBody = Type.Object(
  {
    invoiceId: Type.String({ format: 'uuid' }),
    amount: PositiveMoneyInput,
    receivedOn: IsoDate(),
    reference: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export const RecoverySchema = Type.Object({
  id: Type.String(),
  invoiceId: Type.String(),
  amount: MoneySchema,
  recovered: MoneySchema,
  writtenOff: MoneySchema,
  entryId: Type.String(),
});

export const CollectionSchema = Type.Object({
  customerId: Type.String(),
  running: Type.Boolean({ description: 'Whether the collection workflow runs now (its live state is in `state`)' }),
  state: Type.Union([Type.Unknown(), Type.Null()], {
    description: 'The workflow query result: level, next action, promise, history',
  }),
  case: Type.Union([
    Type.Object({
      status: Type.String(),
      policy: Type.Object({ code: Type.String(), version: Type.Integer() }),
      level: Type.Union([Type.String(), Type.Null()]),
      overdue: MoneySchema,
      nextAction: Type.Union([Type.String(), Type.Null()]),
      nextActionAt: Type.Union([Type.String(), Type.Null()]),
      contacts: Type.Integer(),
      updatedAt: Type.String({ format: 'date-time' }),
    }),
    Type.Null(),
  ]),
  contacts: Type.Array(ContactSchema),
  promises: Type.Array(PromiseSchema),
  fees: Type.Array(
    Type.Object({
      invoiceId: Type.String(),
      level: Type.String(),
      amount: MoneySchema,
      fixed: Type.Integer(),
      interest: Type.Integer(),
      principal: Type.Integer(),
      days: Type.Integer(),
      annualRateBp: Type.Union([Type.Integer(), Type.Null()]),
      basis: Type.Union([Type.Integer(), Type.Null()]),
      policy: Type.String(),
      chargedAt: Type.String(),
    }),
  ),
});
