// Events about a customer carry the customer record, tax id included; the outbox keeps it sealed at rest like the
// record itself (src/customers/store/sealed-tax-id.ts) and opens it when an event is read (GET /events, webhook delivery),
// so subscribers receive what they always did.
import type { EntityManager } from '@mikro-orm/postgresql';
import { isSealed, seal, sealedWithCurrent, unseal } from '../../security/keyring.js';

export const EVENT_TAX_ID = 'domain_event.data.customer.taxId';

type Data = Record<string, unknown>;

function mapTaxId(data: Data, f: (value: string) => string): Data {
  const customer = data.customer as { taxId?: { value?: unknown } | null } | undefined;
  if (!customer || typeof customer !== 'object' || typeof customer.taxId?.value !== 'string') return data;
  return { ...data, customer: { ...customer, taxId: { ...customer.taxId, value: f(customer.taxId.value) } } };
}

export const sealEventData = (data: Data) => mapTaxId(data, (v) => (isSealed(v) ? v : seal(v, EVENT_TAX_ID)));
export const openEventData = (data: Data) => mapTaxId(data, (v) => unseal(v, EVENT_TAX_ID));

const BATCH = 500;

/** Re-seals every event's tax id not sealed with the current data key (clear ones included); returns how many. */
export async function resealEventData(em: EntityManager): Promise<number> {
  let changed = 0;
  let after = 0;
  for (;;) {
    const rows = await em.execute<{ position: string; value: string }[]>(
      `SELECT position, data->'customer'->'taxId'->>'value' AS value FROM domain_event
        WHERE entity_type = 'customer' AND data->'customer'->'taxId'->>'value' IS NOT NULL AND position > ? ORDER BY position LIMIT ?`,
      [after, BATCH],
    );
    for (const row of rows) {
      if (sealedWithCurrent(row.value)) continue;
      await em.execute(
        `UPDATE domain_event SET data = jsonb_set(data, '{customer,taxId,value}', to_jsonb(?::text)) WHERE position = ?`,
        [seal(unseal(row.value, EVENT_TAX_ID), EVENT_TAX_ID), row.position],
      );
      changed += 1;
    }
    if (rows.length < BATCH) return changed;
    after = Number(rows[rows.length - 1]!.position);
  }
}
