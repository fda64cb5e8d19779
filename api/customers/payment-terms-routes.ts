// Payment terms templates: terms as data that customers reference by code. Editing a template changes the terms of
// invoices issued afterwards; issued invoices keep the terms they were issued with.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { scheduleFor, termsProblems, type PaymentTerms } from '../../src/customers/rules/terms.js';
import {
  findTermsTemplate,
  insertTermsTemplate,
  listTermsTemplates,
  replaceTermsTemplate,
  type StoredTermsTemplate,
} from '../../src/customers/store/terms.js';
import { actorOf } from '../http/actor.js';
import type { ApiDeps } from '../http/deps.js';
import { IdempotencyHeaders } from '../http/idempotency.js';
import { decodeCursor, PageQuery, pageSchema, toPage } from '../http/pagination.js';
import { problems } from '../http/problem.js';
import { problemResponses } from '../http/common-schemas.js';
import { IdempotencyAndIfMatchHeaders } from './schemas.js';
import { CreateTermsBody, ReplaceTermsBody, TermsCodeParams, TermsTemplateSchema } from './payment-terms-schemas.js';
import { expectedVersion } from '../http/if-match.js';

function view(t: StoredTermsTemplate) {
  const issueDate = new Date().toISOString().slice(0, 10);
  const schedule = scheduleFor(t.terms, issueDate, { amount: 10_000, currency: 'EUR' });
  return {
    ...t,
    example: {
      issueDate,
      dueDate: schedule.dueDate,
      instalmentDueDates: schedule.instalments.map((i) => i.dueDate),
      discountDeadline: schedule.discount?.deadline ?? null,
    },
  };
}

const etag = (t: StoredTermsTemplate) => `"${t.code}.${t.version}"`;

/** Rules JSON schema cannot express (ordering, sums, discount window) answer 422 with pointers under /terms. */
function checkTerms(terms: PaymentTerms): void {
  const found = termsProblems(terms);
  if (found.length)
    throw problems.unprocessable(
      found.map((p) => ({ pointer: `/terms${p.pointer}`, in: 'body' as const, detail: p.detail })),
      'The payment terms are not consistent.',
    );
}

export const paymentTermsRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { orm } = deps;

  app.get(
    '/payment-terms',
    {
      schema: {
        tags: ['payment-terms'],
        summary: 'Payment terms templates, by code',
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: pageSchema(TermsTemplateSchema), ...problemResponses(400) },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const after = decodeCursor(request.query.cursor, 1)?.[0];
      const rows = await listTermsTemplates(orm.em.fork(), limit + 1, typeof after === 'string' ? after : undefined);
      return toPage(rows, limit, (t) => [t.code], view);
    },
  );

  app.post(
    '/payment-terms',
    {
      config: { idempotency: true },
      schema: {
        tags: ['payment-terms'],
        summary: 'Create a payment terms template',
        headers: IdempotencyHeaders,
        body: CreateTermsBody,
        response: { 201: TermsTemplateSchema, ...problemResponses(400, 409, 422) },
      },
    },
    async (request, reply) => {
      checkTerms(request.body.terms as PaymentTerms);
      const created = await insertTermsTemplate(orm.em.fork(), {
        code: request.body.code,
        name: request.body.name.trim(),
        terms: request.body.terms as PaymentTerms,
        by: actorOf(request),
      });
      if (!created)
        throw problems.conflict(
          `Payment terms ${request.body.code} already exist; change them with PUT /payment-terms/${request.body.code}.`,
        );
      return reply
        .status(201)
        .header('location', `/payment-terms/${created.code}`)
        .header('etag', etag(created))
        .send(view(created));
    },
  );

  app.get(
    '/payment-terms/:code',
    {
      schema: {
        tags: ['payment-terms'],
        summary: 'One payment terms template with example due dates',
        params: TermsCodeParams,
        response: { 200: TermsTemplateSchema, ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const found = await findTermsTemplate(orm.em.fork(), request.params.code);
      if (!found) throw problems.notFound('Payment terms', request.params.code);
      return reply.header('etag', etag(found)).send(view(found));
    },
  );

  app.put(
    '/payment-terms/:code',
    {
      config: { idempotency: true },
      schema: {
        tags: ['payment-terms'],
        summary: 'Replace a payment terms template (applies to invoices issued afterwards)',
        params: TermsCodeParams,
        headers: IdempotencyAndIfMatchHeaders,
        body: ReplaceTermsBody,
        response: { 200: TermsTemplateSchema, ...problemResponses(400, 404, 412, 422) },
      },
    },
    async (request, reply) => {
      checkTerms(request.body.terms as PaymentTerms);
      const em = orm.em.fork();
      const current = await findTermsTemplate(em, request.params.code);
      if (!current) throw problems.notFound('Payment terms', request.params.code);
      const expected = expectedVersion(request.headers['if-match'], request.params.code);
      if (expected !== undefined && expected !== current.version)
        throw problems.preconditionFailed(
          `If-Match names version ${expected}; the terms are at version ${current.version}.`,
        );
      const replaced = await replaceTermsTemplate(em, {
        code: request.params.code,
        name: request.body.name.trim(),
        terms: request.body.terms as PaymentTerms,
        by: actorOf(request),
        expectedVersion: expected ?? current.version,
      });
      if (!replaced)
        throw problems.preconditionFailed('The terms changed while this request was processed; read them again.');
      return reply.header('etag', etag(replaced)).send(view(replaced));
    },
  );
};
