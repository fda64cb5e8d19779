// Match hashes of sealed identifiers: one value written any way gives one hash, the hash depends on the key and on
// the kind (a tax id and an account number with the same characters do not match), and it does not show the value.
import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { taxKeyHash } from '../../src/customers/store/sealed-tax-id.js';
import { accountHash } from '../../src/payments/store/sealed-bank-accounts.js';
import { hashKey, matchHash, normalizeIdentifier, parseHashKey } from '../../src/security/match-hash.js';

const key = () => parseHashKey(randomBytes(32).toString('base64'));

it.each([
  ['de 123.456-789', 'DE123456789'],
  ['GB29 NWBK 6016 1331 9268 19', 'GB29NWBK60161331926819'],
  ['nl123456789b01', 'NL123456789B01'],
])('normalises %s to %s', (written, normalised) => {
  expect(normalizeIdentifier(written)).toBe(normalised);
});

it('gives one hash for one value however it is written, another for another key or kind, never the value', () => {
  const k = key();
  const h = matchHash('bank_account', 'GB29 NWBK 6016 1331 9268 19', k);
  expect(h).toMatch(/^[0-9a-f]{64}$/);
  expect(matchHash('bank_account', 'gb29nwbk60161331926819', k)).toBe(h);
  expect(matchHash('bank_account', 'GB29NWBK60161331926819', key())).not.toBe(h);
  expect(matchHash('tax_id', 'GB29NWBK60161331926819', k)).not.toBe(h);
  expect(h).not.toContain('60161331926819');
});

it('hashes a tax id by its comparable key: with or without its VAT prefix, one hash per country', () => {
  expect(taxKeyHash('DE', 'DE 123 456 789')).toBe(taxKeyHash('DE', '123.456.789'));
  expect(taxKeyHash('GR', 'EL123456789')).toBe(taxKeyHash('GR', '123456789'));
  expect(taxKeyHash('AT', '123456789')).not.toBe(taxKeyHash('DE', '123456789'));
  expect(accountHash('DE89 3704 0044 0532 0130 00')).toBe(accountHash('DE89370400440532013000'));
});

it('follows DATA_HASH_KEY, with a development key when unset', () => {
  const spec = randomBytes(32).toString('base64');
  expect(hashKey({ DATA_HASH_KEY: spec }).equals(parseHashKey(spec))).toBe(true);
  expect(hashKey({}).equals(parseHashKey(spec))).toBe(false);
});

it('refuses a short or malformed DATA_HASH_KEY at start-up, and its absence in production', () => {
  expect(() => loadConfig({ DATA_HASH_KEY: randomBytes(16).toString('base64') })).toThrow(ConfigError);
  expect(() => loadConfig({ DATA_HASH_KEY: 'not base64!' })).toThrow(/DATA_HASH_KEY/);
  const production = {
    NODE_ENV: 'production',
    AUTH_JWT_SECRET: 'x'.repeat(40),
    DATA_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  };
  expect(() => loadConfig(production)).toThrow(/DATA_HASH_KEY/);
  expect(() => loadConfig({ ...production, DATA_HASH_KEY: randomBytes(32).toString('base64') })).not.toThrow(
    /DATA_HASH_KEY/,
  );
});
