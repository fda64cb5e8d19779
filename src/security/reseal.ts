// `npm run ar -- reseal`: after a new data key is listed first in DATA_ENCRYPTION_KEYS (or DATA_HASH_KEY changed),
// every sealed value moves to the current key and every match hash is recomputed, in one transaction per kind so a
// crash leaves each kind either done or untouched; running it again changes nothing.
import type { EntityManager } from '@mikro-orm/postgresql';
import { resealBankAccounts } from '../bank/sealed-accounts.js';
import { resealCustomerTaxIds } from '../customers/sealed-tax-id.js';
import { resealEventData } from '../events/sealed-data.js';
import { resealStagedRows } from '../imports/sealed-rows.js';
import { resealSecrets } from '../webhooks/store.js';

export interface ResealCounts {
  webhookSecrets: number;
  taxIds: number;
  bankAccounts: number;
  events: number;
  stagedImportRows: number;
}

export async function resealAll(em: EntityManager): Promise<ResealCounts> {
  return {
    webhookSecrets: await em.transactional((tx) => resealSecrets(tx)),
    taxIds: await em.transactional((tx) => resealCustomerTaxIds(tx)),
    bankAccounts: await em.transactional((tx) => resealBankAccounts(tx)),
    events: await em.transactional((tx) => resealEventData(tx)),
    stagedImportRows: await em.transactional((tx) => resealStagedRows(tx)),
  };
}
