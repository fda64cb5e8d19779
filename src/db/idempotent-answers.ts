// The answers stored for Idempotency-Key replays (api/http/idempotency.ts) are sealed at rest: an answer is whatever the
// route returned, a customer's tax id or a payer's account number included, so it gets the protection those columns
// have (src/security/keyring.ts) rather than a clear copy beside them.
import type { EntityManager } from '@mikro-orm/postgresql';
import { seal, sealedWithCurrent, unseal } from '../security/keyring.js';

const ANSWER_COLUMN = 'idempotency_record.response_body';

export const sealAnswer = (body: string): string => seal(body, ANSWER_COLUMN);

/** Opens a stored answer; answers stored before sealing are plain text and come back as they are. */
export const openAnswer = (stored: string): string => unseal(stored, ANSWER_COLUMN);

/** Re-seals every stored answer not sealed with the current key (after a key rotation); returns how many. */
export async function resealIdempotentAnswers(em: EntityManager): Promise<number> {
  const rows = await em.execute<{ scope: string; key: string; response_body: string }[]>(
    'SELECT scope, key, response_body FROM idempotency_record WHERE response_body IS NOT NULL',
  );
  let resealed = 0;
  for (const row of rows) {
    if (sealedWithCurrent(row.response_body)) continue;
    await em.execute(
      'UPDATE idempotency_record SET response_body = ? WHERE scope = ? AND key = ? AND response_body = ?',
      [sealAnswer(openAnswer(row.response_body)), row.scope, row.key, row.response_body],
    );
    resealed += 1;
  }
  return resealed;
}
