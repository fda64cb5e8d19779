// Customer statements (HTML or PDF, rendered on request) and the stored documents: statements sent, invoice PDFs,
// payment receipts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { isIsoDate } from '../../src/reports/rules/aging.js';
import { renderStatement, StatementCustomerNotFoundError } from '../../src/documents/store/statement.js';
import { findDocument, listDocuments, type DocumentKind } from '../../src/documents/store/documents.js';
import { reportSettings } from '../../src/reports/settings.js';
import type { ApiDeps } from '../http/deps.js';
import { decodeCursor, PageQuery, pageSchema, toPage } from '../http/pagination.js';
import { problems } from '../http/problem.js';
import { IsoDate, problemResponses, UuidParams } from '../http/common-schemas.js';
import { today } from '../../src/shared/calendar-date.js';

const DocumentSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  kind: Type.String(),
  ref: Type.String(),
  customerId: Type.String({ format: 'uuid' }),
  periodFrom: Type.Union([Type.String(), Type.Null()]),
  periodTo: Type.Union([Type.String(), Type.Null()]),
  filename: Type.String(),
  mediaType: Type.String(),
  contentSha256: Type.String(),
  sizeBytes: Type.Integer(),
  createdAt: Type.String(),
  href: Type.String({ description: 'GET this to download the document' }),
});

function wantsPdf(request: FastifyRequest, format: string | undefined): boolean {
  if (format) return format === 'pdf';
  return /\bapplication\/pdf\b/.test(request.headers.accept ?? '');
}

const monthStart = () => `${new Date().toISOString().slice(0, 7)}-01`;

export const documentRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { orm, config } = deps;

  app.get(
    '/customers/:id/statement',
    {
      schema: {
        tags: ['reports'],
        summary:
          'Statement of account for a period: opening balance, activity, open items with aging, closing balance, how to pay (HTML, or PDF with Accept: application/pdf or format=pdf)',
        params: UuidParams,
        querystring: Type.Object(
          {
            from: Type.Optional(IsoDate({ description: 'first day (default: first day of this month)' })),
            to: Type.Optional(IsoDate({ description: 'last day (default: today)' })),
            format: Type.Optional(Type.Union([Type.Literal('html'), Type.Literal('pdf')])),
          },
          { additionalProperties: false },
        ),
        response: {
          200: { description: 'text/html or application/pdf', type: 'string' },
          ...problemResponses(400, 404),
        },
      },
    },
    async (request, reply) => {
      const from = request.query.from ?? monthStart();
      const to = request.query.to ?? today();
      const errors = [
        ...(isIsoDate(from)
          ? []
          : [{ pointer: '/from', in: 'query' as const, detail: 'must be a calendar date YYYY-MM-DD' }]),
        ...(isIsoDate(to)
          ? []
          : [{ pointer: '/to', in: 'query' as const, detail: 'must be a calendar date YYYY-MM-DD' }]),
      ];
      if (!errors.length && to < from) errors.push({ pointer: '/to', in: 'query', detail: 'must not be before from' });
      if (errors.length) throw problems.validation(errors);
      try {
        const statement = await renderStatement(
          orm.em.fork(),
          { customerId: request.params.id, from, to, format: wantsPdf(request, request.query.format) ? 'pdf' : 'html' },
          {
            companyName: config.mail.companyName,
            publicUrl: config.http.publicUrl,
            paymentInstructions: reportSettings().paymentInstructions,
          },
        );
        reply
          .type(statement.mediaType)
          .header(
            'content-disposition',
            `${statement.format === 'pdf' ? 'attachment' : 'inline'}; filename="${statement.filename}"`,
          );
        return reply.send(statement.body as never);
      } catch (error) {
        if (error instanceof StatementCustomerNotFoundError) throw problems.notFound('Customer', request.params.id);
        throw error;
      }
    },
  );

  app.get(
    '/customers/:id/documents',
    {
      schema: {
        tags: ['reports'],
        summary: "A customer's stored documents (statements sent, invoice PDFs, payment receipts), newest first",
        params: UuidParams,
        querystring: Type.Object(
          {
            kind: Type.Optional(
              Type.Union([Type.Literal('statement'), Type.Literal('invoice'), Type.Literal('receipt')]),
            ),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: pageSchema(DocumentSchema), ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const em = orm.em.fork();
      const [customer] = await em.execute<{ id: string }[]>('SELECT id FROM customer WHERE id = ?', [
        request.params.id,
      ]);
      if (!customer) throw problems.notFound('Customer', request.params.id);
      const limit = request.query.limit ?? 50;
      const after = decodeCursor(request.query.cursor, 2) as [string, string] | undefined;
      const rows = await listDocuments(em, {
        customerId: customer.id,
        kind: request.query.kind as DocumentKind | undefined,
        after,
        limit: limit + 1,
      });
      return toPage(
        rows,
        limit,
        (r) => [r.createdAt, r.id],
        (r) => ({ ...r, href: `/documents/${r.id}` }),
      );
    },
  );

  app.get(
    '/documents/:id',
    {
      schema: {
        tags: ['reports'],
        summary: 'Download a stored document (its bytes, with its media type and SHA-256 as ETag)',
        params: UuidParams,
        response: { 200: { description: 'the document', type: 'string' }, ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const document = await findDocument(orm.em.fork(), request.params.id);
      if (!document) throw problems.notFound('Document', request.params.id);
      reply
        .type(document.mediaType)
        .header('etag', `"${document.contentSha256}"`)
        .header('content-disposition', `attachment; filename="${document.filename}"`);
      return reply.send(document.content as never);
    },
  );
};
