// The worker's workflow bundle entry point: every workflow type the engine runs.
export { customerAccountWorkflow } from './customer-account.js';
export { cashApplicationWorkflow } from './cash-application.js';
export { invoiceWorkflow } from './invoice.js';
export { kpiSnapshotWorkflow } from './kpi-snapshot.js';
export { statementRunWorkflow } from './statement-run.js';
export { collectionWorkflow } from './collection.js';
export { webhookDispatcherWorkflow } from './webhook-dispatcher.js';
export { importWorkflow } from './import.js';
export { creditReviewWorkflow } from './credit-review.js';
export { disputeWorkflow } from './dispute.js';
export { creditNoteApprovalWorkflow } from './credit-note-approval.js';
