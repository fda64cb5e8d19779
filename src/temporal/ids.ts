// Workflow ids come from business keys, so the id alone tells which entity a workflow runs for.
export const workflowIds = {
  customerAccount: (customerId: string) => `customer-${customerId}`,
  invoice: (invoiceId: string) => `invoice-${invoiceId}`,
  dispute: (disputeId: string) => `dispute-${disputeId}`,
  collection: (customerId: string) => `collection-${customerId}`,
  creditReview: (customerId: string, n: number) => `credit-review-${customerId}-${n}`,
  /** Cash application of one payment (matching, allocation, research of what stays unapplied). */
  payment: (paymentId: string) => `payment-${paymentId}`,
  /** The webhook dispatcher of one subscription (fan-out, ordered lanes, retries). */
  webhookDispatcher: (subscriptionId: string) => `webhook-${subscriptionId}`,
  /** One bulk import (staged rows processed in batches). */
  import: (importId: string) => `import-${importId}`,
  /** A credit note above the approval threshold, waiting for its approval (named by the credit note it will issue). */
  creditNoteApproval: (creditNoteId: string) => `credit-note-approval-${creditNoteId}`,
};

const PREFIXES = [
  'credit-note-approval',
  'credit-review',
  'customer',
  'invoice',
  'dispute',
  'collection',
  'payment',
  'webhook',
  'import',
] as const;
export type WorkflowKind = (typeof PREFIXES)[number];

export function parseWorkflowId(workflowId: string): { kind: WorkflowKind; key: string } | undefined {
  for (const prefix of PREFIXES) {
    if (workflowId.startsWith(`${prefix}-`)) return { kind: prefix, key: workflowId.slice(prefix.length + 1) };
  }
  return undefined;
}

/** Idempotency key of one side effect of one workflow: `<workflowId>:<step>`. */
export function stepKey(workflowId: string, step: string): string {
  return `${workflowId}:${step}`;
}
