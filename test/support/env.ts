// Connection facts the global set-up hands to every test file through the environment.
export const TEST_ENV = {
  temporalAddress: 'AR_TEST_TEMPORAL_ADDRESS',
  templateDatabaseUrl: 'AR_TEST_TEMPLATE_DATABASE_URL',
  /** The engine's workflow bundle, built once per run (webpack costs ~10 s of CPU per worker that bundles itself). */
  workflowBundle: 'AR_TEST_WORKFLOW_BUNDLE',
} as const;

/** The test database: TEST_DATABASE_URL, else DATABASE_URL's server with the `ar_engine_test` database. */
export function templateDatabaseUrl(): string {
  if (process.env.TEST_DATABASE_URL) return process.env.TEST_DATABASE_URL;
  const url = new URL(process.env.DATABASE_URL ?? 'postgres://ar:ar@localhost:5432/ar_engine');
  url.pathname = '/ar_engine_test';
  return url.toString();
}

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through jest (its global set-up starts the services)`);
  return value;
}
