// Customers' tax ids are sealed at rest (src/security/keyring.ts) in customer.tax_id and in the audit trail's taxId
// entries; customer.tax_key holds the keyed hash of the comparable form (country plus the normalised id without its
// VAT prefix, src/customers/rules/customer.ts taxIdKey), which is all duplicate detection and search compare.
import type { EntityManager } from '@mikro-orm/postgresql';
import { taxIdKey } from '../rules/customer.js';
import { isSealed, seal, sealedWithCurrent, unseal } from '../../security/keyring.js';
import { matchHash } from '../../security/match-hash.js';

/** The associated data of each sealed value: a value copied into another column does not open there. */
export const TAX_ID_COLUMN = 'customer.tax_id';
export const HISTORY_TAX_ID = 'customer_history.taxId';

export const sealTaxId = (value: string) => seal(value, TAX_ID_COLUMN);
export const openTaxId = (stored: string) => unseal(stored, TAX_ID_COLUMN);

/** What customer.tax_key stores and what a search or a duplicate check compares it with. */
export const taxKeyHash = (country: string, value: string) => matchHash('tax_id', taxIdKey(country, value));

function mapTaxIdValue(v: unknown, f: (value: string) => string): unknown {
  if (!v || typeof v !== 'object' || typeof (v as { value?: unknown }).value !== 'string') return v;
  return { ...(v as object), value: f((v as { value: string }).value) };
}

/**
 * The tax id inside an audit trail value: the value itself for a taxId change, or the profile's taxId for entries
 * that record a whole profile (a creation, a merge).
 */
function mapHistoryValue(field: string, v: unknown, f: (value: string) => string): unknown {
  if (field === 'taxId') return mapTaxIdValue(v, f);
  if (!v || typeof v !== 'object' || !('taxId' in v)) return v;
  return { ...(v as object), taxId: mapTaxIdValue((v as { taxId: unknown }).taxId, f) };
}

/** An audit trail entry's old or new value with any tax id in it sealed (everything else passes through). */
export const sealHistoryValue = (field: string, v: unknown) =>
  mapHistoryValue(field, v, (value) => (isSealed(value) ? value : seal(value, HISTORY_TAX_ID)));
export const openHistoryValue = (field: string, v: unknown) =>
  mapHistoryValue(field, v, (value) => unseal(value, HISTORY_TAX_ID));

const BATCH = 500;

/**
 * Seals every tax id not sealed with the current data key (clear values from before sealing, or an older key), and
 * recomputes every tax_key with the current hash key; the same for the audit trail. Batched by id so a large book
 * is never held in memory; each row is written only if it still holds what was read. Returns the rows rewritten.
 */
export async function resealCustomerTaxIds(em: EntityManager): Promise<number> {
  let changed = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await em.execute<{ id: string; tax_id: string; tax_country: string; tax_key: string | null }[]>(
      'SELECT id, tax_id, tax_country, tax_key FROM customer WHERE tax_id IS NOT NULL AND id > ? ORDER BY id LIMIT ?',
      [after, BATCH],
    );
    for (const row of rows) {
      const clear = openTaxId(row.tax_id);
      const key = taxKeyHash(row.tax_country, clear);
      if (sealedWithCurrent(row.tax_id) && row.tax_key === key) continue;
      const sealed = sealedWithCurrent(row.tax_id) ? row.tax_id : sealTaxId(clear);
      await em.execute('UPDATE customer SET tax_id = ?, tax_key = ? WHERE id = ? AND tax_id = ?', [
        sealed,
        key,
        row.id,
        row.tax_id,
      ]);
      changed += 1;
    }
    if (rows.length < BATCH) break;
    after = rows[rows.length - 1]!.id;
  }
  let afterId = 0;
  for (;;) {
    const rows = await em.execute<{ id: string; field: string; old_value: unknown; new_value: unknown }[]>(
      `SELECT id, field, old_value, new_value FROM customer_history
        WHERE (field = 'taxId' OR old_value->'taxId' IS NOT NULL OR new_value->'taxId' IS NOT NULL) AND id > ? ORDER BY id LIMIT ?`,
      [afterId, BATCH],
    );
    for (const row of rows) {
      const reseal = (v: unknown) =>
        mapHistoryValue(row.field, v, (value) =>
          sealedWithCurrent(value) ? value : seal(unseal(value, HISTORY_TAX_ID), HISTORY_TAX_ID),
        );
      const [oldValue, newValue] = [reseal(row.old_value), reseal(row.new_value)];
      if (
        JSON.stringify(oldValue) === JSON.stringify(row.old_value) &&
        JSON.stringify(newValue) === JSON.stringify(row.new_value)
      )
        continue;
      await em.execute('UPDATE customer_history SET old_value = ?::jsonb, new_value = ?::jsonb WHERE id = ?', [
        JSON.stringify(oldValue),
        JSON.stringify(newValue),
        row.id,
      ]);
      changed += 1;
    }
    if (rows.length < BATCH) break;
    afterId = Number(rows[rows.length - 1]!.id);
  }
  return changed;
}
