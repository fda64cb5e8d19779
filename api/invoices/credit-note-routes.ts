// E-invoices: UBL 2.1 (Peppol BIS Billing 3.0) for invoices and credit notes.
// - `GET /credit-notes/:id` answers JSON, or UBL XML with `?format=ubl` or `Accept: application/xml`.
// - `GET /invoices/:id` keeps its JSON; the same two switches return the invoice as UBL. That route belongs to the
//   invoices module, so the switch is a pre-handler hook here (it runs after authentication and the route's checks).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { creditNoteUbl, invoiceUbl } from '../../src/invoices/store/einvoice-load.js';
import type { ApiDeps } from '../http/deps.js';
import { problems } from '../http/problem.js';
import { MoneySchema, problemResponses, UuidParams } from '../http/common-schemas.js';

const XML = 'application/xml';

/** UBL when asked for by `?format=ubl` or an Accept header that prefers XML over JSON. */
export function wantsUbl(request: FastifyRequest): boolean {
  const format = (request.query as Record<string, unknown> | undefined)?.format;
  if (format === 'ubl') return true;
  const accept = String(request.headers.accept ?? '');
  return (
    /\b(application|text)\/xml\b/.test(accept) &&
    !/application\/json/.test(accept.split(/(application|text)\/xml/)[0] ?? '')
  );
}

async function sendXml(reply: FastifyReply, xml: string | null, what: string, id: string) {
  if (xml === null) throw problems.notFound(what, id);
  return reply.type(`${XML}; charset=utf-8`).send(xml);
}

/** Adds the UBL answer to `GET /invoices/:id` (call before the routes are registered). */
export function installInvoiceUbl(app: FastifyInstance, deps: ApiDeps): void {
  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'GET' || request.routeOptions.url !== '/invoices/:id' || !wantsUbl(request)) return;
    const id = (request.params as { id: string }).id;
    await sendXml(reply, await invoiceUbl(deps.orm.em.fork(), id, deps.config.integrations.seller), 'Invoice', id);
    return reply;
  });
}

const CreditNoteSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  number: Type.String(),
  invoiceId: Type.String({ format: 'uuid' }),
  customerId: Type.String({ format: 'uuid' }),
  kind: Type.String(),
  reason: Type.String(),
  issueDate: Type.String({ format: 'date' }),
  net: MoneySchema,
  tax: MoneySchema,
  total: MoneySchema,
  entryId: Type.String({ format: 'uuid' }),
});

export const creditNoteRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { orm, config } = deps;
  app.get(
    '/credit-notes/:id',
    {
      schema: {
        tags: ['invoices'],
        summary:
          'A credit note; with ?format=ubl or Accept: application/xml as UBL 2.1 CreditNote (Peppol BIS Billing 3.0)',
        params: UuidParams,
        querystring: Type.Object(
          { format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('ubl')])) },
          { additionalProperties: false },
        ),
        response: { 200: CreditNoteSchema, ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      if (wantsUbl(request))
        return sendXml(
          reply,
          await creditNoteUbl(orm.em.fork(), request.params.id, config.integrations.seller),
          'Credit note',
          request.params.id,
        );
      const [row] = await orm.em.fork().execute<Record<string, string>[]>(
        `SELECT id, number, invoice_id, customer_id, currency, kind, reason, to_char(issue_date, 'YYYY-MM-DD') AS issue_date, net_amount, tax_amount, total_amount, entry_id
           FROM credit_note WHERE id = ?`,
        [request.params.id],
      );
      if (!row) throw problems.notFound('Credit note', request.params.id);
      const m = (amount: string) => ({ amount: Number(amount), currency: row.currency! });
      return {
        id: row.id!,
        number: row.number!,
        invoiceId: row.invoice_id!,
        customerId: row.customer_id!,
        kind: row.kind!,
        reason: row.reason!,
        issueDate: row.issue_date!,
        net: m(row.net_amount!),
        tax: m(row.tax_amount!),
        total: m(row.total_amount!),
        entryId: row.entry_id!,
      };
    },
  );
};
