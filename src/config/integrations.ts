// The integrations and operations part of the configuration: webhook delivery policy, import batch size, the
// worker's metrics port and OpenTelemetry tracing. Read by loadConfig (src/config/config.ts) with the same error style.
import { ConfigError } from './config.js';
import { isDuration } from '../shared/duration.js';
import { DEFAULT_IMPORT_POLICY, type ImportPolicy } from '../imports/rules/import-policy.js';
import { DEFAULT_WEBHOOK_POLICY, webhookPolicyProblems, type WebhookPolicy } from '../webhooks/rules/webhook-policy.js';
import { isCountryCode } from '../shared/iso.js';
import type { SellerConfig } from '../invoices/store/einvoice-load.js';

export interface IntegrationsConfig {
  webhook: WebhookPolicy;
  import: ImportPolicy;
  /** Port of the worker's own `/metrics` endpoint (0 picks a free port; unset: no endpoint). */
  workerMetricsPort: number | undefined;
  tracing: { otlpEndpoint: string | undefined; serviceName: string };
  /** The supplier party of e-invoices (UBL / Peppol BIS). */
  seller: SellerConfig;
}

type Env = Record<string, string | undefined>;

const value = (env: Env, name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);

function durationVar(env: Env, name: string, fallback: string): string {
  const raw = value(env, name) ?? fallback;
  if (!isDuration(raw)) throw new ConfigError(name, `must be an ISO-8601 duration such as P3D or PT30S, got "${raw}"`);
  return raw;
}

function numberVar(env: Env, name: string, fallback: number, check: (n: number) => boolean, what: string): number {
  const raw = value(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!check(n)) throw new ConfigError(name, `must be ${what}, got "${raw}"`);
  return n;
}

export function integrationsConfig(env: Env): IntegrationsConfig {
  const d = DEFAULT_WEBHOOK_POLICY;
  const webhook: WebhookPolicy = {
    pollEvery: durationVar(env, 'WEBHOOK_POLL_EVERY', d.pollEvery),
    firstRetryAfter: durationVar(env, 'WEBHOOK_FIRST_RETRY_AFTER', d.firstRetryAfter),
    backoffCoefficient: numberVar(
      env,
      'WEBHOOK_BACKOFF_COEFFICIENT',
      d.backoffCoefficient,
      (n) => n >= 1 && n <= 10,
      'a number from 1 to 10',
    ),
    maxRetryInterval: durationVar(env, 'WEBHOOK_MAX_RETRY_INTERVAL', d.maxRetryInterval),
    retryFor: durationVar(env, 'WEBHOOK_RETRY_FOR', d.retryFor),
    requestTimeout: durationVar(env, 'WEBHOOK_REQUEST_TIMEOUT', d.requestTimeout),
    maxParallel: numberVar(
      env,
      'WEBHOOK_MAX_PARALLEL',
      d.maxParallel,
      (n) => Number.isInteger(n) && n >= 1 && n <= 100,
      'a whole number from 1 to 100',
    ),
    version: d.version,
  };
  const problems = webhookPolicyProblems(webhook);
  if (problems.length) throw new ConfigError('WEBHOOK_*', problems.join('; '));
  const isDefault = JSON.stringify({ ...webhook, version: '' }) === JSON.stringify({ ...d, version: '' });
  if (!isDefault)
    webhook.version =
      value(env, 'WEBHOOK_POLICY_VERSION') ??
      `env:${webhook.firstRetryAfter}x${webhook.backoffCoefficient}/${webhook.retryFor}`;
  const batchSize = numberVar(
    env,
    'IMPORT_BATCH_SIZE',
    DEFAULT_IMPORT_POLICY.batchSize,
    (n) => Number.isInteger(n) && n >= 1 && n <= 10_000,
    'a whole number from 1 to 10000',
  );
  const metricsPort = value(env, 'WORKER_METRICS_PORT');
  return {
    webhook,
    import: {
      batchSize,
      version: batchSize === DEFAULT_IMPORT_POLICY.batchSize ? DEFAULT_IMPORT_POLICY.version : `env:batch-${batchSize}`,
    },
    workerMetricsPort:
      metricsPort === undefined
        ? undefined
        : numberVar(
            env,
            'WORKER_METRICS_PORT',
            0,
            (n) => Number.isInteger(n) && n >= 0 && n <= 65535,
            'a TCP port (0-65535)',
          ),
    tracing: {
      otlpEndpoint: value(env, 'OTEL_EXPORTER_OTLP_ENDPOINT'),
      serviceName: value(env, 'OTEL_SERVICE_NAME') ?? 'ar-engine',
    },
    seller: sellerConfig(env),
  };
}

function sellerConfig(env: Env): SellerConfig {
  const country = value(env, 'SELLER_COUNTRY') ?? 'DE';
  if (!isCountryCode(country))
    throw new ConfigError('SELLER_COUNTRY', `must be an ISO 3166-1 alpha-2 country code, got "${country}"`);
  return {
    name: value(env, 'SELLER_NAME') ?? value(env, 'COMPANY_NAME') ?? 'Example Corp',
    country,
    line1: value(env, 'SELLER_STREET'),
    city: value(env, 'SELLER_CITY'),
    postalCode: value(env, 'SELLER_POSTAL_CODE'),
    vatId: value(env, 'SELLER_VAT_ID'),
    legalId: value(env, 'SELLER_LEGAL_ID'),
    endpointId: value(env, 'SELLER_PEPPOL_ID'),
    endpointScheme: value(env, 'SELLER_PEPPOL_SCHEME') ?? '0088',
    email: value(env, 'SELLER_EMAIL'),
    iban: value(env, 'SELLER_IBAN'),
  };
}
