import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import { checkCustomerCodes, normalizeEmail } from '../../src/domain/customer.js';
import { Customer } from '../../src/db/entities/customer.js';
import { workflowIds } from '../../src/temporal/ids.js';
import { startCustomerAccount } from '../../src/temporal/starters.js';
import { accountStateQuery } from '../../workflows/messages.js';
import type { ApiDeps } from '../deps.js';
import { IdempotencyHeaders } from '../idempotency.js';
import { problems } from '../problem.js';
import { problemResponses, UuidParams } from '../schemas/common.js';
import { AccountStateSchema, CreateCustomerBody, CustomerSchema } from '../schemas/customer.js';

type CustomerView = Static<typeof CustomerSchema>;
type AccountView = Static<typeof AccountStateSchema>;

function toView(customer: Customer, account: AccountView | null): CustomerView {
  return {
    id: customer.id,
    legalName: customer.legalName,
    displayName: customer.displayName ?? null,
    email: customer.email,
    currency: customer.currency,
    billingAddress: customer.billingAddress,
    status: customer.status,
    version: customer.version,
    createdAt: customer.createdAt.toISOString(),
    updatedAt: customer.updatedAt.toISOString(),
    account,
  };
}

const etag = (customer: Customer) => `"${customer.id}.${customer.version}"`;

export const customerRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { orm, temporal, config } = deps;

  /** The live account state from the workflow; null (with a log line) when no worker can answer in time. */
  async function liveAccount(customerId: string, log: { warn: (obj: object, msg: string) => void }): Promise<AccountView | null> {
    try {
      return await temporal.workflow.getHandle(workflowIds.customerAccount(customerId)).query(accountStateQuery);
    } catch (err) {
      log.warn({ err, customerId }, 'account workflow did not answer the state query');
      return null;
    }
  }

  app.post(
    '/customers',
    {
      config: { idempotency: true },
      schema: {
        tags: ['customers'],
        summary: 'Create a customer and start its account workflow',
        headers: IdempotencyHeaders,
        body: CreateCustomerBody,
        response: { 201: CustomerSchema, ...problemResponses(400, 422, 503) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const codeProblems = checkCustomerCodes(body);
      if (codeProblems.length) throw problems.unprocessable(codeProblems.map((p) => ({ ...p, in: 'body' as const })), 'Unknown code in the customer record.');

      const em = orm.em.fork();
      const customer = em.create(Customer, {
        id: randomUUID(),
        legalName: body.legalName.trim(),
        displayName: body.displayName?.trim() ?? null,
        email: normalizeEmail(body.email),
        currency: body.currency,
        billingAddress: body.billingAddress,
        status: 'active',
      });
      // The row and the workflow start succeed or fail together: a failed start rolls the insert back.
      await em.transactional(async (tx) => {
        tx.persist(customer);
        await tx.flush();
        await startCustomerAccount(
          { client: temporal, taskQueue: config.temporal.taskQueue, requestId: request.id },
          { customerId: customer.id, currency: customer.currency, policy: { refreshEvery: config.policy.accountRefreshEvery } },
        );
      });
      const account = await liveAccount(customer.id, request.log);
      return reply.status(201).header('location', `/customers/${customer.id}`).header('etag', etag(customer)).send(toView(customer, account));
    },
  );

  app.get(
    '/customers/:id',
    {
      schema: {
        tags: ['customers'],
        summary: 'A customer profile with the live account state',
        params: UuidParams,
        response: { 200: CustomerSchema, ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const customer = await orm.em.fork().findOne(Customer, { id: request.params.id });
      if (!customer) throw problems.notFound('Customer', request.params.id);
      const account = await liveAccount(customer.id, request.log);
      return reply.header('etag', etag(customer)).send(toView(customer, account));
    },
  );
};
