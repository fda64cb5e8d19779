// Applies pending migrations to DATABASE_URL and prints what it did.
import { loadConfig } from '../config/config.js';
import { migrate, openOrm } from '../db/orm.js';

const config = loadConfig();
const orm = await openOrm(config.databaseUrl, { poolMax: 1 });
try {
  const applied = await migrate(orm);
  console.log(applied.length ? `applied ${applied.join(', ')}` : 'up to date');
} finally {
  await orm.close();
}
