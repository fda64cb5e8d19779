import { Customer } from '../../src/db/entities/customer.js';
import { customerFixture, eventually, startTestEngine, type TestEngine } from '../support/engine.js';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(async () => {
  await engine?.close();
});

const storedCustomers = () => engine.db.orm.em.fork().count(Customer, {});

describe('POST /customers then GET /customers/:id', () => {
  it('stores the customer, starts its account workflow and shows the live account state', async () => {
    const created = await engine.app.inject({
      method: 'POST',
      url: '/customers',
      payload: customerFixture({ email: 'AP@Acme.Example' }),
    });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({
      legalName: 'Acme Corp',
      email: 'ap@acme.example',
      currency: 'EUR',
      status: 'active',
      version: 1,
    });
    expect(created.headers.location).toBe(`/customers/${body.id}`);
    expect(created.headers.etag).toBe(`"${body.id}.1"`);

    const fetched = await engine.app.inject({ method: 'GET', url: `/customers/${body.id}?include=account` });
    expect(fetched.statusCode).toBe(200);
    expect(fetched.json().account).toMatchObject({
      customerId: body.id,
      status: 'active',
      currency: 'EUR',
      refreshCount: 0,
    });
    // Without the include, the record alone: no round trip to the workflow.
    expect((await engine.app.inject({ method: 'GET', url: `/customers/${body.id}` })).json()).not.toHaveProperty(
      'account',
    );

    const description = await engine.temporal.workflow.getHandle(`customer-${body.id}`).describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.memo?.requestId).toEqual(expect.any(String));
  });

  it('sends the account-opened notice to the customer through SMTP', async () => {
    const created = await engine.app.inject({
      method: 'POST',
      url: '/customers',
      payload: customerFixture({ email: 'billing@globex.example', legalName: 'Globex GmbH' }),
    });
    const id = created.json().id as string;
    const mail = await engine.mail.waitFor((m) => m.to.includes('billing@globex.example'));
    expect(mail.subject).toContain('account');
    expect(mail.text).toContain('Dear Globex GmbH');
    expect(mail.text).toContain(id);
    expect(mail.html).toContain('<strong>EUR</strong>');
  });

  it('passes the caller request id into the workflow memo', async () => {
    const created = await engine.app.inject({
      method: 'POST',
      url: '/customers',
      headers: { 'x-request-id': 'req-abc-123' },
      payload: customerFixture(),
    });
    expect(created.headers['x-request-id']).toBe('req-abc-123');
    const description = await engine.temporal.workflow.getHandle(`customer-${created.json().id}`).describe();
    expect(description.memo?.requestId).toBe('req-abc-123');
  });
});

describe('bad input gets problem+json naming the field and stores nothing', () => {
  const cases: [string, Record<string, unknown>, number, string][] = [
    ['missing legalName', customerFixture({ legalName: undefined }), 400, '/legalName'],
    ['blank legalName', customerFixture({ legalName: '   ' }), 400, '/legalName'],
    ['e-mail that is not an address', customerFixture({ email: 'x' }), 400, '/email'],
    ['lower-case currency', customerFixture({ currency: 'eur' }), 400, '/currency'],
    ['unknown field', customerFixture({ creditLimit: 5 }), 400, '/creditLimit'],
    [
      'missing nested field',
      customerFixture({ billingAddress: { line1: 'x', city: 'y', country: 'DE' } }),
      400,
      '/billingAddress/postalCode',
    ],
    ['unknown ISO 4217 currency (the schema lists the codes)', customerFixture({ currency: 'EUX' }), 400, '/currency'],
    [
      'unknown ISO 3166 country (the schema lists the codes)',
      customerFixture({ billingAddress: { line1: 'x', city: 'y', postalCode: '1', country: 'XX' } }),
      400,
      '/billingAddress/country',
    ],
  ];

  it.each(cases)('%s', async (_label, payload, status, pointer) => {
    const before = await storedCustomers();
    const response = await engine.app.inject({ method: 'POST', url: '/customers', payload });
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = response.json();
    expect(problem).toMatchObject({ status, type: expect.stringContaining('/problems/'), title: expect.any(String) });
    expect(problem.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    expect(await storedCustomers()).toBe(before);
  });

  it('answers malformed JSON with 400, not 500', async () => {
    const response = await engine.app.inject({
      method: 'POST',
      url: '/customers',
      headers: { 'content-type': 'application/json' },
      payload: '{"legalName":',
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('answers an unknown customer with 404 and a malformed id with 400', async () => {
    const missing = await engine.app.inject({ method: 'GET', url: '/customers/00000000-0000-4000-8000-000000000000' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().detail).toContain('00000000-0000-4000-8000-000000000000');
    const malformed = await engine.app.inject({ method: 'GET', url: '/customers/not-a-uuid' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().errors[0]).toMatchObject({ pointer: '/id', in: 'params' });
  });

  it('answers unknown routes with 404 problem+json', async () => {
    const response = await engine.app.inject({ method: 'GET', url: '/nowhere' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('operations endpoints', () => {
  it('reports ready when PostgreSQL and Temporal answer', async () => {
    const response = await engine.app.inject({ method: 'GET', url: '/health/ready' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      status: 'ready',
      checks: { postgres: { ok: true }, temporal: { ok: true } },
    });
    expect((await engine.app.inject({ method: 'GET', url: '/health/live' })).json()).toEqual({ status: 'ok' });
  });

  it('serves a valid OpenAPI 3 document in which every route has response schemas', async () => {
    const { default: SwaggerParser } = await import('@apidevtools/swagger-parser');
    const document = (await engine.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(document.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(structuredClone(document))).resolves.toBeTruthy();
    for (const [path, operations] of Object.entries<Record<string, { responses?: object }>>(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        expect([`${method} ${path}`, Object.keys(operation.responses ?? {}).length > 0]).toEqual([
          `${method} ${path}`,
          true,
        ]);
      }
    }
    const ui = await engine.app.inject({ method: 'GET', url: '/docs/' });
    expect(ui.statusCode).toBe(200);
  });
});

it('eventually() helper gives up with the last error', async () => {
  await expect(eventually(async () => undefined, 200, 50)).rejects.toThrow('condition not met');
});

describe('Idempotency-Key', () => {
  it('creates once for five concurrent requests with one key and replays the same answer', async () => {
    const before = await storedCustomers();
    const payload = customerFixture({ email: 'idem@acme.example' });
    const responses = await Promise.all(
      Array.from({ length: 5 }, () =>
        engine.app.inject({
          method: 'POST',
          url: '/customers',
          headers: { 'idempotency-key': 'create-idem-1' },
          payload,
        }),
      ),
    );
    expect(responses.map((r) => r.statusCode)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(responses.map((r) => r.json().id)).size).toBe(1);
    expect(responses.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(4);
    expect(await storedCustomers()).toBe(before + 1);
  });

  it('answers 422 when the key is reused with another body, and stores nothing', async () => {
    await engine.app.inject({
      method: 'POST',
      url: '/customers',
      headers: { 'idempotency-key': 'create-idem-2' },
      payload: customerFixture(),
    });
    const before = await storedCustomers();
    const reused = await engine.app.inject({
      method: 'POST',
      url: '/customers',
      headers: { 'idempotency-key': 'create-idem-2' },
      payload: customerFixture({ legalName: 'Other' }),
    });
    expect(reused.statusCode).toBe(422);
    expect(reused.json().errors[0]).toMatchObject({ pointer: '/idempotency-key', in: 'headers' });
    expect(await storedCustomers()).toBe(before);
  });
});
