// What every group of portal pages is given by the plugin that sets the pages up (api/portal/page-routes.ts): the
// engine's dependencies, the portal services, the page renderer (layout, CSRF token, signed-in flag) and the CSRF
// check that browser forms pass.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { ApiDeps } from '../http/deps.js';
import type { PortalServices } from './actions.js';

export type RenderPage = (
  reply: FastifyReply,
  request: FastifyRequest,
  template: string,
  data?: Record<string, unknown>,
) => unknown;
export type PreHandler = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => void;

export interface PortalPageOptions {
  deps: ApiDeps;
  services: PortalServices;
  render: RenderPage;
  csrf: { preHandler: PreHandler };
}

/** The path parameter of a page about one record (an invoice, a dispute, a payment). */
export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

/** Route config marking a page: its problems are rendered as pages, and signed-out visitors are sent to sign in. */
export const page = { portalPage: true } as const;
