// The published document is the exact contract: every route lists every status it can answer. Some answers come from
// the platform rather than the handler, so they are added here, once, instead of in each route:
//   400 a request schema or a malformed body refused; 413 a body too large; 415 a content type without a parser;
//   401 no or a bad credential and 403 a role the permission matrix does not allow (every non-public route);
//   404 a resource named in the path that does not exist; 429 a rate-limited route over its limit;
//   503 a dependency (PostgreSQL, Temporal) unreachable or the request timeout passed (any route);
//   431 a request line (a long query) or headers larger than the server accepts (any route, api/http/client-errors.ts);
//   303 on portal pages, which send a signed-out browser to the sign-in page (and answer their forms with a redirect).
import type { FastifyInstance, RouteOptions } from 'fastify';
import { accessFor, PUBLIC } from '../../src/auth/route-access.js';
import { problemResponses } from './common-schemas.js';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const isDocsRoute = (url: string) => url === '/docs' || url.startsWith('/docs/');

/** Statuses the platform may answer for this route, whatever its handler does. */
export function platformStatuses(method: string, route: Pick<RouteOptions, 'url' | 'schema' | 'config'>): number[] {
  const schema = (route.schema ?? {}) as Record<string, unknown>;
  const statuses = [503, 431];
  const takesInput = Boolean(schema.body || schema.querystring || schema.params || schema.headers);
  if (takesInput || BODY_METHODS.has(method)) statuses.push(400);
  if (BODY_METHODS.has(method)) statuses.push(413, 415);
  const portalPage = Boolean((route.config as { portalPage?: boolean } | undefined)?.portalPage);
  if (accessFor(method, route.url) !== PUBLIC) statuses.push(portalPage ? 303 : 401, 403);
  if (portalPage) statuses.push(303);
  if (route.url.includes(':')) statuses.push(404);
  if ((route.config as { rateLimit?: unknown } | undefined)?.rateLimit) statuses.push(429);
  return statuses;
}

/** Must be installed before the routes are registered (an onRoute hook sees only routes added after it). */
export function documentPlatformStatuses(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (isDocsRoute(route.url) || (route.schema as { hide?: boolean } | undefined)?.hide) return;
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter(
      (m) => m !== 'HEAD' && m !== 'OPTIONS',
    );
    if (methods.length === 0) return;
    const schema = (route.schema ??= {}) as { response?: Record<string, unknown> };
    // A route that documents no answer at all (an HTML page, a stylesheet) keeps the 200 the document would show.
    const response = (schema.response ??= { 200: { description: 'OK' } });
    const documented = new Set(Object.keys(response));
    const missing = [...new Set(methods.flatMap((m) => platformStatuses(m, route)))].filter(
      (s) => !documented.has(String(s)),
    );
    Object.assign(response, problemResponses(...missing.filter((s) => s !== 303)));
    if (missing.includes(303))
      response[303] = { description: 'See Other: the next page (a signed-out visitor: the portal sign-in)' };
  });
}
