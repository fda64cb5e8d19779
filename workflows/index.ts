// The worker's workflow bundle entry point: every workflow type the engine runs.
export { customerAccountWorkflow } from './customers/customer-account.js';
export { cashApplicationWorkflow } from './payments/cash-application.js';
export { invoiceWorkflow } from './invoices/invoice.js';
export { kpiSnapshotWorkflow } from './reports/kpi-snapshot.js';
export { statementRunWorkflow } from './documents/statement-run.js';
export { collectionWorkflow } from './collections/collection.js';
export { webhookDispatcherWorkflow } from './webhooks/webhook-dispatcher.js';
export { importWorkflow } from './imports/import.js';
export { creditReviewWorkflow } from './credit/credit-review.js';
export { disputeWorkflow } from './disputes/dispute.js';
export { creditNoteApprovalWorkflow } from './invoices/credit-note-approval.js';
