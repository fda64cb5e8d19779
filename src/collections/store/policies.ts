// Versioned dunning policies and which one applies to a customer: the customer's own override, else the policy of
// its risk segment, else the `default` segment's. A PUT never edits a version; it adds the next one, so every running
// collection keeps the version it recorded until a migration is asked for explicitly.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { DunningPolicy, DunningPolicyBody } from '../rules/dunning-policy.js';

export interface StoredPolicy {
  policy: DunningPolicy;
  createdBy: string;
  createdAt: Date;
}

interface PolicyRow {
  code: string;
  version: number;
  definition: DunningPolicyBody;
  created_by: string;
  created_at: Date;
}

const toStored = (row: PolicyRow): StoredPolicy => ({
  policy: { ...row.definition, code: row.code, version: row.version },
  createdBy: row.created_by,
  createdAt: new Date(row.created_at),
});

/** Stores the next version of `code` (1 for a new code). Concurrent PUTs serialize on an advisory lock of the code. */
export async function putPolicyVersion(
  em: EntityManager,
  code: string,
  body: DunningPolicyBody,
  by: string,
): Promise<StoredPolicy> {
  return em.transactional(async (tx) => {
    await tx.execute(`SELECT pg_advisory_xact_lock(hashtext('dunning_policy:' || ?))`, [code]);
    const [row] = await tx.execute<PolicyRow[]>(
      `INSERT INTO dunning_policy (code, version, definition, created_by)
       SELECT ?, coalesce(max(version), 0) + 1, ?::jsonb, ? FROM dunning_policy WHERE code = ?
       RETURNING code, version, definition, created_by, created_at`,
      [code, JSON.stringify(body), by, code],
    );
    return toStored(row!);
  });
}

export async function policyVersions(em: EntityManager, code: string): Promise<StoredPolicy[]> {
  const rows = await em.execute<PolicyRow[]>(
    'SELECT code, version, definition, created_by, created_at FROM dunning_policy WHERE code = ? ORDER BY version DESC',
    [code],
  );
  return rows.map(toStored);
}

export async function latestPolicy(em: EntityManager, code: string): Promise<DunningPolicy | undefined> {
  const [row] = await em.execute<PolicyRow[]>(
    'SELECT code, version, definition, created_by, created_at FROM dunning_policy WHERE code = ? ORDER BY version DESC LIMIT 1',
    [code],
  );
  return row ? toStored(row).policy : undefined;
}

export async function policyExists(em: EntityManager, code: string): Promise<boolean> {
  const [row] = await em.execute<{ n: string }[]>('SELECT count(*) AS n FROM dunning_policy WHERE code = ?', [code]);
  return Number(row?.n ?? 0) > 0;
}

export const POLICY_SEGMENTS = ['default', 'low', 'medium', 'high'] as const;
export type PolicySegment = (typeof POLICY_SEGMENTS)[number];

export async function assignSegmentPolicy(
  em: EntityManager,
  segment: PolicySegment,
  code: string,
  by: string,
): Promise<void> {
  await em.execute(
    `INSERT INTO dunning_policy_assignment (segment, policy_code, updated_by) VALUES (?, ?, ?)
     ON CONFLICT (segment) DO UPDATE SET policy_code = EXCLUDED.policy_code, updated_by = EXCLUDED.updated_by, updated_at = now()`,
    [segment, code, by],
  );
}

export async function segmentAssignments(
  em: EntityManager,
): Promise<{ segment: PolicySegment; policyCode: string; updatedBy: string; updatedAt: Date }[]> {
  const rows = await em.execute<
    { segment: PolicySegment; policy_code: string; updated_by: string; updated_at: Date }[]
  >('SELECT segment, policy_code, updated_by, updated_at FROM dunning_policy_assignment ORDER BY segment');
  return rows.map((r) => ({
    segment: r.segment,
    policyCode: r.policy_code,
    updatedBy: r.updated_by,
    updatedAt: new Date(r.updated_at),
  }));
}

/** Sets (or with null removes) the customer's own policy. */
export async function setCustomerPolicy(
  em: EntityManager,
  customerId: string,
  code: string | null,
  by: string,
): Promise<void> {
  if (code === null) {
    await em.execute('DELETE FROM customer_dunning_policy WHERE customer_id = ?', [customerId]);
    return;
  }
  await em.execute(
    `INSERT INTO customer_dunning_policy (customer_id, policy_code, updated_by) VALUES (?, ?, ?)
     ON CONFLICT (customer_id) DO UPDATE SET policy_code = EXCLUDED.policy_code, updated_by = EXCLUDED.updated_by, updated_at = now()`,
    [customerId, code, by],
  );
}

export interface ResolvedPolicy {
  policy: DunningPolicy;
  /** Why this policy: the customer's override, its risk segment, or the default segment. */
  source: 'customer' | 'segment' | 'default';
}

/** The latest version of the policy that applies to the customer; undefined when none is assigned at all. */
export async function policyForCustomer(em: EntityManager, customerId: string): Promise<ResolvedPolicy | undefined> {
  const [row] = await em.execute<{ own: string | null; segment_code: string | null; default_code: string | null }[]>(
    `SELECT o.policy_code AS own, s.policy_code AS segment_code, d.policy_code AS default_code
       FROM customer c
       LEFT JOIN customer_dunning_policy o ON o.customer_id = c.id
       LEFT JOIN dunning_policy_assignment s ON s.segment = c.risk_segment
       LEFT JOIN dunning_policy_assignment d ON d.segment = 'default'
      WHERE c.id = ?`,
    [customerId],
  );
  if (!row) return undefined;
  const choices: [string | null, ResolvedPolicy['source']][] = [
    [row.own, 'customer'],
    [row.segment_code, 'segment'],
    [row.default_code, 'default'],
  ];
  for (const [code, source] of choices) {
    if (!code) continue;
    const policy = await latestPolicy(em, code);
    if (policy) return { policy, source };
  }
  return undefined;
}
