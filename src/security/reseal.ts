// `npm run ar -- reseal`: after a new data key is listed first in DATA_ENCRYPTION_KEYS (or DATA_HASH_KEY changed),
// every sealed value moves to the current key and every match hash is recomputed. Each row is its own statement, not
// one transaction per table: a long transaction would lock every rewritten customer until the end and block their
// edits. Interrupting is safe (a row is on the old key or the new one, and both open; a statement's dedupe keys are
// rewritten before its hash, so a rerun finishes them) and running it again changes nothing.
import type { EntityManager } from '@mikro-orm/postgresql';
import { resealBankAccounts } from '../payments/store/sealed-bank-accounts.js';
import { resealCustomerTaxIds } from '../customers/store/sealed-tax-id.js';
import { resealIdempotentAnswers } from '../db/idempotent-answers.js';
import { resealEventData } from '../events/store/sealed-data.js';
import { resealStagedRows } from '../imports/store/sealed-rows.js';
import { resealSecrets } from '../webhooks/store/subscriptions.js';

export interface ResealCounts {
  webhookSecrets: number;
  taxIds: number;
  bankAccounts: number;
  events: number;
  stagedImportRows: number;
  idempotentAnswers: number;
}

export async function resealAll(em: EntityManager): Promise<ResealCounts> {
  return {
    webhookSecrets: await resealSecrets(em),
    taxIds: await resealCustomerTaxIds(em),
    bankAccounts: await resealBankAccounts(em),
    events: await resealEventData(em),
    stagedImportRows: await resealStagedRows(em),
    idempotentAnswers: await resealIdempotentAnswers(em),
  };
}
