// Gateway webhooks: public (the gateway has no token) but verified by signature over the raw body. A verified
// `payment_intent.succeeded` becomes a payment through the normal cash application (which sends the receipt);
// a redelivered event changes nothing (processed once per event id). A bad signature is 400 and changes nothing.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { WebhookSignatureError } from '../../src/payments/gateway.js';
import { handleGatewayEvent } from '../../src/payments/store/gateway-payments.js';
import type { ApiDeps } from '../http/deps.js';
import { ProblemError } from '../http/problem.js';
import { problemResponses } from '../http/common-schemas.js';
import type { PortalServices } from '../portal/actions.js';

export const paymentGatewayRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps; services: PortalServices }> = async (
  app,
  { deps, services },
) => {
  // The signature covers the exact bytes sent: keep the body raw in this plugin only.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.post(
    '/payment-gateways/stripe/webhook',
    {
      schema: {
        tags: ['portal'],
        summary: 'Stripe webhook endpoint (verified by the Stripe-Signature header)',
        security: [],
        response: {
          200: Type.Object({ received: Type.Boolean(), result: Type.String() }),
          ...problemResponses(400, 404, 503),
        },
      },
    },
    async (request) => {
      const gateway = services.gateway;
      if (!gateway || gateway.provider !== 'stripe')
        throw new ProblemError(404, 'not-found', 'Not found', 'No Stripe gateway is configured.');
      const raw = request.body as Buffer;
      let event;
      try {
        event = gateway.verifyWebhook(
          Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw ?? '')),
          request.headers['stripe-signature'] as string | undefined,
        );
      } catch (error) {
        if (error instanceof WebhookSignatureError)
          throw new ProblemError(400, 'bad-signature', 'Invalid webhook signature', error.message);
        throw error;
      }
      const em = deps.orm.em.fork();
      const handled = await handleGatewayEvent(
        {
          em,
          temporal: { client: deps.temporal, taskQueue: deps.config.temporal.taskQueue, requestId: request.id },
          cashApplication: deps.config.policy.cashApplication,
        },
        gateway.provider,
        event,
      );
      // The receipt is the cash application's (payment-<id>): one per payment, sent once it is applied and after the
      // invoices it pays were delivered, so the customer reads invoice, then receipt, and never two receipts.
      return { received: true, result: handled.result };
    },
  );
};
