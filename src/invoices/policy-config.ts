// The invoice policy from the environment (ISO-8601 durations), validated like the rest of the configuration:
// INVOICE_REMINDER_BEFORE (default P3D), INVOICE_OVERDUE_AFTER (default P0D), INVOICE_POLICY_VERSION.
import { ConfigError } from '../config.js';
import { isDuration } from '../domain/duration.js';
import { DEFAULT_INVOICE_POLICY, type InvoicePolicy } from '../domain/invoice-policy.js';

export function invoicePolicyFromEnv(env: Record<string, string | undefined> = process.env): InvoicePolicy {
  const read = (name: string, fallback: string) => {
    const raw = env[name] === undefined || env[name] === '' ? fallback : env[name]!;
    if (!isDuration(raw)) throw new ConfigError(name, `must be an ISO-8601 duration such as P3D or PT30S, got "${raw}"`);
    return raw;
  };
  const reminderBefore = read('INVOICE_REMINDER_BEFORE', DEFAULT_INVOICE_POLICY.reminderBefore);
  const overdueAfter = read('INVOICE_OVERDUE_AFTER', DEFAULT_INVOICE_POLICY.overdueAfter);
  const version = env.INVOICE_POLICY_VERSION || (reminderBefore === DEFAULT_INVOICE_POLICY.reminderBefore && overdueAfter === DEFAULT_INVOICE_POLICY.overdueAfter ? DEFAULT_INVOICE_POLICY.version : `env:${reminderBefore}/${overdueAfter}`);
  return { reminderBefore, overdueAfter, version };
}
