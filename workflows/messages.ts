// Every signal, query and update of the engine's workflows. The API imports these definitions (and types) only.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { AccountState } from '../src/domain/account.js';

// --- customer account (`customer-<id>`) ---
export const accountStateQuery = defineQuery<AccountState>('accountState');
/** Re-read the account's facts now instead of at the next scheduled refresh (e.g. after a profile change). */
export const refreshAccountSignal = defineSignal<[{ reason: string }]>('refreshAccount');
export const closeAccountSignal = defineSignal<[{ by: string; reason: string }]>('closeAccount');
