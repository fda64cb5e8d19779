// Opening a dispute, for the staff API and the customer portal alike. One transaction: lock the invoice, check the
// request against it and the disputes still active on it, store the dispute, mark the invoice `disputed`, record
// `dispute.opened`, and record the start of `dispute-<id>`, carried out after the commit (src/temporal/
// start-after-commit.ts), so the workflow always finds its dispute. The workflow then acknowledges, routes and
// pauses dunning.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { checkNewDispute, type DisputeCategory, type MoneyValue } from '../rules/dispute.js';
import type { DisputePolicy } from '../rules/dispute-policy.js';
import type { InvoicePolicy } from '../../invoices/rules/invoice-policy.js';
import { recordEvent } from '../../events/store/outbox.js';
import { InvoiceNotFoundError, lockInvoice } from '../../invoices/store/balance.js';
import { workflowIds } from '../../temporal/ids.js';
import { recordWorkflowStart, startRecorded } from '../../temporal/start-after-commit.js';
import type { StartContext } from '../../temporal/starters.js';
import type { DisputeWorkflowInput } from '../../../workflows/disputes/dispute.js';
import { findDispute, type DisputeRecord } from './disputes.js';
import type { FieldProblem } from '../../shared/field-problem.js';

export interface OpenDisputeRequest {
  invoiceId: string;
  category: string;
  amount?: MoneyValue;
  /** Invoice line numbers; absent disputes the whole invoice. */
  lines?: number[];
  reason: string;
  attachments?: { filename: string; url?: string; contentType?: string }[];
  openedBy: string;
  channel: 'staff' | 'portal';
  /** Portal: the customer the caller acts for; an invoice of another customer is answered as unknown (404). */
  asCustomerId?: string;
}

export interface OpenDisputeDeps {
  em: EntityManager;
  temporal: StartContext;
  policy: DisputePolicy;
  /** The invoice policy a corrected invoice (rebill) starts its workflow with. */
  invoicePolicy: InvoicePolicy;
  now?: () => Date;
}

/** A refusal naming the field; the API turns it into problem+json with this status. */
export class DisputeRequestError extends Error {
  constructor(
    readonly status: 404 | 409 | 422,
    readonly errors: FieldProblem[],
    detail: string,
  ) {
    super(detail);
    this.name = 'DisputeRequestError';
  }
}

export async function openDispute(deps: OpenDisputeDeps, request: OpenDisputeRequest): Promise<DisputeRecord> {
  const id = randomUUID();
  const workflowId = workflowIds.dispute(id);
  await deps.em.transactional(async (tx) => {
    const invoice = await lockInvoice(tx, request.invoiceId).catch((error: unknown) => {
      if (error instanceof InvoiceNotFoundError)
        throw new DisputeRequestError(
          404,
          [{ pointer: '/invoiceId', detail: 'no invoice has this id' }],
          `Invoice ${request.invoiceId} does not exist.`,
        );
      throw error;
    });
    if (request.asCustomerId !== undefined && invoice.customerId !== request.asCustomerId) {
      throw new DisputeRequestError(
        404,
        [{ pointer: '/invoiceId', detail: 'no invoice has this id' }],
        `Invoice ${request.invoiceId} does not exist.`,
      );
    }
    const lineRows = await tx.execute<{ line_no: number; gross: string }[]>(
      'SELECT line_no, net_amount + tax_amount AS gross FROM invoice_line WHERE invoice_id = ?',
      [invoice.id],
    );
    const active = await tx.execute<{ id: string; lines: number[] | string | null }[]>(
      `SELECT id, lines FROM dispute WHERE invoice_id = ? AND status IN ('open', 'awaiting_info')`,
      [invoice.id],
    );
    const checked = checkNewDispute(
      { category: request.category, amount: request.amount, lines: request.lines, reason: request.reason },
      {
        status: invoice.status,
        currency: invoice.currency,
        openAmount: invoice.openAmount,
        lineTotals: Object.fromEntries(lineRows.map((l) => [Number(l.line_no), Number(l.gross)])),
      },
      active.map((d) => ({ id: d.id, lines: typeof d.lines === 'string' ? JSON.parse(d.lines) : d.lines })),
    );
    if ('problems' in checked) {
      throw new DisputeRequestError(
        checked.status,
        checked.problems,
        checked.status === 409
          ? `Invoice ${invoice.number} cannot be disputed as requested.`
          : 'The dispute does not fit the invoice.',
      );
    }
    const reason = request.reason.trim();
    await tx.execute(
      `INSERT INTO dispute (id, invoice_id, customer_id, category, amount, currency, reason, lines, attachments, opened_by, channel, workflow_id, policy_version)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?, ?)`,
      [
        id,
        invoice.id,
        invoice.customerId,
        request.category,
        checked.amount,
        invoice.currency,
        reason,
        request.lines ? JSON.stringify(request.lines) : null,
        JSON.stringify(request.attachments ?? []),
        request.openedBy,
        request.channel,
        workflowId,
        deps.policy.version,
      ],
    );
    // The invoice leaves dunning while any dispute holds it; the status after the dispute is derived from the row
    // (overdue since, payments, delivery) when the last active dispute ends.
    await tx.execute(
      `UPDATE invoice SET status = 'disputed', version = version + 1, updated_at = now() WHERE id = ? AND status <> 'disputed'`,
      [invoice.id],
    );
    await recordEvent(tx, {
      type: 'dispute.opened',
      entityType: 'dispute',
      entityId: id,
      customerId: invoice.customerId,
      actor: request.openedBy,
      data: {
        invoiceId: invoice.id,
        invoiceNumber: invoice.number,
        category: request.category,
        amount: { amount: checked.amount, currency: invoice.currency },
        lines: request.lines ?? null,
        channel: request.channel,
      },
    });
    await recordWorkflowStart(tx, {
      workflowType: 'disputeWorkflow',
      workflowId,
      taskQueue: deps.temporal.taskQueue,
      args: [
        {
          disputeId: id,
          invoiceId: invoice.id,
          customerId: invoice.customerId,
          category: request.category as DisputeCategory,
          amount: checked.amount,
          currency: invoice.currency,
          policy: deps.policy,
          invoicePolicy: deps.invoicePolicy,
        } satisfies DisputeWorkflowInput,
      ],
      entityType: 'dispute',
      customerId: invoice.customerId,
      requestId: deps.temporal.requestId,
    });
  });
  await startRecorded(deps.em, deps.temporal.client, [workflowId]);
  return (await findDispute(deps.em.fork(), id))!;
}
