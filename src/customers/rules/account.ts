// The live state of a customer account, kept by the `customer-<id>` workflow, and the pure rules that change it.
// Workflows, activities and the API all use these functions, so the rules live in one place.
import type { AccountCreditWatch, CreditDecisionNotice } from '../../credit/rules/account-credit.js';
import type { CreditPolicy } from '../../credit/rules/credit-policy.js';
import { deriveStatus, type FieldChange } from './customer.js';
import {
  NO_FACTS,
  validateDelinquencyPolicy,
  type AccountFacts,
  type DelinquencyAssessment,
  type DelinquencyPolicy,
  type DelinquencyReason,
} from '../../collections/rules/delinquency.js';
import { addDuration, parseDuration } from '../../shared/duration.js';
import type { Money } from '../../shared/money.js';

export type AccountStatus = 'active' | 'on_hold' | 'delinquent' | 'closed';

/** Policy data for the account workflow; durations are ISO-8601 so staging can compress time. */
export interface AccountPolicy {
  /** How often the workflow re-reads its facts from the ledger and the customer record. */
  refreshEvery: string;
  /** Absent in workflows started before delinquency existed; they use DEFAULT_DELINQUENCY_POLICY. */
  delinquency?: DelinquencyPolicy;
  /** Credit review policy (periodic and early reviews); absent in older workflows, which use DEFAULT_CREDIT_POLICY. */
  credit?: CreditPolicy;
}

export const DEFAULT_ACCOUNT_POLICY: AccountPolicy = { refreshEvery: 'P1D' };

/** What the account workflow learns from the database at each refresh (the record of truth). */
export interface AccountSnapshot {
  exists: boolean;
  status: AccountStatus;
  currency: string;
  /** Row version of the stored profile, to tell whether the profile changed since the last refresh. */
  profileVersion: number;
  /** Profile fields the process decides on; absent from snapshots taken by the first workflow version. */
  termsCode?: string;
  creditLimit?: Money | null;
  hold?: AccountHold | null;
  delinquency?: AccountDelinquency | null;
  facts?: AccountFacts;
  /** The latest credit decision on the customer (read since the credit review timer). */
  creditReview?: CreditDecisionNotice | null;
}

export interface AccountHold {
  reason: string;
  by: string;
  at: string;
}

export interface AccountDelinquency {
  since: string;
  reasons: DelinquencyReason[];
}

export interface AccountChange {
  at: string;
  field: string;
  from: unknown;
  to: unknown;
  by: string;
}

export interface AccountState {
  customerId: string;
  status: AccountStatus;
  currency: string;
  profileVersion: number;
  openedAt: string;
  lastRefreshedAt: string | null;
  nextRefreshAt: string;
  refreshCount: number;
  closedAt: string | null;
  /** Recent state changes; bounded so continue-as-new carries a small state. */
  changes: AccountChange[];
  termsCode: string | null;
  creditLimit: Money | null;
  hold: AccountHold | null;
  delinquency: AccountDelinquency | null;
  /** Aggregates read at the last refresh (open and overdue invoices, broken promises). */
  facts: AccountFacts;
  /** Open amount above the credit limit (false when no limit is set). */
  overCreditLimit: boolean;
  /** Whether the profile fields above came from the record yet (the first refresh fills them without logging changes). */
  profileLoaded: boolean;
  /** Periodic and early credit reviews (absent in states from before the credit review timer). */
  credit?: AccountCreditWatch;
}

/** A state carried over by a run of the first workflow version lacks the newer fields. */
export type StoredAccountState = Omit<
  AccountState,
  'termsCode' | 'creditLimit' | 'hold' | 'delinquency' | 'facts' | 'overCreditLimit' | 'profileLoaded'
> &
  Partial<AccountState>;

export function upgradeState(state: StoredAccountState): AccountState {
  return {
    termsCode: null,
    creditLimit: null,
    hold: null,
    delinquency: null,
    facts: NO_FACTS,
    overCreditLimit: false,
    profileLoaded: false,
    ...state,
  };
}

export const MAX_RECORDED_CHANGES = 50;

export function validateAccountPolicy(policy: AccountPolicy): void {
  parseDuration(policy.refreshEvery);
  if (policy.delinquency) validateDelinquencyPolicy(policy.delinquency);
}

export function openAccount(input: {
  customerId: string;
  currency: string;
  now: Date;
  policy: AccountPolicy;
}): AccountState {
  // A new account starts from the same defaults an account carried over from an older workflow version gets.
  return upgradeState({
    customerId: input.customerId,
    status: 'active',
    currency: input.currency,
    profileVersion: 1,
    openedAt: input.now.toISOString(),
    lastRefreshedAt: null,
    nextRefreshAt: addDuration(input.now, input.policy.refreshEvery).toISOString(),
    refreshCount: 0,
    closedAt: null,
    changes: [],
  });
}

function recordChange(state: AccountState, change: AccountChange): AccountChange[] {
  return [...state.changes, change].slice(-MAX_RECORDED_CHANGES);
}

function withStatus(state: AccountState, status: AccountStatus, at: Date, by: string): AccountState {
  if (state.status === status) return state;
  return {
    ...state,
    status,
    closedAt: status === 'closed' ? at.toISOString() : state.closedAt,
    changes: recordChange(state, { at: at.toISOString(), field: 'status', from: state.status, to: status, by }),
  };
}

/** Applies a refresh from the database; the stored record wins over what the workflow believed. */
export function applySnapshot(
  state: AccountState,
  snapshot: AccountSnapshot,
  now: Date,
  policy: AccountPolicy,
): AccountState {
  const refreshed: AccountState = {
    ...state,
    lastRefreshedAt: now.toISOString(),
    nextRefreshAt: addDuration(now, policy.refreshEvery).toISOString(),
    refreshCount: state.refreshCount + 1,
  };
  if (!snapshot.exists) return withStatus(refreshed, 'closed', now, 'system:record-missing');
  let synced: AccountState = { ...refreshed, profileVersion: snapshot.profileVersion, currency: snapshot.currency };
  if (!state.profileLoaded && snapshot.termsCode !== undefined) {
    // First look at the profile: take it as it is, nothing changed.
    synced = {
      ...synced,
      termsCode: snapshot.termsCode,
      creditLimit: snapshot.creditLimit ?? null,
      hold: snapshot.hold ?? null,
      delinquency: snapshot.delinquency ?? null,
      profileLoaded: true,
    };
  }
  const profile: FieldChange[] = [];
  if (snapshot.termsCode !== undefined && snapshot.termsCode !== synced.termsCode)
    profile.push({ field: 'termsCode', from: synced.termsCode, to: snapshot.termsCode });
  if (snapshot.creditLimit !== undefined && !sameJson(snapshot.creditLimit, synced.creditLimit))
    profile.push({ field: 'creditLimit', from: synced.creditLimit, to: snapshot.creditLimit });
  if (snapshot.hold !== undefined && !sameJson(snapshot.hold, synced.hold))
    profile.push({ field: 'hold', from: synced.hold, to: snapshot.hold });
  if (snapshot.delinquency !== undefined && !sameJson(snapshot.delinquency, synced.delinquency))
    profile.push({ field: 'delinquency', from: synced.delinquency, to: snapshot.delinquency });
  if (profile.length) synced = applyProfileChanges(synced, { changes: profile, by: 'system:refresh' }, now);
  if (snapshot.facts)
    synced = { ...synced, facts: snapshot.facts, overCreditLimit: overLimit(snapshot.facts, synced.creditLimit) };
  return withStatus(synced, snapshot.status, now, 'system:refresh');
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function overLimit(facts: AccountFacts, limit: Money | null): boolean {
  return limit !== null && facts.openAmount > limit.amount;
}

/** Fields of the stored profile that the account process keeps in its state. */
const TRACKED_FIELDS = new Set(['termsCode', 'creditLimit', 'hold', 'delinquency']);

/**
 * Applies profile changes the API committed (terms, credit limit, hold/release) and records who made them. Other
 * fields are recorded in the change log only. The status follows from hold and delinquency unless the account is closed.
 */
export function applyProfileChanges(
  state: AccountState,
  input: { changes: FieldChange[]; by: string; version?: number },
  now: Date,
): AccountState {
  let next: AccountState = { ...state };
  for (const change of input.changes) {
    if (TRACKED_FIELDS.has(change.field)) next = { ...next, [change.field]: change.to ?? null };
    next.changes = recordChange(next, {
      at: now.toISOString(),
      field: change.field,
      from: change.from ?? null,
      to: change.to ?? null,
      by: input.by,
    });
  }
  if (input.version !== undefined && input.version > next.profileVersion) next.profileVersion = input.version;
  next.overCreditLimit = overLimit(next.facts, next.creditLimit);
  if (isClosed(next)) return next;
  return withStatus(
    next,
    deriveStatus({ closed: false, onHold: next.hold !== null, delinquent: next.delinquency !== null }),
    now,
    input.by,
  );
}

/** The delinquency value an assessment leads to (keeping the original `since` while the account stays delinquent). */
export function delinquencyAfter(
  state: AccountState,
  assessment: DelinquencyAssessment,
  now: Date,
): AccountDelinquency | null {
  if (!assessment.delinquent) return null;
  return { since: state.delinquency?.since ?? now.toISOString(), reasons: assessment.reasons };
}

/** Whether an assessment changes the recorded delinquency (flag or reasons). */
export function delinquencyChanged(state: AccountState, next: AccountDelinquency | null): boolean {
  return !sameJson(state.delinquency?.reasons ?? null, next?.reasons ?? null);
}

export function closeAccount(state: AccountState, at: Date, by: string): AccountState {
  return withStatus(state, 'closed', at, by);
}

export function isClosed(state: AccountState): boolean {
  return state.status === 'closed';
}
