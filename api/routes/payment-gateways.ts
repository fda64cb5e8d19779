// Gateway webhooks: public (the gateway has no token) but verified by signature over the raw body. A verified
// `payment_intent.succeeded` becomes a payment through the normal cash application and sends the customer a receipt;
// a redelivered event changes nothing (processed once per event id). A bad signature is 400 and changes nothing.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { WebhookSignatureError } from '../../src/payments/gateway.js';
import { handleGatewayEvent, receiptAmount } from '../../src/payments/gateway-payments.js';
import { sendPortalMail } from '../../src/portal/mail.js';
import type { ApiDeps } from '../deps.js';
import { ProblemError } from '../problem.js';
import { problemResponses } from '../schemas/common.js';
import type { PortalServices } from '../portal/actions.js';

export const paymentGatewayRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps; services: PortalServices }> = async (app, { deps, services }) => {
  // The signature covers the exact bytes sent: keep the body raw in this plugin only.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.post(
    '/payment-gateways/stripe/webhook',
    {
      schema: {
        tags: ['portal'],
        summary: 'Stripe webhook endpoint (verified by the Stripe-Signature header)',
        security: [],
        response: { 200: Type.Object({ received: Type.Boolean(), result: Type.String() }), ...problemResponses(400, 404, 503) },
      },
    },
    async (request) => {
      const gateway = services.gateway;
      if (!gateway || gateway.provider !== 'stripe') throw new ProblemError(404, 'not-found', 'Not found', 'No Stripe gateway is configured.');
      const raw = request.body as Buffer;
      let event;
      try {
        event = gateway.verifyWebhook(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw ?? '')), request.headers['stripe-signature'] as string | undefined);
      } catch (error) {
        if (error instanceof WebhookSignatureError) throw new ProblemError(400, 'bad-signature', 'Invalid webhook signature', error.message);
        throw error;
      }
      const em = deps.orm.em.fork();
      const handled = await handleGatewayEvent({ em, temporal: { client: deps.temporal, taskQueue: deps.config.temporal.taskQueue, requestId: request.id }, cashApplication: deps.config.policy.cashApplication }, gateway.provider, event);
      if (handled.result === 'paid') {
        const r = handled.receipt;
        await sendPortalMail(em, services.mailer, deps.config, {
          idempotencyKey: `gateway-receipt:${handled.payment.id}`,
          template: 'payment-receipt',
          to: r.to,
          customerId: r.customerId,
          data: {
            customerName: r.customerName,
            amount: receiptAmount(r),
            methodLabel: handled.payment.method === 'card' ? 'card' : 'bank debit',
            receivedOn: new Date().toISOString().slice(0, 10),
            reference: handled.paymentId,
            invoices: r.invoiceNumbers,
          },
        }).catch((error: unknown) => request.log.error({ err: error }, 'receipt e-mail failed; the payment is recorded'));
      }
      return { received: true, result: handled.result };
    },
  );
};
