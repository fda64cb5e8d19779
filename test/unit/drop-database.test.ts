import { dropDatabase } from '../../src/db/drop-database.js';

const refusedForAutovacuum = Object.assign(
  new Error('must be a member of the role whose process is being terminated or member of pg_signal_backend'),
  { code: '42501' },
);

it('retries the forced drop while an autovacuum worker holds the database, then drops it', async () => {
  const statements: string[] = [];
  let refusals = 2;
  await dropDatabase(async (sql) => {
    statements.push(sql);
    if (refusals-- > 0) throw refusedForAutovacuum;
  }, 'ar_t_0123abcd');
  expect(statements).toEqual(Array(3).fill('DROP DATABASE IF EXISTS ar_t_0123abcd WITH (FORCE)'));
});

it('gives up with the refusal once its time is spent', async () => {
  let attempts = 0;
  const drop = dropDatabase(
    async () => {
      attempts++;
      throw refusedForAutovacuum;
    },
    'ar_t_busy',
    300,
  );
  await expect(drop).rejects.toBe(refusedForAutovacuum);
  expect(attempts).toBeGreaterThan(1);
});

it('passes any other failure through at once', async () => {
  let attempts = 0;
  const failure = Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
  await expect(
    dropDatabase(async () => {
      attempts++;
      throw failure;
    }, 'ar_t_x'),
  ).rejects.toBe(failure);
  expect(attempts).toBe(1);
});

it('refuses a name that is not a plain identifier', async () => {
  let attempts = 0;
  await expect(
    dropDatabase(async () => {
      attempts++;
    }, 'x; DROP DATABASE ar_engine'),
  ).rejects.toThrow(/not a plain identifier/);
  expect(attempts).toBe(0);
});
