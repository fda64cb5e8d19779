// The one place benchmark HTTP calls get their credentials: the engine under test signs access tokens with a secret
// chosen here (AUTH_JWT_SECRET in its config), and requests carry an admin bearer token minted with it, exactly as
// the tests do (test/support/auth.ts).
import { randomBytes } from 'node:crypto';
import { mintToken } from '../test/support/auth.js';

const secret = `bench-secret-${randomBytes(24).toString('hex')}`;

/** Config entries every benchmarked API gets (merged into its loadConfig environment). */
export const BENCH_AUTH_ENV: Record<string, string> = { AUTH_JWT_SECRET: secret, AUTH_LOGIN_RATE_LIMIT: '100000' };

let headers: Promise<Record<string, string>> | undefined;

/** `{ authorization: 'Bearer ...' }` of an admin, minted once per run (long enough for the longest case). */
export function authHeaders(): Promise<Record<string, string>> {
  headers ??= mintToken(secret, 'admin', { ttl: 'PT12H' }).then((token) => ({ authorization: `Bearer ${token}` }));
  return headers;
}

/** fetch with the bench's credentials (and JSON content type when there is a body). */
export async function benchFetch(url: string, init: { method?: string; body?: string } = {}): Promise<Response> {
  return fetch(url, {
    method: init.method ?? 'GET',
    headers: { ...(await authHeaders()), ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: init.body,
  });
}
