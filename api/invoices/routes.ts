// Invoices: issue (numbered, posted and its workflow started in one transaction), read with the live workflow state,
// list with filters and cursor pagination, credit notes and cancellation.
import type { FastifyBaseLogger } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { CLOSED_STATUSES, isOpenStatus } from '../../src/invoices/rules/invoice-status.js';
import type { InvoiceWorkflowState } from '../../src/invoices/rules/invoice-workflow-state.js';
import { issueCreditNote } from '../../src/invoices/store/credit-notes.js';
import { checkNewInvoiceCredit } from '../../src/credit/store/exposure.js';
import { recordInvoiceHeld } from '../../src/credit/store/held-invoices.js';
import { insertInvoice, InvoiceRequestError, prepareInvoice } from '../../src/invoices/store/issue.js';
import {
  INVOICE_COLUMNS,
  invoiceFromRow,
  readInvoice,
  type InvoiceDocument,
  type InvoiceRow,
} from '../../src/invoices/store/read.js';
import { InvoiceNotFoundError } from '../../src/invoices/store/balance.js';
import { workflowIds } from '../../src/temporal/ids.js';
import { workflowStarts } from '../../src/temporal/starters.js';
import { recordWorkflowStart, startRecorded } from '../../src/temporal/start-after-commit.js';
import { noteEffectLocation } from '../../src/db/committed-effects.js';
import { notifyCollectionOfBalanceChange } from '../../src/collections/store/notify.js';
import { notifyAccountsOfChange } from '../../src/customers/account-notify.js';
import { refreshAccountSignal } from '../../workflows/customers/messages.js';
import {
  invoiceBalanceChangedSignal,
  invoiceStateQuery,
  type InvoiceBalanceChange,
} from '../../workflows/invoices/messages.js';
import { actorOf } from '../http/actor.js';
import {
  creditNoteApprovalRoutes,
  PendingCreditNoteSchema,
  requestCreditNoteApproval,
} from './credit-note-approval-routes.js';
import type { ApiDeps } from '../http/deps.js';
import { IdempotencyHeaders } from '../http/idempotency.js';
import { decodeCursor, PageQuery, pageSchema, toPage } from '../http/pagination.js';
import { problems, ProblemError } from '../http/problem.js';
import { effectSeeOther, problemResponses, UuidParams } from '../http/common-schemas.js';
import {
  CancelBody,
  CreateInvoiceBody,
  CreditNoteBody,
  CreditNoteResultSchema,
  InvoiceReadQuery,
  InvoiceSchema,
  InvoiceSummarySchema,
  IssuedInvoiceSchema,
  ListInvoicesQuery,
} from './schemas.js';
import { today } from '../../src/shared/calendar-date.js';

function requestProblem(error: unknown): never {
  if (error instanceof InvoiceRequestError) {
    const slug = { 404: 'not-found', 409: 'conflict', 422: 'unprocessable' }[error.status];
    const title = { 404: 'Not found', 409: 'Conflict', 422: 'Unprocessable request' }[error.status];
    throw new ProblemError(error.status, slug, title, error.message, {
      errors: error.errors.map((e) => ({ ...e, in: 'body' as const })),
    });
  }
  if (error instanceof InvoiceNotFoundError) throw problems.notFound('Invoice', error.invoiceId);
  throw error;
}

const money = (amount: number, currency: string) => ({ amount, currency });

function summaryView(
  doc: Omit<InvoiceDocument, 'lines' | 'creditNotes'>,
  asOf: string,
): Static<typeof InvoiceSummarySchema> {
  const open = isOpenStatus(doc.status) && doc.openAmount > 0;
  return {
    id: doc.id,
    number: doc.number,
    customerId: doc.customerId,
    customerName: doc.customerName,
    status: doc.status,
    issueDate: doc.issueDate,
    dueDate: doc.dueDate,
    total: money(doc.total, doc.currency),
    balance: money(doc.openAmount, doc.currency),
    overdue: open && doc.dueDate < asOf,
    overdueSince: doc.overdueSince,
    externalRef: doc.externalRef,
    version: doc.version,
  };
}

function documentView(
  doc: InvoiceDocument,
  workflow: InvoiceWorkflowState | null | undefined,
): Static<typeof InvoiceSchema> {
  const m = (amount: number) => money(amount, doc.currency);
  return {
    ...summaryView(doc, today()),
    series: doc.series,
    termsCode: doc.termsCode,
    subtotal: m(doc.subtotal),
    tax: m(doc.tax),
    credited: m(doc.creditedAmount),
    discount: doc.discount
      ? { deadline: doc.discount.deadline, rateBp: doc.discount.rateBp, amount: m(doc.discount.amount) }
      : null,
    instalments: doc.instalments,
    issueEntryId: doc.issueEntryId,
    sentAt: doc.sentAt,
    remindedAt: doc.remindedAt,
    closedAt: doc.closedAt,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    lines: doc.lines.map((l) => ({
      lineNo: l.lineNo,
      description: l.description,
      quantity: l.quantity,
      unitPrice: m(l.unitPrice),
      taxRate: l.taxRate,
      net: m(l.net),
      tax: m(l.tax),
    })),
    creditNotes: doc.creditNotes.map((n) => ({
      id: n.id,
      number: n.number,
      kind: n.kind,
      reason: n.reason,
      issueDate: n.issueDate,
      net: m(n.net),
      tax: m(n.tax),
      total: m(n.total),
      entryId: n.entryId,
      createdAt: n.createdAt,
    })),
    ...(workflow === undefined ? {} : { workflow }),
  };
}

export const invoiceRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { orm, temporal, config } = deps;
  const policy = config.policy.invoice;
  // Credit notes above the approval threshold wait; their standing is read here.
  await app.register(creditNoteApprovalRoutes, { deps });

  async function liveState(invoiceId: string, log: FastifyBaseLogger): Promise<InvoiceWorkflowState | null> {
    try {
      return await temporal.workflow.getHandle(workflowIds.invoice(invoiceId)).query(invoiceStateQuery);
    } catch (err) {
      log.warn({ err, invoiceId }, 'invoice workflow did not answer the state query');
      return null;
    }
  }

  /** After the commit: the workflow mirrors the row. The row is the truth, so a failed signal is logged, not fatal. */
  async function notifyWorkflow(
    invoiceId: string,
    change: InvoiceBalanceChange,
    log: FastifyBaseLogger,
  ): Promise<void> {
    try {
      await temporal.workflow.getHandle(workflowIds.invoice(invoiceId)).signal(invoiceBalanceChangedSignal, change);
    } catch (err) {
      log.warn({ err, invoiceId }, 'could not signal the invoice workflow');
    }
  }

  /** An invoice far above the limit (policy) asks the account workflow for an early credit review, after the commit. */
  async function requestEarlyCreditReview(customerId: string, log: FastifyBaseLogger): Promise<void> {
    try {
      await temporal.workflow
        .getHandle(workflowIds.customerAccount(customerId))
        .signal(refreshAccountSignal, { reason: 'credit_limit_exceeded' });
    } catch (err) {
      log.warn({ err, customerId }, 'could not ask the account workflow for an early credit review');
    }
  }

  app.post(
    '/invoices',
    {
      config: { idempotency: true },
      schema: {
        tags: ['invoices'],
        summary: 'Issue an invoice: number it, post it to the ledger and start its workflow',
        description:
          'Over the credit limit (exposure = open AR + held invoices) or to an account on credit hold, the invoice is issued `held`: posted, but delivered only after a credit override task is approved (rejected: cancelled).',
        headers: IdempotencyHeaders,
        body: CreateInvoiceBody,
        response: { 201: IssuedInvoiceSchema, ...effectSeeOther, ...problemResponses(400, 404, 409, 422, 503) },
      },
    },
    async (request, reply) => {
      // The workflow's start is recorded with the invoice and carried out after the commit, so its first activity
      // always finds the row and the series row stays locked only for insert + post + commit (a gap-free series
      // serializes issuance for that long), never across a call to the workflow service.
      const startCtx = { client: temporal, taskQueue: config.temporal.taskQueue, requestId: request.id };
      const issued = await orm.em
        .fork()
        .transactional(async (tx) => {
          const prepared = await prepareInvoice(tx, request.body, { today: today(), actor: actorOf(request) });
          // Over the credit limit (exposure incl. held invoices) or on credit hold: issued `held`, delivered only after a credit override.
          const { hold } = await checkNewInvoiceCredit(
            tx,
            { customerId: prepared.customerId, amount: prepared.totals.total },
            config.policy.credit,
          );
          prepared.creditHold = hold;
          const stored = await insertInvoice(tx, prepared);
          noteEffectLocation(`/invoices/${stored.id}`);
          if (hold)
            await recordInvoiceHeld(tx, {
              invoiceId: stored.id,
              customerId: prepared.customerId,
              number: stored.number,
              actor: actorOf(request),
              hold: { ...hold },
            });
          const workflowId = await recordWorkflowStart(
            tx,
            workflowStarts.invoice(startCtx, {
              invoiceId: prepared.id,
              customerId: prepared.customerId,
              currency: prepared.currency,
              totalAmount: prepared.totals.total,
              dueDate: prepared.dueDate,
              policy,
              ...(hold ? { creditHold: hold } : {}),
            }),
          );
          return { ...stored, prepared, workflowId };
        })
        .catch((error: unknown) => requestProblem(error));
      await startRecorded(orm.em, temporal, [issued.workflowId], request.log);
      const { prepared } = issued;
      if (prepared.creditHold?.earlyReview) await requestEarlyCreditReview(prepared.customerId, request.log);
      // A new open invoice changes the account's live aggregates now (an early review above already refreshes them).
      else
        await notifyAccountsOfChange(temporal, [prepared.customerId], 'invoice_issued', {
          warn: (message, meta) => request.log.warn(meta, message),
        });
      return reply
        .status(201)
        .header('location', `/invoices/${issued.id}`)
        .send({
          id: issued.id,
          number: issued.number,
          status: prepared.creditHold ? ('held' as const) : ('issued' as const),
          total: money(prepared.totals.total, prepared.currency),
          balance: money(prepared.totals.total, prepared.currency),
          dueDate: prepared.dueDate,
        });
    },
  );

  app.get(
    '/invoices/:id',
    {
      schema: {
        tags: ['invoices'],
        summary:
          'An invoice document with its lines and credit notes; `?include=workflow` adds the live workflow state',
        params: UuidParams,
        querystring: InvoiceReadQuery,
        response: { 200: InvoiceSchema, ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      // The live state costs a round trip to a worker; only callers who ask for it pay for it.
      const [doc, workflow] = await Promise.all([
        readInvoice(orm.em.fork(), request.params.id),
        request.query.include === 'workflow' ? liveState(request.params.id, request.log) : undefined,
      ]);
      if (!doc) throw problems.notFound('Invoice', request.params.id);
      return reply.header('etag', `"${doc.id}.${doc.version}"`).send(documentView(doc, workflow));
    },
  );

  app.get(
    '/invoices',
    {
      schema: {
        tags: ['invoices'],
        summary: 'Invoices by customer, status, overdue and due date, in due-date order (cursor pagination)',
        querystring: Type.Object({ ...ListInvoicesQuery.properties, ...PageQuery }, { additionalProperties: false }),
        response: { 200: pageSchema(InvoiceSummarySchema), ...problemResponses(400) },
      },
    },
    async (request) => {
      const { customerId, status, overdue, dueBefore, cursor } = request.query;
      const limit = request.query.limit ?? 50;
      const after = decodeCursor(cursor, 2);
      const asOf = today();
      const where: string[] = [];
      const params: unknown[] = [];
      const filter = (sql: string, ...values: unknown[]) => {
        where.push(sql);
        params.push(...values);
      };
      if (customerId) filter('i.customer_id = ?', customerId);
      if (status) filter('i.status = ?', status);
      if (dueBefore) filter('i.due_date < ?::date', dueBefore);
      const overdueSql = `(i.status NOT IN (${CLOSED_STATUSES.map(() => '?').join(', ')}) AND i.open_amount > 0 AND i.due_date < ?::date)`;
      if (overdue !== undefined) filter(overdue ? overdueSql : `NOT ${overdueSql}`, ...CLOSED_STATUSES, asOf);
      if (after) filter('(i.due_date, i.id) > (?::date, ?::uuid)', after[0], after[1]);
      const rows = await orm.em.fork().execute<InvoiceRow[]>(
        `SELECT ${INVOICE_COLUMNS} FROM invoice i JOIN customer c ON c.id = i.customer_id
          ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY i.due_date, i.id LIMIT ?`,
        [...params, limit + 1],
      );
      return toPage(
        rows,
        limit,
        (r) => [String(r.due_date), String(r.id)],
        (r) => summaryView(invoiceFromRow(r), asOf),
      );
    },
  );

  async function creditNoteRoute(
    invoiceId: string,
    body: { amount?: { amount: number; currency: string }; reason: string },
    cancellation: boolean,
    request: import('fastify').FastifyRequest,
  ) {
    const result = await orm.em
      .fork()
      .transactional((tx) =>
        issueCreditNote(tx, {
          invoiceId,
          amount: body.amount,
          reason: body.reason.trim(),
          cancellation,
          actor: actorOf(request),
          today: today(),
        }),
      )
      .catch(requestProblem);
    await notifyWorkflow(invoiceId, result.applied.signal, request.log);
    await notifyCollectionOfBalanceChange(temporal, [result.applied.customerId], {
      reason: cancellation ? 'cancellation' : 'credit_note',
      source: `credit-note:${result.id}`,
    });
    const m = (amount: number) => money(amount, result.applied.currency);
    const doc = await readInvoice(orm.em.fork(), invoiceId);
    const note = doc!.creditNotes.find((n) => n.id === result.id)!;
    return {
      creditNote: {
        id: note.id,
        number: note.number,
        kind: note.kind,
        reason: note.reason,
        issueDate: note.issueDate,
        net: m(note.net),
        tax: m(note.tax),
        total: m(note.total),
        entryId: note.entryId,
        createdAt: note.createdAt,
      },
      invoice: { id: doc!.id, number: doc!.number, status: doc!.status, balance: m(doc!.openAmount) },
    };
  }

  app.post(
    '/invoices/:id/credit-notes',
    {
      config: { idempotency: true },
      schema: {
        tags: ['invoices'],
        summary:
          'Credit all or part of what is open on an invoice (posts the correction, updates the workflow); above the approval threshold it waits for an approver (202)',
        headers: IdempotencyHeaders,
        params: UuidParams,
        body: CreditNoteBody,
        response: {
          201: CreditNoteResultSchema,
          202: PendingCreditNoteSchema,
          ...problemResponses(400, 404, 409, 422),
        },
      },
    },
    async (request, reply) => {
      // Above the approval threshold the credit note waits for an approver other than the requester.
      const pending = await requestCreditNoteApproval(deps, request, request.params.id, request.body);
      if (pending)
        return reply.status(202).header('location', `/credit-note-approvals/${pending.creditNoteId}`).send(pending);
      const result = await creditNoteRoute(request.params.id, request.body, false, request);
      return reply.status(201).header('location', `/invoices/${request.params.id}`).send(result);
    },
  );

  app.post(
    '/invoices/:id/cancel',
    {
      config: { idempotency: true },
      schema: {
        tags: ['invoices'],
        summary: 'Cancel an invoice before any payment: a full credit note that mirrors the issue entry',
        headers: IdempotencyHeaders,
        params: UuidParams,
        body: CancelBody,
        response: { 201: CreditNoteResultSchema, ...problemResponses(400, 404, 409) },
      },
    },
    async (request, reply) => {
      const result = await creditNoteRoute(request.params.id, request.body, true, request);
      return reply.status(201).header('location', `/invoices/${request.params.id}`).send(result);
    },
  );
};
