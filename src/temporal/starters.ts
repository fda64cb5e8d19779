// How the API (and activities acting for other workflows) start the engine's workflows: ids, task queue,
// search attributes and the request id as memo, in one place.
import type { Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { cashApplicationWorkflow } from '../../workflows/payments/cash-application.js';
import type { customerAccountWorkflow } from '../../workflows/customers/customer-account.js';
import type { invoiceWorkflow, InvoiceWorkflowInput } from '../../workflows/invoices/invoice.js';
import type { webhookDispatcherWorkflow } from '../../workflows/webhooks/webhook-dispatcher.js';
import type { importWorkflow, ImportWorkflowInput } from '../../workflows/imports/import.js';
import type { WebhookPolicy } from '../webhooks/rules/webhook-policy.js';
import type { AccountPolicy } from '../customers/rules/account.js';
import type { CashApplicationPolicy } from '../payments/rules/cash-application-policy.js';
import { workflowIds } from './ids.js';
import type { WorkflowStart } from './start-after-commit.js';
import { CustomerIdAttribute, EntityTypeAttribute } from './search-attributes.js';

export interface StartContext {
  client: Client;
  taskQueue: string;
  requestId?: string;
}

/** The options every engine workflow starts with: its id, the task queue, the request id and search attributes. */
export function entityOptions(ctx: StartContext, workflowId: string, entityType: string, customerId: string | null) {
  return {
    workflowId,
    taskQueue: ctx.taskQueue,
    memo: ctx.requestId ? { requestId: ctx.requestId } : undefined,
    typedSearchAttributes: new TypedSearchAttributes([
      ...(customerId ? [{ key: CustomerIdAttribute, value: customerId }] : []),
      { key: EntityTypeAttribute, value: entityType },
    ]),
  };
}

export async function startCustomerAccount(
  ctx: StartContext,
  input: { customerId: string; currency: string; policy: AccountPolicy },
) {
  return ctx.client.workflow.start<typeof customerAccountWorkflow>('customerAccountWorkflow', {
    ...entityOptions(ctx, workflowIds.customerAccount(input.customerId), 'customer', input.customerId),
    args: [input],
  });
}

export async function startInvoice(ctx: StartContext, input: InvoiceWorkflowInput) {
  return ctx.client.workflow.start<typeof invoiceWorkflow>('invoiceWorkflow', {
    ...entityOptions(ctx, workflowIds.invoice(input.invoiceId), 'invoice', input.customerId),
    args: [input],
  });
}

/** USE_EXISTING makes the start idempotent: a re-import or a retried request never starts a second application. */
export async function startCashApplication(
  ctx: StartContext,
  input: { paymentId: string; customerId: string | null; receivedAt: Date; policy: CashApplicationPolicy },
) {
  return ctx.client.workflow.start<typeof cashApplicationWorkflow>('cashApplicationWorkflow', {
    ...entityOptions(ctx, workflowIds.payment(input.paymentId), 'payment', input.customerId),
    args: [{ paymentId: input.paymentId, receivedAt: input.receivedAt.toISOString(), policy: input.policy }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}

/** The dispatcher of a webhook subscription; USE_EXISTING makes a repeated start (or a manual retry) harmless. */
export async function startWebhookDispatcher(
  ctx: StartContext,
  input: { subscriptionId: string; policy: WebhookPolicy },
) {
  return ctx.client.workflow.start<typeof webhookDispatcherWorkflow>('webhookDispatcherWorkflow', {
    ...entityOptions(ctx, workflowIds.webhookDispatcher(input.subscriptionId), 'webhook_subscription', null),
    args: [{ subscriptionId: input.subscriptionId, policy: input.policy }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}

/** The processing of one staged import. */
export async function startImport(ctx: StartContext, input: ImportWorkflowInput) {
  return ctx.client.workflow.start<typeof importWorkflow>('importWorkflow', {
    ...entityOptions(ctx, workflowIds.import(input.importId), 'import', null),
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}

/**
 * The recorded-start form of the starts above, for a workflow whose row the caller's transaction writes: record it
 * with `recordWorkflowStart(tx, ...)` and carry it out after the commit (src/temporal/start-after-commit.ts).
 */
export const workflowStarts = {
  customerAccount: (
    ctx: StartContext,
    input: { customerId: string; currency: string; policy: AccountPolicy },
  ): WorkflowStart => ({
    workflowType: 'customerAccountWorkflow',
    workflowId: workflowIds.customerAccount(input.customerId),
    taskQueue: ctx.taskQueue,
    args: [input],
    entityType: 'customer',
    customerId: input.customerId,
    requestId: ctx.requestId,
  }),
  invoice: (ctx: StartContext, input: InvoiceWorkflowInput): WorkflowStart => ({
    workflowType: 'invoiceWorkflow',
    workflowId: workflowIds.invoice(input.invoiceId),
    taskQueue: ctx.taskQueue,
    args: [input],
    entityType: 'invoice',
    customerId: input.customerId,
    requestId: ctx.requestId,
  }),
  cashApplication: (
    ctx: StartContext,
    input: { paymentId: string; customerId: string | null; receivedAt: Date; policy: CashApplicationPolicy },
  ): WorkflowStart => ({
    workflowType: 'cashApplicationWorkflow',
    workflowId: workflowIds.payment(input.paymentId),
    taskQueue: ctx.taskQueue,
    args: [{ paymentId: input.paymentId, receivedAt: input.receivedAt.toISOString(), policy: input.policy }],
    entityType: 'payment',
    customerId: input.customerId,
    requestId: ctx.requestId,
  }),
  webhookDispatcher: (ctx: StartContext, input: { subscriptionId: string; policy: WebhookPolicy }): WorkflowStart => ({
    workflowType: 'webhookDispatcherWorkflow',
    workflowId: workflowIds.webhookDispatcher(input.subscriptionId),
    taskQueue: ctx.taskQueue,
    args: [{ subscriptionId: input.subscriptionId, policy: input.policy }],
    entityType: 'webhook_subscription',
    customerId: null,
    requestId: ctx.requestId,
  }),
  import: (ctx: StartContext, input: ImportWorkflowInput): WorkflowStart => ({
    workflowType: 'importWorkflow',
    workflowId: workflowIds.import(input.importId),
    taskQueue: ctx.taskQueue,
    args: [input],
    entityType: 'import',
    customerId: null,
    requestId: ctx.requestId,
  }),
};
