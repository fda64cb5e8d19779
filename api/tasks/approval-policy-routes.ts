// The approval ceilings in force, as data: what each role may approve alone per currency, how many different people
// an amount above the highest ceiling needs, and above what a credit note waits for an approval. Task completion holds every approver to exactly this table.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  APPROVAL_TASK_TYPES,
  APPROVALS_ABOVE_HIGHEST_CEILING,
  approvalQueueOf,
  ceilingsFor,
} from '../../src/tasks/rules/approval-authority.js';
import { approvalCeilingsOf, creditNoteApprovalAboveOf } from '../../src/credit/rules/credit-policy.js';
import type { ApiDeps } from '../http/deps.js';
import { problemResponses } from '../http/common-schemas.js';

const Money = Type.Object({ amount: Type.Integer(), currency: Type.String() });

const ApprovalAuthoritySchema = Type.Object({
  policyVersion: Type.String({ description: 'the credit policy version the ceilings belong to' }),
  taskTypes: Type.Array(Type.String(), { description: 'task types whose approve outcome is held to the ceilings' }),
  ceilings: Type.Array(
    Type.Object({
      currency: Type.String({ description: 'ISO 4217 code, or * for any other currency' }),
      role: Type.String(),
      upTo: Money,
      queue: Type.String({ description: 'where approvals routed up to this role wait' }),
    }),
  ),
  approvalsAboveHighestCeiling: Type.Integer({
    description: 'different people of the top role an amount above every ceiling needs',
  }),
  creditNoteApprovalAbove: Type.Array(Type.Object({ currency: Type.String(), above: Money }), {
    description: 'a credit note above this waits for a credit_note_approval task',
  }),
});

export const approvalPolicyRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get(
    '/policies/approval-authority',
    {
      schema: {
        tags: ['tasks'],
        summary: 'Approval ceilings per role and currency, enforced on every approval task',
        response: { 200: ApprovalAuthoritySchema, ...problemResponses() },
      },
    },
    async () => {
      const policy = deps.config.policy.credit;
      const table = approvalCeilingsOf(policy);
      const ceilings = Object.keys(table).flatMap((currency) =>
        ceilingsFor(table, currency).map(([role, upTo]) => ({
          currency,
          role,
          upTo: { amount: upTo, currency },
          queue: approvalQueueOf(role),
        })),
      );
      const creditNoteApprovalAbove = Object.entries(creditNoteApprovalAboveOf(policy)).map(([currency, above]) => ({
        currency,
        above: { amount: above, currency },
      }));
      return {
        policyVersion: policy.version,
        taskTypes: [...APPROVAL_TASK_TYPES],
        ceilings,
        approvalsAboveHighestCeiling: APPROVALS_ABOVE_HIGHEST_CEILING,
        creditNoteApprovalAbove,
      };
    },
  );
};
