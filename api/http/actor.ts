// Who performs a request, for audit trails and workflow histories: the verified identity the authentication hook
// attached (api/http/authentication.ts). There is no unauthenticated way to name an actor.
import type { FastifyRequest } from 'fastify';

export function actorOf(request: FastifyRequest): string {
  return request.identity?.actor ?? 'anonymous';
}

/** The verified roles of the caller (none on public routes). */
export function rolesOf(request: FastifyRequest): readonly string[] {
  return request.identity?.roles ?? [];
}

/** Managers may complete, release or reassign tasks others claimed. */
export const TASK_MANAGER_ROLES = ['admin', 'finance_director'] as const;

export function isTaskManager(request: FastifyRequest): boolean {
  return rolesOf(request).some((role) => (TASK_MANAGER_ROLES as readonly string[]).includes(role));
}
