import { defineConfig, MikroORM } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { Customer } from './entities/customer.js';
import { OutboundMessage } from './entities/outbound-message.js';
import { migrationsList } from './migrations/index.js';

export const entities = [Customer, OutboundMessage];

export function ormConfig(databaseUrl: string, options: { poolMax?: number } = {}) {
  return defineConfig({
    clientUrl: databaseUrl,
    entities,
    extensions: [Migrator],
    // Migrations are hand-written SQL; no schema snapshot files are written next to the code.
    migrations: { migrationsList, tableName: 'schema_migration', transactional: true, allOrNothing: true, snapshot: false, snapshotOnMigrate: false },
    pool: { min: 0, max: options.poolMax ?? 10 },
    debug: false,
    // Entities are fetched explicitly; a global context would hide which request a query belongs to.
    allowGlobalContext: false,
  });
}

export type Orm = MikroORM;

export async function openOrm(databaseUrl: string, options: { poolMax?: number } = {}): Promise<Orm> {
  return MikroORM.init(ormConfig(databaseUrl, options));
}

/** Applies pending migrations; returns the names applied. */
export async function migrate(orm: Orm): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((m) => m.name);
}
