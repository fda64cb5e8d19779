// Starting the cash-application workflow of a payment, from the API (POST /payments, bank statement import).
// USE_EXISTING makes the start idempotent: a re-import or a retried request never starts a second application.
import type { Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import type { CashApplicationPolicy } from '../domain/cash-application-policy.js';
import { workflowIds } from '../temporal/ids.js';
import { CustomerIdAttribute, EntityTypeAttribute } from '../temporal/search-attributes.js';
import type { cashApplicationWorkflow } from '../../workflows/cash-application.js';

export async function startCashApplication(
  ctx: { client: Client; taskQueue: string; requestId?: string },
  input: { paymentId: string; customerId: string | null; receivedAt: Date; policy: CashApplicationPolicy },
) {
  return ctx.client.workflow.start<typeof cashApplicationWorkflow>('cashApplicationWorkflow', {
    workflowId: workflowIds.payment(input.paymentId),
    taskQueue: ctx.taskQueue,
    args: [{ paymentId: input.paymentId, receivedAt: input.receivedAt.toISOString(), policy: input.policy }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    memo: ctx.requestId ? { requestId: ctx.requestId } : undefined,
    typedSearchAttributes: new TypedSearchAttributes([
      ...(input.customerId ? [{ key: CustomerIdAttribute, value: input.customerId }] : []),
      { key: EntityTypeAttribute, value: 'payment' },
    ]),
  });
}
