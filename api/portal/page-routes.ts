// The customer portal's web pages (server-rendered handlebars, small CSS, no script): sign-in (password, invitation,
// magic link), overview, invoices, invoice detail with PDF, statements, payments, documents, pay (card/ACH through
// the gateway, bank transfer always), disputes, promise to pay and preferences. Forms carry a CSRF token; the session
// lives in HttpOnly cookies (api/portal/session.ts). Every page reads the customer from the verified identity.
import { readFileSync } from 'node:fs';
import formbody from '@fastify/formbody';
import view from '@fastify/view';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Handlebars from 'handlebars';
import { Type } from 'typebox';
import { promisesOf } from '../../src/collections/store/promises.js';
import { parseDecimalAmount } from '../../src/shared/decimal-amount.js';
import { formatMoney, type Money } from '../../src/shared/money.js';
import { portalDisputes, portalInvoice, portalSummary } from '../../src/portal/store/account.js';
import type { ApiDeps } from '../http/deps.js';
import { ProblemError } from '../http/problem.js';
import { IsoDate } from '../http/common-schemas.js';
import { portalDisputePages } from './dispute-pages.js';
import { portalAccountPages } from './account-pages.js';
import { portalPayPages } from './pay-pages.js';
import { portalPreferencePages } from './preference-pages.js';
import { portalSignInPages } from './sign-in-pages.js';
import { IdParams, page } from './page-context.js';
import { customerOf, portalOpenDispute, portalPromise, type PortalServices } from './actions.js';
import { today } from '../../src/shared/calendar-date.js';
import { disputeView } from './api-routes.js';

const VIEWS = new URL('./views/', import.meta.url);
const CSS = readFileSync(new URL('./assets/portal.css', import.meta.url));
const PAY_JS = readFileSync(new URL('./assets/pay.js', import.meta.url));

const handlebars = Handlebars.create();
handlebars.registerHelper('money', (value: Money | undefined) =>
  value && typeof value.amount === 'number' ? formatMoney(value) : '',
);
handlebars.registerHelper('date', (value: string | Date | undefined) =>
  value ? new Date(value).toISOString().slice(0, 10) : '',
);
handlebars.registerHelper('eq', (a: unknown, b: unknown) => a === b);

const m = (amount: number, currency: string) => ({ amount, currency });

export const portalPageRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps; services: PortalServices }> = async (
  app,
  { deps, services },
) => {
  const { orm, config } = deps;
  await app.register(formbody);
  await app.register(view, {
    engine: { handlebars },
    root: VIEWS.pathname,
    layout: 'layout.hbs',
    options: { partials: { invoiceTable: 'invoice-table.hbs' } },
    defaultContext: { companyName: config.mail.companyName },
  });

  const render = (reply: FastifyReply, request: FastifyRequest, template: string, data: Record<string, unknown> = {}) =>
    reply
      .type('text/html; charset=utf-8')
      .view(template, { signedIn: Boolean(request.identity), csrf: reply.generateCsrf(), ...data });

  // Problems on pages are pages too (the JSON API answers problem+json for the same refusals).
  app.setErrorHandler((error: Error & { statusCode?: number; validation?: unknown }, request, reply) => {
    // A program (no text/html in Accept) gets the API's problem+json from the parent handler.
    if (!String(request.headers.accept ?? '').includes('text/html')) throw error;
    const status = error instanceof ProblemError ? error.status : error.validation ? 400 : (error.statusCode ?? 500);
    if (status >= 500) request.log.error({ err: error }, 'portal page failed');
    const detail = status >= 500 ? 'Something went wrong on our side; please try again.' : error.message;
    const heading =
      status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : status >= 500 ? 'Sorry' : 'That did not work';
    return render(reply.status(status), request, 'message.hbs', { title: heading, heading, detail });
  });

  // Forms submitted by a browser carry the CSRF token; a request signed by a bearer token cannot be forged by
  // another site and is let through (the JSON API applies the same rule).
  const csrf = {
    preHandler: (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) =>
      request.identity && request.authVia === 'bearer' ? done() : app.csrfProtection(request, reply, done),
  };

  await app.register(portalDisputePages, { deps, render, csrf });

  app.get(
    '/portal/assets/pay.js',
    { schema: { tags: ['portal'], summary: 'Card and bank-debit form (Stripe.js)', security: [], hide: true } },
    async (_request, reply) =>
      reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(PAY_JS),
  );

  app.get(
    '/portal/assets/portal.css',
    { schema: { tags: ['portal'], summary: 'Portal stylesheet', security: [], hide: true } },
    async (_request, reply) =>
      reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(CSS),
  );

  const options = { deps, services, render, csrf };
  await app.register(portalSignInPages, options);
  await app.register(portalAccountPages, options);
  await app.register(portalPayPages, options);
  await app.register(portalPreferencePages, options);

  app.get(
    '/portal/disputes',
    { config: page, schema: { tags: ['portal'], summary: 'Disputes page' } },
    async (request, reply) =>
      render(reply, request, 'disputes.hbs', {
        title: 'Disputes',
        active: 'disputes',
        disputes: (await portalDisputes(orm.em.fork(), customerOf(request.identity))).map(disputeView),
      }),
  );

  app.get(
    '/portal/invoices/:id/dispute',
    { config: page, schema: { tags: ['portal'], summary: 'Dispute form', params: IdParams } },
    async (request, reply) => {
      const invoice = await portalInvoice(orm.em.fork(), customerOf(request.identity), request.params.id);
      if (!invoice) throw new ProblemError(404, 'not-found', 'Not found', 'There is no such invoice on your account.');
      return render(reply, request, 'dispute.hbs', {
        title: `Dispute ${invoice.number}`,
        active: 'disputes',
        invoice: { ...invoice, open: m(invoice.openAmount, invoice.currency) },
      });
    },
  );

  app.post(
    '/portal/invoices/:id/dispute',
    {
      ...csrf,
      config: page,
      schema: {
        tags: ['portal'],
        summary: 'Raise a dispute (form)',
        params: IdParams,
        body: Type.Object(
          {
            _csrf: Type.String(),
            category: Type.String({ maxLength: 40 }),
            reason: Type.String({ maxLength: 2000 }),
            amount: Type.Optional(Type.String({ maxLength: 30 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const customerId = customerOf(request.identity);
      const invoice = await portalInvoice(orm.em.fork(), customerId, request.params.id);
      if (!invoice) throw new ProblemError(404, 'not-found', 'Not found', 'There is no such invoice on your account.');
      let amount: number | undefined;
      if (request.body.amount?.trim()) {
        const parsed = parseDecimalAmount(request.body.amount.trim(), invoice.currency);
        if (!parsed.ok)
          throw new ProblemError(422, 'unprocessable', 'Unprocessable request', `The amount ${parsed.reason}.`);
        amount = parsed.minorUnits;
      }
      await portalOpenDispute(deps, request, {
        invoiceId: invoice.id,
        category: request.body.category,
        reason: request.body.reason,
        amount,
      });
      return reply.redirect('/portal/disputes', 303);
    },
  );

  app.get(
    '/portal/promise',
    { config: page, schema: { tags: ['portal'], summary: 'Promise-to-pay page' } },
    async (request, reply) => {
      const em = orm.em.fork();
      const customerId = customerOf(request.identity);
      const summary = (await portalSummary(em, customerId, today()))!;
      const promises = (await promisesOf(em, customerId)).map((p) => ({ ...p, amount: m(p.amount, p.currency) }));
      return render(reply, request, 'promise.hbs', {
        title: 'Promise to pay',
        active: 'promise',
        overdue: m(summary.overdue, summary.customer.currency),
        currency: summary.customer.currency,
        promises,
      });
    },
  );

  app.post(
    '/portal/promise',
    {
      ...csrf,
      config: page,
      schema: {
        tags: ['portal'],
        summary: 'Record a promise to pay (form)',
        body: Type.Object(
          { _csrf: Type.String(), amount: Type.String({ maxLength: 30 }), date: IsoDate() },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const summary = (await portalSummary(orm.em.fork(), customerOf(request.identity), today()))!;
      const parsed = parseDecimalAmount(request.body.amount.trim(), summary.customer.currency);
      if (!parsed.ok)
        throw new ProblemError(422, 'unprocessable', 'Unprocessable request', `The amount ${parsed.reason}.`);
      await portalPromise(deps, request, { amount: parsed.minorUnits, date: request.body.date });
      return reply.redirect('/portal/promise', 303);
    },
  );
};
