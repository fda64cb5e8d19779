// Every activity the worker registers, built from injected dependencies.
import { createAccountActivities } from './customers/account.js';
import { createCollectionActivities } from './collections/collection.js';
import { createCreditActivities } from './credit/credit.js';
import { createCreditNoteApprovalActivities } from './invoices/credit-note-approvals.js';
import type { ActivityDeps } from './deps.js';
import { createDisputeActivities } from './disputes/disputes.js';
import { createInvoiceActivities } from './invoices/invoice.js';
import { createPaymentActivities } from './payments/payments.js';
import { createReportActivities } from './reports/reports.js';
import { createDocumentActivities } from './documents/documents.js';
import { createTaskActivities } from './tasks/tasks.js';
import { createWebhookActivities } from './webhooks/webhooks.js';
import { createImportActivities } from './imports/imports.js';

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
