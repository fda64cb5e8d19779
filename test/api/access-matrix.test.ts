// Walks every route of the OpenAPI document with every role (and with no token) and checks the answer against the
// permission matrix: allowed roles get past authentication and authorization (anything but 401/403), the others 403,
// no credential 401. Also: the app refuses to start with a route missing from the matrix, and docs/access.md is the
// matrix as generated from the code.
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { requireDeclaredAccess } from '../../api/http/access.js';
import { renderAccessTable, renderDutyTable } from '../../src/auth/access-doc.js';
import { approvalCeilingsOf, DEFAULT_CREDIT_POLICY } from '../../src/credit/rules/credit-policy.js';
import { ROLES, type Role } from '../../src/auth/roles.js';
import { accessFor, isAllowed, PUBLIC } from '../../src/auth/route-access.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';

let engine: TestEngine;
let customerId: string;
const tokens = new Map<Role, string>();

beforeAll(async () => {
  engine = await startTestEngine({ withWorker: false });
  customerId = '00000000-0000-4000-8000-000000000001';
  for (const role of ROLES) tokens.set(role, await engine.tokenFor(role, role === 'customer' ? customerId : undefined));
});
afterAll(() => engine.close());

interface Operation {
  method: string;
  path: string;
  url: string;
}

const SAMPLE_PARAMS: Record<string, string> = { code: 'NET30' };

async function operations(): Promise<Operation[]> {
  const document = (await engine.app.inject({ method: 'GET', url: '/docs/json' })).json() as {
    paths: Record<string, Record<string, unknown>>;
  };
  const out: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const method of Object.keys(methods)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const fastifyPath = path.replace(/\{(\w+)\}/g, ':$1');
      const url = path.replace(
        /\{(\w+)\}/g,
        (_m, name: string) => SAMPLE_PARAMS[name] ?? '00000000-0000-4000-8000-00000000dead',
      );
      out.push({ method: method.toUpperCase(), path: fastifyPath, url });
    }
  }
  return out;
}

function request(op: Operation, authorization: string) {
  const body = op.method === 'GET' || op.method === 'DELETE' ? {} : { payload: {} };
  return engine.app.inject({ method: op.method as 'GET', url: op.url, headers: { authorization }, ...body });
}

it('every route in the OpenAPI document is in the matrix, and every role gets exactly its access', async () => {
  const ops = await operations();
  expect(ops.length).toBeGreaterThan(30);
  const mismatches: string[] = [];
  for (const op of ops) {
    const access = accessFor(op.method, op.path);
    if (!access) {
      mismatches.push(`${op.method} ${op.path}: not in the matrix`);
      continue;
    }
    const anonymous = await request(op, 'none');
    if (access === PUBLIC) {
      if ([401, 403].includes(anonymous.statusCode))
        mismatches.push(`${op.method} ${op.path}: public but ${anonymous.statusCode} without a token`);
      continue;
    }
    if (
      anonymous.statusCode !== 401 &&
      !(anonymous.statusCode === 303 && (op.path === '/portal' || op.path.startsWith('/portal/')))
    ) {
      mismatches.push(`${op.method} ${op.path}: ${anonymous.statusCode} without a token, expected 401`);
    }
    for (const role of ROLES) {
      const response = await request(op, `Bearer ${tokens.get(role)}`);
      const allowed = isAllowed(access, [role]);
      const denied = response.statusCode === 403 && response.json().type?.endsWith('/forbidden');
      if (allowed && (response.statusCode === 401 || denied))
        mismatches.push(`${op.method} ${op.path} as ${role}: ${response.statusCode}, expected access`);
      if (!allowed && !denied)
        mismatches.push(`${op.method} ${op.path} as ${role}: ${response.statusCode}, expected 403`);
      if (!allowed) expect(response.headers['content-type']).toContain('application/problem+json');
    }
  }
  expect(mismatches).toEqual([]);
});

it('answers a missing, malformed or forged token with 401 problem+json and a bearer challenge', async () => {
  const cases = [
    'none',
    'Basic YWRtaW46YWRtaW4=',
    'Bearer not-a-jwt',
    `Bearer ${tokens.get('admin')!.slice(0, -4)}AAAA`,
    'Bearer ark_000000000000_0000000000000000000000000000000000000000000',
  ];
  for (const authorization of cases) {
    const response = await engine.app.inject({ method: 'GET', url: '/customers', headers: { authorization } });
    expect({ authorization, status: response.statusCode }).toEqual({ authorization, status: 401 });
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.headers['www-authenticate'] ?? 'Bearer').toContain('Bearer');
  }
});

it('refuses to start when a route is missing from the permission matrix', async () => {
  const app = Fastify();
  requireDeclaredAccess(app);
  app.get('/health/live', async () => ({ status: 'ok' }));
  expect(() => app.get('/undeclared-route', async () => ({}))).toThrow(
    'GET /undeclared-route is not in the permission matrix',
  );
  await app.close();
});

it('docs/access.md holds the matrix as the code defines it (regenerate: npm run ar -- access-doc --write)', () => {
  const document = readFileSync(new URL('../../docs/access.md', import.meta.url), 'utf8');
  expect(document).toContain(renderAccessTable());
});

it('docs/access.md holds the task duty and approval ceiling table as the data defines it (same command regenerates it)', () => {
  const document = readFileSync(new URL('../../docs/access.md', import.meta.url), 'utf8');
  expect(document).toContain(renderDutyTable(approvalCeilingsOf(DEFAULT_CREDIT_POLICY)));
});
