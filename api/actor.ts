// Who performs a request, for audit trails and workflow history. Authentication (roles, portal users) replaces the
// header fallback with the verified identity; every route already asks this one function.
import type { FastifyRequest } from 'fastify';

export function actorOf(request: FastifyRequest): string {
  const verified = (request as FastifyRequest & { user?: { id: string } }).user?.id;
  if (verified) return verified;
  const header = request.headers['x-actor'];
  return typeof header === 'string' && /^[\w@.+:-]{1,200}$/.test(header) ? header : 'api';
}

/** The verified roles of the caller (empty before authentication has run). */
export function rolesOf(request: FastifyRequest): readonly string[] {
  return (request as FastifyRequest & { user?: { roles?: readonly string[] } }).user?.roles ?? [];
}

/** Managers may complete, release or reassign tasks others claimed. */
export const TASK_MANAGER_ROLES = ['admin', 'finance_director'] as const;

export function isTaskManager(request: FastifyRequest): boolean {
  return rolesOf(request).some((role) => (TASK_MANAGER_ROLES as readonly string[]).includes(role));
}
