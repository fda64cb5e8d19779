// Bank statement import: `POST /bank-statements` with a camt.053 XML file (application/xml) or a CSV export
// (text/csv). Creates one payment per new credit entry, idempotently (the same file or the same entry again creates
// nothing), then starts cash application for each.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { parseCamt053 } from '../../src/payments/bank/camt053.js';
import { parseCsvStatement } from '../../src/payments/bank/csv.js';
import { fileDigest, findImport, importStatement, type ImportResult } from '../../src/payments/store/bank-import.js';
import { STATEMENT_LIMITS, StatementError, type ParsedStatement } from '../../src/payments/bank/types.js';
import { isCurrencyCode } from '../../src/shared/iso.js';
import { startCashApplication } from '../../src/temporal/starters.js';
import type { PaymentMethod } from '../../src/payments/store/payments.js';
import { actorOf } from '../http/actor.js';
import type { ApiDeps } from '../http/deps.js';
import { ProblemError, problems } from '../http/problem.js';
import { CurrencyCodeOf, MoneySchema, problemResponses } from '../http/common-schemas.js';
import { PaymentMethodSchema } from './schemas.js';

const XML_TYPES = ['application/xml', 'text/xml'];
const CSV_TYPES = ['text/csv'];
/** Workflow starts in flight at once after an import (a 10,000-line file must not open 10,000 requests). */
const START_CONCURRENCY = 16;

const ImportQuery = Type.Object(
  {
    method: Type.Optional(PaymentMethodSchema),
    currency: Type.Optional(CurrencyCodeOf('Account currency; every CSV row must be in it (camt.053 states its own)')),
  },
  { additionalProperties: false },
);

const ImportSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  created: Type.Boolean({ description: 'false: this exact file was imported before; the stored result is returned' }),
  format: Type.Union([Type.Literal('camt053'), Type.Literal('csv')]),
  statementRef: Type.Union([Type.String(), Type.Null()]),
  account: Type.Union([Type.String(), Type.Null()]),
  currency: Type.Union([Type.String(), Type.Null()]),
  counts: Type.Object({
    entries: Type.Integer(),
    created: Type.Integer(),
    duplicates: Type.Integer(),
    skipped: Type.Integer(),
  }),
  entries: Type.Array(
    Type.Object({
      position: Type.Integer(),
      creditDebit: Type.Union([Type.Literal('credit'), Type.Literal('debit')]),
      amount: MoneySchema,
      bookingDate: Type.String({ format: 'date' }),
      reference: Type.String(),
      paymentId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
      outcome: Type.Union([Type.Literal('created'), Type.Literal('duplicate'), Type.Literal('skipped_debit')]),
    }),
  ),
  importedAt: Type.String({ format: 'date-time' }),
});

function view(result: ImportResult): Static<typeof ImportSchema> {
  return {
    id: result.id,
    created: result.created,
    format: result.format,
    statementRef: result.statementRef,
    account: result.accountIban,
    currency: result.currency,
    counts: result.counts,
    entries: result.entries.map((e) => ({
      position: e.position,
      creditDebit: e.creditDebit,
      amount: { amount: e.amount, currency: e.currency },
      bookingDate: e.bookingDate,
      reference: e.reference,
      paymentId: e.paymentId,
      outcome: e.outcome,
    })),
    importedAt: result.importedAt.toISOString(),
  };
}

export const bankStatementRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { orm, temporal, config } = deps;
  // Encapsulated in this plugin: only this route accepts XML and CSV bodies.
  app.addContentTypeParser(
    [...XML_TYPES, ...CSV_TYPES],
    { parseAs: 'string', bodyLimit: STATEMENT_LIMITS.maxBytes },
    (_request, body, done) => done(null, body),
  );

  /**
   * Starts (or finds running) the cash application of every payment of this import not applied yet. The import is
   * committed by then: a failure is a 503 telling the client to post the same file again, which resumes the starts.
   */
  async function startApplications(statementId: string, requestId: string): Promise<void> {
    try {
      await startPending(statementId, requestId);
    } catch (error) {
      throw problems.unavailable(
        `The statement is stored, but starting cash application failed (${(error as Error).message}); post the same file again to resume.`,
      );
    }
  }

  async function startPending(statementId: string, requestId: string): Promise<void> {
    const pending = await orm.em
      .fork()
      .execute<
        { id: string; received_at: Date }[]
      >('SELECT id, received_at FROM payment WHERE bank_statement_id = ? AND applied_at IS NULL ORDER BY id', [statementId]);
    const queue = [...pending];
    const ctx = { client: temporal, taskQueue: config.temporal.taskQueue, requestId };
    await Promise.all(
      Array.from({ length: Math.min(START_CONCURRENCY, queue.length) }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          await startCashApplication(ctx, {
            paymentId: next.id,
            customerId: null,
            receivedAt: new Date(next.received_at),
            policy: config.policy.cashApplication,
          });
        }
      }),
    );
  }

  app.post(
    '/bank-statements',
    {
      bodyLimit: STATEMENT_LIMITS.maxBytes,
      schema: {
        tags: ['payments'],
        summary:
          'Import a bank statement (camt.053 XML or CSV): one payment per new credit entry, then cash application',
        description:
          'Send the file as the body with Content-Type application/xml (ISO 20022 camt.053) or text/csv (header row: booking_date, amount, currency, ' +
          'and optionally value_date, credit_debit, reference, counterparty_name, counterparty_iban, transaction_id, end_to_end_id). ' +
          'Importing the same file again returns the first import (200) and creates nothing; entries already imported from another file are reported as duplicates.',
        consumes: [...XML_TYPES, ...CSV_TYPES],
        querystring: ImportQuery,
        body: Type.String({ minLength: 1, description: 'The statement file' }),
        response: { 200: ImportSchema, 201: ImportSchema, ...problemResponses(400, 413, 415, 422, 503) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const contentType = String(request.headers['content-type'] ?? '')
        .split(';')[0]!
        .trim()
        .toLowerCase();
      const { method = 'wire', currency } = request.query;
      if (currency && !isCurrencyCode(currency))
        throw problems.unprocessable(
          [{ pointer: '/currency', in: 'query', detail: 'is not an ISO 4217 currency' }],
          'Unknown currency.',
        );

      const digest = fileDigest(body);
      const earlier = await findImport(orm.em.fork(), digest);
      if (earlier) {
        await startApplications(earlier.id, request.id);
        return reply.status(200).send(view(earlier));
      }
      let statement: ParsedStatement;
      try {
        statement = XML_TYPES.includes(contentType)
          ? parseCamt053(body)
          : parseCsvStatement(body, { accountCurrency: currency });
      } catch (error) {
        if (!(error instanceof StatementError)) throw error;
        const errors = [{ pointer: error.pointer, in: 'body' as const, detail: error.message }];
        if (error.status === 422)
          throw problems.unprocessable(errors, `The statement cannot be imported: ${error.pointer} ${error.message}`);
        throw new ProblemError(
          error.status,
          error.status === 413 ? 'too-large' : 'malformed-statement',
          error.status === 413 ? 'Statement too large' : 'Malformed statement',
          error.message,
          { errors },
        );
      }
      if (currency && statement.currency && statement.currency !== currency) {
        throw problems.unprocessable(
          [{ pointer: '/currency', in: 'query', detail: `the statement account is in ${statement.currency}` }],
          'Currency does not match the statement account.',
        );
      }
      const result = await importStatement(orm.em.fork(), {
        statement,
        digest,
        method: method as PaymentMethod,
        actor: actorOf(request),
      });
      await startApplications(result.id, request.id);
      return reply.status(result.created ? 201 : 200).send(view(result));
    },
  );
};
