// Dropping a scratch database (a test's clone, a benchmark's data) while sessions may still be attached to it.
// `DROP DATABASE … WITH (FORCE)` signals every session on the database, and PostgreSQL refuses the whole statement
// when one of them is an autovacuum worker and the caller is not a superuser ("must be a member of the role whose
// process is being terminated", SQLSTATE 42501): a freshly written database is exactly what autovacuum visits. Its
// visit lasts moments, so the drop is retried until the worker has gone.

const INSUFFICIENT_PRIVILEGE = '42501';

export async function dropDatabase(
  query: (sql: string) => Promise<unknown>,
  name: string,
  giveUpAfterMs = 30_000,
): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`refusing to drop database "${name}": not a plain identifier`);
  const deadline = Date.now() + giveUpAfterMs;
  for (;;) {
    try {
      await query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== INSUFFICIENT_PRIVILEGE || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
