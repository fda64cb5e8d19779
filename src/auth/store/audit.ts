// The audit log: sign-ins (successful or not) and every staff mutation, with who, what, when and from where.
// Append-only; it never holds secrets (no bodies, no tokens), only the route, the target id and the outcome.
import type { EntityManager } from '@mikro-orm/postgresql';

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
  await em.execute(
    `INSERT INTO audit_log (actor, role, action, outcome, method, route, target, status_code, ip, user_agent, request_id, detail)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      entry.actor.slice(0, 254),
      entry.role ?? null,
      entry.action,
      entry.outcome,
      entry.method ?? null,
      entry.route ?? null,
      entry.target ?? null,
      entry.statusCode ?? null,
      entry.ip ?? null,
      entry.userAgent?.slice(0, 500) ?? null,
      entry.requestId ?? null,
      JSON.stringify(entry.detail ?? {}),
    ],
  );
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
  const rows = await em.execute<Record<string, unknown>[]>(
    `SELECT * FROM audit_log WHERE (?::text IS NULL OR actor = ?::text) AND (?::bigint IS NULL OR id < ?::bigint) ORDER BY id DESC LIMIT ?`,
    [filter.actor ?? null, filter.actor ?? null, filter.afterId ?? null, filter.afterId ?? null, filter.limit],
  );
  return rows.map((r) => ({
    id: String(r.id),
    at: new Date(r.at as string).toISOString(),
    actor: r.actor as string,
    role: (r.role as string | null) ?? null,
    action: r.action as string,
    outcome: r.outcome as string,
    method: (r.method as string | null) ?? null,
    route: (r.route as string | null) ?? null,
    target: (r.target as string | null) ?? null,
    statusCode: (r.status_code as number | null) ?? null,
    ip: (r.ip as string | null) ?? null,
    userAgent: (r.user_agent as string | null) ?? null,
    requestId: (r.request_id as string | null) ?? null,
    detail: (r.detail as Record<string, unknown>) ?? {},
  }));
}
