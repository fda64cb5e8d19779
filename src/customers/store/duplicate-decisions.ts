// Duplicates kept on purpose. When a clerk keeps a record although it looks like another one, that decision (which
// pair, who, why, when) is recorded once in the audit trail of both records, and the pair is never raised again: later
// edits of either record only stop for candidates nobody has decided on yet, and the whole-book scan lists the pair as
// accepted instead of as a cluster to work.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { DuplicateCandidate } from './duplicates.js';
import { recordHistory } from './history.js';

export interface DuplicateDecision {
  reason: string | null;
  by: string;
  at: string;
}

/** One key per unordered pair. */
export const pairKey = (a: string, b: string) => (a < b ? `${a}:${b}` : `${b}:${a}`);

/**
 * Records that `customerId` is kept next to each of `candidates`: `duplicateOverride` on the record being written
 * (as before), `duplicateAccepted` on each candidate, so both histories show it and either record finds it by its id.
 */
export async function recordDuplicateDecision(
  tx: EntityManager,
  customerId: string,
  candidates: readonly Pick<DuplicateCandidate, 'id' | 'score'>[],
  reason: string | null,
  actor: string,
  requestId: string | null,
): Promise<void> {
  if (candidates.length === 0) return;
  await recordHistory(
    tx,
    customerId,
    [
      {
        field: 'duplicateOverride',
        from: null,
        to: { reason, candidates: candidates.map(({ id, score }) => ({ id, score })) },
      },
    ],
    actor,
    requestId,
  );
  for (const { id, score } of candidates) {
    await recordHistory(
      tx,
      id,
      [{ field: 'duplicateAccepted', from: null, to: { reason, keptWith: customerId, score } }],
      actor,
      requestId,
    );
  }
}

interface DecisionRow {
  customer_id: string;
  field: string;
  new_value: { reason?: string | null; candidates?: { id: string }[]; keptWith?: string } | null;
  actor: string;
  at: Date;
}

function partnersOf(row: DecisionRow): string[] {
  if (row.field === 'duplicateAccepted') return row.new_value?.keptWith ? [row.new_value.keptWith] : [];
  return (row.new_value?.candidates ?? []).map((c) => c.id);
}

/** The records `customerId` was kept next to on purpose (index probe by customer id). */
export async function acceptedPartners(em: EntityManager, customerId: string): Promise<Set<string>> {
  const rows = await em.execute<DecisionRow[]>(
    `SELECT customer_id, field, new_value, actor, at FROM customer_history WHERE customer_id = ? AND field IN ('duplicateOverride', 'duplicateAccepted')`,
    [customerId],
  );
  return new Set(rows.flatMap(partnersOf));
}

/** Every decision in the book by pair (the first one counts), for the whole-book scan. */
export async function allDuplicateDecisions(em: EntityManager): Promise<Map<string, DuplicateDecision>> {
  const rows = await em.execute<DecisionRow[]>(
    `SELECT customer_id, field, new_value, actor, at FROM customer_history WHERE field = 'duplicateOverride' ORDER BY id`,
  );
  const decisions = new Map<string, DuplicateDecision>();
  for (const row of rows) {
    for (const partner of partnersOf(row)) {
      const key = pairKey(row.customer_id, partner);
      if (!decisions.has(key))
        decisions.set(key, {
          reason: row.new_value?.reason ?? null,
          by: row.actor,
          at: new Date(row.at).toISOString(),
        });
    }
  }
  return decisions;
}
