// The entities in src/db/entities describe the schema the migrations build: on the migrated test database, MikroORM's
// schema diff from the entity metadata to the live database has nothing left to change.
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

test('the migrated schema and the entity metadata agree', async () => {
  const diff = await db.orm.schema.getUpdateSchemaSQL({ wrap: false, safe: false, dropTables: true });
  expect(diff.trim()).toBe('');
});
