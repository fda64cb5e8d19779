// What a portal user can do, shared by the JSON API (/portal/api) and the pages (/portal): every action takes the
// customer from the verified identity, never from the request, and refuses another customer's ids as unknown (404).
import type { FastifyRequest } from 'fastify';
import type { Mailer } from '../../src/mail/mailer.js';
import type { Identity } from '../../src/auth/identity.js';
import { recordPromise } from '../../src/collections/record-promise.js';
import { openDispute } from '../../src/disputes/store/open.js';
import {
  renderStatement,
  StatementCustomerNotFoundError,
  type StatementFormat,
} from '../../src/documents/store/statement.js';
import type { GatewayMethod, PaymentGateway } from '../../src/payments/gateway.js';
import {
  GatewayPaymentRefusal,
  ownOpenInvoices,
  startGatewayPayment,
} from '../../src/payments/store/gateway-payments.js';
import type { ApiDeps } from '../http/deps.js';
import { ProblemError, problems } from '../http/problem.js';
import { disputeRequestProblem } from '../disputes/routes.js';
import { today } from '../../src/shared/calendar-date.js';

export interface PortalServices {
  secret: Uint8Array;
  mailer: Mailer;
  gateway: PaymentGateway | undefined;
}

/** The customer of a portal identity (the matrix admits only role `customer`, whose token names exactly one). */
export function customerOf(identity: Identity | undefined): string {
  if (!identity?.customerId)
    throw new ProblemError(403, 'forbidden', 'Forbidden', 'Only a portal user has a customer.');
  return identity.customerId;
}

export async function portalStatement(
  deps: ApiDeps,
  customerId: string,
  input: { from?: string; to?: string; format: StatementFormat },
) {
  const to = input.to ?? today();
  const from = input.from ?? `${to.slice(0, 7)}-01`;
  if (from > to) throw problems.validation([{ pointer: '/from', in: 'query', detail: 'must not be after to' }]);
  try {
    return await renderStatement(
      deps.orm.em.fork(),
      { customerId, from, to, format: input.format },
      { companyName: deps.config.mail.companyName },
    );
  } catch (error) {
    if (error instanceof StatementCustomerNotFoundError) throw problems.notFound('Customer', customerId);
    throw error;
  }
}

export async function portalOpenDispute(
  deps: ApiDeps,
  request: FastifyRequest,
  body: { invoiceId: string; category: string; reason: string; amount?: number },
) {
  const identity = request.identity!;
  const customerId = customerOf(identity);
  const [invoice] = await deps.orm.em
    .fork()
    .execute<
      { currency: string }[]
    >('SELECT currency FROM invoice WHERE id = ? AND customer_id = ?', [body.invoiceId, customerId]);
  if (!invoice) throw problems.notFound('Invoice', body.invoiceId);
  try {
    return await openDispute(
      {
        em: deps.orm.em.fork(),
        temporal: { client: deps.temporal, taskQueue: deps.config.temporal.taskQueue, requestId: request.id },
        policy: deps.config.policy.dispute,
        invoicePolicy: deps.config.policy.invoice,
      },
      {
        invoiceId: body.invoiceId,
        category: body.category,
        reason: body.reason,
        amount: body.amount === undefined ? undefined : { amount: body.amount, currency: invoice.currency.trim() },
        openedBy: identity.actor,
        channel: 'portal',
        asCustomerId: customerId,
      },
    );
  } catch (error) {
    return disputeRequestProblem(error);
  }
}

export async function portalPromise(
  deps: ApiDeps,
  request: FastifyRequest,
  body: { amount: number; date: string; invoiceIds?: string[] },
) {
  const identity = request.identity!;
  const customerId = customerOf(identity);
  const em = deps.orm.em.fork();
  if (body.invoiceIds?.length) {
    const own = await em.execute<{ id: string }[]>(
      'SELECT id FROM invoice WHERE customer_id = ? AND id = ANY(?::uuid[])',
      [customerId, `{${body.invoiceIds.join(',')}}`],
    );
    const missing = body.invoiceIds.findIndex((id) => !own.some((o) => o.id === id));
    if (missing >= 0)
      throw new ProblemError(404, 'not-found', 'Not found', `Invoice ${body.invoiceIds[missing]} does not exist.`, {
        errors: [{ pointer: `/invoiceIds/${missing}`, in: 'body', detail: 'no invoice has this id' }],
      });
  }
  const outcome = await recordPromise(
    { temporal: deps.temporal, em },
    { customerId, amount: body.amount, date: body.date, invoiceIds: body.invoiceIds, by: identity.actor },
  );
  if (outcome.kind === 'not_in_collection')
    throw problems.unprocessable(
      [{ pointer: '/amount', in: 'body', detail: 'nothing of yours is overdue, so there is nothing to promise' }],
      'The promise cannot be recorded.',
    );
  if (outcome.kind === 'refused')
    throw problems.unprocessable(
      outcome.problems.map((p) => ({ pointer: p.pointer, in: 'body' as const, detail: p.detail })),
      'The promise cannot be recorded.',
    );
  if (outcome.kind === 'unreadable') throw problems.unavailable('The promise was accepted but is not readable yet.');
  return outcome.promise;
}

export async function portalStartPayment(
  deps: ApiDeps,
  services: PortalServices,
  request: FastifyRequest,
  body: { invoiceIds: string[]; method: GatewayMethod; paymentMethod?: string },
) {
  const identity = request.identity!;
  const customerId = customerOf(identity);
  const em = deps.orm.em.fork();
  try {
    // The invoices are checked first, gateway or not: whether this installation offers card payment must not tell a
    // customer anything about another customer's invoice, so a foreign id is a 404 before any other answer.
    await ownOpenInvoices(em, customerId, body.invoiceIds);
    // No gateway is a choice of this installation, not an outage: card and bank debit are simply not offered (409, not
    // 503, so a client does not retry), and the pay page shows bank transfer only.
    if (!services.gateway) throw paymentMethodNotOffered(body.method);
    return await startGatewayPayment(em, services.gateway, {
      customerId,
      invoiceIds: body.invoiceIds,
      method: body.method,
      by: identity.actor,
      paymentMethod: body.paymentMethod,
    });
  } catch (error) {
    if (error instanceof GatewayPaymentRefusal) {
      const slug = { 404: 'not-found', 409: 'conflict', 422: 'unprocessable' }[error.status];
      throw new ProblemError(error.status, slug, slug.replace('-', ' '), error.message, {
        errors: [{ pointer: error.pointer, in: 'body', detail: error.message }],
      });
    }
    throw error;
  }
}

export function paymentMethodNotOffered(method: GatewayMethod): ProblemError {
  const label = method === 'card' ? 'Card payment' : 'Bank debit';
  return new ProblemError(
    409,
    'payment-method-not-offered',
    'Payment method not offered',
    `${label} is not configured for this portal; pay by bank transfer (GET /portal/api/payment-methods).`,
    {
      errors: [
        { pointer: '/method', in: 'body', detail: `${method} is not offered: no payment gateway is configured` },
      ],
    },
  );
}

export function bankTransferInstructions(deps: ApiDeps, customerId: string) {
  const { accountName, iban, bic } = deps.config.portal.bankTransfer;
  return {
    accountName,
    iban,
    bic,
    reference: `Customer ${customerId}`,
    note: 'Quote the invoice numbers and this reference so the payment is applied at once.',
  };
}
