// A database per test file, cloned from the migrated template (fast, isolated, parallel-safe).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { dropDatabase } from '../../src/db/drop-database.js';
import { openOrm, type Orm } from '../../src/db/orm.js';
import { requireEnv, TEST_ENV } from './env.js';

export interface TestDatabase {
  url: string;
  orm: Orm;
  drop(): Promise<void>;
}

async function admin<T>(templateUrl: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const url = new URL(templateUrl);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const templateUrl = requireEnv(TEST_ENV.templateDatabaseUrl);
  const template = new URL(templateUrl).pathname.slice(1);
  const name = `ar_t_${randomBytes(6).toString('hex')}`;
  await admin(templateUrl, async (client) => {
    // Two files cloning the template at the same instant make PostgreSQL refuse one ("being accessed"); retry.
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
        return;
      } catch (error) {
        if (attempt >= 20 || !/being accessed by other users/.test((error as Error).message)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  });
  const url = new URL(templateUrl);
  url.pathname = `/${name}`;
  const orm = await openOrm(url.toString(), { poolMax: 5 });
  return {
    url: url.toString(),
    orm,
    async drop() {
      await orm.close(true);
      await admin(templateUrl, (client) => dropDatabase((sql) => client.query(sql), name));
    },
  };
}
