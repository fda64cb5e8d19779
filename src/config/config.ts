// One typed configuration object, read from the environment and validated at start-up.
// A bad value stops start-up with a message naming the variable.
import { DataKeyError, parseDataKeys } from '../security/keyring.js';
import { HashKeyError, parseHashKey } from '../security/match-hash.js';
import { durationMs, isDuration } from '../shared/duration.js';
import {
  DEFAULT_CASH_APPLICATION_POLICY,
  type CashApplicationPolicy,
} from '../payments/rules/cash-application-policy.js';
import { DEFAULT_INVOICE_POLICY, type InvoicePolicy } from '../invoices/rules/invoice-policy.js';
import { DEFAULT_DELINQUENCY_POLICY, type DelinquencyPolicy } from '../collections/rules/delinquency.js';
import { referencePatternProblem } from '../payments/rules/cash-matching.js';
import {
  DEFAULT_DISPUTE_POLICY,
  disputePolicyProblems,
  parseRouting,
  type DisputePolicy,
} from '../disputes/rules/dispute-policy.js';
import { integrationsConfig, type IntegrationsConfig } from './integrations.js';
import { creditPolicyProblems, DEFAULT_CREDIT_POLICY, type CreditPolicy } from '../credit/rules/credit-policy.js';
import { isQueueName } from '../tasks/rules/task-duties.js';

export interface Config {
  env: 'development' | 'test' | 'production';
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** `requestTimeoutMs`: longest a request may take before it is answered 503 with Retry-After (0: no limit). */
  http: { host: string; port: number; publicUrl: string; requestTimeoutMs: number; metricsToken: string | undefined };
  databaseUrl: string;
  /** Longest wait for a pooled PostgreSQL connection (a free one, or a new one to a server that may be down). */
  databasePool: { acquireTimeoutMs: number };
  temporal: {
    /** Unset: the embedded default starts its own dev server. */
    address: string | undefined;
    namespace: string;
    taskQueue: string;
    tls: { certPath: string; keyPath: string; caPath: string | undefined } | undefined;
    devServer: { port: number; uiPort: number; dbFile: string };
    /** A workflow bundle built ahead (src/bin/bundle-workflows.ts); unset: the worker bundles workflows/ at start. */
    workflowBundlePath: string | undefined;
  };
  mail: { smtpUrl: string; from: string; catcherUiPort: number; companyName: string };
  /** Webhook delivery and import policies, worker metrics, tracing, e-invoice seller (src/config/integrations.ts). */
  integrations: IntegrationsConfig;
  policy: {
    accountRefreshEvery: string;
    accountDelinquency: DelinquencyPolicy;
    cashApplication: CashApplicationPolicy;
    invoice: InvoicePolicy;
    dispute: DisputePolicy;
    credit: CreditPolicy;
  };
  auth: AuthConfig;
  portal: PortalConfig;
}

/** Self-service payments: the card/bank-debit gateway (optional) and the bank transfer details (always shown). */
export interface PortalConfig {
  stripe:
    | { secretKey: string; webhookSecret: string; apiUrl: string | undefined; publishableKey: string | undefined }
    | undefined;
  bankTransfer: { accountName: string; iban: string; bic: string };
}

/** Sign-in and token lifetimes (ISO-8601 durations) and the signing secret of access tokens. */
export interface AuthConfig {
  /** HS256 secret for access tokens; unset in development means a generated secret kept in .data/auth-secret. */
  jwtSecret: string | undefined;
  accessTokenTtl: string;
  refreshTokenTtl: string;
  invitationTtl: string;
  magicLinkTtl: string;
  /** Sign-in attempts allowed per client address per minute (login, refresh, magic links). */
  loginRateLimit: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`invalid configuration: ${variable} ${detail}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, fallback: string): string {
  const value = env[name];
  return value === undefined || value === '' ? fallback : value;
}

/** DATA_ENCRYPTION_KEYS seal secrets at rest (src/security/keyring.ts): checked here so a bad key stops start-up. */
function checkDataKeys(env: Env, mode: string): void {
  const spec = optional(env, 'DATA_ENCRYPTION_KEYS');
  if (spec === undefined) {
    if (mode === 'production')
      throw new ConfigError('DATA_ENCRYPTION_KEYS', 'is required in production (id:base64 of 32 random bytes)');
    return;
  }
  try {
    parseDataKeys(spec);
  } catch (error) {
    if (error instanceof DataKeyError) throw new ConfigError('DATA_ENCRYPTION_KEYS', error.message);
    throw error;
  }
}

/** DATA_HASH_KEY keys the match hashes of sealed identifiers (src/security/match-hash.ts). */
function checkHashKey(env: Env, mode: string): void {
  const spec = optional(env, 'DATA_HASH_KEY');
  if (spec === undefined) {
    if (mode === 'production')
      throw new ConfigError('DATA_HASH_KEY', 'is required in production (base64 of 32 random bytes)');
    return;
  }
  try {
    parseHashKey(spec);
  } catch (error) {
    if (error instanceof HashKeyError) throw new ConfigError('DATA_HASH_KEY', error.message);
    throw error;
  }
}

/** The bearer token `/metrics` asks of scrapers (unset: answered to loopback only). */
function metricsToken(env: Env): string | undefined {
  const token = optional(env, 'METRICS_TOKEN');
  if (token !== undefined && token.length < 24)
    throw new ConfigError('METRICS_TOKEN', 'must be at least 24 characters');
  return token;
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function port(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535)
    throw new ConfigError(name, `must be a TCP port (0-65535), got "${raw}"`);
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = str(env, name, fallback);
  if (!(allowed as readonly string[]).includes(raw))
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

function url(env: Env, name: string, fallback: string, protocols: readonly string[]): string {
  const raw = str(env, name, fallback);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be a URL, got "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol))
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
  return raw;
}

function duration(env: Env, name: string, fallback: string): string {
  const raw = str(env, name, fallback);
  if (!isDuration(raw)) throw new ConfigError(name, `must be an ISO-8601 duration such as P1D or PT30S, got "${raw}"`);
  return raw;
}

/** A time limit in milliseconds from an ISO-8601 duration; `allowZero` lets PT0S switch the limit off. */
function timeLimitMs(env: Env, name: string, fallback: string, allowZero: boolean): number {
  const raw = duration(env, name, fallback);
  const ms = Math.round(durationMs(raw));
  if (ms === 0 && !allowZero) throw new ConfigError(name, `must be longer than zero, got "${raw}"`);
  if (ms > 0 && (ms < 100 || ms > 3_600_000))
    throw new ConfigError(name, `must be between PT0.1S and PT1H, got "${raw}"`);
  return ms;
}

function authConfig(env: Env, mode: Config['env']): AuthConfig {
  const jwtSecret = optional(env, 'AUTH_JWT_SECRET');
  if (jwtSecret !== undefined && jwtSecret.length < 32)
    throw new ConfigError('AUTH_JWT_SECRET', 'must be at least 32 characters');
  if (jwtSecret === undefined && mode === 'production')
    throw new ConfigError('AUTH_JWT_SECRET', 'is required in production');
  checkDataKeys(env, mode);
  checkHashKey(env, mode);
  const limit = str(env, 'AUTH_LOGIN_RATE_LIMIT', '10');
  if (!/^[1-9]\d{0,5}$/.test(limit))
    throw new ConfigError('AUTH_LOGIN_RATE_LIMIT', `must be a positive whole number, got "${limit}"`);
  return {
    jwtSecret,
    accessTokenTtl: duration(env, 'AUTH_ACCESS_TOKEN_TTL', 'PT15M'),
    refreshTokenTtl: duration(env, 'AUTH_REFRESH_TOKEN_TTL', 'P30D'),
    invitationTtl: duration(env, 'AUTH_INVITATION_TTL', 'P7D'),
    magicLinkTtl: duration(env, 'AUTH_MAGIC_LINK_TTL', 'PT15M'),
    loginRateLimit: Number(limit),
  };
}

function portalConfig(env: Env, companyName: string): PortalConfig {
  const secretKey = optional(env, 'STRIPE_SECRET_KEY');
  const webhookSecret = optional(env, 'STRIPE_WEBHOOK_SECRET');
  if ((secretKey === undefined) !== (webhookSecret === undefined)) {
    throw new ConfigError(
      secretKey ? 'STRIPE_WEBHOOK_SECRET' : 'STRIPE_SECRET_KEY',
      'must be set together with its pair (payments are confirmed by signed webhooks)',
    );
  }
  const apiUrl = optional(env, 'STRIPE_API_URL');
  if (apiUrl !== undefined) url(env, 'STRIPE_API_URL', apiUrl, ['http:', 'https:']);
  return {
    stripe:
      secretKey && webhookSecret
        ? { secretKey, webhookSecret, apiUrl, publishableKey: optional(env, 'STRIPE_PUBLISHABLE_KEY') }
        : undefined,
    bankTransfer: {
      accountName: str(env, 'BANK_TRANSFER_ACCOUNT_NAME', companyName),
      iban: str(env, 'BANK_TRANSFER_IBAN', 'DE89 3704 0044 0532 0130 00'),
      bic: str(env, 'BANK_TRANSFER_BIC', 'COBADEFFXXX'),
    },
  };
}

function queueName(env: Env, name: string, fallback: string): string {
  const value = str(env, name, fallback);
  if (!isQueueName(value))
    throw new ConfigError(name, `must be a queue name (lower-case letters, digits, . _ -), got "${value}"`);
  return value;
}

function cashApplicationPolicy(env: Env): CashApplicationPolicy {
  const defaults = DEFAULT_CASH_APPLICATION_POLICY;
  const referencePattern = str(env, 'CASH_REFERENCE_PATTERN', defaults.match.referencePattern);
  const patternProblem = referencePatternProblem(referencePattern);
  if (patternProblem)
    throw new ConfigError(
      'CASH_REFERENCE_PATTERN',
      `must be a regular expression that finds invoice numbers: ${patternProblem}`,
    );
  return {
    researchAfter: duration(env, 'CASH_RESEARCH_AFTER', defaults.researchAfter),
    researchSla: duration(env, 'CASH_RESEARCH_SLA', defaults.researchSla),
    researchEscalateTo: queueName(env, 'CASH_RESEARCH_ESCALATE_TO', defaults.researchEscalateTo!),
    match: {
      ...defaults.match,
      referencePattern,
      oldestFirst:
        oneOf(env, 'CASH_OLDEST_FIRST', ['true', 'false'], String(defaults.match.oldestFirst) as 'true' | 'false') ===
        'true',
    },
  };
}

/**
 * Credit policy: the defaults, with CREDIT_POLICY (a JSON object, shallowly merged over them, e.g. shorter review
 * frequencies for staging) and CREDIT_BUREAU_PROVIDER. Recorded in each review and account workflow's input.
 */
function creditPolicy(env: Env): CreditPolicy {
  let overrides: Partial<CreditPolicy> = {};
  const raw = optional(env, 'CREDIT_POLICY');
  if (raw !== undefined) {
    try {
      overrides = JSON.parse(raw) as Partial<CreditPolicy>;
    } catch {
      throw new ConfigError('CREDIT_POLICY', 'must be a JSON object of credit policy fields');
    }
  }
  const policy: CreditPolicy = {
    ...DEFAULT_CREDIT_POLICY,
    ...overrides,
    bureauProvider: str(
      env,
      'CREDIT_BUREAU_PROVIDER',
      overrides.bureauProvider ?? DEFAULT_CREDIT_POLICY.bureauProvider,
    ),
  };
  if (raw !== undefined && overrides.version === undefined) policy.version = `${DEFAULT_CREDIT_POLICY.version}+env`;
  const problems = creditPolicyProblems(policy);
  if (problems.length) throw new ConfigError('CREDIT_POLICY', problems.join('; '));
  return policy;
}

/** When the account workflow flags a customer delinquent (recorded in each account workflow's input). */
function delinquencyPolicy(env: Env): DelinquencyPolicy {
  const raw = str(env, 'ACCOUNT_DELINQUENT_BROKEN_PROMISES', String(DEFAULT_DELINQUENCY_POLICY.brokenPromisesAtLeast));
  if (!/^\d{1,4}$/.test(raw))
    throw new ConfigError(
      'ACCOUNT_DELINQUENT_BROKEN_PROMISES',
      `must be a whole number (0 disables the rule), got "${raw}"`,
    );
  return {
    overdueAfter: duration(env, 'ACCOUNT_DELINQUENT_AFTER', DEFAULT_DELINQUENCY_POLICY.overdueAfter),
    brokenPromisesAtLeast: Number(raw),
  };
}

/** Courtesy-reminder offset and overdue grace of the invoice workflow; the version label is recorded in each history. */
function invoicePolicy(env: Env): InvoicePolicy {
  const defaults = DEFAULT_INVOICE_POLICY;
  const reminderBefore = duration(env, 'INVOICE_REMINDER_BEFORE', defaults.reminderBefore);
  const overdueAfter = duration(env, 'INVOICE_OVERDUE_AFTER', defaults.overdueAfter);
  const reconcileEvery = duration(env, 'INVOICE_RECONCILE_EVERY', defaults.reconcileEvery!);
  const isDefault =
    reminderBefore === defaults.reminderBefore &&
    overdueAfter === defaults.overdueAfter &&
    reconcileEvery === defaults.reconcileEvery;
  return {
    reminderBefore,
    overdueAfter,
    reconcileEvery,
    version: str(
      env,
      'INVOICE_POLICY_VERSION',
      isDefault ? defaults.version : `env:${reminderBefore}/${overdueAfter}/${reconcileEvery}`,
    ),
  };
}

/** Acknowledgement, routing, business-time SLAs and the calendar of the dispute workflow (recorded in each history). */
function disputePolicy(env: Env): DisputePolicy {
  const defaults = DEFAULT_DISPUTE_POLICY;
  let routing = defaults.routing;
  try {
    routing = parseRouting(str(env, 'DISPUTE_ROUTING', ''), defaults.routing);
  } catch (error) {
    throw new ConfigError(
      'DISPUTE_ROUTING',
      `must be category=queue pairs separated by commas: ${(error as Error).message}`,
    );
  }
  const list = (name: string, fallback: string) =>
    str(env, name, fallback)
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  const policy: DisputePolicy = {
    version: str(env, 'DISPUTE_POLICY_VERSION', defaults.version),
    acknowledgement: {
      needsPerson:
        oneOf(
          env,
          'DISPUTE_ACK_NEEDS_PERSON',
          ['true', 'false'],
          String(defaults.acknowledgement.needsPerson) as 'true' | 'false',
        ) === 'true',
      sla: duration(env, 'DISPUTE_ACK_SLA', defaults.acknowledgement.sla),
      queue: str(env, 'DISPUTE_ACK_QUEUE', defaults.acknowledgement.queue),
    },
    resolutionSla: duration(env, 'DISPUTE_RESOLUTION_SLA', defaults.resolutionSla),
    infoReplyWithin: duration(env, 'DISPUTE_INFO_REPLY_WITHIN', defaults.infoReplyWithin),
    routing,
    managerQueue: str(env, 'DISPUTE_MANAGER_QUEUE', defaults.managerQueue),
    managerEmail: str(env, 'DISPUTE_MANAGER_EMAIL', defaults.managerEmail),
    calendar: {
      weekendDays: list('DISPUTE_WEEKEND_DAYS', defaults.calendar.weekendDays.join(',')).map(Number),
      holidays: list('DISPUTE_HOLIDAYS', defaults.calendar.holidays.join(',')),
    },
    instalmentGrace: duration(env, 'DISPUTE_INSTALMENT_GRACE', defaults.instalmentGrace),
  };
  const variable: Record<string, string> = {
    '/acknowledgement/queue': 'DISPUTE_ACK_QUEUE',
    '/resolutionSla': 'DISPUTE_RESOLUTION_SLA',
    '/infoReplyWithin': 'DISPUTE_INFO_REPLY_WITHIN',
    '/managerQueue': 'DISPUTE_MANAGER_QUEUE',
    '/managerEmail': 'DISPUTE_MANAGER_EMAIL',
  };
  const [problem] = disputePolicyProblems(policy);
  if (problem) {
    const name =
      variable[problem.pointer] ??
      (problem.pointer.startsWith('/calendar/weekendDays')
        ? 'DISPUTE_WEEKEND_DAYS'
        : problem.pointer.startsWith('/calendar/holidays')
          ? 'DISPUTE_HOLIDAYS'
          : problem.pointer.startsWith('/routing')
            ? 'DISPUTE_ROUTING'
            : 'DISPUTE_POLICY_VERSION');
    throw new ConfigError(name, `${problem.detail} (${problem.pointer})`);
  }
  return policy;
}

export function loadConfig(env: Env = process.env): Config {
  const httpPort = port(env, 'PORT', 3000);
  const certPath = optional(env, 'TEMPORAL_TLS_CERT');
  const keyPath = optional(env, 'TEMPORAL_TLS_KEY');
  if ((certPath === undefined) !== (keyPath === undefined)) {
    throw new ConfigError(
      certPath ? 'TEMPORAL_TLS_KEY' : 'TEMPORAL_TLS_CERT',
      'must be set together with its pair (mTLS needs both)',
    );
  }
  const mode = oneOf(env, 'NODE_ENV', ['development', 'test', 'production'], 'development');
  return {
    env: mode,
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    http: {
      host: str(env, 'HOST', '127.0.0.1'),
      port: httpPort,
      publicUrl: url(env, 'PUBLIC_URL', `http://localhost:${httpPort}`, ['http:', 'https:']),
      requestTimeoutMs: timeLimitMs(env, 'HTTP_REQUEST_TIMEOUT', 'PT30S', true),
      metricsToken: metricsToken(env),
    },
    integrations: integrationsConfig(env),
    databaseUrl: url(env, 'DATABASE_URL', 'postgres://ar:ar@localhost:5432/ar_engine', ['postgres:', 'postgresql:']),
    databasePool: { acquireTimeoutMs: timeLimitMs(env, 'DATABASE_ACQUIRE_TIMEOUT', 'PT5S', false) },
    temporal: {
      address: optional(env, 'TEMPORAL_ADDRESS'),
      namespace: str(env, 'TEMPORAL_NAMESPACE', 'default'),
      taskQueue: str(env, 'TEMPORAL_TASK_QUEUE', 'ar-engine'),
      tls: certPath && keyPath ? { certPath, keyPath, caPath: optional(env, 'TEMPORAL_TLS_CA') } : undefined,
      devServer: {
        port: port(env, 'TEMPORAL_DEV_PORT', 7233),
        uiPort: port(env, 'TEMPORAL_UI_PORT', 8233),
        dbFile: str(env, 'TEMPORAL_DEV_DB', '.data/temporal.db'),
      },
      workflowBundlePath: optional(env, 'WORKFLOW_BUNDLE'),
    },
    mail: {
      smtpUrl: url(env, 'SMTP_URL', 'smtp://127.0.0.1:1025', ['smtp:', 'smtps:']),
      from: str(env, 'MAIL_FROM', 'Accounts Receivable <ar@example.com>'),
      catcherUiPort: port(env, 'MAIL_UI_PORT', 8025),
      companyName: str(env, 'COMPANY_NAME', 'Example Corp'),
    },
    policy: {
      accountRefreshEvery: duration(env, 'ACCOUNT_REFRESH_EVERY', 'P1D'),
      accountDelinquency: delinquencyPolicy(env),
      cashApplication: cashApplicationPolicy(env),
      invoice: invoicePolicy(env),
      dispute: disputePolicy(env),
      credit: creditPolicy(env),
    },
    auth: authConfig(env, mode),
    portal: portalConfig(env, str(env, 'COMPANY_NAME', 'Example Corp')),
  };
}
