// A credit note above the approval threshold (credit policy `creditNoteApprovalAbove`) is not issued at once: it is
// requested, and a `credit_note_approval` workflow waits for someone other than the requester, within their ceiling,
// to approve it. Requests the invoice would refuse anyway (closed, wrong currency, more than is open) are left to the
// immediate path, which answers them as it always has.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { approvalQueueFor, needsApproval } from '../../src/tasks/rules/approval-authority.js';
import {
  approvalCeilingsOf,
  creditNoteApprovalAboveOf,
  taskEscalationQueueOf,
} from '../../src/credit/rules/credit-policy.js';
import { isOpenStatus, type InvoiceStatus } from '../../src/invoices/rules/invoice-status.js';
import { workflowIds } from '../../src/temporal/ids.js';
import type {
  creditNoteApprovalWorkflow,
  CreditNoteApprovalInput,
} from '../../workflows/invoices/credit-note-approval.js';
import { creditNoteApprovalQuery } from '../../workflows/invoices/messages.js';
import { actorOf } from '../http/actor.js';
import type { ApiDeps } from '../http/deps.js';
import { problems } from '../http/problem.js';
import { MoneySchema, problemResponses, UuidParams } from '../http/common-schemas.js';
import { isWorkflowNotRunning } from '../../src/temporal/errors.js';

export const PendingCreditNoteSchema = Type.Object(
  {
    status: Type.Literal('awaiting_approval'),
    creditNoteId: Type.String({ format: 'uuid', description: 'the id the credit note gets once approved' }),
    workflowId: Type.String(),
    invoiceId: Type.String({ format: 'uuid' }),
    amount: MoneySchema,
    reason: Type.String(),
    requestedBy: Type.String(),
    queue: Type.String({ description: 'the approval queue its amount routes it to' }),
  },
  { description: 'Above the approval threshold: the credit note waits for a credit_note_approval task' },
);

/** Starts the approval of a credit note above the threshold; undefined when it is issued (or refused) at once. */
export async function requestCreditNoteApproval(
  deps: ApiDeps,
  request: FastifyRequest,
  invoiceId: string,
  body: { amount?: { amount: number; currency: string }; reason: string },
): Promise<Static<typeof PendingCreditNoteSchema> | undefined> {
  const [invoice] = await deps.orm.em
    .fork()
    .execute<
      { number: string; customer_id: string; currency: string; open_amount: string; status: InvoiceStatus }[]
    >('SELECT number, customer_id, currency, open_amount, status FROM invoice WHERE id = ?', [invoiceId]);
  if (!invoice || !isOpenStatus(invoice.status)) return undefined;
  const open = Number(invoice.open_amount);
  if (body.amount && (body.amount.currency !== invoice.currency || body.amount.amount > open)) return undefined;
  const amount = { amount: body.amount?.amount ?? open, currency: invoice.currency };
  const policy = deps.config.policy.credit;
  if (!needsApproval(creditNoteApprovalAboveOf(policy), amount)) return undefined;

  const creditNoteId = randomUUID();
  const workflowId = workflowIds.creditNoteApproval(creditNoteId);
  const input: CreditNoteApprovalInput = {
    creditNoteId,
    invoiceId,
    invoiceNumber: invoice.number,
    customerId: invoice.customer_id,
    amount,
    reason: body.reason.trim(),
    requestedBy: actorOf(request),
    queue: approvalQueueFor(approvalCeilingsOf(policy), amount),
    sla: policy.approvalSla,
    escalateTo: taskEscalationQueueOf(policy),
  };
  await deps.temporal.workflow.start<typeof creditNoteApprovalWorkflow>('creditNoteApprovalWorkflow', {
    workflowId,
    taskQueue: deps.config.temporal.taskQueue,
    args: [input],
  });
  return {
    status: 'awaiting_approval',
    creditNoteId,
    workflowId,
    invoiceId,
    amount,
    reason: input.reason,
    requestedBy: input.requestedBy,
    queue: input.queue,
  };
}

const CreditNoteApprovalSchema = Type.Object({
  creditNoteId: Type.String({ format: 'uuid' }),
  workflowId: Type.String(),
  status: Type.Union([
    Type.Literal('awaiting_approval'),
    Type.Literal('issued'),
    Type.Literal('rejected'),
    Type.Literal('refused'),
  ]),
  taskId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  decidedBy: Type.Union([Type.String(), Type.Null()]),
  comment: Type.Union([Type.String(), Type.Null()]),
  creditNoteNumber: Type.Union([Type.String(), Type.Null()]),
  refusal: Type.Union([Type.String(), Type.Null()], {
    description: 'why an approved credit note could not be issued (the invoice was paid or closed meanwhile)',
  }),
});

/** Where a requested credit note stands, for whoever asked for it (the approval task itself is the approvers'). */
export const creditNoteApprovalRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get(
    '/credit-note-approvals/:id',
    {
      schema: {
        tags: ['invoices'],
        summary: 'A credit note awaiting approval: its status, who decided and the credit note once issued',
        params: UuidParams,
        response: { 200: CreditNoteApprovalSchema, ...problemResponses(404) },
      },
    },
    async (request) => {
      const workflowId = workflowIds.creditNoteApproval(request.params.id);
      try {
        const state = await deps.temporal.workflow.getHandle(workflowId).query(creditNoteApprovalQuery);
        return { creditNoteId: request.params.id, workflowId, ...state };
      } catch (error) {
        if (isWorkflowNotRunning(error)) throw problems.notFound('Credit note approval', request.params.id);
        throw error;
      }
    },
  );
};
