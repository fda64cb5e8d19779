// The Fastify application: plugins, validation, OpenAPI, error handling, then the routes.
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { requireDeclaredAccess } from './http/access.js';
import { installAuthentication } from './http/authentication.js';
import { installSecurity } from './http/security.js';
import { authRoutes } from './auth/routes.js';
import { userRoutes } from './auth/user-routes.js';
import { installPortal } from './portal/plugin.js';
import { portalSessionRenewer } from './portal/session.js';
import { resolveAuthSecret } from '../src/auth/secret.js';
import { createHash } from 'node:crypto';
import type { ApiDeps } from './http/deps.js';
import { answerClientError } from './http/client-errors.js';
import { buildLazySerializer } from './http/lazy-schemas.js';
import { installErrorHandling } from './http/error-handler.js';
import { installIdempotency } from './http/idempotency.js';
import { ProblemSchema } from './http/problem.js';
import { customerRoutes } from './customers/routes.js';
import { customerRecordRoutes } from './customers/record-routes.js';
import { paymentTermsRoutes } from './customers/payment-terms-routes.js';
import { healthRoutes } from './http/health-routes.js';
import { invoiceRoutes } from './invoices/routes.js';
import { ledgerRoutes } from './ledger/routes.js';
import { bankStatementRoutes } from './payments/bank-statement-routes.js';
import { paymentRoutes } from './payments/routes.js';
import { paymentReversalRoutes } from './payments/reversal-routes.js';
import { reportRoutes } from './reports/routes.js';
import { documentRoutes } from './documents/routes.js';
import { taskRoutes } from './tasks/routes.js';
import { decisionAuditRoutes } from './tasks/decision-audit-routes.js';
import { collectionRoutes } from './collections/routes.js';
import { dunningPolicyRoutes } from './collections/dunning-policy-routes.js';
import { disputeRoutes } from './disputes/routes.js';
import { creditRoutes } from './credit/routes.js';
import { eventRoutes } from './events/routes.js';
import { webhookRoutes } from './webhooks/routes.js';
import { importRoutes } from './imports/routes.js';
import { exportRoutes } from './ledger/export-routes.js';
import { creditNoteRoutes, installInvoiceUbl } from './invoices/credit-note-routes.js';
import { installObservability } from './http/observability.js';
import { buildRequestValidator } from './http/validation.js';
import { documentPlatformStatuses } from './http/documented-statuses.js';
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
    // A request still unanswered after this is answered 503 with Retry-After (api/http/unavailable.ts) instead of hanging.
    handlerTimeout: deps.config.http.requestTimeoutMs,
    // What Node's parser refuses (a URL or headers too large) is a problem+json too, documented on every route.
    clientErrorHandler: answerClientError,
    // Bodies are validated exactly as sent; only the text parts of a request are coerced (api/http/validation.ts).
    // Each route's validators and serializers are compiled on its first request, not at start (api/http/lazy-schemas.ts).
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
