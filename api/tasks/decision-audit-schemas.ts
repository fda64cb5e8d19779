// The decision audit as the API publishes it (GET /audit, GET /audit/{id}): one schema for what is stored, so the
// OpenAPI document says exactly what an auditor reads.
import { Type } from 'typebox';
import { ROLES } from '../../src/auth/roles.js';
import { PageQuery } from '../http/pagination.js';
import { MoneySchema, Timestamp } from '../http/common-schemas.js';

const Nullable = <T extends import('typebox').TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Code = (description: string) => Type.String({ pattern: '^[a-z][a-z0-9_]*$', maxLength: 64, description });

export const DecisionAuthoritySchema = Type.Object(
  {
    role: Nullable(Type.Enum(ROLES)),
    ceiling: Nullable(MoneySchema),
    basis: Type.Enum(['ceiling', 'two_approvals'] as const, {
      description:
        'ceiling: one person within their ceiling; two_approvals: above the highest ceiling, several people approved',
    }),
    approvals: Type.Optional(
      Type.Array(Type.Object({ by: Type.String(), at: Type.String({ format: 'date-time' }) }), {
        description: 'everyone who approved, in order',
      }),
    ),
  },
  {
    description:
      "The approval ceiling the decider held for the amount (src/tasks/rules/approval-authority.ts); null without an amount or when the decider's roles carry no ceiling",
  },
);

export const DecisionSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  outcome: Type.String({
    description:
      'the outcome decided (approve, reject, credit_partial, ...), or `refused` for an attempt refused before it reached the workflow',
  }),
  refusal: Nullable(
    Type.Object({
      type: Type.Enum(['approval-authority', 'four-eyes'] as const, {
        description: "above the decider's ceiling, or their own request / a second approval by the same person",
      }),
      status: Type.Integer(),
      detail: Type.String(),
      attempted: Type.String({
        description: "the outcome that was attempted, or `claim` for a refused claim of one's own request",
      }),
    }),
  ),
  actor: Type.Object({
    actor: Type.String({ description: 'what the task trail records as the actor (an e-mail, api-key:<name>, ...)' }),
    kind: Nullable(
      Type.Enum(['user', 'api_key', 'token'] as const, {
        description: 'the credential: a user, an API key, or an operator token',
      }),
    ),
    id: Nullable(Type.String({ description: 'the user id, the API key id, or the subject an operator token names' })),
    name: Nullable(Type.String({ description: 'display name' })),
    roles: Type.Array(Type.Enum(ROLES), { description: 'the roles the decider acted with' }),
  }),
  authority: Nullable(DecisionAuthoritySchema),
  amount: Nullable(MoneySchema),
  policyVersion: Nullable(
    Type.String({
      description:
        'the policy version in force: the dispute policy for dispute tasks, the credit policy (ceilings) for the others',
    }),
  ),
  task: Type.Object({
    id: Type.String({ format: 'uuid' }),
    type: Type.String(),
    subjectType: Nullable(Type.String()),
    subjectId: Nullable(Type.String()),
  }),
  customerId: Nullable(Type.String({ format: 'uuid' })),
  workflow: Type.Object({
    id: Nullable(Type.String()),
    runId: Nullable(Type.String({ description: 'the run that recorded the completion' })),
  }),
  comment: Nullable(Type.String()),
  data: Type.Record(Type.String(), Type.Unknown(), {
    description: 'the data sent with the outcome (an entered limit, a partial amount)',
  }),
  decidedAt: Type.String({ format: 'date-time' }),
});

export const DecisionListQuery = Type.Object(
  {
    from: Type.Optional(Timestamp({ description: 'decided at or after' })),
    to: Type.Optional(Timestamp({ description: 'decided before' })),
    customerId: Type.Optional(Type.String({ format: 'uuid' })),
    taskType: Type.Optional(
      Code(
        'task type, e.g. credit_approval, credit_override, write_off_proposal, credit_note_approval, dispute_resolution',
      ),
    ),
    actor: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 254,
        description: 'the recorded actor, the user or API key id, or the display name',
      }),
    ),
    outcome: Type.Optional(Code('approve, reject, refused, ...')),
    ...PageQuery,
  },
  { additionalProperties: false },
);
