// Portal pages to pay: choosing invoices, paying by card or bank debit through the gateway (bank transfer always),
// and the status page of a payment the gateway confirms by signed webhook.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { findGatewayPayment } from '../../src/payments/store/gateway-payments.js';
import { portalInvoices } from '../../src/portal/store/account.js';
import { ProblemError } from '../http/problem.js';
import { bankTransferInstructions, customerOf, portalStartPayment } from './actions.js';
import { today } from '../../src/shared/calendar-date.js';
import { IdParams, page, type PortalPageOptions } from './page-context.js';

const m = (amount: number, currency: string) => ({ amount, currency });

export const portalPayPages: FastifyPluginAsyncTypebox<PortalPageOptions> = async (
  app,
  { deps, services, render, csrf },
) => {
  const { orm, config } = deps;
  app.get(
    '/portal/pay',
    {
      config: page,
      schema: {
        tags: ['portal'],
        summary: 'Pay page',
        querystring: Type.Object(
          { invoice: Type.Optional(Type.String({ format: 'uuid' })) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const customerId = customerOf(request.identity);
      const invoices = (await portalInvoices(orm.em.fork(), customerId, today(), { open: true }))
        .filter((i) => i.status !== 'disputed')
        .map((i) => ({
          ...i,
          open: m(i.open, i.currency),
          selected: !request.query.invoice || i.id === request.query.invoice,
        }));
      return render(reply, request, 'pay.hbs', {
        title: 'Pay',
        active: 'dashboard',
        invoices,
        gateway: Boolean(services.gateway),
        bank: bankTransferInstructions(deps, customerId),
      });
    },
  );

  app.post(
    '/portal/pay',
    {
      ...csrf,
      config: page,
      schema: {
        tags: ['portal'],
        summary: 'Start a card or ACH payment (form)',
        body: Type.Object(
          {
            _csrf: Type.String(),
            invoiceIds: Type.Union([
              Type.String({ format: 'uuid' }),
              Type.Array(Type.String({ format: 'uuid' }), { maxItems: 50 }),
            ]),
            method: Type.Union([Type.Literal('card'), Type.Literal('ach_debit')]),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const invoiceIds = [
        ...new Set(Array.isArray(request.body.invoiceIds) ? request.body.invoiceIds : [request.body.invoiceIds]),
      ];
      // Without a browser-side card form (no gateway publishable key), the gateway's test card confirms at once.
      const paymentMethod = config.portal.stripe?.publishableKey
        ? undefined
        : request.body.method === 'card'
          ? 'pm_card_visa'
          : 'pm_usBankAccount_success';
      const started = await portalStartPayment(deps, services, request, {
        invoiceIds,
        method: request.body.method,
        paymentMethod,
      });
      return reply.redirect(`/portal/pay/${started.payment.id}`, 303);
    },
  );

  app.get(
    '/portal/pay/:id',
    { config: page, schema: { tags: ['portal'], summary: 'Payment status page', params: IdParams } },
    async (request, reply) => {
      const payment = await findGatewayPayment(orm.em.fork(), request.params.id, customerOf(request.identity));
      if (!payment) throw new ProblemError(404, 'not-found', 'Not found', 'There is no such payment on your account.');
      const publishableKey = config.portal.stripe?.publishableKey;
      // While the intent waits for card or bank details, the page hands its client secret to Stripe.js, which collects
      // and confirms them; without it the customer could not finish the payment they started.
      const collecting = payment.status === 'pending' && publishableKey !== undefined && services.gateway !== undefined;
      return render(reply, request, 'pay-status.hbs', {
        title: 'Payment',
        active: 'payments',
        payment: { ...payment, amount: m(payment.amount, payment.currency) },
        pending: payment.status === 'pending' || payment.status === 'processing',
        succeeded: payment.status === 'succeeded',
        publishableKey,
        clientSecret: collecting ? await services.gateway!.clientSecretOf(payment.providerRef) : null,
        returnUrl: `${config.http.publicUrl.replace(/\/+$/, '')}/portal/pay/${payment.id}`,
      });
    },
  );
};
