// Portal payments through the gateway. Starting one: the engine computes the amount from the customer's own open
// invoices (the browser never sends an amount), asks the gateway for an intent and stores it as `pending`.
// Confirming one: a verified `succeeded` event records an ordinary payment (source key `<provider>:<intent>`, so a
// redelivered event records nothing twice) with remittance lines for the invoices, starts its cash application in
// the same transaction, and sends the customer a receipt afterwards.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { CashApplicationPolicy } from '../rules/cash-application-policy.js';
import { isOpenStatus, type InvoiceStatus } from '../../invoices/rules/invoice-status.js';
import { workflowStarts, type StartContext } from '../../temporal/starters.js';
import { recordWorkflowStart, startRecorded } from '../../temporal/start-after-commit.js';
import { workflowIds } from '../../temporal/ids.js';
import type { GatewayEvent, GatewayMethod, PaymentGateway } from '../gateway.js';
import { insertPayment } from './receive.js';

export interface GatewayPaymentRecord {
  id: string;
  customerId: string;
  provider: string;
  providerRef: string;
  method: GatewayMethod;
  amount: number;
  currency: string;
  invoiceIds: string[];
  status: 'pending' | 'processing' | 'succeeded' | 'failed' | 'canceled';
  failureReason: string | null;
  paymentId: string | null;
  createdAt: Date;
}

interface Row {
  id: string;
  customer_id: string;
  provider: string;
  provider_ref: string;
  method: GatewayMethod;
  amount: string;
  currency: string;
  invoice_ids: string[];
  status: GatewayPaymentRecord['status'];
  failure_reason: string | null;
  payment_id: string | null;
  created_at: Date;
}

const COLUMNS =
  'id, customer_id, provider, provider_ref, method, amount, currency, invoice_ids::text[] AS invoice_ids, status, failure_reason, payment_id, created_at';
const toRecord = (r: Row): GatewayPaymentRecord => ({
  id: r.id,
  customerId: r.customer_id,
  provider: r.provider,
  providerRef: r.provider_ref,
  method: r.method,
  amount: Number(r.amount),
  currency: r.currency.trim(),
  invoiceIds: r.invoice_ids,
  status: r.status,
  failureReason: r.failure_reason,
  paymentId: r.payment_id,
  createdAt: new Date(r.created_at),
});

/** A refusal naming the field (the API answers with this status). */
export class GatewayPaymentRefusal extends Error {
  constructor(
    readonly status: 404 | 409 | 422,
    readonly pointer: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'GatewayPaymentRefusal';
  }
}

interface InvoiceRow {
  id: string;
  number: string;
  currency: string;
  status: InvoiceStatus;
  open_amount: string;
}

/** The customer's own invoices among `ids`; another customer's invoice is the same as a missing one. */
export async function ownOpenInvoices(em: EntityManager, customerId: string, ids: string[]): Promise<InvoiceRow[]> {
  const rows = await em.execute<InvoiceRow[]>(
    `SELECT id, number, currency, status, open_amount FROM invoice WHERE customer_id = ? AND id = ANY(?::uuid[]) ORDER BY due_date, number`,
    [customerId, `{${ids.join(',')}}`],
  );
  ids.forEach((id, n) => {
    if (!rows.some((r) => r.id === id))
      throw new GatewayPaymentRefusal(404, `/invoiceIds/${n}`, `Invoice ${id} does not exist.`);
  });
  for (const row of rows) {
    if (!isOpenStatus(row.status) || Number(row.open_amount) === 0)
      throw new GatewayPaymentRefusal(
        409,
        `/invoiceIds/${ids.indexOf(row.id)}`,
        `Invoice ${row.number} is ${row.status}; nothing to pay.`,
      );
  }
  if (new Set(rows.map((r) => r.currency)).size > 1)
    throw new GatewayPaymentRefusal(
      422,
      '/invoiceIds',
      'The invoices are in different currencies; pay them separately.',
    );
  return rows;
}

export async function startGatewayPayment(
  em: EntityManager,
  gateway: PaymentGateway,
  input: { customerId: string; invoiceIds: string[]; method: GatewayMethod; by: string; paymentMethod?: string },
): Promise<{ payment: GatewayPaymentRecord; clientSecret: string | null }> {
  const invoices = await ownOpenInvoices(em, input.customerId, input.invoiceIds);
  const amount = invoices.reduce((sum, i) => sum + Number(i.open_amount), 0);
  const currency = invoices[0]!.currency.trim();
  if (input.method === 'ach_debit' && currency !== 'USD')
    throw new GatewayPaymentRefusal(422, '/method', 'ACH bank debit is only available for USD invoices.');
  const id = randomUUID();
  const intent = await gateway.createIntent({
    amount,
    currency,
    method: input.method,
    reference: id,
    customerId: input.customerId,
    description: `Invoices ${invoices.map((i) => i.number).join(', ')}`,
    paymentMethod: input.paymentMethod,
  });
  const [row] = await em.execute<Row[]>(
    `INSERT INTO gateway_payment (id, customer_id, provider, provider_ref, method, amount, currency, invoice_ids, status, created_by)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?::uuid[], ?, ?) RETURNING ${COLUMNS}`,
    [
      id,
      input.customerId,
      gateway.provider,
      intent.providerRef,
      input.method,
      amount,
      currency,
      `{${invoices.map((i) => i.id).join(',')}}`,
      intent.status === 'succeeded' ? 'processing' : intent.status,
      input.by,
    ],
  );
  return { payment: toRecord(row!), clientSecret: intent.clientSecret };
}

export async function findGatewayPayment(
  em: EntityManager,
  id: string,
  customerId: string,
): Promise<GatewayPaymentRecord | undefined> {
  const [row] = await em.execute<Row[]>(`SELECT ${COLUMNS} FROM gateway_payment WHERE id = ? AND customer_id = ?`, [
    id,
    customerId,
  ]);
  return row ? toRecord(row) : undefined;
}

export async function gatewayPaymentsOf(
  em: EntityManager,
  customerId: string,
  limit = 100,
): Promise<GatewayPaymentRecord[]> {
  return (
    await em.execute<Row[]>(
      `SELECT ${COLUMNS} FROM gateway_payment WHERE customer_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`,
      [customerId, limit],
    )
  ).map(toRecord);
}

export interface ConfirmDeps {
  em: EntityManager;
  temporal: StartContext;
  cashApplication: CashApplicationPolicy;
}

export type EventHandling =
  | { result: 'duplicate' | 'ignored' | 'unknown_intent' }
  | { result: 'updated'; payment: GatewayPaymentRecord }
  | {
      result: 'paid';
      payment: GatewayPaymentRecord;
      paymentId: string;
      receipt: {
        customerId: string;
        to: string;
        customerName: string;
        amount: number;
        currency: string;
        invoiceNumbers: string[];
      };
    };

/** Applies one verified gateway event, exactly once per event id. */
export async function handleGatewayEvent(
  deps: ConfirmDeps,
  provider: string,
  event: GatewayEvent,
): Promise<EventHandling> {
  const handled = await deps.em.transactional(async (tx): Promise<EventHandling> => {
    const fresh = await tx.execute<unknown[]>(
      `INSERT INTO gateway_event (provider, event_id, type) VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING event_id`,
      [provider, event.id, event.type],
    );
    if (fresh.length === 0) return { result: 'duplicate' };
    if (event.outcome === 'ignored' || !event.providerRef) return { result: 'ignored' };
    const [row] = await tx.execute<Row[]>(
      `SELECT ${COLUMNS} FROM gateway_payment WHERE provider = ? AND provider_ref = ? FOR UPDATE`,
      [provider, event.providerRef],
    );
    if (!row) return { result: 'unknown_intent' };
    const current = toRecord(row);
    if (current.status === 'succeeded') return { result: 'duplicate' };
    if (event.outcome !== 'succeeded') {
      const [updated] = await tx.execute<Row[]>(
        `UPDATE gateway_payment SET status = ?, failure_reason = ?, updated_at = now() WHERE id = ? RETURNING ${COLUMNS}`,
        [event.outcome, event.failureReason, current.id],
      );
      return { result: 'updated', payment: toRecord(updated!) };
    }
    const amount = event.amountReceived ?? current.amount;
    const invoices = await tx.execute<{ number: string; open_amount: string }[]>(
      `SELECT number, open_amount FROM invoice WHERE id = ANY(?::uuid[]) ORDER BY due_date, number`,
      [`{${current.invoiceIds.join(',')}}`],
    );
    // Remittance in due-date order, never above an invoice's open amount nor above what was received.
    let left = amount;
    const remittance = invoices
      .map((i) => {
        const part = Math.min(left, Number(i.open_amount));
        left -= part;
        return { invoiceNumber: i.number, amount: part };
      })
      .filter((l) => l.amount > 0);
    const paymentId = randomUUID();
    const receivedAt = new Date();
    const inserted = await insertPayment(tx, {
      id: paymentId,
      customerId: current.customerId,
      amount,
      currency: current.currency,
      method: current.method === 'card' ? 'card' : 'ach',
      receivedAt,
      reference: `${provider}:${current.providerRef}`,
      remittance,
      createdBy: `portal-gateway:${provider}`,
      sourceKey: `${provider}:${current.providerRef}`,
    });
    if (!inserted) return { result: 'duplicate' };
    await recordWorkflowStart(
      tx,
      workflowStarts.cashApplication(deps.temporal, {
        paymentId,
        customerId: current.customerId,
        receivedAt,
        policy: deps.cashApplication,
      }),
    );
    const [updated] = await tx.execute<Row[]>(
      `UPDATE gateway_payment SET status = 'succeeded', payment_id = ?, updated_at = now() WHERE id = ? RETURNING ${COLUMNS}`,
      [paymentId, current.id],
    );
    const [customer] = await tx.execute<{ email: string; name: string }[]>(
      'SELECT email, coalesce(display_name, legal_name) AS name FROM customer WHERE id = ?',
      [current.customerId],
    );
    return {
      result: 'paid',
      payment: toRecord(updated!),
      paymentId,
      receipt: {
        customerId: current.customerId,
        to: customer!.email,
        customerName: customer!.name,
        amount,
        currency: current.currency,
        invoiceNumbers: invoices.map((i) => i.number),
      },
    };
  });
  if (handled.result === 'paid')
    await startRecorded(deps.em, deps.temporal.client, [workflowIds.payment(handled.paymentId)]);
  return handled;
}
