// The access-token signing secret. Production requires AUTH_JWT_SECRET (config refuses to start without it); the
// embedded development default generates one once and keeps it in .data/auth-secret so the API and the CLI
// (`npm run ar -- token`) sign with the same key across restarts.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Config } from '../config/config.js';

export const DEV_SECRET_FILE = '.data/auth-secret';

export function resolveAuthSecret(config: Config, file = DEV_SECRET_FILE): Uint8Array {
  if (config.auth.jwtSecret) return new TextEncoder().encode(config.auth.jwtSecret);
  let secret: string;
  try {
    secret = readFileSync(file, 'utf8').trim();
  } catch {
    secret = randomBytes(48).toString('base64url');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  }
  return new TextEncoder().encode(secret);
}
