import { ApiKey } from './api-key.js';
import { AppUser } from './app-user.js';
import { ArItemMovement } from './ar-item-movement.js';
import { ArOpenItem } from './ar-open-item.js';
import { AuditLog } from './audit-log.js';
import { BankStatement } from './bank-statement.js';
import { BankStatementEntry } from './bank-statement-entry.js';
import { CollectionCase } from './collection-case.js';
import { CollectionContact } from './collection-contact.js';
import { CreditBureauReport } from './credit-bureau-report.js';
import { CreditNote } from './credit-note.js';
import { CreditReview } from './credit-review.js';
import { Customer } from './customer.js';
import { CustomerDunningPolicy } from './customer-dunning-policy.js';
import { CustomerHistory } from './customer-history.js';
import { CustomerLedgerBalance } from './customer-ledger-balance.js';
import { CustomerMerge } from './customer-merge.js';
import { CustomerTermsAssignment } from './customer-terms-assignment.js';
import { DecisionAudit } from './decision-audit.js';
import { Dispute } from './dispute.js';
import { DisputeEffect } from './dispute-effect.js';
import { DisputeInstalment } from './dispute-instalment.js';
import { Document } from './document.js';
import { DocumentSeries } from './document-series.js';
import { DomainEvent } from './domain-event.js';
import { DunningPolicy } from './dunning-policy.js';
import { DunningPolicyAssignment } from './dunning-policy-assignment.js';
import { GatewayEvent } from './gateway-event.js';
import { GatewayPayment } from './gateway-payment.js';
import { IdempotencyRecord } from './idempotency-record.js';
import { ImportJob } from './import-job.js';
import { ImportRow } from './import-row.js';
import { Invoice } from './invoice.js';
import { InvoiceLine } from './invoice-line.js';
import { JournalEntry } from './journal-entry.js';
import { JournalLine } from './journal-line.js';
import { KpiSnapshot } from './kpi-snapshot.js';
import { LateFee } from './late-fee.js';
import { LedgerAccount } from './ledger-account.js';
import { OneTimeLink } from './one-time-link.js';
import { OutboundMessage } from './outbound-message.js';
import { Payment } from './payment.js';
import { PaymentAllocation } from './payment-allocation.js';
import { PaymentTermsTemplate } from './payment-terms-template.js';
import { PromiseToPay } from './promise-to-pay.js';
import { RefreshToken } from './refresh-token.js';
import { Task } from './task.js';
import { TaskActivity } from './task-activity.js';
import { TaskDecisionContext } from './task-decision-context.js';
import { WebhookAttempt } from './webhook-attempt.js';
import { WebhookDelivery } from './webhook-delivery.js';
import { WebhookSubscription } from './webhook-subscription.js';
import { WorkflowStart } from './workflow-start.js';
import { WriteOff } from './write-off.js';
import { WriteOffRecovery } from './write-off-recovery.js';

/** Every table the migrations create, one entity each (schema_migration belongs to the migrator). */
export const entities = [
  ApiKey,
  AppUser,
  ArItemMovement,
  ArOpenItem,
  AuditLog,
  BankStatement,
  BankStatementEntry,
  CollectionCase,
  CollectionContact,
  CreditBureauReport,
  CreditNote,
  CreditReview,
  Customer,
  CustomerDunningPolicy,
  CustomerHistory,
  CustomerLedgerBalance,
  CustomerMerge,
  CustomerTermsAssignment,
  DecisionAudit,
  Dispute,
  DisputeEffect,
  DisputeInstalment,
  Document,
  DocumentSeries,
  DomainEvent,
  DunningPolicy,
  DunningPolicyAssignment,
  GatewayEvent,
  GatewayPayment,
  IdempotencyRecord,
  ImportJob,
  ImportRow,
  Invoice,
  InvoiceLine,
  JournalEntry,
  JournalLine,
  KpiSnapshot,
  LateFee,
  LedgerAccount,
  OneTimeLink,
  OutboundMessage,
  Payment,
  PaymentAllocation,
  PaymentTermsTemplate,
  PromiseToPay,
  RefreshToken,
  Task,
  TaskActivity,
  TaskDecisionContext,
  WebhookAttempt,
  WebhookDelivery,
  WebhookSubscription,
  WorkflowStart,
  WriteOff,
  WriteOffRecovery,
];
