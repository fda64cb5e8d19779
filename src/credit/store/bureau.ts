// Credit bureau adapter. A provider returns a score (0..100) and its raw data for a company; the engine stores each
// report and reuses one younger than the policy's `bureauMaxAge` (bureau pulls cost money and leave footprints).
// The built-in provider is deterministic (derived from the tax id or name), for development, tests and demos; a real
// provider implements `CreditBureau` and is registered under its name.
import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { addDuration } from '../../shared/duration.js';

export interface BureauSubject {
  customerId: string;
  legalName: string;
  country: string;
  taxId: string | null;
}

export interface BureauReport {
  provider: string;
  reference: string;
  score: number;
  pulledAt: string;
  data: Record<string, unknown>;
}

export interface CreditBureau {
  readonly name: string;
  pull(subject: BureauSubject): Promise<Omit<BureauReport, 'pulledAt'>>;
}

/** Same company, same score: a hash of the country and tax id (or name) mapped onto 20..99. */
export const builtinBureau: CreditBureau = {
  name: 'builtin',
  async pull(subject) {
    const key = `${subject.country}:${subject.taxId ?? subject.legalName.toLowerCase()}`;
    const digest = createHash('sha256').update(key).digest();
    const score = 20 + (digest.readUInt32BE(0) % 80);
    return {
      provider: 'builtin',
      reference: `BI-${digest.toString('hex').slice(0, 12).toUpperCase()}`,
      score,
      data: { key, model: 'builtin-v1' },
    };
  },
};

const providers = new Map<string, CreditBureau>([[builtinBureau.name, builtinBureau]]);

export function registerBureau(bureau: CreditBureau): void {
  providers.set(bureau.name, bureau);
}

export function bureauNamed(name: string): CreditBureau {
  const bureau = providers.get(name);
  if (!bureau)
    throw new Error(`no credit bureau provider named "${name}" (known: ${[...providers.keys()].join(', ')})`);
  return bureau;
}

interface ReportRow {
  provider: string;
  reference: string;
  score: number;
  pulled_at: Date;
  data: Record<string, unknown>;
}

const toReport = (r: ReportRow): BureauReport => ({
  provider: r.provider,
  reference: r.reference,
  score: r.score,
  pulledAt: new Date(r.pulled_at).toISOString(),
  data: r.data,
});

/** The newest stored report of the customer if younger than `maxAge` at `now`. */
export async function freshReport(
  em: EntityManager,
  customerId: string,
  maxAge: string,
  now: Date,
): Promise<BureauReport | null> {
  const [row] = await em.execute<ReportRow[]>(
    'SELECT provider, reference, score, pulled_at, data FROM credit_bureau_report WHERE customer_id = ? ORDER BY pulled_at DESC LIMIT 1',
    [customerId],
  );
  if (!row) return null;
  return addDuration(new Date(row.pulled_at), maxAge).getTime() > now.getTime() ? toReport(row) : null;
}

/**
 * A report for the review: a fresh stored one, or a new pull stored under `pulledFor` (the review's step key), so a
 * retried activity stores and pays for one pull only.
 */
export async function reportFor(
  em: EntityManager,
  input: { subject: BureauSubject; provider: string; maxAge: string; now: Date; pulledFor: string },
): Promise<{ report: BureauReport; reused: boolean }> {
  const [already] = await em.execute<ReportRow[]>(
    'SELECT provider, reference, score, pulled_at, data FROM credit_bureau_report WHERE pulled_for = ?',
    [input.pulledFor],
  );
  if (already) return { report: toReport(already), reused: false };
  const fresh = await freshReport(em, input.subject.customerId, input.maxAge, input.now);
  if (fresh) return { report: fresh, reused: true };
  const pulled = await bureauNamed(input.provider).pull(input.subject);
  const score = Math.max(0, Math.min(100, Math.round(pulled.score)));
  await em.execute(
    `INSERT INTO credit_bureau_report (id, customer_id, provider, reference, score, data, pulled_at, pulled_for) VALUES (?, ?, ?, ?, ?, ?::jsonb, ?, ?)
     ON CONFLICT (pulled_for) DO NOTHING`,
    [
      randomUUID(),
      input.subject.customerId,
      pulled.provider,
      pulled.reference,
      score,
      JSON.stringify(pulled.data),
      input.now,
      input.pulledFor,
    ],
  );
  const [row] = await em.execute<ReportRow[]>(
    'SELECT provider, reference, score, pulled_at, data FROM credit_bureau_report WHERE pulled_for = ?',
    [input.pulledFor],
  );
  return { report: toReport(row!), reused: false };
}
