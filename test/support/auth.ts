// Bearer tokens for tests: minted directly with the secret the engine under test is configured with, for any role
// (and, for portal users, their customer). The same helper serves spawned API processes over HTTP.
import { randomBytes } from 'node:crypto';
import type { Role } from '../../src/auth/roles.js';
import { signAccessToken } from '../../src/auth/tokens.js';

/** The secret spawned engine processes get when a test does not choose one (test/support/processes.ts). */
export const TEST_AUTH_SECRET = `test-secret-${randomBytes(24).toString('hex')}`;

/** Tests act as the integration actor `api` unless they name another one. */
export const DEFAULT_TEST_ACTOR = 'api';

export interface TokenOptions {
  customerId?: string;
  /** What audit trails record (default `api` for admin, `<role>@test` otherwise). */
  actor?: string;
  ttl?: string;
}

export async function mintToken(secret: string, role: Role, options: TokenOptions = {}): Promise<string> {
  if (role === 'customer' && !options.customerId)
    throw new Error('a portal (customer) token needs the customerId it belongs to');
  const actor = options.actor ?? (role === 'admin' ? DEFAULT_TEST_ACTOR : `${role}@test`);
  const { token } = await signAccessToken(
    new TextEncoder().encode(secret),
    {
      kind: 'token',
      subject: actor,
      actor,
      roles: [role],
      ...(role === 'customer' ? { customerId: options.customerId } : {}),
    },
    options.ttl ?? 'PT1H',
  );
  return token;
}

/** `{ authorization: 'Bearer ...' }` for fetch or inject. */
export async function bearerHeaders(
  secret: string,
  role: Role,
  options: TokenOptions = {},
): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await mintToken(secret, role, options)}` };
}
