// Reversing a payment the bank took back (a returned cheque or direct debit, a chargeback). After the commit, each
// invoice the payment had paid is open again and goes back to its workflow (started again if it had ended as paid),
// whose overdue step hands it to collections when it is past due; the customer's collection and account re-read.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { notifyCollectionOfBalanceChange } from '../../src/collections/store/notify.js';
import { notifyAccountsOfChange } from '../../src/customers/account-notify.js';
import { PaymentNotFoundError } from '../../src/payments/store/apply.js';
import { reversePayment, ReversalRefusedError } from '../../src/payments/store/reverse.js';
import { resumeInvoiceLifecycle } from '../../src/temporal/invoice-lifecycle.js';
import { actorOf } from '../http/actor.js';
import type { ApiDeps } from '../http/deps.js';
import { IdempotencyHeaders } from '../http/idempotency.js';
import { problems } from '../http/problem.js';
import { IsoDate, MoneySchema, problemResponses, UuidParams } from '../http/common-schemas.js';

const ReversalBody = Type.Object(
  {
    reason: Type.String({
      minLength: 1,
      maxLength: 500,
      description: 'why the money came back, e.g. "cheque returned unpaid"',
    }),
    reversedOn: Type.Optional(IsoDate({ description: 'accounting date of the reversing entries (default today)' })),
  },
  { additionalProperties: false },
);

const ReversalSchema = Type.Object({
  paymentId: Type.String({ format: 'uuid' }),
  status: Type.Literal('reversed'),
  reason: Type.String(),
  reversedOn: Type.String({ format: 'date' }),
  reversedEntries: Type.Integer({
    description: 'journal entries of the payment reversed (allocations, discounts, credit left)',
  }),
  invoices: Type.Array(
    Type.Object({
      invoiceId: Type.String({ format: 'uuid' }),
      number: Type.String(),
      status: Type.String(),
      balance: MoneySchema,
      dueDate: Type.String({ format: 'date' }),
    }),
    { description: 'the invoices the payment had paid, open again' },
  ),
});

export const paymentReversalRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { orm, temporal, config } = deps;

  app.post(
    '/payments/:id/reversal',
    {
      config: { idempotency: true },
      schema: {
        tags: ['payments'],
        summary:
          'Reverse a payment the bank took back: its entries are reversed and the invoices it paid are open (and dunned) again',
        description:
          'Every journal entry of the payment is reversed on `reversedOn`; each invoice it paid gets back what it paid (a paid invoice is open again, `overdue` if it had been). Past-due invoices reach collections through their workflow. 409 when the payment is reversed already, still being applied, or paid an invoice since written off or cancelled.',
        params: UuidParams,
        headers: IdempotencyHeaders,
        body: ReversalBody,
        response: { 200: ReversalSchema, ...problemResponses(400, 404, 409) },
      },
    },
    async (request) => {
      const reversedOn = request.body.reversedOn ?? new Date().toISOString().slice(0, 10);
      let reversal;
      try {
        reversal = await reversePayment(orm.em.fork(), {
          paymentId: request.params.id,
          reason: request.body.reason,
          reversedOn,
          actor: actorOf(request),
        });
      } catch (error) {
        if (error instanceof PaymentNotFoundError) throw problems.notFound('Payment', request.params.id);
        if (error instanceof ReversalRefusedError)
          throw problems.conflict(error.message, {
            errors: [{ pointer: error.pointer, in: 'body', detail: error.message }],
          });
        throw error;
      }
      // After the commit: the record is right already; a failed hand-over is logged and caught up by the workflows'
      // own reconciliation (the collection reads overdue invoices from the rows).
      const ctx = { client: temporal, taskQueue: config.temporal.taskQueue, requestId: request.id };
      for (const invoice of reversal.invoices) {
        await resumeInvoiceLifecycle(ctx, invoice, config.policy.invoice).catch((err: unknown) =>
          request.log.error({ err, invoiceId: invoice.invoiceId }, 'invoice workflow not resumed after the reversal'),
        );
      }
      const customers = [...new Set(reversal.invoices.map((i) => i.customerId))];
      await notifyCollectionOfBalanceChange(temporal, customers, {
        reason: 'payment_reversed',
        source: `payment:${reversal.paymentId}`,
      });
      await notifyAccountsOfChange(temporal, customers, 'payment_reversed', {
        warn: (message, meta) => request.log.warn(meta, message),
      });
      return {
        paymentId: reversal.paymentId,
        status: 'reversed' as const,
        reason: reversal.reason,
        reversedOn: reversal.reversedOn,
        reversedEntries: reversal.reversedEntries,
        invoices: reversal.invoices.map((i) => ({
          invoiceId: i.invoiceId,
          number: i.number,
          status: i.status,
          balance: { amount: i.openAmount, currency: i.currency },
          dueDate: i.dueDate,
        })),
      };
    },
  );
};
