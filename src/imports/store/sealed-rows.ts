// Staged customer rows carry the tax id as uploaded (a CSV column, or nested like POST /customers in JSON lines); the
// staging table keeps it sealed like the customer record (src/customers/store/sealed-tax-id.ts) and the batch that applies
// the row opens it. Nothing else of a staged row is an identifier that needs sealing.
import type { EntityManager } from '@mikro-orm/postgresql';
import { isSealed, seal, sealedWithCurrent, unseal } from '../../security/keyring.js';

export const STAGED_TAX_ID = 'import_row.payload.taxId';

type Payload = Record<string, unknown>;

function mapTaxId(payload: Payload, f: (value: string) => string): Payload {
  const taxId = payload.taxId;
  if (typeof taxId === 'string') return { ...payload, taxId: f(taxId) };
  if (taxId && typeof taxId === 'object' && typeof (taxId as { value?: unknown }).value === 'string') {
    return { ...payload, taxId: { ...taxId, value: f((taxId as { value: string }).value) } };
  }
  return payload;
}

export const sealStagedRow = (payload: Payload) =>
  mapTaxId(payload, (v) => (v === '' || isSealed(v) ? v : seal(v, STAGED_TAX_ID)));
export const openStagedRow = (payload: Payload) => mapTaxId(payload, (v) => unseal(v, STAGED_TAX_ID));

const BATCH = 500;

/** Re-seals every staged tax id not sealed with the current data key (clear ones included); returns how many rows. */
export async function resealStagedRows(em: EntityManager): Promise<number> {
  let changed = 0;
  let after: [string, number] = ['00000000-0000-0000-0000-000000000000', 0];
  for (;;) {
    const rows = await em.execute<{ import_id: string; line_no: number; payload: Payload }[]>(
      `SELECT import_id, line_no, payload FROM import_row WHERE payload->'taxId' IS NOT NULL AND (import_id, line_no) > (?::uuid, ?) ORDER BY import_id, line_no LIMIT ?`,
      [after[0], after[1], BATCH],
    );
    for (const row of rows) {
      const resealed = mapTaxId(row.payload, (v) =>
        v === '' || sealedWithCurrent(v) ? v : seal(unseal(v, STAGED_TAX_ID), STAGED_TAX_ID),
      );
      if (JSON.stringify(resealed) === JSON.stringify(row.payload)) continue;
      await em.execute('UPDATE import_row SET payload = ?::jsonb WHERE import_id = ? AND line_no = ?', [
        JSON.stringify(resealed),
        row.import_id,
        row.line_no,
      ]);
      changed += 1;
    }
    if (rows.length < BATCH) return changed;
    const last = rows[rows.length - 1]!;
    after = [last.import_id, Number(last.line_no)];
  }
}
