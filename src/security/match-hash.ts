// Keyed hashes of identifiers kept sealed at rest (tax ids, bank account numbers), so exact matching (duplicate
// customers by tax id, the payer by bank account) still compares in SQL without the clear value: HMAC-SHA-256 over the
// normalised value, with a key derived from DATA_HASH_KEY. A plain SHA-256 would not do: tax ids and IBANs are short
// and structured, so anyone with the table could hash every candidate and read them back.
// The hash key is separate from DATA_ENCRYPTION_KEYS on purpose: data keys rotate, and every hash must be computed
// with one key for equal values to compare equal across rows. Changing DATA_HASH_KEY needs `npm run ar -- reseal`,
// which recomputes every stored hash from the opened values.
import { createHash, createHmac, hkdfSync } from 'node:crypto';

export type MatchKind = 'tax_id' | 'bank_account';

export class HashKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HashKeyError';
  }
}

/** The development and test hash key: from a public phrase, so it protects nothing (production requires DATA_HASH_KEY). */
const DEVELOPMENT_HASH_KEY = createHash('sha256')
  .update('ar-engine development match hash key (not a secret)')
  .digest('base64');

/** Validates DATA_HASH_KEY (base64 of at least 32 random bytes) and derives the HMAC key from it. */
export function parseHashKey(spec: string): Buffer {
  const trimmed = spec.trim();
  if (!/^[A-Za-z0-9+/=_-]+$/.test(trimmed)) throw new HashKeyError('must be base64 (e.g. openssl rand -base64 32)');
  const raw = Buffer.from(trimmed, 'base64');
  if (raw.length < 32) throw new HashKeyError(`must be at least 32 bytes (44 base64 characters), got ${raw.length}`);
  // HKDF so the configured secret is never used as an HMAC key directly and could later derive other keys too.
  return Buffer.from(hkdfSync('sha256', raw, Buffer.alloc(0), 'ar-engine match hash v1', 32));
}

let cached: { spec: string; key: Buffer } | undefined;

export function hashKey(env: NodeJS.ProcessEnv = process.env): Buffer {
  const spec = env.DATA_HASH_KEY?.trim() || DEVELOPMENT_HASH_KEY;
  if (cached?.spec !== spec) cached = { spec, key: parseHashKey(spec) };
  return cached.key;
}

/** Upper case, letters and digits only: "de 123.456-789" and "DE123456789" are one value. */
export function normalizeIdentifier(value: string): string {
  return value.replace(/[^0-9a-z]/gi, '').toUpperCase();
}

/** The stored hash of a value (normalised here again, so callers cannot forget); the kind keeps the two domains apart. */
export function matchHash(kind: MatchKind, value: string, key: Buffer = hashKey()): string {
  return createHmac('sha256', key)
    .update(`${kind}\u0000${normalizeIdentifier(value)}`)
    .digest('hex');
}
