// Who performs a request, for audit trails and workflow history. Authentication (roles, portal users) replaces the
// header fallback with the verified identity; every route already asks this one function.
import type { FastifyRequest } from 'fastify';

export function actorOf(request: FastifyRequest): string {
  const verified = (request as FastifyRequest & { user?: { id: string } }).user?.id;
  if (verified) return verified;
  const header = request.headers['x-actor'];
  return typeof header === 'string' && /^[\w@.+:-]{1,200}$/.test(header) ? header : 'api';
}
