// The Fastify application: plugins, validation, OpenAPI, error handling, then the routes.
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { requireDeclaredAccess } from './access.js';
import { installAuthentication } from './authentication.js';
import { installSecurity } from './security.js';
import { authRoutes } from './routes/auth.js';
import { userRoutes } from './routes/users.js';
import { installPortal } from './portal/plugin.js';
import { portalSessionRenewer } from './portal/session.js';
import { resolveAuthSecret } from '../src/auth/secret.js';
import { createHash } from 'node:crypto';
import type { ApiDeps } from './deps.js';
import { answerClientError } from './client-errors.js';
import { buildLazySerializer } from './lazy-schemas.js';
import { installErrorHandling } from './error-handler.js';
import { installIdempotency } from './idempotency.js';
import { ProblemSchema } from './problem.js';
import { customerRoutes } from './routes/customers.js';
import { customerRecordRoutes } from './routes/customer-records.js';
import { paymentTermsRoutes } from './routes/payment-terms.js';
import { healthRoutes } from './routes/health.js';
import { invoiceRoutes } from './routes/invoices.js';
import { ledgerRoutes } from './routes/ledger.js';
import { bankStatementRoutes } from './routes/bank-statements.js';
import { paymentRoutes } from './routes/payments.js';
import { paymentReversalRoutes } from './routes/payment-reversals.js';
import { reportRoutes } from './routes/reports.js';
import { documentRoutes } from './routes/documents.js';
import { taskRoutes } from './routes/tasks.js';
import { decisionAuditRoutes } from './routes/decision-audit.js';
import { collectionRoutes } from './routes/collections.js';
import { dunningPolicyRoutes } from './routes/dunning-policies.js';
import { disputeRoutes } from './routes/disputes.js';
import { creditRoutes } from './routes/credit.js';
import { eventRoutes } from './routes/events.js';
import { webhookRoutes } from './routes/webhooks.js';
import { importRoutes } from './routes/imports.js';
import { exportRoutes } from './routes/exports.js';
import { creditNoteRoutes, installInvoiceUbl } from './routes/credit-notes.js';
import { installObservability } from './observability.js';
import { buildRequestValidator } from './validation.js';
import { documentPlatformStatuses } from './documented-statuses.js';
import { startRelayLoop } from '../src/temporal/start-relay.js';

/** Log redaction: secrets and tax ids never reach the logs. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.newPassword',
  '*.taxId',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.key',
  '*.secret',
];

/** How often the relay looks for recorded workflow starts that their request did not carry out. */
const START_RELAY_EVERY_MS = 2_000;

export async function buildApp(deps: ApiDeps, options: { logger?: boolean } = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger === false ? false : { level: deps.config.logLevel, redact: REDACTED_PATHS },
    genReqId: (req) => {
      const header = req.headers['x-request-id'];
      return typeof header === 'string' && /^[\w.-]{1,128}$/.test(header) ? header : randomUUID();
    },
    requestIdHeader: false,
    // A request still unanswered after this is answered 503 with Retry-After (api/unavailable.ts) instead of hanging.
    handlerTimeout: deps.config.http.requestTimeoutMs,
    // What Node's parser refuses (a URL or headers too large) is a problem+json too, documented on every route.
    clientErrorHandler: answerClientError,
    // Bodies are validated exactly as sent; only the text parts of a request are coerced (api/validation.ts).
    // Each route's validators and serializers are compiled on its first request, not at start (api/lazy-schemas.ts).
    schemaController: {
      compilersFactory: {
        buildValidator: buildRequestValidator as never,
        buildSerializer: buildLazySerializer() as never,
      },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'AR Engine API',
        version: '0.1.0',
        description: 'Accounts receivable: customers, invoices, ledger, cash application, collections, disputes.',
      },
      tags: [
        { name: 'customers', description: 'Customer accounts' },
        { name: 'payment-terms', description: 'Payment terms templates (terms as data)' },
        { name: 'health', description: 'Liveness and readiness' },
        { name: 'invoices', description: 'Invoices, their lifecycle workflow, credit notes and cancellation' },
        { name: 'ledger', description: 'Ledger read side: AR invariant check, customer sub-ledger, journal entries' },
        { name: 'payments', description: 'Payments, cash application and bank statement import' },
        {
          name: 'reports',
          description: 'Aging, KPIs and their monthly snapshots, customer statements and stored documents',
        },
        { name: 'tasks', description: 'Human task inbox shared by disputes, collections, credit and cash application' },
        {
          name: 'collections',
          description:
            'Dunning policies, collection workflows, the collector worklist, contacts, promises to pay, write-off recoveries',
        },
        { name: 'disputes', description: 'Invoice disputes: opening, routing, SLA, customer replies, withdrawal' },
        {
          name: 'credit',
          description: 'Credit holds, applications, reviews (scorecard, authority matrix) and exposure',
        },
        { name: 'integrations', description: 'Domain event stream, webhooks, bulk imports and exports' },
        { name: 'operations', description: 'Metrics for monitoring' },
        { name: 'auth', description: 'Sign-in, tokens, users, API keys and the audit log' },
        {
          name: 'portal',
          description:
            'Customer portal: pages and JSON API scoped to the signed-in customer, portal invitations, payment gateway webhook',
        },
      ],
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT or API key (ark_...)' } },
      },
      security: [{ bearerAuth: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.addSchema(ProblemSchema);

  installErrorHandling(app);
  requireDeclaredAccess(app);
  documentPlatformStatuses(app);
  const authSecret = resolveAuthSecret(deps.config);
  await installSecurity(app, {
    cookieSecret: createHash('sha256').update(authSecret).update('cookies').digest('base64url'),
  });
  installAuthentication(app, {
    orm: deps.orm,
    secret: authSecret,
    portalSignInPath: '/portal/sign-in',
    renewPortalSession: portalSessionRenewer(deps.orm, authSecret, deps.config),
  });
  installIdempotency(app, deps.orm);
  installObservability(app, deps);
  // Starts a request recorded but could not carry out (workflow service down, process killed after the commit).
  let relay: { stop: () => Promise<void> } | undefined;
  app.addHook('onReady', async () => {
    relay = startRelayLoop(deps.orm.em, deps.temporal, { everyMs: START_RELAY_EVERY_MS, log: app.log });
  });
  app.addHook('onClose', async () => relay?.stop());
  installInvoiceUbl(app, deps);
  await app.register(healthRoutes, { deps });
  await app.register(authRoutes, { deps, secret: authSecret });
  await app.register(userRoutes, { deps });
  await installPortal(app, deps, authSecret);
  await app.register(customerRoutes, { deps });
  await app.register(customerRecordRoutes, { deps });
  await app.register(paymentTermsRoutes, { deps });
  await app.register(invoiceRoutes, { deps });
  await app.register(ledgerRoutes, { deps });
  await app.register(paymentRoutes, { deps });
  await app.register(paymentReversalRoutes, { deps });
  await app.register(bankStatementRoutes, { deps });
  await app.register(reportRoutes, { deps });
  await app.register(documentRoutes, { deps });
  await app.register(taskRoutes, { deps });
  await app.register(decisionAuditRoutes, { deps });
  await app.register(dunningPolicyRoutes, { deps });
  await app.register(collectionRoutes, { deps });
  await app.register(disputeRoutes, { deps });
  await app.register(creditRoutes, { deps });
  await app.register(eventRoutes, { deps });
  await app.register(webhookRoutes, { deps });
  await app.register(importRoutes, { deps });
  await app.register(exportRoutes, { deps });
  await app.register(creditNoteRoutes, { deps });
  return app;
}
