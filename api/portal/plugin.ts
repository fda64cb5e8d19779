// The customer portal: pages and JSON API under /portal (with CSRF protection for browser sessions), the gateway
// webhook, and the staff routes that invite portal users. One mailer for the e-mails the API sends itself.
import csrf from '@fastify/csrf-protection';
import type { FastifyInstance } from 'fastify';
import { createMailer } from '../../src/mail/mailer.js';
import { createStripeGateway } from '../../src/payments/stripe-gateway.js';
import type { ApiDeps } from '../http/deps.js';
import { paymentGatewayRoutes } from '../payments/gateway-routes.js';
import { portalApiRoutes } from './api-routes.js';
import { portalPageRoutes } from './page-routes.js';
import { portalUserRoutes } from './user-routes.js';
import type { PortalServices } from './actions.js';

export async function installPortal(app: FastifyInstance, deps: ApiDeps, secret: Uint8Array): Promise<void> {
  const mailer = createMailer(deps.config.mail.smtpUrl);
  app.addHook('onClose', async () => mailer.close());
  const stripe = deps.config.portal.stripe;
  const services: PortalServices = { secret, mailer, gateway: stripe ? createStripeGateway(stripe) : undefined };
  await app.register(async (portal) => {
    await portal.register(csrf, {
      sessionPlugin: '@fastify/cookie',
      cookieKey: 'ar_csrf',
      cookieOpts: {
        path: '/portal',
        httpOnly: true,
        sameSite: 'strict',
        signed: true,
        secure: deps.config.http.publicUrl.startsWith('https:'),
      },
    });
    await portal.register(portalPageRoutes, { deps, services });
    await portal.register(portalApiRoutes, { deps, services });
  });
  await app.register(paymentGatewayRoutes, { deps, services });
  await app.register(portalUserRoutes, { deps, services });
}
