// Field-level rules on top of the route matrix. Writable fields: a role allowed on a route may still not change every
// field of its body (a clerk edits a profile, but credit terms belong to credit). Visible fields: some response fields
// are stripped for roles that have no need to see them (tax ids for collectors and dispute handlers).
import type { Role } from './roles.js';

const CREDIT_DECIDERS: readonly Role[] = ['admin', 'credit_manager', 'finance_director'];

/** Per route: body fields (top level) that only the listed roles may set. */
export const RESTRICTED_WRITE_FIELDS: Record<string, Record<string, readonly Role[]>> = {
  'POST /customers': { creditLimit: CREDIT_DECIDERS, riskSegment: CREDIT_DECIDERS },
  'PATCH /customers/:id': { creditLimit: CREDIT_DECIDERS, riskSegment: CREDIT_DECIDERS },
};

/** Response fields (any depth) that are replaced by null unless the caller holds one of the listed roles. */
export const RESTRICTED_READ_FIELDS: Record<string, readonly Role[]> = {
  taxId: ['admin', 'ar_clerk', 'credit_manager', 'finance_director', 'auditor'],
};

/** The body fields this caller may not set on this route (empty: the body is acceptable). */
export function forbiddenWriteFields(routeKey: string, roles: readonly Role[], body: unknown): string[] {
  const rules = RESTRICTED_WRITE_FIELDS[routeKey];
  if (!rules || !body || typeof body !== 'object' || Array.isArray(body)) return [];
  return Object.keys(body).filter((field) => rules[field] && !roles.some((role) => rules[field]!.includes(role)));
}

/** The fields to strip from responses for this caller. */
export function hiddenReadFields(roles: readonly Role[]): string[] {
  return Object.entries(RESTRICTED_READ_FIELDS)
    .filter(([, allowed]) => !roles.some((role) => allowed.includes(role)))
    .map(([field]) => field);
}

/** A copy of `value` with every `fields` property (at any depth) set to null. */
export function stripFields<T>(value: T, fields: readonly string[]): T {
  if (fields.length === 0 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => stripFields(item, fields)) as T;
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>))
    out[key] = fields.includes(key) ? null : stripFields(inner, fields);
  return out as T;
}
