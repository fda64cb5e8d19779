import { defineConfig, MikroORM } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { entities } from './entities/index.js';
import { migrationsList } from './migrations/index.js';
import { guardPoolAgainstDeadConnections } from './pool-guard.js';
import { CommittedEffectsSubscriber } from './committed-effects.js';

export { entities };

export interface PoolOptions {
  poolMax?: number;
  /**
   * Longest wait for a connection (a free one from a full pool, or a new one) before the query fails; unset: no limit.
   * Bounded, a database outage fails requests fast (503) instead of queueing them until clients give up.
   */
  acquireTimeoutMs?: number;
}

export function ormConfig(databaseUrl: string, options: PoolOptions = {}) {
  return defineConfig({
    clientUrl: databaseUrl,
    entities,
    // Marks the commits of requests that must take effect once (src/db/committed-effects.ts).
    subscribers: [new CommittedEffectsSubscriber()],
    extensions: [Migrator],
    // Migrations are hand-written SQL; no schema snapshot files are written next to the code.
    migrations: {
      migrationsList,
      tableName: 'schema_migration',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      snapshotOnMigrate: false,
    },
    pool: { min: 0, max: options.poolMax ?? 10 },
    // Passed to pg's Pool: the acquire limit, TCP keep-alive so a connection to a vanished server is noticed, and the
    // guard that frees the slots of connections that died while checked out (src/db/pool-guard.ts).
    driverOptions: {
      connectionTimeoutMillis: options.acquireTimeoutMs ?? 0,
      keepAlive: true,
      onPoolCreated: guardPoolAgainstDeadConnections,
    },
    debug: false,
    // Entities are fetched explicitly; a global context would hide which request a query belongs to.
    allowGlobalContext: false,
  });
}

export type Orm = MikroORM;

export async function openOrm(databaseUrl: string, options: PoolOptions = {}): Promise<Orm> {
  return MikroORM.init(ormConfig(databaseUrl, options));
}

/** Applies pending migrations; returns the names applied. */
export async function migrate(orm: Orm): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((m) => m.name);
}
