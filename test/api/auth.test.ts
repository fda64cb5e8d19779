// Sign-in, token rotation and revocation, API keys, field rules and the audit log, through the real app.
import { createUser } from '../../src/auth/store/users.js';
import { customerFixture, eventually, startTestEngine, type TestEngine } from '../support/engine.js';

let engine: TestEngine;
const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(() => engine.close());

const em = () => engine.db.orm.em.fork();
const login = (email: string, password: string, headers: Record<string, string> = {}) =>
  engine.app.inject({
    method: 'POST',
    url: '/auth/login',
    payload: { email, password },
    headers: { authorization: 'none', 'user-agent': 'jest-agent', ...headers },
  });
const refresh = (refreshToken: string) =>
  engine.app.inject({
    method: 'POST',
    url: '/auth/refresh',
    payload: { refreshToken },
    headers: { authorization: 'none' },
  });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
async function auditRows(where: string, params: unknown[]) {
  return em().execute<
    {
      actor: string;
      role: string | null;
      action: string;
      outcome: string;
      ip: string | null;
      user_agent: string | null;
      target: string | null;
      status_code: number;
    }[]
  >(`SELECT * FROM audit_log WHERE ${where} ORDER BY id`, params);
}

describe('password sign-in', () => {
  beforeAll(async () => {
    await createUser(em(), { email: 'Clerk@Example.com', role: 'ar_clerk', password: PASSWORD, by: 'test' });
  });

  it('issues an access token that works and a refresh token, and audits the sign-in with its origin', async () => {
    const response = await login('clerk@example.com', PASSWORD);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: expect.any(Number),
      refreshToken: expect.stringMatching(/^rt_/),
      user: { email: 'clerk@example.com', role: 'ar_clerk', customerId: null },
    });
    expect(body.expiresIn).toBeLessThanOrEqual(15 * 60);
    expect(body.user).not.toHaveProperty('passwordHash');
    const me = await engine.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(body.accessToken) });
    expect(me.json()).toMatchObject({ kind: 'user', actor: 'clerk@example.com', roles: ['ar_clerk'] });
    const rows = await auditRows(`action = 'sign_in' AND actor = ?`, ['clerk@example.com']);
    expect(rows.at(-1)).toMatchObject({
      outcome: 'success',
      role: 'ar_clerk',
      ip: '127.0.0.1',
      user_agent: 'jest-agent',
    });
    const [stored] = await em().execute<{ password_hash: string }[]>(
      `SELECT password_hash FROM app_user WHERE email = 'clerk@example.com'`,
    );
    expect(stored!.password_hash).toMatch(/^\$argon2id\$/);
    const [refreshRow] = await em().execute<{ n: string }[]>(
      'SELECT count(*) AS n FROM refresh_token WHERE token_hash = ?',
      [body.refreshToken],
    );
    expect(Number(refreshRow!.n)).toBe(0); // only the hash is stored
  });

  it('answers a wrong password and an unknown e-mail alike with 401, and audits both failures', async () => {
    const wrong = await login('clerk@example.com', 'not the password at all');
    const unknown = await login('nobody@example.com', PASSWORD);
    for (const response of [wrong, unknown]) {
      expect(response.statusCode).toBe(401);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json().detail).toBe('The e-mail or password is wrong, or the account is not active.');
    }
    expect(
      await auditRows(
        `action = 'sign_in' AND outcome = 'failure' AND actor IN ('clerk@example.com', 'nobody@example.com')`,
        [],
      ),
    ).toHaveLength(2);
  });

  it('rotates refresh tokens, and a reused one revokes the whole family', async () => {
    const first = (await login('clerk@example.com', PASSWORD)).json();
    const second = await refresh(first.refreshToken);
    expect(second.statusCode).toBe(200);
    const rotated = second.json();
    expect(rotated.refreshToken).not.toBe(first.refreshToken);
    expect(
      (await engine.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(rotated.accessToken) })).statusCode,
    ).toBe(200);

    const replay = await refresh(first.refreshToken);
    expect(replay.statusCode).toBe(401);
    expect(replay.json().detail).toContain('reused');
    // The legitimate holder's newer token died with the family.
    const afterReuse = await refresh(rotated.refreshToken);
    expect(afterReuse.statusCode).toBe(401);
    expect(afterReuse.json().detail).toContain('revoked');
    expect((await auditRows(`action = 'refresh_token_reuse'`, [])).length).toBeGreaterThanOrEqual(1);
  });

  it('logout revokes the refresh token; another user cannot revoke it', async () => {
    const session = (await login('clerk@example.com', PASSWORD)).json();
    const other = await engine.tokenFor('collector');
    await createUser(em(), { email: 'collector@example.com', role: 'collector', password: PASSWORD, by: 'test' });
    const otherSession = (await login('collector@example.com', PASSWORD)).json();
    const foreign = await engine.app.inject({
      method: 'POST',
      url: '/auth/logout',
      payload: { refreshToken: session.refreshToken },
      headers: bearer(otherSession.accessToken),
    });
    expect(foreign.statusCode).toBe(204);
    expect((await refresh(session.refreshToken)).statusCode).toBe(200);
    expect(other).toBeTruthy();

    const again = (await login('clerk@example.com', PASSWORD)).json();
    const out = await engine.app.inject({
      method: 'POST',
      url: '/auth/logout',
      payload: { refreshToken: again.refreshToken },
      headers: bearer(again.accessToken),
    });
    expect(out.statusCode).toBe(204);
    expect((await refresh(again.refreshToken)).statusCode).toBe(401);
    expect(
      (
        await engine.app.inject({
          method: 'POST',
          url: '/auth/logout',
          payload: { refreshToken: again.refreshToken },
          headers: { authorization: 'none' },
        })
      ).statusCode,
    ).toBe(401);
  });

  it('a disabled user cannot sign in or refresh', async () => {
    const created = await engine.app.inject({
      method: 'POST',
      url: '/users',
      payload: { email: 'leaver@example.com', role: 'collector', password: PASSWORD },
    });
    expect(created.statusCode).toBe(201);
    const session = (await login('leaver@example.com', PASSWORD)).json();
    expect(
      (await engine.app.inject({ method: 'POST', url: `/users/${created.json().id}/disable` })).json(),
    ).toMatchObject({ status: 'disabled' });
    expect((await login('leaver@example.com', PASSWORD)).statusCode).toBe(401);
    expect((await refresh(session.refreshToken)).statusCode).toBe(401);
  });
});

describe('users', () => {
  it('refuses a weak password, a portal user without customer, a staff user with one, and a taken e-mail', async () => {
    const customer = (
      await engine.app.inject({ method: 'POST', url: '/customers', payload: customerFixture() })
    ).json();
    const weak = await engine.app.inject({
      method: 'POST',
      url: '/users',
      payload: { email: 'w@example.com', role: 'auditor', password: 'short' },
    });
    // The length is the schema's (400); that it is not the e-mail address is the domain's (422).
    expect(weak.statusCode).toBe(400);
    expect(weak.json().errors).toEqual([expect.objectContaining({ pointer: '/password' })]);
    const ownAddress = await engine.app.inject({
      method: 'POST',
      url: '/users',
      payload: { email: 'w@example.com', role: 'auditor', password: 'W@example.com' },
    });
    expect(ownAddress.statusCode).toBe(422);
    expect(ownAddress.json().errors).toEqual([expect.objectContaining({ pointer: '/password' })]);
    const portalWithout = await engine.app.inject({
      method: 'POST',
      url: '/users',
      payload: { email: 'p@example.com', role: 'customer' },
    });
    expect(portalWithout.json().errors).toEqual([expect.objectContaining({ pointer: '/customerId' })]);
    const staffWith = await engine.app.inject({
      method: 'POST',
      url: '/users',
      payload: { email: 's@example.com', role: 'auditor', customerId: customer.id },
    });
    expect(staffWith.json().errors).toEqual([expect.objectContaining({ pointer: '/customerId' })]);
    const unknownRole = await engine.app.inject({
      method: 'POST',
      url: '/users',
      payload: { email: 's@example.com', role: 'superuser' },
    });
    expect(unknownRole.statusCode).toBe(400);
    const portal = await engine.app.inject({
      method: 'POST',
      url: '/users',
      payload: { email: 'buyer@customer.example', role: 'customer', customerId: customer.id },
    });
    expect(portal.json()).toMatchObject({
      role: 'customer',
      customerId: customer.id,
      status: 'invited',
      createdBy: 'api',
    });
    const taken = await engine.app.inject({
      method: 'POST',
      url: '/users',
      payload: { email: 'BUYER@customer.example', role: 'auditor' },
    });
    expect(taken.statusCode).toBe(409);
  });

  it('only an admin manages users; an auditor reads them', async () => {
    const asClerk = await engine.app.inject({
      method: 'POST',
      url: '/users',
      payload: { email: 'x@example.com', role: 'admin' },
      headers: await engine.headersFor('ar_clerk'),
    });
    expect(asClerk.statusCode).toBe(403);
    expect(asClerk.json()).toMatchObject({ status: 403, title: 'Forbidden' });
    const asAuditor = await engine.app.inject({
      method: 'GET',
      url: '/users',
      headers: await engine.headersFor('auditor'),
    });
    expect(asAuditor.statusCode).toBe(200);
  });
});

describe('API keys', () => {
  it('works with the roles it was given, is stored hashed, and stops at once when revoked', async () => {
    const created = await engine.app.inject({
      method: 'POST',
      url: '/api-keys',
      payload: { name: 'erp-sync', roles: ['auditor'] },
    });
    expect(created.statusCode).toBe(201);
    const { key, id } = created.json();
    expect(key).toMatch(/^ark_[0-9a-f]{12}_/);
    const [row] = await em().execute<{ secret_hash: string }[]>('SELECT secret_hash FROM api_key WHERE id = ?', [id]);
    expect(key).not.toContain(row!.secret_hash);
    expect((await engine.app.inject({ method: 'GET', url: '/api-keys' })).json().items[0]).not.toHaveProperty('key');

    expect((await engine.app.inject({ method: 'GET', url: '/customers', headers: bearer(key) })).statusCode).toBe(200);
    expect(
      (
        await engine.app.inject({
          method: 'GET',
          url: '/customers',
          headers: { authorization: 'none', 'x-api-key': key },
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (await engine.app.inject({ method: 'POST', url: '/customers', payload: customerFixture(), headers: bearer(key) }))
        .statusCode,
    ).toBe(403);
    const me = await engine.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(key) });
    expect(me.json()).toMatchObject({ kind: 'api_key', actor: 'api-key:erp-sync', roles: ['auditor'] });

    expect((await engine.app.inject({ method: 'POST', url: `/api-keys/${id}/revoke` })).json().revokedAt).toEqual(
      expect.any(String),
    );
    expect((await engine.app.inject({ method: 'GET', url: '/customers', headers: bearer(key) })).statusCode).toBe(401);
    const tampered = key.slice(0, -3) + (key.endsWith('AAA') ? 'BBB' : 'AAA');
    expect((await engine.app.inject({ method: 'GET', url: '/customers', headers: bearer(tampered) })).statusCode).toBe(
      401,
    );
  });

  it('cannot be a portal key', async () => {
    expect(
      (await engine.app.inject({ method: 'POST', url: '/api-keys', payload: { name: 'x', roles: ['customer'] } }))
        .statusCode,
    ).toBe(400);
  });
});

describe('field rules and the audit log', () => {
  it('a clerk may not set a credit limit; the field is named; nothing changes', async () => {
    const customer = (
      await engine.app.inject({
        method: 'POST',
        url: '/customers',
        payload: customerFixture({ legalName: 'Limit Test GmbH' }),
      })
    ).json();
    const response = await engine.app.inject({
      method: 'PATCH',
      url: `/customers/${customer.id}`,
      payload: { creditLimit: { amount: 1_000_000, currency: 'EUR' } },
      headers: await engine.headersFor('ar_clerk'),
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().errors).toEqual([
      { pointer: '/creditLimit', in: 'body', detail: 'may not be set by this role' },
    ]);
    expect(
      (await engine.app.inject({ method: 'GET', url: `/customers/${customer.id}` })).json().creditLimit,
    ).toBeNull();
    const byCredit = await engine.app.inject({
      method: 'PATCH',
      url: `/customers/${customer.id}`,
      payload: { creditLimit: { amount: 1_000_000, currency: 'EUR' } },
    });
    expect(byCredit.statusCode).toBe(200);
  });

  it('strips tax ids for a collector but shows them to a clerk', async () => {
    const customer = await engine.app.inject({
      method: 'POST',
      url: '/customers',
      payload: customerFixture({ legalName: 'Tax Id AG', taxId: { country: 'DE', value: 'DE123456789' } }),
    });
    expect(customer.statusCode).toBe(201);
    const id = customer.json().id;
    const asCollector = await engine.app.inject({
      method: 'GET',
      url: `/customers/${id}`,
      headers: await engine.headersFor('collector'),
    });
    expect(asCollector.json().taxId).toBeNull();
    expect(asCollector.body).not.toContain('DE123456789');
    const asClerk = await engine.app.inject({
      method: 'GET',
      url: `/customers/${id}`,
      headers: await engine.headersFor('ar_clerk'),
    });
    expect(asClerk.json().taxId).toMatchObject({ value: 'DE123456789' });
  });

  it('records every staff mutation with who, what, when and from where, including refusals', async () => {
    const headers = {
      ...(await engine.headersFor('ar_clerk', undefined, { actor: 'mia@example.com' })),
      'user-agent': 'audit-agent',
    };
    const created = await engine.app.inject({
      method: 'POST',
      url: '/customers',
      payload: customerFixture({ legalName: 'Audited Ltd' }),
      headers,
    });
    const refused = await engine.app.inject({ method: 'POST', url: '/payment-terms', payload: {}, headers });
    expect(refused.statusCode).toBe(403);
    const rows = await eventually(async () => {
      const found = await auditRows(`actor = 'mia@example.com'`, []);
      return found.length >= 2 ? found : undefined;
    });
    expect(rows).toEqual([
      expect.objectContaining({
        action: 'POST /customers',
        outcome: 'success',
        status_code: 201,
        role: 'ar_clerk',
        ip: '127.0.0.1',
        user_agent: 'audit-agent',
      }),
      expect.objectContaining({ action: 'POST /payment-terms', outcome: 'denied', status_code: 403 }),
    ]);
    const page = await engine.app.inject({
      method: 'GET',
      url: '/audit-log?actor=mia@example.com&limit=1',
      headers: await engine.headersFor('auditor'),
    });
    expect(page.json().items).toEqual([expect.objectContaining({ action: 'POST /payment-terms' })]);
    const next = await engine.app.inject({
      method: 'GET',
      url: `/audit-log?actor=mia@example.com&limit=1&cursor=${page.json().nextCursor}`,
      headers: await engine.headersFor('auditor'),
    });
    expect(next.json().items).toEqual([expect.objectContaining({ action: 'POST /customers', target: null })]);
    expect(created.statusCode).toBe(201);
    // Reads are not audited.
    await engine.app.inject({ method: 'GET', url: '/customers', headers });
    expect(await auditRows(`actor = 'mia@example.com' AND method = 'GET'`, [])).toEqual([]);
  });

  it('sends security headers', async () => {
    const response = await engine.app.inject({ method: 'GET', url: '/health/live' });
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['strict-transport-security']).toBeDefined();
  });
});

describe('sign-in rate limit', () => {
  let limited: TestEngine;
  beforeAll(async () => {
    limited = await startTestEngine({ withWorker: false, env: { AUTH_LOGIN_RATE_LIMIT: '3' } });
  });
  afterAll(() => limited.close());

  it('answers 429 problem+json with Retry-After after the limit, while other routes still answer', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await limited.app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email: 'x@example.com', password: 'wrong password here' },
        headers: { authorization: 'none' },
      });
      statuses.push(response.statusCode);
      if (response.statusCode === 429) {
        expect(response.headers['content-type']).toContain('application/problem+json');
        expect(response.headers['retry-after']).toBeDefined();
      }
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    expect((await limited.app.inject({ method: 'GET', url: '/customers' })).statusCode).toBe(200);
  });
});
