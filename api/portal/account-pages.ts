// Portal pages that show the account: overview, invoices (with PDF), statements (with download), payments and
// documents. Every page reads the customer from the verified identity, never from the URL.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { isOpenStatus } from '../../src/invoices/rules/invoice-status.js';
import { ensureInvoicePdf } from '../../src/documents/invoice-pdf.js';
import { gatewayPaymentsOf } from '../../src/payments/store/gateway-payments.js';
import {
  portalDocument,
  portalDocuments,
  portalInvoice,
  portalInvoices,
  portalPayments,
  portalSummary,
} from '../../src/portal/store/account.js';
import { ProblemError } from '../http/problem.js';
import { IsoDate } from '../http/common-schemas.js';
import { customerOf, portalStatement } from './actions.js';
import { today } from '../../src/shared/calendar-date.js';
import { paymentView } from './api-routes.js';
import { IdParams, page, type PortalPageOptions } from './page-context.js';

const m = (amount: number, currency: string) => ({ amount, currency });

export const portalAccountPages: FastifyPluginAsyncTypebox<PortalPageOptions> = async (app, { deps, render }) => {
  const { orm, config } = deps;
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

  app.get(
    '/portal/invoices/:id',
    { config: page, schema: { tags: ['portal'], summary: 'Invoice page', params: IdParams } },
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
    { config: page, schema: { tags: ['portal'], summary: 'Invoice PDF download', params: IdParams } },
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
    { config: page, schema: { tags: ['portal'], summary: 'Document download', params: IdParams } },
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
};
