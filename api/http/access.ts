// Every route must appear in the permission matrix (src/auth/route-access.ts): a route added without deciding who may
// call it stops the app at start-up instead of shipping open. Authentication enforces the matrix per request.
import type { FastifyInstance } from 'fastify';
import { accessFor, routeKey } from '../../src/auth/route-access.js';

/** Documentation (Swagger UI and the OpenAPI document) is public and outside the matrix. */
const isDocsRoute = (url: string) => url === '/docs' || url.startsWith('/docs/');

export function requireDeclaredAccess(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD' || method === 'OPTIONS' || isDocsRoute(route.url)) continue;
      if (!accessFor(method, route.url)) {
        throw new Error(
          `route ${routeKey(method, route.url)} is not in the permission matrix (src/auth/route-access.ts)`,
        );
      }
    }
  });
}
