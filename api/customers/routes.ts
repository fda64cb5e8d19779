// The customer record: create (with duplicate check), read (with live account state, balance and open invoices),
// partial update under optimistic concurrency, search, and close.
import type { FastifyBaseLogger } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { customerBalance, openInvoicesSummary, type CustomerBalance } from '../../src/customers/store/balances.js';
import { recordHistory } from '../../src/customers/store/history.js';
import { recordEvent } from '../../src/events/store/outbox.js';
import { searchCustomers } from '../../src/customers/store/search.js';
import { findCustomer, type CustomerProfile } from '../../src/customers/store/customers.js';
import type { FieldChange } from '../../src/customers/rules/customer.js';
import { workflowIds } from '../../src/temporal/ids.js';
import { workflowStarts } from '../../src/temporal/starters.js';
import { recordWorkflowStart, startRecorded } from '../../src/temporal/start-after-commit.js';
import { noteEffectLocation } from '../../src/db/committed-effects.js';
import {
  accountProfileChangedSignal,
  accountStateQuery,
  closeAccountSignal,
} from '../../workflows/customers/messages.js';
import { actorOf } from '../http/actor.js';
import { createCustomer, lockCurrent, patchCustomer } from './commands.js';
import type { ApiDeps } from '../http/deps.js';
import { IdempotencyHeaders } from '../http/idempotency.js';
import { decodeCursor, PageQuery, pageSchema, toPage } from '../http/pagination.js';
import { problems } from '../http/problem.js';
import { Amount, effectSeeOther, problemResponses, UuidParams } from '../http/common-schemas.js';
import {
  AccountStateSchema,
  CreateCustomerBody,
  CustomerSchema,
  IdempotencyAndIfMatchHeaders,
  PatchCustomerBody,
} from './schemas.js';
import { expectedVersion } from '../http/if-match.js';
import { today } from '../../src/shared/calendar-date.js';

type CustomerView = Static<typeof CustomerSchema>;
type AccountView = Static<typeof AccountStateSchema>;

export function toView(
  customer: CustomerProfile,
  extras: { account?: AccountView | null; balance?: CustomerBalance; openInvoices?: CustomerView['openInvoices'] } = {},
): CustomerView {
  return { ...customer, ...extras };
}

export const customerEtag = (customer: Pick<CustomerProfile, 'id' | 'version'>) =>
  `"${customer.id}.${customer.version}"`;

const ListQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ minLength: 2, maxLength: 200, description: 'part of the legal or display name' })),
    taxId: Type.Optional(
      Type.String({ minLength: 2, maxLength: 40, description: 'tax id in any spelling ("de 123.456.789")' }),
    ),
    taxCountry: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
    email: Type.Optional(Type.String({ format: 'email', description: 'main or contact e-mail' })),
    status: Type.Optional(
      Type.Union(
        [Type.Literal('active'), Type.Literal('on_hold'), Type.Literal('delinquent'), Type.Literal('closed')],
        { description: 'delinquent also lists flagged accounts on hold' },
      ),
    ),
    tag: Type.Optional(Type.String({ maxLength: 40 })),
    currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
    balanceMin: Type.Optional(Amount({ description: 'receivable balance at least (minor units)' })),
    balanceMax: Type.Optional(Amount({ description: 'receivable balance at most (minor units)' })),
    ...PageQuery,
  },
  { additionalProperties: false },
);

const CustomerReadQuery = Type.Object(
  {
    include: Type.Optional(
      Type.Literal('account', {
        description:
          'Add the live account state (a query answered by a worker: a round trip through Temporal). Balance and open invoices are always current.',
      }),
    ),
  },
  { additionalProperties: false },
);

/** How long a read waits for the account workflow's live state before answering without it. */
const LIVE_STATE_DEADLINE_MS = 2_000;

export const customerRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { orm, temporal, config } = deps;
  const handle = (customerId: string) => temporal.workflow.getHandle(workflowIds.customerAccount(customerId));

  /** The live account state from the workflow; null (with a log line) when no worker can answer in time. */
  async function liveAccount(customerId: string, log: FastifyBaseLogger): Promise<AccountView | null> {
    try {
      // Live state is a bonus on a read: a workflow service that does not answer leaves it out, fast.
      return await temporal.connection.withDeadline(Date.now() + LIVE_STATE_DEADLINE_MS, () =>
        handle(customerId).query(accountStateQuery),
      );
    } catch (err) {
      log.warn({ err, customerId }, 'account workflow did not answer the state query');
      return null;
    }
  }

  /** Tells the account workflow what changed, after the commit; the record is already right if this fails. */
  async function notifyAccount(
    customerId: string,
    changes: FieldChange[],
    by: string,
    version: number,
    log: FastifyBaseLogger,
  ): Promise<void> {
    if (!changes.length) return;
    try {
      await handle(customerId).signal(accountProfileChangedSignal, { changes, by, version });
    } catch (err) {
      log.warn({ err, customerId }, 'account workflow did not take the profile change; its next refresh reads it');
    }
  }

  app.post(
    '/customers',
    {
      config: { idempotency: true },
      schema: {
        tags: ['customers'],
        summary: 'Create a customer (after a duplicate check) and start its account workflow',
        description:
          'A probable duplicate answers 409 with `candidates`; repeat with `"allowDuplicate": true` to create it anyway (recorded in the history).',
        headers: IdempotencyHeaders,
        body: CreateCustomerBody,
        response: { 201: CustomerSchema, ...effectSeeOther, ...problemResponses(400, 409, 422, 503) },
      },
    },
    async (request, reply) => {
      const startCtx = { client: temporal, taskQueue: config.temporal.taskQueue, requestId: request.id };
      let accountStart: string | undefined;
      const created = await createCustomer(
        orm.em.fork(),
        request.body,
        { actor: actorOf(request), requestId: request.id },
        async (tx, customer) => {
          noteEffectLocation(`/customers/${customer.id}`);
          // Recorded with the row, started after the commit: the account workflow's first activity finds the customer.
          accountStart = await recordWorkflowStart(
            tx,
            workflowStarts.customerAccount(startCtx, {
              customerId: customer.id,
              currency: customer.currency,
              policy: {
                refreshEvery: config.policy.accountRefreshEvery,
                delinquency: config.policy.accountDelinquency,
                credit: config.policy.credit,
              },
            }),
          );
        },
      );
      if (accountStart) await startRecorded(orm.em, temporal, [accountStart], request.log);
      const account = await liveAccount(created.id, request.log);
      return reply
        .status(201)
        .header('location', `/customers/${created.id}`)
        .header('etag', customerEtag(created))
        .send(toView(created, { account }));
    },
  );

  app.get(
    '/customers',
    {
      schema: {
        tags: ['customers'],
        summary: 'Search customers by name, tax id, e-mail, status, tag or receivable balance range (ordered by name)',
        querystring: ListQuery,
        response: { 200: pageSchema(CustomerSchema), ...problemResponses(400) },
      },
    },
    async (request) => {
      const { limit = 50, cursor, ...filters } = request.query;
      const after = decodeCursor(cursor, 2) as [string, string] | undefined;
      const rows = await searchCustomers(orm.em.fork(), { ...filters, limit: limit + 1, after });
      return toPage(
        rows,
        limit,
        (r) => r.sortKey,
        (r) =>
          toView(r.profile, {
            balance: {
              receivable: { amount: r.receivable, currency: r.profile.currency },
              credit: { amount: r.credit, currency: r.profile.currency },
              net: { amount: r.receivable - r.credit, currency: r.profile.currency },
            },
          }),
      );
    },
  );

  app.get(
    '/customers/:id',
    {
      schema: {
        tags: ['customers'],
        summary:
          'A customer profile with its ledger balance and open invoices; `?include=account` adds the live account state',
        params: UuidParams,
        querystring: CustomerReadQuery,
        response: { 200: CustomerSchema, ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const em = orm.em.fork();
      const customer = await findCustomer(em, request.params.id);
      if (!customer) throw problems.notFound('Customer', request.params.id);
      const asOf = today();
      // The live state costs a round trip to a worker; only callers who ask for it pay for it.
      const [balance, openInvoices, account] = await Promise.all([
        customerBalance(em, customer.id, customer.currency),
        openInvoicesSummary(orm.em.fork(), customer.id, customer.currency, asOf),
        request.query.include === 'account' ? liveAccount(customer.id, request.log) : undefined,
      ]);
      return reply.header('etag', customerEtag(customer)).send(toView(customer, { account, balance, openInvoices }));
    },
  );

  app.patch(
    '/customers/:id',
    {
      config: { idempotency: true },
      schema: {
        tags: ['customers'],
        summary: 'Change some fields of a customer (If-Match: the ETag you read; stale: 412)',
        description:
          'Terms changes apply to invoices issued afterwards. `hold: {reason}` puts the account on hold, `hold: null` releases it.',
        params: UuidParams,
        headers: IdempotencyAndIfMatchHeaders,
        body: PatchCustomerBody,
        response: { 200: CustomerSchema, ...problemResponses(400, 404, 409, 412, 422) },
      },
    },
    async (request, reply) => {
      const expected = expectedVersion(request.headers['if-match'], request.params.id);
      const actor = actorOf(request);
      const { profile, changes } = await patchCustomer(orm.em.fork(), request.params.id, request.body, expected, {
        actor,
        requestId: request.id,
      });
      await notifyAccount(profile.id, changes, actor, profile.version, request.log);
      return reply.header('etag', customerEtag(profile)).send(toView(profile));
    },
  );

  app.post(
    '/customers/:id/close',
    {
      config: { idempotency: true },
      schema: {
        tags: ['customers'],
        summary: 'Close a customer with nothing open; its account workflow ends',
        params: UuidParams,
        headers: IdempotencyAndIfMatchHeaders,
        body: Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false }),
        response: { 200: CustomerSchema, ...problemResponses(400, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const expected = expectedVersion(request.headers['if-match'], request.params.id);
      const actor = actorOf(request);
      const em = orm.em.fork();
      const closed = await em.transactional(async (tx) => {
        const current = await lockCurrent(tx, request.params.id, expected);
        if (current.status === 'closed') return current; // closing twice is a no-op
        const balance = await customerBalance(tx, current.id, current.currency);
        const open = await openInvoicesSummary(tx, current.id, current.currency, new Date().toISOString().slice(0, 10));
        if (balance.receivable.amount !== 0 || balance.credit.amount !== 0 || open.count > 0) {
          throw problems.conflict(
            `Customer ${current.id} still has a receivable of ${balance.receivable.amount}, a credit of ${balance.credit.amount} and ${open.count} open invoice(s) (minor units of ${current.currency}); settle, write off or merge first.`,
            { balance, openInvoices: open },
          );
        }
        const [row] = await tx.execute<{ version: number }[]>(
          `UPDATE customer SET status = 'closed', closed_at = now(), version = version + 1, updated_at = now() WHERE id = ? RETURNING version`,
          [current.id],
        );
        await recordHistory(
          tx,
          current.id,
          [
            { field: 'status', from: current.status, to: 'closed' },
            { field: 'closeReason', from: null, to: request.body.reason },
          ],
          actor,
          request.id,
        );
        await recordEvent(tx, {
          type: 'customer.closed',
          entityType: 'customer',
          entityId: current.id,
          customerId: current.id,
          actor,
          data: { reason: request.body.reason },
        });
        return { ...current, version: row!.version };
      });
      try {
        await handle(closed.id).signal(closeAccountSignal, { by: actor, reason: request.body.reason });
      } catch (err) {
        request.log.warn({ err, customerId: closed.id }, 'account workflow already ended');
      }
      const fresh = (await findCustomer(orm.em.fork(), closed.id))!;
      return reply.header('etag', customerEtag(fresh)).send(toView(fresh));
    },
  );
};
