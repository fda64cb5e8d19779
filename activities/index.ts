// Every activity the worker registers, built from injected dependencies.
import { createAccountActivities } from './account.js';
import { createCollectionActivities } from './collection.js';
import { createCreditActivities } from './credit.js';
import { createCreditNoteApprovalActivities } from './credit-note-approvals.js';
import type { ActivityDeps } from './deps.js';
import { createDisputeActivities } from './disputes.js';
import { createInvoiceActivities } from './invoice.js';
import { createPaymentActivities } from './payments.js';
import { createReportActivities } from './reports.js';
import { createDocumentActivities } from './documents.js';
import { createTaskActivities } from './tasks.js';
import { createWebhookActivities } from './webhooks.js';
import { createImportActivities } from './imports.js';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createAccountActivities(deps),
    ...createCollectionActivities(deps),
    ...createInvoiceActivities(deps),
    ...createPaymentActivities(deps),
    ...createReportActivities(deps),
    ...createDocumentActivities(deps),
    ...createTaskActivities(deps),
    ...createWebhookActivities(deps),
    ...createImportActivities(deps),
    ...createCreditActivities(deps),
    ...createCreditNoteApprovalActivities(deps),
    ...createDisputeActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps } from './deps.js';
