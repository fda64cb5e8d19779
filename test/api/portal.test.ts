// The customer portal through the real app: invitation and page sign-in with cookies and CSRF, the JSON API scoped
// to the caller's customer, object-level authorization over every portal route (another customer's ids are 404
// wherever they are passed), disputes, allow-listed preferences, and card payments through the Stripe adapter against
// stripe-mock confirmed by signed webhooks into cash application with a receipt e-mail.
import { ROUTE_ACCESS } from '../../src/auth/route-access.js';
import { formatMoney } from '../../src/shared/money.js';
import { customerFixture, eventually, startTestEngine, type TestEngine } from '../support/engine.js';
import { invoiceRow, issueInvoice, type IssuedInvoice } from '../support/payments.js';
import { signedIntentEvent, startStripeMock, type StripeMock } from '../support/stripe-mock.js';

let engine: TestEngine;
let stripe: StripeMock;
let a: { id: string; invoice: IssuedInvoice; second: IssuedInvoice; headers: { authorization: string } };
let b: {
  id: string;
  invoice: IssuedInvoice;
  disputeId?: string;
  paymentId?: string;
  documentId?: string;
  gatewayPaymentId?: string;
};

async function customer(email: string, contacts: unknown[] = []) {
  const res = await engine.app.inject({
    method: 'POST',
    url: '/customers',
    payload: customerFixture({ email, currency: 'USD', contacts }),
  });
  expect(res.statusCode).toBe(201);
  return res.json().id as string;
}

beforeAll(async () => {
  stripe = await startStripeMock();
  engine = await startTestEngine({ env: stripe.env });
  const aId = await customer('ap@alpha.example', [
    { name: 'Ada Payables', email: 'ada@alpha.example', role: 'accounts_payable' },
  ]);
  const bId = await customer('ap@beta.example');
  a = {
    id: aId,
    invoice: await issueInvoice(engine, { customerId: aId, total: 12_500 }),
    second: await issueInvoice(engine, { customerId: aId, total: 4_000 }),
    headers: await engine.headersFor('customer', aId, { actor: 'ada@alpha.example' }),
  };
  b = { id: bId, invoice: await issueInvoice(engine, { customerId: bId, total: 9_900 }) };
});
afterAll(async () => {
  await engine?.close();
  await stripe?.close();
});

const asA = (method: string, url: string, payload?: unknown) =>
  engine.app.inject({
    method: method as 'GET',
    url,
    headers: a.headers,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

function cookiesOf(response: { headers: Record<string, unknown> }): Record<string, string> {
  const raw = response.headers['set-cookie'];
  const list = Array.isArray(raw) ? raw : raw ? [raw as string] : [];
  return Object.fromEntries(list.map((c) => c.split(';')[0]!.split('=')).map(([k, ...v]) => [k!, v.join('=')]));
}
const cookieHeader = (jar: Record<string, string>) =>
  Object.entries(jar)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');
const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

describe('invitation and browser sign-in', () => {
  it('invites a contact, who sets a password from the one-time link and lands on the overview', async () => {
    const invited = await engine.app.inject({
      method: 'POST',
      url: `/customers/${a.id}/portal-users`,
      payload: { email: 'Ada@alpha.example' },
    });
    expect(invited.statusCode).toBe(201);
    expect(invited.json().user).toMatchObject({ role: 'customer', customerId: a.id, status: 'invited' });
    expect(
      (
        await engine.app.inject({
          method: 'POST',
          url: `/customers/${a.id}/portal-users`,
          payload: { email: 'stranger@else.example' },
        })
      ).statusCode,
    ).toBe(422);

    const mail = await engine.mail.waitFor(
      (m) => m.to.includes('ada@alpha.example') && /customer portal/.test(m.subject),
    );
    const link = /(http[^\s]+\/portal\/accept-invitation\?token=[^\s]+)/.exec(mail.text)![1]!;
    const path = new URL(link).pathname + new URL(link).search;
    const form = await engine.app.inject({ method: 'GET', url: path, headers: { authorization: 'none' } });
    expect(form.statusCode).toBe(200);
    expect(form.headers['content-security-policy']).toContain("default-src 'self'");
    const jar = cookiesOf(form);
    const token = new URL(link).searchParams.get('token')!;

    const noCsrf = await engine.app.inject({
      method: 'POST',
      url: '/portal/accept-invitation',
      headers: {
        authorization: 'none',
        cookie: cookieHeader(jar),
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams({
        _csrf: 'forged',
        token,
        password: 'a long enough secret',
        confirm: 'a long enough secret',
      }).toString(),
    });
    expect(noCsrf.statusCode).toBe(403);

    const accepted = await engine.app.inject({
      method: 'POST',
      url: '/portal/accept-invitation',
      headers: {
        authorization: 'none',
        cookie: cookieHeader(jar),
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams({
        _csrf: csrfOf(form.body),
        token,
        password: 'a long enough secret',
        confirm: 'a long enough secret',
      }).toString(),
    });
    expect(accepted.statusCode).toBe(303);
    const session = cookiesOf(accepted);
    expect(String(accepted.headers['set-cookie'])).toMatch(/ar_session=[^;]+;.*HttpOnly/i);
    expect(String(accepted.headers['set-cookie'])).toMatch(/SameSite=Lax/i);

    const overview = await engine.app.inject({
      method: 'GET',
      url: '/portal',
      headers: { authorization: 'none', cookie: cookieHeader({ ...jar, ...session }) },
    });
    expect(overview.statusCode).toBe(200);
    expect(overview.body).toContain(a.invoice.number);
    expect(overview.body).not.toContain(b.invoice.number);
    expect(overview.body).toContain(formatMoney({ amount: 16_500, currency: 'USD' })); // balance of both invoices

    // The link works once; signed out, the overview redirects to the sign-in page.
    const again = await engine.app.inject({ method: 'GET', url: path, headers: { authorization: 'none' } });
    expect(again.body).toContain('already used or has expired');
    const signedOut = await engine.app.inject({
      method: 'GET',
      url: '/portal/invoices',
      headers: { authorization: 'none' },
    });
    expect(signedOut.statusCode).toBe(303);
    expect(signedOut.headers.location).toBe('/portal/sign-in?next=%2Fportal%2Finvoices');
  });

  it('signs in with the password through the form, and refuses a staff account there', async () => {
    const page = await engine.app.inject({ method: 'GET', url: '/portal/sign-in', headers: { authorization: 'none' } });
    const jar = cookiesOf(page);
    const post = (email: string, password: string) =>
      engine.app.inject({
        method: 'POST',
        url: '/portal/sign-in',
        headers: {
          authorization: 'none',
          cookie: cookieHeader(jar),
          'content-type': 'application/x-www-form-urlencoded',
        },
        payload: new URLSearchParams({
          _csrf: csrfOf(page.body),
          email,
          password,
          next: '/portal/invoices',
        }).toString(),
      });
    const ok = await post('ada@alpha.example', 'a long enough secret');
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/portal/invoices');
    expect((await post('ada@alpha.example', 'wrong password here')).statusCode).toBe(401);
  });
});

describe('JSON API scoped to the caller', () => {
  it('shows the caller’s balance, invoices, invoice PDF and statement, nothing of another customer', async () => {
    const summary = (await asA('GET', '/portal/api/summary')).json();
    expect(summary).toMatchObject({
      customer: { id: a.id },
      balance: { amount: 16_500, currency: 'USD' },
      openCount: 2,
    });
    const invoices = (await asA('GET', '/portal/api/invoices')).json().items;
    expect(invoices.map((i: { id: string }) => i.id).sort()).toEqual([a.invoice.id, a.second.id].sort());
    const pdf = await asA('GET', `/portal/api/invoices/${a.invoice.id}/pdf`);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const statement = await asA('GET', '/portal/api/statements?format=html');
    expect(statement.statusCode).toBe(200);
    expect(statement.body).toContain(a.invoice.number);
    expect(statement.body).not.toContain(b.invoice.number);
  });

  it('raises a dispute through the disputes workflow; another customer’s invoice is unknown', async () => {
    const res = await asA('POST', '/portal/api/disputes', {
      invoiceId: a.second.id,
      category: 'quantity',
      reason: 'Only half of the items arrived',
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ invoiceId: a.second.id, status: 'open', amount: { amount: 4_000 } });
    expect((await invoiceRow(engine.db.orm, a.second.id)).status).toBe('disputed');
    const [dispute] = await engine.db.orm.em
      .fork()
      .execute<
        { channel: string; opened_by: string }[]
      >('SELECT channel, opened_by FROM dispute WHERE id = ?', [res.json().id]);
    expect(dispute).toEqual({ channel: 'portal', opened_by: 'ada@alpha.example' });
  });

  it('writes channel and statement frequency to the customer record, audited as the portal user, and shows staff changes', async () => {
    const saved = await asA('PUT', '/portal/api/preferences', { channel: 'portal', statementFrequency: 'weekly' });
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toMatchObject({ channel: 'portal', statementFrequency: 'weekly', language: 'en' });
    // One source of truth: the staff API shows what the customer chose.
    const record = (await engine.app.inject({ method: 'GET', url: `/customers/${a.id}` })).json();
    expect(record.communication).toEqual({ channel: 'portal', statementFrequency: 'weekly', language: 'en' });
    const history = (await engine.app.inject({ method: 'GET', url: `/customers/${a.id}/history` })).json();
    expect(JSON.stringify(history)).toContain('ada@alpha.example');
    const [audit] = await engine.db.orm.em
      .fork()
      .execute<
        { actor: string; role: string }[]
      >(`SELECT actor, role FROM audit_log WHERE action = 'portal_preferences' AND target = ?`, [a.id]);
    expect(audit).toEqual({ actor: 'ada@alpha.example', role: 'customer' });
    // A staff change is what the portal shows next.
    const patched = await engine.app.inject({
      method: 'PATCH',
      url: `/customers/${a.id}`,
      payload: { communication: { channel: 'email', statementFrequency: 'monthly', language: 'en' } },
    });
    expect(patched.statusCode).toBe(200);
    expect((await asA('GET', '/portal/api/preferences')).json()).toMatchObject({
      channel: 'email',
      statementFrequency: 'monthly',
    });
  });

  it('changes only allow-listed preferences (no mass assignment)', async () => {
    const sneaky = await asA('PUT', '/portal/api/preferences', {
      autopay: true,
      creditLimit: { amount: 1, currency: 'USD' },
    });
    expect(sneaky.statusCode).toBe(400);
    expect(sneaky.json().errors).toEqual([expect.objectContaining({ pointer: '/creditLimit' })]);
    const disputeStatus = await asA('POST', '/portal/api/disputes', {
      invoiceId: a.invoice.id,
      category: 'pricing',
      reason: 'x y z',
      status: 'resolved',
    });
    expect(disputeStatus.statusCode).toBe(400);
    // A staff route is out of reach altogether.
    expect((await asA('PATCH', `/customers/${a.id}`, { creditLimit: null })).statusCode).toBe(403);
  });
});

describe('card payment through the Stripe adapter (stripe-mock) confirmed by a signed webhook', () => {
  it('records the payment, applies it through cash application and e-mails a receipt, once', async () => {
    const methods = (await asA('GET', '/portal/api/payment-methods')).json();
    expect(methods.bankTransfer).toMatchObject({ iban: expect.any(String), reference: `Customer ${a.id}` });
    expect(methods.gateway).toMatchObject({ provider: 'stripe', methods: ['card', 'ach_debit'] });

    const started = await asA('POST', '/portal/api/gateway-payments', { invoiceIds: [a.invoice.id], method: 'card' });
    expect(started.statusCode).toBe(201);
    const gp = started.json();
    expect(gp).toMatchObject({
      amount: { amount: 12_500, currency: 'USD' },
      status: 'pending',
      clientSecret: expect.any(String),
    });
    const [row] = await engine.db.orm.em
      .fork()
      .execute<{ provider_ref: string }[]>('SELECT provider_ref FROM gateway_payment WHERE id = ?', [gp.id]);
    const intentId = row!.provider_ref;
    expect(intentId).toMatch(/^pi_/);

    const forged = signedIntentEvent({
      type: 'payment_intent.succeeded',
      eventId: 'evt_forged',
      intentId,
      amount: 12_500,
      currency: 'USD',
      secret: 'whsec_someone_else',
    });
    const refused = await engine.app.inject({
      method: 'POST',
      url: '/payment-gateways/stripe/webhook',
      headers: { ...forged.headers, authorization: 'none' },
      payload: forged.payload,
    });
    expect(refused.statusCode).toBe(400);
    expect((await asA('GET', `/portal/api/gateway-payments/${gp.id}`)).json().status).toBe('pending');

    const event = signedIntentEvent({
      type: 'payment_intent.succeeded',
      eventId: 'evt_1',
      intentId,
      amount: 12_500,
      currency: 'USD',
    });
    const delivered = await engine.app.inject({
      method: 'POST',
      url: '/payment-gateways/stripe/webhook',
      headers: { ...event.headers, authorization: 'none' },
      payload: event.payload,
    });
    expect(delivered.json()).toEqual({ received: true, result: 'paid' });
    const redelivered = await engine.app.inject({
      method: 'POST',
      url: '/payment-gateways/stripe/webhook',
      headers: { ...event.headers, authorization: 'none' },
      payload: event.payload,
    });
    expect(redelivered.json()).toEqual({ received: true, result: 'duplicate' });

    const paid = await eventually(async () => {
      const invoice = await invoiceRow(engine.db.orm, a.invoice.id);
      return invoice.status === 'paid' ? invoice : undefined;
    }, 60_000);
    expect(paid.openAmount).toBe(0);
    const payments = (await asA('GET', '/portal/api/payments')).json().items;
    expect(payments).toEqual([
      expect.objectContaining({ amount: { amount: 12_500, currency: 'USD' }, method: 'card' }),
    ]);
    // One receipt per payment, from cash application once it is applied (the webhook sends none of its own).
    const receipt = await engine.mail.waitFor(
      (m) => m.to.includes('ap@alpha.example') && m.subject.startsWith('Receipt for your payment'),
      60_000,
    );
    expect(receipt.text).toContain(a.invoice.number);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(
      engine.mail.messages.filter(
        (m) => m.to.includes('ap@alpha.example') && /receipt|payment received/i.test(m.subject),
      ),
    ).toHaveLength(1);
    const [count] = await engine.db.orm.em
      .fork()
      .execute<{ n: string }[]>('SELECT count(*) AS n FROM payment WHERE customer_id = ?', [a.id]);
    expect(Number(count!.n)).toBe(1);
  });
});

describe('object-level authorization over every portal route', () => {
  beforeAll(async () => {
    const em = engine.db.orm.em.fork();
    const dispute = await engine.app.inject({
      method: 'POST',
      url: `/invoices/${b.invoice.id}/disputes`,
      payload: { category: 'pricing', reason: 'Beta disputes its price' },
    });
    expect(dispute.statusCode).toBe(201);
    b.disputeId = dispute.json().id;
    const pay = await engine.app.inject({
      method: 'POST',
      url: '/payments',
      payload: {
        customerId: b.id,
        amount: { amount: 100, currency: 'USD' },
        method: 'wire',
        receivedAt: new Date().toISOString(),
        reference: 'beta wire',
      },
    });
    expect(pay.statusCode).toBe(201);
    b.paymentId = pay.json().id;
    const [doc] = await em.execute<{ id: string }[]>(
      `INSERT INTO document (id, kind, ref, customer_id, filename, media_type, content_sha256, size_bytes, content) VALUES (gen_random_uuid(), 'receipt', 'beta-receipt', ?, 'beta.pdf', 'application/pdf', 'x', 1, '\\x25') RETURNING id`,
      [b.id],
    );
    b.documentId = doc!.id;
    const bToken = await engine.headersFor('customer', b.id);
    const bPay = await engine.app.inject({
      method: 'POST',
      url: '/portal/api/gateway-payments',
      headers: bToken,
      payload: { invoiceIds: [b.invoice.id], method: 'card' },
    });
    b.gatewayPaymentId = bPay.json().id ?? '00000000-0000-4000-8000-000000000000';
  });

  it('answers 404 for another customer’s ids in the path on every portal route that takes one', async () => {
    const idFor = (route: string) =>
      route.includes('/disputes') && !route.includes('/invoices/')
        ? b.disputeId!
        : route.includes('/payments/')
          ? b.paymentId!
          : route.includes('/documents/')
            ? b.documentId!
            : route.includes('/pay/') || route.includes('/gateway-payments/')
              ? b.gatewayPaymentId!
              : b.invoice.id;
    const routes = Object.entries(ROUTE_ACCESS).filter(
      ([key, access]) => key.split(' ')[1]!.startsWith('/portal') && key.includes(':id') && access !== 'public',
    );
    expect(routes.length).toBeGreaterThanOrEqual(10);
    for (const [key] of routes) {
      const [method, path] = key.split(' ') as [string, string];
      const url = path.replace(':id', idFor(path));
      const body = path.endsWith('/reply')
        ? { text: 'not mine', ...(path.startsWith('/portal/api/') ? {} : { _csrf: 'x' }) }
        : { category: 'pricing', reason: 'not mine', _csrf: 'x' };
      const res = await asA(method, url, method === 'GET' ? undefined : body);
      expect({ key, status: res.statusCode }).toEqual({ key, status: 404 });
      expect(res.body).not.toContain(b.invoice.number);
    }
  });

  it('answers 404 for another customer’s ids in bodies, and never shows their data in lists', async () => {
    const bodies: [string, string, unknown, string][] = [
      [
        'POST',
        '/portal/api/disputes',
        { invoiceId: b.invoice.id, category: 'pricing', reason: 'not mine' },
        '/invoiceId',
      ],
      ['POST', '/portal/api/gateway-payments', { invoiceIds: [a.second.id, b.invoice.id], method: 'card' }, ''],
      [
        'POST',
        '/portal/api/promises',
        { amount: 100, date: '2099-01-01', invoiceIds: [b.invoice.id] },
        '/invoiceIds/0',
      ],
    ];
    for (const [method, url, payload] of bodies) {
      const res = await asA(method, url, payload);
      expect({ url, status: res.statusCode }).toEqual({ url, status: 404 });
    }
    for (const url of [
      '/portal/api/invoices',
      '/portal/api/payments',
      '/portal/api/documents',
      '/portal/api/disputes',
      '/portal/api/promises',
      '/portal/invoices',
      '/portal/payments',
      '/portal/documents',
      '/portal/disputes',
    ]) {
      const res = await asA('GET', url);
      expect({ url, status: res.statusCode }).toEqual({ url, status: 200 });
      for (const secret of [b.invoice.number, b.disputeId!, b.paymentId!, b.documentId!, 'beta.pdf'])
        expect({ url, leaked: res.body.includes(secret) }).toEqual({ url, leaked: false });
    }
    // Query parameters cannot widen the scope either.
    expect((await asA('GET', `/portal/api/invoices?customerId=${b.id}`)).statusCode).toBe(400);
    expect((await asA('GET', `/portal/pay?invoice=${b.invoice.id}`)).body).not.toContain(b.invoice.number);
  });
});
