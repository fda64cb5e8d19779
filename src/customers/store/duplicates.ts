// Finding duplicates in the database: candidates for one record (index probes only: exact tax id, shared e-mail or
// phone, trigram name similarity through the GIN index) and the whole-book scan. The pure scoring in
// src/payments/rules/matching.ts decides what the evidence means. Closed and merged customers are not candidates.
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  clusterPairs,
  DEFAULT_DUPLICATE_POLICY,
  isProbableDuplicate,
  minNameSimilarityForProbable,
  nameTypo,
  scorePair,
  type DuplicateCluster,
  type DuplicatePolicy,
  type MatchReason,
  type ScoredPair,
} from '../../payments/rules/matching.js';
import { allDuplicateDecisions, pairKey, type DuplicateDecision } from './duplicate-decisions.js';
import type { MatchKeys } from './customers.js';
import { pgArray } from '../../db/pg-array.js';

export interface DuplicateCandidate {
  id: string;
  legalName: string;
  score: number;
  reasons: MatchReason[];
}

interface CandidateRow {
  id: string;
  legal_name: string;
  tax_key: string | null;
  match_emails: string[];
  match_phones: string[];
  name_core: string;
  name_sim: number;
  core_sim: number;
  address_sim: number;
}

const intersect = (a: readonly string[], b: readonly string[]) => a.filter((x) => b.includes(x));

function evidenceOf(
  keys: Pick<MatchKeys, 'taxKey' | 'emails' | 'phones' | 'nameCore'>,
  other: Pick<CandidateRow, 'tax_key' | 'match_emails' | 'match_phones' | 'name_core' | 'core_sim'>,
  nameSim: number,
  addressSim: number,
) {
  return {
    coreSimilarity: Number(other.core_sim),
    nameTypo: nameTypo(keys.nameCore, other.name_core),
    sameTaxId: keys.taxKey !== null && keys.taxKey === other.tax_key,
    differentTaxIds: keys.taxKey !== null && other.tax_key !== null && keys.taxKey !== other.tax_key,
    sharedEmails: intersect(keys.emails, other.match_emails),
    sharedPhones: intersect(keys.phones, other.match_phones),
    nameSimilarity: Number(nameSim),
    addressSimilarity: Number(addressSim),
  };
}

/**
 * Serializes concurrent writes of records with the same name or tax id, so two clerks submitting the same new
 * customer at once cannot both pass the duplicate check. Must run inside the writing transaction.
 */
export async function lockMatchKeys(tx: EntityManager, keys: MatchKeys): Promise<void> {
  const lockKeys = [`name:${keys.nameCore}`, ...(keys.taxKey ? [`tax:${keys.taxKey}`] : [])].sort();
  for (const key of lockKeys) await tx.execute('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [key]);
}

/** Scored candidates for a record with `keys`, best first (all of them, probable or not). Runs inside a transaction. */
export async function findDuplicateCandidates(
  tx: EntityManager,
  keys: MatchKeys,
  options: { excludeIds?: string[]; policy?: DuplicatePolicy; limit?: number } = {},
): Promise<DuplicateCandidate[]> {
  const policy = options.policy ?? DEFAULT_DUPLICATE_POLICY;
  await tx.execute(`SELECT set_config('pg_trgm.similarity_threshold', ?, true)`, [
    String(policy.candidateCoreThreshold),
  ]);
  const rows = await tx.execute<CandidateRow[]>(
    // The same normalised address is fetched through the postcode index: a typo in a short name can be too far
    // for the trigram threshold ("tugafibu" ~ "tuaafibu" is 0.5), and one name at one address is how most duplicates are born.
    `SELECT id, legal_name, tax_key, match_emails, match_phones, name_core,
            similarity(name_key, ?) AS name_sim, similarity(name_core, ?) AS core_sim, similarity(address_key, ?) AS address_sim
       FROM customer
      WHERE status <> 'closed' AND merged_into IS NULL AND NOT (id = ANY(?::uuid[]))
        AND (tax_key = ? OR match_emails && ?::text[] OR match_phones && ?::text[] OR name_core % ?
             OR (postcode_key = ? AND postcode_key <> '' AND address_key = ?))
      LIMIT ?`,
    [
      keys.nameKey,
      keys.nameCore,
      keys.addressKey,
      pgArray(options.excludeIds ?? []),
      keys.taxKey,
      pgArray(keys.emails),
      pgArray(keys.phones),
      keys.nameCore,
      keys.postcodeKey,
      keys.addressKey,
      options.limit ?? 100,
    ],
  );
  return rows
    .map((row) => ({
      id: row.id,
      legalName: row.legal_name,
      ...scorePair(evidenceOf(keys, row, row.name_sim, row.address_sim), policy),
    }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
}

export function probableDuplicates(
  candidates: readonly DuplicateCandidate[],
  policy: DuplicatePolicy = DEFAULT_DUPLICATE_POLICY,
): DuplicateCandidate[] {
  return candidates.filter((c) => isProbableDuplicate(c.score, policy));
}

export interface DuplicateScan {
  scannedCustomers: number;
  /** Probable pairs nobody has decided on (the clusters are built from these). */
  probablePairs: number;
  /** Probable pairs a clerk kept on purpose, with the decision; not in any cluster. */
  acceptedPairs: (ScoredPair & { decision: DuplicateDecision })[];
  clusters: DuplicateCluster[];
  /** Records in clusters beyond one per cluster: how many records would disappear if every cluster were merged. */
  duplicateRecords: number;
  duplicatePercentage: number;
}

interface PairRow {
  a: string;
  b: string;
  a_tax: string | null;
  b_tax: string | null;
  a_emails: string[];
  b_emails: string[];
  a_phones: string[];
  b_phones: string[];
  a_core: string;
  b_core: string;
  name_sim: number;
  core_sim: number;
  address_sim: number;
}

/**
 * Scans the whole book. Candidate pairs come from blocking keys, all set-based: equal tax keys, e-mails, phones and
 * name keys (grouped, linked as a star to the group's first record, which is enough to cluster), and similar names
 * within one postcode, from the lowest similarity that can still make a probable pair with an identical address.
 * Each pair is then scored by the same rules as the create-time check. What the scan does not look for: moderately
 * similar names (not identical after normalization) at different postcodes with no shared tax id, e-mail or phone;
 * such a pair needs a similar address to be probable, and the create-time check (trigram index over all names)
 * still catches it when the second record is entered.
 */
export async function scanDuplicates(
  em: EntityManager,
  policy: DuplicatePolicy = DEFAULT_DUPLICATE_POLICY,
): Promise<DuplicateScan> {
  return em.transactional(async (tx) => {
    const [{ count }] = (await tx.execute<{ count: string }[]>(
      `SELECT count(*) FROM customer WHERE status <> 'closed' AND merged_into IS NULL`,
    )) as [{ count: string }];
    const rows = await tx.execute<PairRow[]>(
      `
      WITH live AS (SELECT id, tax_key, match_emails, match_phones, name_key FROM customer WHERE status <> 'closed' AND merged_into IS NULL),
      keyed AS (
        SELECT 't:' || tax_key AS k, id FROM live WHERE tax_key IS NOT NULL
        UNION ALL SELECT 'e:' || e, id FROM live, unnest(match_emails) e
        UNION ALL SELECT 'p:' || p, id FROM live, unnest(match_phones) p
        UNION ALL SELECT 'n:' || name_key, id FROM live WHERE name_key <> ''
      ),
      groups AS (SELECT k, min(id::text)::uuid AS first FROM keyed GROUP BY k HAVING count(*) > 1),
      pairs AS (
        SELECT DISTINCT g.first AS a, k.id AS b FROM groups g JOIN keyed k ON k.k = g.k AND k.id <> g.first
        UNION
        -- Similar names, or the same normalised address (where a typo in a name still makes a probable pair),
        -- inside one postcode block (a btree join on the table, not the CTE).
        SELECT x.id, y.id FROM customer x JOIN customer y ON y.postcode_key = x.postcode_key AND x.id < y.id
         WHERE x.postcode_key <> '' AND (similarity(x.name_key, y.name_key) >= ? OR x.address_key = y.address_key)
           AND x.status <> 'closed' AND x.merged_into IS NULL AND y.status <> 'closed' AND y.merged_into IS NULL
      )
      SELECT p.a, p.b, x.tax_key AS a_tax, y.tax_key AS b_tax, x.match_emails AS a_emails, y.match_emails AS b_emails,
             x.match_phones AS a_phones, y.match_phones AS b_phones, x.name_core AS a_core, y.name_core AS b_core,
             similarity(x.name_key, y.name_key) AS name_sim, similarity(x.name_core, y.name_core) AS core_sim, similarity(x.address_key, y.address_key) AS address_sim
        FROM pairs p JOIN customer x ON x.id = p.a JOIN customer y ON y.id = p.b`,
      [minNameSimilarityForProbable(policy)],
    );
    const decisions = await allDuplicateDecisions(tx);
    const scored: ScoredPair[] = [];
    const acceptedPairs: DuplicateScan['acceptedPairs'] = [];
    for (const row of rows) {
      const keys = { taxKey: row.a_tax, emails: row.a_emails, phones: row.a_phones, nameCore: row.a_core };
      const other = {
        tax_key: row.b_tax,
        match_emails: row.b_emails,
        match_phones: row.b_phones,
        name_core: row.b_core,
        core_sim: row.core_sim,
      };
      const { score, reasons } = scorePair(evidenceOf(keys, other, row.name_sim, row.address_sim), policy);
      if (!isProbableDuplicate(score, policy)) continue;
      const pair = { a: row.a < row.b ? row.a : row.b, b: row.a < row.b ? row.b : row.a, score, reasons };
      const decision = decisions.get(pairKey(pair.a, pair.b));
      if (decision) acceptedPairs.push({ ...pair, decision });
      else scored.push(pair);
    }
    const clusters = clusterPairs(scored);
    const scannedCustomers = Number(count);
    const duplicateRecords = clusters.reduce((n, c) => n + c.customerIds.length - 1, 0);
    return {
      scannedCustomers,
      probablePairs: scored.length,
      acceptedPairs: acceptedPairs.sort((x, y) => (x.a < y.a ? -1 : x.a > y.a ? 1 : x.b < y.b ? -1 : 1)),
      clusters,
      duplicateRecords,
      duplicatePercentage: scannedCustomers ? Math.round((duplicateRecords / scannedCustomers) * 10_000) / 100 : 0,
    };
  });
}
