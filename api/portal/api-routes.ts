// The customer portal as JSON (/portal/api/...): the same features as the pages, for a portal user's bearer token or
// session cookie. Every route reads the customer from the verified identity; another customer's id, wherever it is
// passed (path, query, body), is answered 404 like an id that does not exist.
import type {} from '@fastify/csrf-protection';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { promisesOf } from '../../src/collections/store/promises.js';
import { ensureInvoicePdf } from '../../src/documents/invoice-pdf.js';
import { findGatewayPayment, type GatewayPaymentRecord } from '../../src/payments/store/gateway-payments.js';
import type { AllocationRecord, PaymentRecord } from '../../src/payments/store/payments.js';
import {
  portalDispute,
  portalDisputes,
  portalDocument,
  portalDocuments,
  portalInvoice,
  portalInvoices,
  portalPayment,
  portalPayments,
  portalSummary,
} from '../../src/portal/store/account.js';
import type { DisputeRecord } from '../../src/disputes/store/disputes.js';
import type { ApiDeps } from '../http/deps.js';
import { problems } from '../http/problem.js';
import { problemResponses, UuidParams } from '../http/common-schemas.js';
import {
  GatewayPaymentSchema,
  PaymentMethodsSchema,
  PortalDisputeBody,
  PortalDisputeSchema,
  PortalDocumentSchema,
  PortalInvoiceDetailSchema,
  PortalInvoiceSchema,
  PortalPaymentSchema,
  PortalPaymentStartBody,
  PortalPreferencesBody,
  PortalPreferencesSchema,
  PortalPromiseBody,
  PortalPromiseSchema,
  PortalSummarySchema,
  StatementQuery,
} from './schemas.js';
import { portalDisputeReply } from './dispute-reply.js';
import { readPortalPreferences, savePortalPreferences } from './preferences.js';
import { CustomerReplyBody } from '../disputes/schemas.js';
import {
  bankTransferInstructions,
  customerOf,
  portalOpenDispute,
  portalPromise,
  portalStartPayment,
  portalStatement,
  type PortalServices,
} from './actions.js';
import { today } from '../../src/shared/calendar-date.js';

const m = (amount: number, currency: string) => ({ amount, currency });

export const paymentView = (p: PaymentRecord, allocations?: AllocationRecord[]) => ({
  id: p.id,
  amount: m(p.amount, p.currency),
  method: p.method,
  receivedAt: p.receivedAt.toISOString(),
  reference: p.reference,
  status: p.status,
  applied: m(p.appliedAmount, p.currency),
  ...(allocations
    ? {
        allocations: allocations.map((a) => ({
          invoiceId: a.invoiceId,
          invoiceNumber: a.invoiceNumber,
          amount: m(a.amount, p.currency),
        })),
      }
    : {}),
});

export const disputeView = (d: DisputeRecord) => ({
  id: d.id,
  invoiceId: d.invoiceId,
  invoiceNumber: d.invoiceNumber,
  category: d.category,
  status: d.status,
  amount: m(d.amount, d.currency),
  reason: d.reason,
  openedAt: d.openedAt,
  resolvedAt: d.resolvedAt,
});

export const gatewayPaymentView = (g: GatewayPaymentRecord, clientSecret?: string | null) => ({
  id: g.id,
  method: g.method,
  amount: m(g.amount, g.currency),
  invoiceIds: g.invoiceIds,
  status: g.status,
  failureReason: g.failureReason,
  paymentId: g.paymentId,
  gatewayReference: g.providerRef,
  ...(clientSecret !== undefined ? { clientSecret } : {}),
  createdAt: g.createdAt.toISOString(),
});

export const portalApiRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps; services: PortalServices }> = async (
  app,
  { deps, services },
) => {
  const { orm, config } = deps;
  const tags = ['portal'];
  // A browser session (cookie) changing something must prove it came from a portal page (CSRF token in the
  // x-csrf-token header); a bearer token cannot be sent by another site, so it needs none.
  app.addHook('preHandler', (request, reply, done) => {
    if (request.method !== 'GET' && request.method !== 'HEAD' && request.authVia === 'cookie')
      return app.csrfProtection(request, reply, done);
    return done();
  });

  app.get(
    '/portal/api/summary',
    {
      schema: {
        tags,
        summary: 'Balance, overdue and next due of the caller’s account',
        response: { 200: PortalSummarySchema, ...problemResponses(401, 403) },
      },
    },
    async (request) => {
      const summary = await portalSummary(orm.em.fork(), customerOf(request.identity), today());
      if (!summary) throw problems.notFound('Customer', customerOf(request.identity));
      const c = summary.customer.currency;
      return {
        ...summary,
        balance: m(summary.balance, c),
        overdue: m(summary.overdue, c),
        nextDue: summary.nextDue && { ...summary.nextDue, amount: m(summary.nextDue.amount, c) },
      };
    },
  );

  app.get(
    '/portal/api/invoices',
    {
      schema: {
        tags,
        summary: 'The caller’s invoices with live status and due dates',
        querystring: Type.Object({ open: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(PortalInvoiceSchema) }), ...problemResponses(401, 403) },
      },
    },
    async (request) => ({
      items: (
        await portalInvoices(orm.em.fork(), customerOf(request.identity), today(), { open: request.query.open })
      ).map((i) => ({ ...i, total: m(i.total, i.currency), open: m(i.open, i.currency) })),
    }),
  );

  app.get(
    '/portal/api/invoices/:id',
    {
      schema: {
        tags,
        summary: 'One invoice with its lines',
        params: UuidParams,
        response: { 200: PortalInvoiceDetailSchema, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const invoice = await portalInvoice(orm.em.fork(), customerOf(request.identity), request.params.id);
      if (!invoice) throw problems.notFound('Invoice', request.params.id);
      const c = invoice.currency;
      return {
        id: invoice.id,
        number: invoice.number,
        issueDate: invoice.issueDate,
        dueDate: invoice.dueDate,
        status: invoice.status,
        total: m(invoice.total, c),
        open: m(invoice.openAmount, c),
        overdue: invoice.openAmount > 0 && invoice.dueDate < today(),
        lines: invoice.lines.map((l) => ({ ...l, unitPrice: m(l.unitPrice, c), net: m(l.net, c) })),
        pdf: `/portal/api/invoices/${invoice.id}/pdf`,
      };
    },
  );

  app.get(
    '/portal/api/invoices/:id/pdf',
    {
      schema: {
        tags,
        summary: 'Download the invoice PDF',
        params: UuidParams,
        response: { 200: { description: 'PDF', type: 'string' }, ...problemResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const em = orm.em.fork();
      const invoice = await portalInvoice(em, customerOf(request.identity), request.params.id);
      if (!invoice) throw problems.notFound('Invoice', request.params.id);
      const document = await ensureInvoicePdf(em, invoice, config.mail.companyName);
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="${document.filename}"`)
        .send(document.content as never);
    },
  );

  app.get(
    '/portal/api/statements',
    {
      schema: {
        tags,
        summary: 'The caller’s statement for a period (PDF or HTML download)',
        querystring: StatementQuery,
        response: { 200: { description: 'the statement', type: 'string' }, ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const statement = await portalStatement(deps, customerOf(request.identity), {
        from: request.query.from,
        to: request.query.to,
        format: request.query.format ?? 'pdf',
      });
      return reply
        .type(statement.mediaType)
        .header('content-disposition', `attachment; filename="${statement.filename}"`)
        .send(statement.body as never);
    },
  );

  app.get(
    '/portal/api/payments',
    {
      schema: {
        tags,
        summary: 'Payments received from the caller',
        response: { 200: Type.Object({ items: Type.Array(PortalPaymentSchema) }), ...problemResponses(401, 403) },
      },
    },
    async (request) => ({
      items: (await portalPayments(orm.em.fork(), customerOf(request.identity))).map((p) => paymentView(p)),
    }),
  );

  app.get(
    '/portal/api/payments/:id',
    {
      schema: {
        tags,
        summary: 'One payment and the invoices it paid',
        params: UuidParams,
        response: { 200: PortalPaymentSchema, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const found = await portalPayment(orm.em.fork(), customerOf(request.identity), request.params.id);
      if (!found) throw problems.notFound('Payment', request.params.id);
      return paymentView(found.payment, found.allocations);
    },
  );

  app.get(
    '/portal/api/documents',
    {
      schema: {
        tags,
        summary: 'Stored documents (invoices, statements, receipts)',
        response: { 200: Type.Object({ items: Type.Array(PortalDocumentSchema) }), ...problemResponses(401, 403) },
      },
    },
    async (request) => ({
      items: (await portalDocuments(orm.em.fork(), customerOf(request.identity))).map((d) => ({
        id: d.id,
        kind: d.kind,
        filename: d.filename,
        mediaType: d.mediaType,
        sizeBytes: d.sizeBytes,
        createdAt: d.createdAt,
        href: `/portal/api/documents/${d.id}`,
      })),
    }),
  );

  app.get(
    '/portal/api/documents/:id',
    {
      schema: {
        tags,
        summary: 'Download a stored document',
        params: UuidParams,
        response: { 200: { description: 'the document', type: 'string' }, ...problemResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const document = await portalDocument(orm.em.fork(), customerOf(request.identity), request.params.id);
      if (!document) throw problems.notFound('Document', request.params.id);
      return reply
        .type(document.mediaType)
        .header('content-disposition', `attachment; filename="${document.filename}"`)
        .send(document.content as never);
    },
  );

  app.get(
    '/portal/api/disputes',
    {
      schema: {
        tags,
        summary: 'The caller’s disputes',
        response: { 200: Type.Object({ items: Type.Array(PortalDisputeSchema) }), ...problemResponses(401, 403) },
      },
    },
    async (request) => ({
      items: (await portalDisputes(orm.em.fork(), customerOf(request.identity))).map(disputeView),
    }),
  );

  app.get(
    '/portal/api/disputes/:id',
    {
      schema: {
        tags,
        summary: 'One dispute',
        params: UuidParams,
        response: { 200: PortalDisputeSchema, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const dispute = await portalDispute(orm.em.fork(), customerOf(request.identity), request.params.id);
      if (!dispute) throw problems.notFound('Dispute', request.params.id);
      return disputeView(dispute);
    },
  );

  app.post(
    '/portal/api/disputes',
    {
      schema: {
        tags,
        summary: 'Dispute one of the caller’s invoices (starts the dispute workflow)',
        body: PortalDisputeBody,
        response: { 201: PortalDisputeSchema, ...problemResponses(400, 401, 403, 404, 409, 422, 503) },
      },
    },
    async (request, reply) => {
      const dispute = await portalOpenDispute(deps, request, request.body);
      return reply.status(201).send(disputeView(dispute));
    },
  );

  app.post(
    '/portal/api/disputes/:id/reply',
    {
      schema: {
        tags,
        summary: 'Answer our request for information on one of the caller’s disputes (its resolution clock resumes)',
        params: UuidParams,
        body: CustomerReplyBody,
        response: { 200: PortalDisputeSchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => disputeView(await portalDisputeReply(deps, request, request.params.id, request.body.text)),
  );

  app.get(
    '/portal/api/promises',
    {
      schema: {
        tags,
        summary: 'The caller’s promises to pay',
        response: { 200: Type.Object({ items: Type.Array(PortalPromiseSchema) }), ...problemResponses(401, 403) },
      },
    },
    async (request) => ({
      items: (await promisesOf(orm.em.fork(), customerOf(request.identity))).map((p) => ({
        id: p.id,
        amount: m(p.amount, p.currency),
        promisedDate: p.promisedDate,
        invoiceIds: p.invoiceIds,
        status: p.status,
        createdAt: p.createdAt.toISOString(),
      })),
    }),
  );

  app.post(
    '/portal/api/promises',
    {
      schema: {
        tags,
        summary: 'Promise to pay an amount by a date (validated by the collection workflow)',
        body: PortalPromiseBody,
        response: { 201: PortalPromiseSchema, ...problemResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const p = await portalPromise(deps, request, request.body);
      return reply.status(201).send({
        id: p.id,
        amount: m(p.amount, p.currency),
        promisedDate: p.promisedDate,
        invoiceIds: p.invoiceIds,
        status: p.status,
        createdAt: p.createdAt.toISOString(),
      });
    },
  );

  app.get(
    '/portal/api/payment-methods',
    {
      schema: {
        tags,
        summary: 'How the caller can pay: bank transfer always, card/ACH when a gateway is configured',
        response: { 200: PaymentMethodsSchema, ...problemResponses(401, 403) },
      },
    },
    async (request) => ({
      bankTransfer: bankTransferInstructions(deps, customerOf(request.identity)),
      gateway: services.gateway
        ? {
            provider: services.gateway.provider,
            methods: ['card' as const, 'ach_debit' as const],
            publishableKey: config.portal.stripe?.publishableKey ?? null,
          }
        : null,
    }),
  );

  app.post(
    '/portal/api/gateway-payments',
    {
      schema: {
        tags,
        summary: 'Start paying invoices by card or ACH debit (the amount is the invoices’ open amount)',
        body: PortalPaymentStartBody,
        response: { 201: GatewayPaymentSchema, ...problemResponses(400, 401, 403, 404, 409, 422, 503) },
      },
    },
    async (request, reply) => {
      const started = await portalStartPayment(deps, services, request, request.body);
      return reply.status(201).send(gatewayPaymentView(started.payment, started.clientSecret));
    },
  );

  app.get(
    '/portal/api/gateway-payments/:id',
    {
      schema: {
        tags,
        summary: 'A card/ACH payment and whether the gateway confirmed it',
        params: UuidParams,
        response: { 200: GatewayPaymentSchema, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const found = await findGatewayPayment(orm.em.fork(), request.params.id, customerOf(request.identity));
      if (!found) throw problems.notFound('Payment', request.params.id);
      return gatewayPaymentView(found);
    },
  );

  app.get(
    '/portal/api/preferences',
    {
      schema: {
        tags,
        summary: 'Communication preferences (the customer record’s) and autopay consent (the caller’s)',
        response: { 200: PortalPreferencesSchema, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => readPortalPreferences(deps, request),
  );

  app.put(
    '/portal/api/preferences',
    {
      schema: {
        tags,
        summary:
          'Change communication preferences (written to the customer record, audited as the caller) or autopay consent (only these fields)',
        body: PortalPreferencesBody,
        response: { 200: PortalPreferencesSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => savePortalPreferences(deps, request, request.body),
  );
};
