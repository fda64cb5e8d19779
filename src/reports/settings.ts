// Reporting settings read from the environment (kept out of the shared Config object so they can be read where they
// are used): REPORT_SCHEDULES=true|false (default true, false under NODE_ENV=test, where many test engines share one
// dev server and would each leave schedules behind) and PAYMENT_INSTRUCTIONS, the how-to-pay text of statements.
export interface ReportSettings {
  schedules: boolean;
  paymentInstructions: string | undefined;
}

export function reportSettings(
  env: Record<string, string | undefined> = process.env,
  nodeEnv = env.NODE_ENV,
): ReportSettings {
  const raw = env.REPORT_SCHEDULES;
  if (raw !== undefined && raw !== '' && raw !== 'true' && raw !== 'false')
    throw new Error(`invalid configuration: REPORT_SCHEDULES must be true or false, got "${raw}"`);
  return {
    schedules: raw === undefined || raw === '' ? nodeEnv !== 'test' : raw === 'true',
    paymentInstructions: env.PAYMENT_INSTRUCTIONS || undefined,
  };
}
