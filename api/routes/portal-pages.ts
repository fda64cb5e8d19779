// The customer portal's web pages (server-rendered handlebars, small CSS, no script): sign-in (password, invitation,
// magic link), overview, invoices, invoice detail with PDF, statements, payments, documents, pay (card/ACH through
// the gateway, bank transfer always), disputes, promise to pay and preferences. Forms carry a CSRF token; the session
// lives in HttpOnly cookies (api/portal/session.ts). Every page reads the customer from the verified identity.
import { readFileSync } from 'node:fs';
import type {} from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import view from '@fastify/view';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Handlebars from 'handlebars';
import { Type } from 'typebox';
import { recordAudit } from '../../src/auth/audit.js';
import { revokeByToken } from '../../src/auth/refresh-tokens.js';
import { authenticateUser, findUser, setPassword } from '../../src/auth/users.js';
import { promisesOf } from '../../src/collections/promises.js';
import { parseDecimalAmount } from '../../src/domain/decimal-amount.js';
import { isOpenStatus } from '../../src/domain/invoice-status.js';
import { formatMoney, type Money } from '../../src/domain/money.js';
import { passwordProblem } from '../../src/domain/password-policy.js';
import { ensureInvoicePdf } from '../../src/documents/invoice-pdf.js';
import { findGatewayPayment, gatewayPaymentsOf } from '../../src/payments/gateway-payments.js';
import {
  portalDisputes,
  portalDocument,
  portalDocuments,
  portalInvoice,
  portalInvoices,
  portalPayments,
  portalSummary,
} from '../../src/portal/account.js';
import { consumeLink, linkIsUsable, magicLinkFor } from '../../src/portal/invitations.js';
import { sendPortalMail } from '../../src/portal/mail.js';
import { returnPath } from '../../src/portal/urls.js';
import type { ApiDeps } from '../deps.js';
import { ProblemError } from '../problem.js';
import { IsoDate } from '../schemas/common.js';
import { portalDisputePages } from '../portal/dispute-pages.js';
import {
  bankTransferInstructions,
  customerOf,
  portalOpenDispute,
  portalPromise,
  portalStartPayment,
  portalStatement,
  type PortalServices,
} from '../portal/actions.js';
import { today } from '../../src/domain/calendar-date.js';
import { clearSessionCookies, REFRESH_COOKIE, signInPortalUser } from '../portal/session.js';
import { disputeView, paymentView } from './portal-api.js';
import { readPortalPreferences, savePortalPreferences } from '../portal/preferences.js';

const VIEWS = new URL('../portal/views/', import.meta.url);
const CSS = readFileSync(new URL('../portal/assets/portal.css', import.meta.url));
const PAY_JS = readFileSync(new URL('../portal/assets/pay.js', import.meta.url));

const handlebars = Handlebars.create();
handlebars.registerHelper('money', (value: Money | undefined) =>
  value && typeof value.amount === 'number' ? formatMoney(value) : '',
);
handlebars.registerHelper('date', (value: string | Date | undefined) =>
  value ? new Date(value).toISOString().slice(0, 10) : '',
);
handlebars.registerHelper('eq', (a: unknown, b: unknown) => a === b);

const page = { portalPage: true } as const;
const TokenQuery = Type.Object(
  { token: Type.String({ minLength: 10, maxLength: 200 }) },
  { additionalProperties: false },
);
const m = (amount: number, currency: string) => ({ amount, currency });

/** Where to go after sign-in: a same-origin portal path only (src/portal/urls.ts#returnPath), never another site. */
const safeNext = returnPath;

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

  // --- signing in -----------------------------------------------------------------------------
  const SignInBody = Type.Object(
    {
      _csrf: Type.String(),
      email: Type.String({ maxLength: 254 }),
      password: Type.String({ maxLength: 1024 }),
      next: Type.Optional(Type.String({ maxLength: 500 })),
    },
    { additionalProperties: false },
  );
  const strict = { rateLimit: { max: config.auth.loginRateLimit, timeWindow: '1 minute' } };
  // What the sign-in forms answer besides the platform's statuses: each is a page (text/html) or a redirect.
  const signedIn = { 303: { description: 'Signed in: a redirect to the portal page asked for' } };
  const signInRefused = {
    401: { description: 'The sign-in page again, saying the credential or link did not work (text/html)' },
  };

  app.get(
    '/portal/sign-in',
    {
      schema: {
        tags: ['portal'],
        summary: 'Portal sign-in page',
        security: [],
        querystring: Type.Object({ next: Type.Optional(Type.String({ maxLength: 500 })) }),
      },
    },
    async (request, reply) => {
      if (request.identity?.customerId) return reply.redirect(safeNext(request.query.next), 303);
      return render(reply, request, 'sign-in.hbs', { title: 'Sign in', next: safeNext(request.query.next) });
    },
  );

  app.post(
    '/portal/sign-in',
    {
      ...csrf,
      config: strict,
      schema: {
        tags: ['portal'],
        summary: 'Portal sign-in (form)',
        security: [],
        body: SignInBody,
        response: { ...signedIn, ...signInRefused },
      },
    },
    async (request, reply) => {
      const em = orm.em.fork();
      const user = await authenticateUser(em, request.body.email, request.body.password);
      const portalUser = user?.role === 'customer' ? user : undefined;
      const ua = request.headers['user-agent'];
      await recordAudit(em, {
        actor: portalUser?.email ?? request.body.email.trim().toLowerCase(),
        role: portalUser ? 'customer' : null,
        action: 'sign_in',
        outcome: portalUser ? 'success' : 'failure',
        method: 'POST',
        route: '/portal/sign-in',
        target: portalUser?.id ?? null,
        statusCode: portalUser ? 303 : 401,
        ip: request.ip,
        userAgent: typeof ua === 'string' ? ua : undefined,
        requestId: request.id,
        detail: { method: 'password', channel: 'portal' },
      });
      if (!portalUser)
        return render(reply.status(401), request, 'sign-in.hbs', {
          title: 'Sign in',
          error: 'The e-mail or password is wrong.',
          email: request.body.email,
          next: safeNext(request.body.next),
        });
      await signInPortalUser(orm, services.secret, config, reply, portalUser, request);
      return reply.redirect(safeNext(request.body.next), 303);
    },
  );

  app.post(
    '/portal/magic-link',
    {
      ...csrf,
      config: strict,
      schema: {
        tags: ['portal'],
        summary: 'E-mail a one-time sign-in link',
        security: [],
        body: Type.Object(
          { _csrf: Type.String(), email: Type.String({ maxLength: 254 }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const em = orm.em.fork();
      const link = await magicLinkFor(em, request.body.email, config.auth.magicLinkTtl);
      if (link) {
        await sendPortalMail(em, services.mailer, config, {
          idempotencyKey: `portal-magic-link:${link.user.id}:${link.expiresAt.getTime()}`,
          template: 'portal-magic-link',
          to: link.user.email,
          customerId: link.user.customerId ?? undefined,
          data: { token: link.token, expiresAt: link.expiresAt.toISOString().replace('T', ' ').slice(0, 16) + ' UTC' },
        });
      }
      // The same answer whether or not the address has an account.
      return render(reply, request, 'sign-in.hbs', {
        title: 'Sign in',
        notice: 'If this address has a portal account, a sign-in link is on its way.',
        next: '/portal',
      });
    },
  );

  app.get(
    '/portal/magic',
    {
      config: strict,
      schema: {
        tags: ['portal'],
        summary: 'Sign in with a one-time link',
        security: [],
        querystring: TokenQuery,
        response: { ...signedIn, ...signInRefused },
      },
    },
    async (request, reply) => {
      const em = orm.em.fork();
      const user = await consumeLink(em, request.query.token, 'magic_link');
      const ua = request.headers['user-agent'];
      await recordAudit(em, {
        actor: user?.email ?? 'unknown',
        role: user ? 'customer' : null,
        action: 'sign_in',
        outcome: user ? 'success' : 'failure',
        method: 'GET',
        route: '/portal/magic',
        target: user?.id ?? null,
        statusCode: user ? 303 : 401,
        ip: request.ip,
        userAgent: typeof ua === 'string' ? ua : undefined,
        requestId: request.id,
        detail: { method: 'magic_link' },
      });
      if (!user || user.role !== 'customer' || user.status !== 'active')
        return render(reply.status(401), request, 'sign-in.hbs', {
          title: 'Sign in',
          error: 'This sign-in link was already used or has expired.',
          next: '/portal',
        });
      await signInPortalUser(orm, services.secret, config, reply, user, request);
      return reply.redirect('/portal', 303);
    },
  );

  app.get(
    '/portal/accept-invitation',
    {
      schema: {
        tags: ['portal'],
        summary: 'Set a password from an invitation link',
        security: [],
        querystring: TokenQuery,
      },
    },
    async (request, reply) =>
      render(reply, request, 'accept-invitation.hbs', {
        title: 'Set your password',
        token: request.query.token,
        usable: await linkIsUsable(orm.em.fork(), request.query.token, 'invitation'),
      }),
  );

  app.post(
    '/portal/accept-invitation',
    {
      ...csrf,
      config: strict,
      schema: {
        tags: ['portal'],
        summary: 'Set the password and sign in',
        security: [],
        body: Type.Object(
          {
            _csrf: Type.String(),
            token: Type.String({ maxLength: 200 }),
            password: Type.String({ maxLength: 1024 }),
            confirm: Type.String({ maxLength: 1024 }),
          },
          { additionalProperties: false },
        ),
        response: {
          ...signedIn,
          410: { description: 'The invitation was already used or has expired (text/html)' },
          422: { description: 'The form again: the passwords differ or the password is too weak (text/html)' },
        },
      },
    },
    async (request, reply) => {
      const { token, password, confirm } = request.body;
      const em = orm.em.fork();
      const again = (error: string) =>
        render(reply.status(422), request, 'accept-invitation.hbs', {
          title: 'Set your password',
          token,
          usable: true,
          error,
        });
      if (password !== confirm) return again('The two passwords differ.');
      const weak = passwordProblem(password);
      if (weak) return again(`The password ${weak}.`);
      const user = await consumeLink(em, token, 'invitation');
      if (!user || user.role !== 'customer')
        return render(reply.status(410), request, 'accept-invitation.hbs', {
          title: 'Set your password',
          usable: false,
        });
      if (passwordProblem(password, user.email)) return again('The password must not be your e-mail address.');
      await setPassword(em, user.id, password);
      const ua = request.headers['user-agent'];
      await recordAudit(em, {
        actor: user.email,
        role: 'customer',
        action: 'sign_in',
        outcome: 'success',
        method: 'POST',
        route: '/portal/accept-invitation',
        target: user.id,
        statusCode: 303,
        ip: request.ip,
        userAgent: typeof ua === 'string' ? ua : undefined,
        requestId: request.id,
        detail: { method: 'invitation' },
      });
      await signInPortalUser(orm, services.secret, config, reply, (await findUser(em, user.id))!, request);
      return reply.redirect('/portal', 303);
    },
  );

  app.post(
    '/portal/sign-out',
    {
      ...csrf,
      config: page,
      schema: {
        tags: ['portal'],
        summary: 'Sign out of the portal',
        body: Type.Object({ _csrf: Type.String() }, { additionalProperties: false }),
      },
    },
    async (request, reply) => {
      const refresh = request.cookies?.[REFRESH_COOKIE];
      if (refresh)
        await revokeByToken(
          orm.em.fork(),
          refresh,
          'portal sign-out',
          request.identity?.kind === 'user' ? request.identity.subject : undefined,
        );
      clearSessionCookies(reply, config);
      return reply.redirect('/portal/sign-in', 303);
    },
  );

  // --- pages ----------------------------------------------------------------------------------
  app.get(
    '/portal',
    { config: page, schema: { tags: ['portal'], summary: 'Portal overview: balance, overdue, next due' } },
    async (request, reply) => {
      const em = orm.em.fork();
      const customerId = customerOf(request.identity);
      const summary = await portalSummary(em, customerId, today());
      if (!summary) throw new ProblemError(404, 'not-found', 'Not found', 'Your account no longer exists.');
      const c = summary.customer.currency;
      const openInvoices = (await portalInvoices(em, customerId, today(), { open: true })).map((i) => ({
        ...i,
        total: m(i.total, i.currency),
        open: m(i.open, i.currency),
      }));
      return render(reply, request, 'dashboard.hbs', {
        title: 'Overview',
        active: 'dashboard',
        summary: {
          ...summary,
          balance: m(summary.balance, c),
          overdue: m(summary.overdue, c),
          nextDue: summary.nextDue && { ...summary.nextDue, amount: m(summary.nextDue.amount, c) },
        },
        openInvoices,
      });
    },
  );

  app.get(
    '/portal/invoices',
    { config: page, schema: { tags: ['portal'], summary: 'Invoices page' } },
    async (request, reply) => {
      const invoices = (await portalInvoices(orm.em.fork(), customerOf(request.identity), today())).map((i) => ({
        ...i,
        total: m(i.total, i.currency),
        open: m(i.open, i.currency),
      }));
      return render(reply, request, 'invoices.hbs', { title: 'Invoices', active: 'invoices', invoices });
    },
  );

  const Params = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

  app.get(
    '/portal/invoices/:id',
    { config: page, schema: { tags: ['portal'], summary: 'Invoice page', params: Params } },
    async (request, reply) => {
      const invoice = await portalInvoice(orm.em.fork(), customerOf(request.identity), request.params.id);
      if (!invoice) throw new ProblemError(404, 'not-found', 'Not found', 'There is no such invoice on your account.');
      const c = invoice.currency;
      const open = isOpenStatus(invoice.status) && invoice.openAmount > 0;
      return render(reply, request, 'invoice.hbs', {
        title: `Invoice ${invoice.number}`,
        active: 'invoices',
        invoice: {
          ...invoice,
          total: m(invoice.total, c),
          open: m(invoice.openAmount, c),
          lines: invoice.lines.map((l) => ({ ...l, net: m(l.net, c) })),
          payable: open && invoice.status !== 'disputed',
          disputable: open && invoice.status !== 'disputed',
        },
      });
    },
  );

  app.get(
    '/portal/invoices/:id/pdf',
    { config: page, schema: { tags: ['portal'], summary: 'Invoice PDF download', params: Params } },
    async (request, reply) => {
      const em = orm.em.fork();
      const invoice = await portalInvoice(em, customerOf(request.identity), request.params.id);
      if (!invoice) throw new ProblemError(404, 'not-found', 'Not found', 'There is no such invoice on your account.');
      const document = await ensureInvoicePdf(em, invoice, config.mail.companyName);
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="${document.filename}"`)
        .send(document.content as never);
    },
  );

  app.get(
    '/portal/statements',
    { config: page, schema: { tags: ['portal'], summary: 'Statements page' } },
    async (request, reply) => {
      const to = today();
      return render(reply, request, 'statements.hbs', {
        title: 'Statements',
        active: 'statements',
        from: `${to.slice(0, 7)}-01`,
        to,
      });
    },
  );

  app.get(
    '/portal/statements/download',
    {
      config: page,
      schema: {
        tags: ['portal'],
        summary: 'Statement download',
        querystring: Type.Object(
          { from: IsoDate(), to: IsoDate(), format: Type.Union([Type.Literal('pdf'), Type.Literal('html')]) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const statement = await portalStatement(deps, customerOf(request.identity), request.query);
      return reply
        .type(statement.mediaType)
        .header('content-disposition', `attachment; filename="${statement.filename}"`)
        .send(statement.body as never);
    },
  );

  app.get(
    '/portal/payments',
    { config: page, schema: { tags: ['portal'], summary: 'Payments page' } },
    async (request, reply) => {
      const em = orm.em.fork();
      const customerId = customerOf(request.identity);
      const payments = (await portalPayments(em, customerId)).map((p) => paymentView(p));
      const online = (await gatewayPaymentsOf(em, customerId)).map((g) => ({ ...g, amount: m(g.amount, g.currency) }));
      return render(reply, request, 'payments.hbs', { title: 'Payments', active: 'payments', payments, online });
    },
  );

  app.get(
    '/portal/documents',
    { config: page, schema: { tags: ['portal'], summary: 'Documents page' } },
    async (request, reply) =>
      render(reply, request, 'documents.hbs', {
        title: 'Documents',
        active: 'documents',
        documents: await portalDocuments(orm.em.fork(), customerOf(request.identity)),
      }),
  );

  app.get(
    '/portal/documents/:id',
    { config: page, schema: { tags: ['portal'], summary: 'Document download', params: Params } },
    async (request, reply) => {
      const document = await portalDocument(orm.em.fork(), customerOf(request.identity), request.params.id);
      if (!document)
        throw new ProblemError(404, 'not-found', 'Not found', 'There is no such document on your account.');
      return reply
        .type(document.mediaType)
        .header('content-disposition', `attachment; filename="${document.filename}"`)
        .send(document.content as never);
    },
  );

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
    { config: page, schema: { tags: ['portal'], summary: 'Dispute form', params: Params } },
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
        params: Params,
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
    { config: page, schema: { tags: ['portal'], summary: 'Payment status page', params: Params } },
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

  app.get(
    '/portal/preferences',
    {
      config: page,
      schema: {
        tags: ['portal'],
        summary: 'Preferences page',
        querystring: Type.Object({ saved: Type.Optional(Type.Literal('1')) }, { additionalProperties: false }),
      },
    },
    async (request, reply) => {
      const preferences = await readPortalPreferences(deps, request);
      const options = (values: [string, string][], current: string) =>
        values.map(([value, label]) => ({ value, label, selected: value === current }));
      return render(reply, request, 'preferences.hbs', {
        title: 'Preferences',
        active: 'preferences',
        preferences,
        notice: request.query.saved ? 'Your preferences are saved.' : undefined,
        channels: options(
          [
            ['email', 'E-mail'],
            ['portal', 'Portal only'],
            ['post', 'Post'],
          ],
          preferences.channel,
        ),
        frequencies: options(
          [
            ['monthly', 'Monthly'],
            ['weekly', 'Weekly'],
            ['quarterly', 'Quarterly'],
            ['none', 'None'],
          ],
          preferences.statementFrequency,
        ),
      });
    },
  );

  app.post(
    '/portal/preferences',
    {
      ...csrf,
      config: page,
      schema: {
        tags: ['portal'],
        summary: 'Save preferences (form)',
        body: Type.Object(
          {
            _csrf: Type.String(),
            channel: Type.Union([Type.Literal('email'), Type.Literal('portal'), Type.Literal('post')]),
            statementFrequency: Type.Union([
              Type.Literal('none'),
              Type.Literal('weekly'),
              Type.Literal('monthly'),
              Type.Literal('quarterly'),
            ]),
            language: Type.String({ pattern: '^[a-z]{2,3}(-[A-Z]{2})?$' }),
            autopay: Type.Optional(Type.Literal('true')),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const { channel, statementFrequency, language } = request.body;
      await savePortalPreferences(deps, request, {
        channel,
        statementFrequency,
        language,
        ...(request.identity?.kind === 'user' ? { autopay: request.body.autopay === 'true' } : {}),
      });
      return reply.redirect('/portal/preferences?saved=1', 303);
    },
  );
};
