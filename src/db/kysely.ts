// Typed SQL through MikroORM's Kysely integration. The table and column names and each column's type come from the
// entity definitions in src/db/entities/ (the same ones the schema test holds against the migrations), so a store
// written this way has no hand-written row type, no snake_case mapper and no column name as a bare string: a renamed
// or retyped column fails to compile. The instance is bound to the EntityManager it comes from, so inside
// `em.transactional(...)` its queries run in that transaction.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { InferKyselyDB } from '@mikro-orm/sql';
import type { Kysely } from 'kysely';
import type { entities } from './entities/index.js';

export type Database = InferKyselyDB<(typeof entities)[number]>;

export function tables(em: EntityManager): Kysely<Database> {
  return em.getKysely<Database>();
}

export { sql } from 'kysely';
