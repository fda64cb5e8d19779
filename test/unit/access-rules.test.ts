import pino from 'pino';
import { Writable } from 'node:stream';
import { REDACTED_PATHS } from '../../api/app.js';
import { StaffRoleSchema } from '../../api/auth/schemas.js';
import { forbiddenWriteFields, hiddenReadFields, stripFields } from '../../src/auth/field-access.js';
import { ROLES, STAFF_ROLES, type Role } from '../../src/auth/roles.js';
import { accessFor, isAllowed, PUBLIC, ROUTE_ACCESS } from '../../src/auth/route-access.js';
import { signAccessToken, verifyAccessToken, InvalidTokenError } from '../../src/auth/tokens.js';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { passwordProblem } from '../../src/auth/password-policy.js';

const secret = new TextEncoder().encode('unit-test-secret-unit-test-secret-0123456789');

describe('permission matrix', () => {
  it.each<[string, readonly Role[], boolean]>([
    ['GET /customers', ['auditor'], true],
    ['POST /customers', ['auditor'], false],
    ['POST /customers', ['ar_clerk'], true],
    ['POST /customers', ['collector'], false],
    ['POST /customers', ['customer'], false],
    ['GET /customers', ['customer'], false],
    ['POST /payment-terms', ['finance_director'], false],
    ['POST /users', ['admin'], true],
    ['GET /audit-log', ['auditor'], true],
    ['GET /audit-log', ['ar_clerk'], false],
    ['GET /audit', ['auditor'], true],
    ['GET /audit/:id', ['finance_director'], true],
    ['GET /audit', ['credit_manager'], false],
    ['GET /audit/:id', ['customer'], false],
    ['POST /api-keys', ['collector', 'admin'], true],
    ['GET /auth/me', ['customer'], true],
  ])('%s for %j: %s', (key, roles, allowed) => {
    const [method, url] = key.split(' ');
    expect(isAllowed(accessFor(method!, url!)!, roles)).toBe(allowed);
  });

  it('lists only known roles, and only sign-in and health are public', () => {
    for (const [key, access] of Object.entries(ROUTE_ACCESS)) {
      if (access === PUBLIC)
        expect(key).toMatch(
          /^(GET \/health\/|POST \/auth\/(login|refresh)$|GET \/portal\/(sign-in|accept-invitation|magic)|POST \/portal\/(sign-in|accept-invitation|magic-link)$|POST \/payment-gateways\/|GET \/portal\/assets\/|GET \/metrics$)/,
        );
      else for (const role of access) expect(ROLES).toContain(role);
    }
  });

  it('the staff role schema names exactly the staff roles', () => {
    expect(StaffRoleSchema.anyOf.map((s: { const: string }) => s.const)).toEqual([...STAFF_ROLES]);
  });
});

describe('field allow-lists', () => {
  it.each<[string, readonly Role[], unknown, string[]]>([
    ['PATCH /customers/:id', ['ar_clerk'], { creditLimit: null, email: 'a@b.example' }, ['creditLimit']],
    ['PATCH /customers/:id', ['ar_clerk'], { riskSegment: 'high' }, ['riskSegment']],
    ['PATCH /customers/:id', ['admin'], { creditLimit: null, riskSegment: 'high' }, []],
    ['PATCH /customers/:id', ['ar_clerk'], { email: 'a@b.example' }, []],
    ['POST /customers', ['ar_clerk'], { legalName: 'x', creditLimit: { amount: 1, currency: 'EUR' } }, ['creditLimit']],
    ['POST /invoices', ['ar_clerk'], { creditLimit: 1 }, []],
    ['PATCH /customers/:id', ['ar_clerk'], null, []],
  ])('%s by %j with %j refuses %j', (route, roles, body, refused) => {
    expect(forbiddenWriteFields(route, roles, body)).toEqual(refused);
  });

  it('strips tax ids at any depth for roles that do not need them', () => {
    expect(hiddenReadFields(['collector'])).toEqual(['taxId']);
    expect(hiddenReadFields(['auditor'])).toEqual([]);
    const body = {
      items: [{ id: 1, taxId: { scheme: 'vat', value: 'DE1' }, nested: { taxId: 'x' } }],
      at: new Date(0),
    };
    expect(stripFields(body, ['taxId'])).toEqual({
      items: [{ id: 1, taxId: null, nested: { taxId: null } }],
      at: new Date(0),
    });
    expect(stripFields(body, [])).toBe(body);
  });
});

describe('access tokens', () => {
  it('round-trips an identity and refuses tampered, foreign and expired tokens', async () => {
    const identity = { kind: 'user' as const, subject: 'u1', actor: 'a@b.example', roles: ['collector' as Role] };
    const { token } = await signAccessToken(secret, identity, 'PT5M');
    expect(await verifyAccessToken(secret, token)).toEqual({ ...identity, customerId: undefined });
    await expect(
      verifyAccessToken(new TextEncoder().encode('another-secret-another-secret-0123456789'), token),
    ).rejects.toBeInstanceOf(InvalidTokenError);
    const [h, p, s] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), roles: ['admin'] }),
    ).toString('base64url');
    await expect(verifyAccessToken(secret, `${h}.${forged}.${s}`)).rejects.toBeInstanceOf(InvalidTokenError);
    const expired = await signAccessToken(secret, identity, 'PT1S', new Date(Date.now() - 60_000));
    await expect(verifyAccessToken(secret, expired.token)).rejects.toThrow('expired');
  });

  it('a portal token names exactly one customer', async () => {
    const { token } = await signAccessToken(
      secret,
      { kind: 'token', subject: 's', actor: 's', roles: ['customer'] },
      'PT5M',
    );
    await expect(verifyAccessToken(secret, token)).rejects.toThrow('one customer');
    const ok = await signAccessToken(
      secret,
      { kind: 'user', subject: 's', actor: 's', roles: ['customer'], customerId: 'c1' },
      'PT5M',
    );
    expect((await verifyAccessToken(secret, ok.token)).customerId).toBe('c1');
  });
});

describe('passwords', () => {
  it.each<[string, string | undefined, string | undefined]>([
    ['short', undefined, 'at least 12'],
    ['aaaaaaaaaaaaaaaa', undefined, 'single character'],
    ['ap@acme.example', 'AP@acme.example', 'e-mail'],
    ['correct horse battery', 'ap@acme.example', undefined],
    ['x'.repeat(257), undefined, 'at most 256'],
  ])('%j (e-mail %j) -> %j', (password, email, problem) => {
    const result = passwordProblem(password, email);
    if (problem === undefined) expect(result).toBeUndefined();
    else expect(result).toContain(problem);
  });
});

describe('auth configuration', () => {
  it('requires a signing secret in production and a long one everywhere', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ AUTH_JWT_SECRET: 'short' })).toThrow('AUTH_JWT_SECRET');
    expect(() => loadConfig({ AUTH_ACCESS_TOKEN_TTL: '15 minutes' })).toThrow('AUTH_ACCESS_TOKEN_TTL');
    expect(loadConfig({}).auth).toMatchObject({ accessTokenTtl: 'PT15M', refreshTokenTtl: 'P30D', loginRateLimit: 10 });
  });
});

describe('log redaction', () => {
  it('never writes credentials, tokens or tax ids', () => {
    let out = '';
    const logger = pino(
      { redact: REDACTED_PATHS },
      new Writable({ write: (chunk, _e, done) => ((out += chunk.toString()), done()) }),
    );
    logger.info({
      req: { headers: { authorization: 'Bearer SECRET1', cookie: 'ar_session=SECRET2', 'x-api-key': 'ark_SECRET3' } },
      body: { password: 'SECRET4', refreshToken: 'SECRET5', taxId: 'SECRET6' },
    });
    expect(out).not.toMatch(/SECRET\d/);
    expect(out).toContain('[Redacted]');
  });
});
