// Sealing of secrets kept in the database (webhook signing secrets): AES-256-GCM with a key from configuration, the
// column name as associated data (a sealed value copied into another column does not open), and the key's id in the
// stored text so keys can rotate. DATA_ENCRYPTION_KEYS lists `id:base64key` pairs, newest first: the first seals,
// all of them open; `npm run ar -- reseal` re-seals every stored value with the first. Values stored before sealing
// (plain text, no prefix) still open and are sealed by the next reseal.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const PREFIX = 'sealed:v1:';

export interface DataKeyring {
  current: { id: string; key: Buffer };
  keys: Map<string, Buffer>;
}

export class DataKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataKeyError';
  }
}

/** Parses `id:base64key[,id:base64key...]`; every key must be 32 bytes. */
export function parseDataKeys(spec: string): DataKeyring {
  const entries = spec
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new DataKeyError('must list at least one key as id:base64key');
  const keys = new Map<string, Buffer>();
  for (const entry of entries) {
    const match = /^([A-Za-z0-9_-]{1,32}):([A-Za-z0-9+/=_-]+)$/.exec(entry);
    if (!match) throw new DataKeyError('each key must be written id:base64key (id: letters, digits, _ or -)');
    const key = Buffer.from(match[2]!, 'base64');
    if (key.length !== 32)
      throw new DataKeyError(`key ${match[1]} must be 32 bytes (44 base64 characters), got ${key.length}`);
    if (keys.has(match[1]!)) throw new DataKeyError(`key id ${match[1]} is listed twice`);
    keys.set(match[1]!, key);
  }
  const [id, key] = [...keys.entries()][0]!;
  return { current: { id, key }, keys };
}

/**
 * The development and test key: derived from a public phrase, so it protects nothing; production refuses to start
 * without DATA_ENCRYPTION_KEYS (src/config/config.ts).
 */
const DEVELOPMENT_KEYS = `dev:${createHash('sha256').update('ar-engine development data key (not a secret)').digest('base64')}`;

let cached: { spec: string; keyring: DataKeyring } | undefined;

/** The process's keyring, from DATA_ENCRYPTION_KEYS (validated at start-up by loadConfig). */
export function dataKeyring(env: NodeJS.ProcessEnv = process.env): DataKeyring {
  const spec = env.DATA_ENCRYPTION_KEYS?.trim() || DEVELOPMENT_KEYS;
  if (cached?.spec !== spec) cached = { spec, keyring: parseDataKeys(spec) };
  return cached.keyring;
}

export function seal(plain: string, column: string, keyring: DataKeyring = dataKeyring()): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyring.current.key, iv);
  cipher.setAAD(Buffer.from(column));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${PREFIX}${keyring.current.id}:${iv.toString('base64url')}:${body.toString('base64url')}`;
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

/** Whether a stored value is sealed with the keyring's current key (what reseal skips). */
export function sealedWithCurrent(stored: string, keyring: DataKeyring = dataKeyring()): boolean {
  return stored.startsWith(`${PREFIX}${keyring.current.id}:`);
}

export function unseal(stored: string, column: string, keyring: DataKeyring = dataKeyring()): string {
  if (!isSealed(stored)) return stored;
  const [id, iv, body] = stored.slice(PREFIX.length).split(':');
  const key = keyring.keys.get(id ?? '');
  if (!key || !iv || !body)
    throw new DataKeyError(`${column} is sealed with key ${id ?? '?'}, which DATA_ENCRYPTION_KEYS does not list`);
  const bytes = Buffer.from(body, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(column));
  decipher.setAuthTag(bytes.subarray(bytes.length - 16));
  return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString('utf8');
}
