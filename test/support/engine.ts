// The real engine for API tests: the Fastify app, a worker on its own task queue against the shared Temporal dev
// server, a cloned PostgreSQL database and a real SMTP server capturing mail.
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { startMailCatcher, type MailCatcher } from '../../src/mail/catcher.js';
import { connectClient } from '../../src/temporal/connection.js';
import { installTemporalRuntime, runWorker, type RunningWorker } from '../../src/composition/runtime.js';
import { tracingEnabled } from '../../src/observability/tracing.js';
import type { Role } from '../../src/auth/roles.js';
import { bearerHeaders, mintToken, type TokenOptions } from './auth.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { requireEnv, TEST_ENV } from './env.js';

export interface TestEngine {
  app: FastifyInstance;
  config: Config;
  db: TestDatabase;
  mail: MailCatcher;
  temporal: Client;
  temporalAddress: string;
  worker: RunningWorker | undefined;
  /** A bearer token (without the "Bearer " prefix) for any role; portal users name their customer. */
  tokenFor(role: Role, customerId?: string, options?: Omit<TokenOptions, 'customerId'>): Promise<string>;
  /** `{ authorization: 'Bearer ...' }` for that role, to pass as inject headers. */
  headersFor(
    role: Role,
    customerId?: string,
    options?: Omit<TokenOptions, 'customerId'>,
  ): Promise<{ authorization: string }>;
  close(): Promise<void>;
}

/**
 * Every `engine.app.inject(...)` acts as an admin (actor `api`) unless the request sets its own Authorization
 * header; an `x-actor` header names the admin actor instead (what audit trails and histories record).
 * To send a request without any credential, set `authorization: 'none'`.
 */
function injectAsAdmin(app: FastifyInstance, secret: string): void {
  const original = app.inject.bind(app) as (...args: unknown[]) => unknown;
  (app as unknown as { inject: (...args: unknown[]) => unknown }).inject = (...args: unknown[]) => {
    const [opts] = args;
    if (opts === undefined || typeof opts !== 'object' || opts === null) return original(...args);
    const request = opts as { headers?: Record<string, unknown> };
    const headers = { ...(request.headers ?? {}) };
    const hasAuth = Object.keys(headers).some(
      (h) => h.toLowerCase() === 'authorization' || h.toLowerCase() === 'x-api-key',
    );
    if (hasAuth) {
      if (headers.authorization === 'none') delete headers.authorization;
      return original({ ...request, headers }, ...args.slice(1));
    }
    const actorHeader = Object.keys(headers).find((h) => h.toLowerCase() === 'x-actor');
    const actor = actorHeader ? String(headers[actorHeader]) : undefined;
    if (actorHeader) delete headers[actorHeader];
    const withToken = mintToken(secret, 'admin', { actor }).then((token) =>
      original({ ...request, headers: { ...headers, authorization: `Bearer ${token}` } }),
    );
    const callback = args[1];
    if (typeof callback === 'function') {
      withToken.then(
        (res) => callback(null, res),
        (error) => callback(error),
      );
      return undefined;
    }
    return withToken;
  };
}

export async function startTestEngine(
  options: { env?: Record<string, string>; withWorker?: boolean } = {},
): Promise<TestEngine> {
  installTemporalRuntime('ERROR');
  const temporalAddress = requireEnv(TEST_ENV.temporalAddress);
  const [db, mail] = await Promise.all([createTestDatabase(), startMailCatcher()]);
  const authSecret = `test-${randomBytes(24).toString('hex')}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    AUTH_JWT_SECRET: authSecret,
    // Sign-in rate limiting is exercised by its own test with a low limit; the others sign in freely.
    AUTH_LOGIN_RATE_LIMIT: '1000',
    LOG_LEVEL: 'silent',
    DATABASE_URL: db.url,
    SMTP_URL: `smtp://127.0.0.1:${mail.smtpPort}`,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: `test-${randomBytes(6).toString('hex')}`,
    // The run's one bundle, unless tracing is on (its interceptors must be bundled in, so that worker bundles itself).
    ...(process.env[TEST_ENV.workflowBundle] && !tracingEnabled()
      ? { WORKFLOW_BUNDLE: process.env[TEST_ENV.workflowBundle] }
      : {}),
    ...options.env,
  });
  const worker = options.withWorker === false ? undefined : await runWorker(config, temporalAddress, { orm: db.orm });
  const temporal = await connectClient(config.temporal, temporalAddress);
  const app = await buildApp({ config, orm: db.orm, temporal }, { logger: false });
  await app.ready();
  const secret = config.auth.jwtSecret!;
  injectAsAdmin(app, secret);
  return {
    app,
    config,
    db,
    mail,
    temporal,
    temporalAddress,
    worker,
    tokenFor: (role, customerId, options) => mintToken(secret, role, { ...options, customerId }),
    headersFor: (role, customerId, options) => bearerHeaders(secret, role, { ...options, customerId }),
    async close() {
      await app.close();
      await worker?.stop();
      await temporal.connection.close();
      await mail.close();
      await db.drop();
    },
  };
}

/**
 * A valid POST /customers body. Tests create many customers from it, so it opts out of the duplicate check
 * (`allowDuplicate`); duplicate tests pass `allowDuplicate: undefined` to get the check back.
 */
export const customerFixture = (overrides: Record<string, unknown> = {}) => ({
  legalName: 'Acme Corp',
  email: 'ap@acme.example',
  currency: 'EUR',
  billingAddress: { line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' },
  allowDuplicate: true,
  ...overrides,
});

/** Polls until `check` returns a value (not undefined) or the timeout passes. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
}
