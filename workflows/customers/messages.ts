// The customer account workflow's (`customer-<id>`) signals and queries. The API imports these definitions (and types)
// only.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { AccountState } from '../../src/customers/rules/account.js';

export const accountStateQuery = defineQuery<AccountState>('accountState');
/** Re-read the account's facts now instead of at the next scheduled refresh (e.g. after a profile change). */
export const refreshAccountSignal = defineSignal<[{ reason: string }]>('refreshAccount');
export const closeAccountSignal = defineSignal<[{ by: string; reason: string }]>('closeAccount');
/**
 * The API committed a profile change (terms, credit limit, hold/release, merge...): the workflow applies the fields
 * it keeps and records who changed what. Sent after the commit; the stored record stays the record of truth.
 */
export interface AccountProfileChange {
  changes: { field: string; from: unknown; to: unknown }[];
  by: string;
  /** Row version after the change. */
  version: number;
}
export const accountProfileChangedSignal = defineSignal<[AccountProfileChange]>('accountProfileChanged');
