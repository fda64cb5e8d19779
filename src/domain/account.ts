// The live state of a customer account, kept by the `customer-<id>` workflow, and the pure rules that change it.
// Workflows, activities and the API all use these functions, so the rules live in one place.
import { addDuration, parseDuration } from './duration.js';

export type AccountStatus = 'active' | 'on_hold' | 'delinquent' | 'closed';

/** Policy data for the account workflow; durations are ISO-8601 so staging can compress time. */
export interface AccountPolicy {
  /** How often the workflow re-reads its facts from the ledger and the customer record. */
  refreshEvery: string;
}

export const DEFAULT_ACCOUNT_POLICY: AccountPolicy = { refreshEvery: 'P1D' };

/** What the account workflow learns from the database at each refresh (the record of truth). */
export interface AccountSnapshot {
  exists: boolean;
  status: AccountStatus;
  currency: string;
  /** Row version of the stored profile, to tell whether the profile changed since the last refresh. */
  profileVersion: number;
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
}

export const MAX_RECORDED_CHANGES = 50;

export function validateAccountPolicy(policy: AccountPolicy): void {
  parseDuration(policy.refreshEvery);
}

export function openAccount(input: { customerId: string; currency: string; now: Date; policy: AccountPolicy }): AccountState {
  return {
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
  };
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
export function applySnapshot(state: AccountState, snapshot: AccountSnapshot, now: Date, policy: AccountPolicy): AccountState {
  const refreshed: AccountState = {
    ...state,
    lastRefreshedAt: now.toISOString(),
    nextRefreshAt: addDuration(now, policy.refreshEvery).toISOString(),
    refreshCount: state.refreshCount + 1,
  };
  if (!snapshot.exists) return withStatus(refreshed, 'closed', now, 'system:record-missing');
  const synced = { ...refreshed, profileVersion: snapshot.profileVersion, currency: snapshot.currency };
  return withStatus(synced, snapshot.status, now, 'system:refresh');
}

export function closeAccount(state: AccountState, at: Date, by: string): AccountState {
  return withStatus(state, 'closed', at, by);
}

export function isClosed(state: AccountState): boolean {
  return state.status === 'closed';
}
