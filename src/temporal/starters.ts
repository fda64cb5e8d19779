// How the API (and activities acting for other workflows) start the engine's workflows: ids, task queue,
// search attributes and the request id as memo, in one place.
import type { Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { customerAccountWorkflow } from '../../workflows/customer-account.js';
import type { invoiceWorkflow, InvoiceWorkflowInput } from '../../workflows/invoice.js';
import type { AccountPolicy } from '../domain/account.js';
import { workflowIds } from './ids.js';
import { CustomerIdAttribute, EntityTypeAttribute } from './search-attributes.js';

export interface StartContext {
  client: Client;
  taskQueue: string;
  requestId?: string;
}

export async function startCustomerAccount(ctx: StartContext, input: { customerId: string; currency: string; policy: AccountPolicy }) {
  return ctx.client.workflow.start<typeof customerAccountWorkflow>('customerAccountWorkflow', {
    workflowId: workflowIds.customerAccount(input.customerId),
    taskQueue: ctx.taskQueue,
    args: [input],
    memo: ctx.requestId ? { requestId: ctx.requestId } : undefined,
    typedSearchAttributes: new TypedSearchAttributes([
      { key: CustomerIdAttribute, value: input.customerId },
      { key: EntityTypeAttribute, value: 'customer' },
    ]),
  });
}

export async function startInvoice(ctx: StartContext, input: InvoiceWorkflowInput) {
  return ctx.client.workflow.start<typeof invoiceWorkflow>('invoiceWorkflow', {
    workflowId: workflowIds.invoice(input.invoiceId),
    taskQueue: ctx.taskQueue,
    args: [input],
    memo: ctx.requestId ? { requestId: ctx.requestId } : undefined,
    typedSearchAttributes: new TypedSearchAttributes([
      { key: CustomerIdAttribute, value: input.customerId },
      { key: EntityTypeAttribute, value: 'invoice' },
    ]),
  });
}
