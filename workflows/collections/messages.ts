// Signals, queries and updates of the collection workflow (`collection-<customerId>`). The API and other areas import
// these definitions (and types) only.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DunningPolicy } from '../../src/collections/rules/dunning-policy.js';
import type { PromiseTerms } from '../../src/collections/rules/dunning.js';

/**
 * An invoice of the customer entered or left dispute. The invoice row (status `disputed`) is the record of truth;
 * the signal only makes the collection re-evaluate at once instead of at its next step.
 */
export interface InvoiceDisputeNotice {
  invoiceId: string;
  disputeId: string;
  disputed: boolean;
}
export const invoiceDisputeSignal = defineSignal<[InvoiceDisputeNotice]>('invoiceDispute');

/** An invoice of the customer became overdue (sent with signal-with-start by the invoice workflow's activity). */
export interface InvoiceOverdueNotice {
  invoiceId: string;
  overdueAt: string;
}
export const invoiceOverdueSignal = defineSignal<[InvoiceOverdueNotice]>('invoiceOverdue');

/**
 * What the customer owes changed (a payment or credit was applied, a credit note issued). Sent once per customer and
 * change, not per invoice, after the commit; the workflow re-reads its facts, so a burst of these costs one read.
 */
export const collectionAccountChangedSignal =
  defineSignal<[{ reason: string; source?: string }]>('collectionAccountChanged');

export interface PromiseToPayRequest {
  /** Chosen by the caller (the API), so a retried update stores one promise. */
  promiseId: string;
  amount: number;
  date: string;
  invoiceIds?: string[];
  by: string;
}
export interface PromiseToPayRecorded extends PromiseTerms {
  promiseId: string;
}
/** Records a promise to pay; the validator refuses a date not in the future or beyond policy, or an amount above what is overdue. */
export const recordPromiseUpdate = defineUpdate<PromiseToPayRecorded, [PromiseToPayRequest]>('recordPromise');

/** Moves the running collection to another policy version (explicit: a new version never reaches running collections by itself). */
export const migratePolicyUpdate = defineUpdate<
  { from: { code: string; version: number }; to: { code: string; version: number } },
  [{ policy: DunningPolicy; by: string }]
>('migratePolicy');

export interface CollectionHistoryEntry {
  at: string;
  kind:
    | 'started'
    | 'escalated'
    | 'de_escalated'
    | 'contact'
    | 'fee'
    | 'action'
    | 'promise_recorded'
    | 'promise_kept'
    | 'promise_broken'
    | 'write_off_proposed'
    | 'write_off_approved'
    | 'write_off_rejected'
    | 'policy_migrated'
    | 'closed';
  level: string | null;
  detail: string;
}

export interface CollectionView {
  customerId: string;
  policy: { code: string; version: number };
  phase: 'collecting' | 'paused_by_promise' | 'awaiting_write_off' | 'closed';
  level: number;
  levelName: string | null;
  levelSince: string | null;
  currency: string | null;
  overdueAmount: number;
  overdueInvoices: { invoiceId: string; number: string; openAmount: number; overdueAt: string }[];
  disputedInvoiceIds: string[];
  contacts: number;
  nextAction: string | null;
  nextActionAt: string | null;
  promise: PromiseToPayRecorded | null;
  writeOffTaskId: string | null;
  brokenPromiseFloor: number;
  history: CollectionHistoryEntry[];
}
export const collectionStateQuery = defineQuery<CollectionView>('collectionState');
