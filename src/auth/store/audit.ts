// The audit log: sign-ins (successful or not) and every staff mutation, with who, what, when and from where.
// Append-only; it never holds secrets (no bodies, no tokens), only the route, the target id and the outcome.
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql, tables } from '../../db/kysely.js';

export interface AuditEntry {
  actor: string;
  role?: string | null;
  action: string;
  outcome: 'success' | 'failure' | 'denied';
  method?: string;
  route?: string;
  target?: string | null;
  statusCode?: number;
  ip?: string;
  userAgent?: string;
  requestId?: string;
  detail?: Record<string, unknown>;
}

export async function recordAudit(em: EntityManager, entry: AuditEntry): Promise<void> {
  await tables(em)
    .insertInto('audit_log')
    .values({
      actor: entry.actor.slice(0, 254),
      role: entry.role ?? null,
      action: entry.action,
      outcome: entry.outcome,
      method: entry.method ?? null,
      route: entry.route ?? null,
      target: entry.target ?? null,
      status_code: entry.statusCode ?? null,
      ip: entry.ip ?? null,
      user_agent: entry.userAgent?.slice(0, 500) ?? null,
      request_id: entry.requestId ?? null,
      detail: sql`${JSON.stringify(entry.detail ?? {})}::jsonb`,
    })
    .execute();
}

export interface AuditRecord {
  id: string;
  at: string;
  actor: string;
  role: string | null;
  action: string;
  outcome: string;
  method: string | null;
  route: string | null;
  target: string | null;
  statusCode: number | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  detail: Record<string, unknown>;
}

export async function listAudit(
  em: EntityManager,
  filter: { actor?: string; afterId?: number; limit: number },
): Promise<AuditRecord[]> {
  let query = tables(em).selectFrom('audit_log').selectAll();
  if (filter.actor !== undefined) query = query.where('actor', '=', filter.actor);
  if (filter.afterId !== undefined) query = query.where('id', '<', filter.afterId);
  const rows = await query.orderBy('id', 'desc').limit(filter.limit).execute();
  return rows.map((r) => ({
    id: String(r.id),
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    role: r.role ?? null,
    action: r.action,
    outcome: r.outcome,
    method: r.method ?? null,
    route: r.route ?? null,
    target: r.target ?? null,
    statusCode: r.status_code ?? null,
    ip: r.ip ?? null,
    userAgent: r.user_agent ?? null,
    requestId: r.request_id ?? null,
    detail: (r.detail as Record<string, unknown> | null) ?? {},
  }));
}
