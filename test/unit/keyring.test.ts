// Sealed secrets: what is stored does not show the secret, opens only with a listed key and in its own column, and
// survives a key rotation (new key first, old key still listed) until re-sealed.
import { randomBytes } from 'node:crypto';
import {
  dataKeyring,
  DataKeyError,
  isSealed,
  parseDataKeys,
  seal,
  sealedWithCurrent,
  unseal,
} from '../../src/security/keyring.js';
import { ConfigError, loadConfig } from '../../src/config/config.js';

const key = () => randomBytes(32).toString('base64');

describe('sealing', () => {
  const ring = parseDataKeys(`k1:${key()}`);

  it('opens what it sealed, and the stored text shows neither the secret nor the same text twice', () => {
    const a = seal('whsec_very-secret', 'webhook_subscription.secret', ring);
    const b = seal('whsec_very-secret', 'webhook_subscription.secret', ring);
    expect(isSealed(a)).toBe(true);
    expect(a).not.toContain('very-secret');
    expect(a).not.toBe(b);
    expect(unseal(a, 'webhook_subscription.secret', ring)).toBe('whsec_very-secret');
  });

  it('does not open in another column, with another key, or when tampered with', () => {
    const sealed = seal('s3cret', 'webhook_subscription.secret', ring);
    expect(() => unseal(sealed, 'customer.tax_id', ring)).toThrow();
    expect(() => unseal(sealed, 'webhook_subscription.secret', parseDataKeys(`k1:${key()}`))).toThrow();
    expect(() => unseal(sealed, 'webhook_subscription.secret', parseDataKeys(`k9:${key()}`))).toThrow(DataKeyError);
    const tampered = sealed.slice(0, -3) + (sealed.endsWith('A') ? 'B' : 'A') + sealed.slice(-2);
    expect(() => unseal(tampered, 'webhook_subscription.secret', ring)).toThrow();
  });

  it('reads a value stored before sealing as it is', () => {
    expect(unseal('legacy-plain-secret', 'webhook_subscription.secret', ring)).toBe('legacy-plain-secret');
  });

  it('after a rotation seals with the new key and still opens the old one', () => {
    const oldKey = key();
    const before = parseDataKeys(`k1:${oldKey}`);
    const sealed = seal('rotating', 'c', before);
    const after = parseDataKeys(`k2:${key()},k1:${oldKey}`);
    expect(unseal(sealed, 'c', after)).toBe('rotating');
    expect(sealedWithCurrent(sealed, after)).toBe(false);
    expect(sealedWithCurrent(seal('rotating', 'c', after), after)).toBe(true);
  });

  it('the process keyring follows DATA_ENCRYPTION_KEYS, with a development key when unset', () => {
    const spec = `prod1:${key()}`;
    expect(dataKeyring({ DATA_ENCRYPTION_KEYS: spec }).current.id).toBe('prod1');
    expect(dataKeyring({}).current.id).toBe('dev');
  });
});

describe('DATA_ENCRYPTION_KEYS in the configuration', () => {
  it.each([
    ['k1:short', /32 bytes/],
    ['no-colon', /id:base64key/],
    [`k1:${key()},k1:${key()}`, /listed twice/],
  ])('refuses %s naming the variable', (spec, message) => {
    const attempt = () => loadConfig({ DATA_ENCRYPTION_KEYS: spec });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
    expect(attempt).toThrow(/DATA_ENCRYPTION_KEYS/);
  });

  it('is required in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'x'.repeat(40) })).toThrow(
      /DATA_ENCRYPTION_KEYS/,
    );
    expect(() =>
      loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'x'.repeat(40), DATA_ENCRYPTION_KEYS: `k1:${key()}` }),
    ).not.toThrow(/DATA_ENCRYPTION_KEYS/);
  });
});
