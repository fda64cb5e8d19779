// Every link in every e-mail opens the page it promises. Each mail template is rendered with realistic data from real
// records (a new template without data here fails the test), every href of its HTML part and every URL of its text
// part is followed over real HTTP against the running app the way a customer clicks it: signed out, through the
// sign-in form, and back to that page, which must answer 200 as a portal page. The e-mails the engine really sent on
// the way are followed too. Staff links open the documented API resource with a staff token. Also here: sign-in
// returns only to portal paths, the dispute reply the e-mail asks for, and card payment where no gateway is configured.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mailTemplateNames, renderMail, TEMPLATE_DIR } from '../../src/templates/render.js';
import { createUser } from '../../src/auth/store/users.js';
import { freePort } from '../../src/composition/free-port.js';
import { DOCUMENT_TEMPLATES, portalNoticeFor } from '../../src/mail/channel.js';
import { renderStatement } from '../../src/documents/store/statement.js';
import { inviteContact, magicLinkFor } from '../../src/portal/store/invitations.js';
import { customerFixture, eventually, startTestEngine, type TestEngine } from '../support/engine.js';
import { issueInvoice, type IssuedInvoice } from '../support/payments.js';
import { linksOf, PortalVisitor } from '../support/portal-visitor.js';

const PORTAL_USER = { email: 'links@alder.example', password: 'alder portal password' };

let engine: TestEngine;
let base: string;
let customerId: string;
let invoice: IssuedInvoice;
let disputeId: string;
let taskId: string;

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  engine = await startTestEngine({ env: { PUBLIC_URL: base } });
  await engine.app.listen({ host: '127.0.0.1', port });
  const created = await engine.app.inject({
    method: 'POST',
    url: '/customers',
    payload: customerFixture({
      legalName: 'Alder Links Ltd',
      email: 'ap@alder.example',
      currency: 'USD',
      contacts: [{ name: 'Ines Invited', email: 'ines@alder.example', role: 'accounts_payable' }],
    }),
  });
  customerId = created.json().id;
  invoice = await issueInvoice(engine, { customerId, total: 42_000 });
  await createUser(engine.db.orm.em.fork(), {
    email: PORTAL_USER.email,
    role: 'customer',
    customerId,
    password: PORTAL_USER.password,
    by: 'test',
  });
  const dispute = await engine.app.inject({
    method: 'POST',
    url: `/invoices/${invoice.id}/disputes`,
    payload: { category: 'quantity', reason: 'Two boxes were missing' },
  });
  expect(dispute.statusCode).toBe(201);
  disputeId = dispute.json().id;
  taskId = await eventually(async () => {
    const [row] = await engine.db.orm.em
      .fork()
      .execute<
        { id: string }[]
      >(`SELECT id FROM task WHERE subject_id = ? AND status IN ('open', 'claimed') ORDER BY created_at DESC LIMIT 1`, [disputeId]);
    return row?.id;
  });
  // A real receipt and a real invitation e-mail, so their links are followed as sent.
  const paid = await engine.app.inject({
    method: 'POST',
    url: '/payments',
    payload: {
      customerId,
      amount: { amount: 5_000, currency: 'USD' },
      method: 'wire',
      receivedAt: new Date().toISOString(),
      reference: 'part payment',
    },
  });
  expect(paid.statusCode).toBe(201);
  expect(
    (
      await engine.app.inject({
        method: 'POST',
        url: `/customers/${customerId}/portal-users`,
        payload: { email: 'ines@alder.example' },
      })
    ).statusCode,
  ).toBe(201);
  await engine.mail.waitFor((m) => m.subject.startsWith('Receipt for your payment'), 60_000);
});
afterAll(async () => {
  await engine?.close();
});

/** Template data as the activities build it, from the records made above; ids only, never a finished URL. */
async function realisticData(): Promise<Record<string, Record<string, unknown>>> {
  const em = engine.db.orm.em.fork();
  const doc = (await engine.app.inject({ method: 'GET', url: `/invoices/${invoice.id}` })).json();
  const money = (amount: number) => `USD ${(amount / 100).toFixed(2)}`;
  const invoiceData = {
    number: doc.number,
    customerName: 'Alder Links Ltd',
    customerId,
    invoiceId: invoice.id,
    issueDate: doc.issueDate,
    dueDate: doc.dueDate,
    externalRef: null,
    subtotal: money(42_000),
    tax: money(0),
    total: money(42_000),
    openAmount: money(37_000),
    discount: null,
    instalments: [],
    lines: [
      {
        lineNo: 1,
        description: 'Services',
        quantity: '1',
        unitPrice: money(42_000),
        taxRate: '0',
        net: money(42_000),
        tax: money(0),
      },
    ],
  };
  const dunning = {
    customerName: 'Alder Links Ltd',
    level: 'reminder',
    total: money(37_000),
    invoices: [{ number: doc.number, dueDate: doc.dueDate, openAmount: money(37_000), daysOverdue: 3 }],
  };
  const dispute = {
    customerName: 'Alder Links Ltd',
    number: doc.number,
    disputeRef: disputeId.slice(0, 8),
    disputeId,
    categoryLabel: 'quantities',
    disputedAmount: money(42_000),
    reason: 'Two boxes were missing',
  };
  const today = new Date().toISOString().slice(0, 10);
  const statement = await renderStatement(
    em,
    { customerId, from: `${today.slice(0, 7)}-01`, to: today, format: 'html' },
    { companyName: 'Test', publicUrl: base },
  );
  const invited = await inviteContact(em, { customerId, email: 'ines@alder.example', by: 'test', ttl: 'P7D' });
  const magic = (await magicLinkFor(em, PORTAL_USER.email, 'PT15M'))!;
  const data: Record<string, Record<string, unknown>> = {
    'account-opened': { customerName: 'Alder Links Ltd', currency: 'USD', email: 'ap@alder.example', customerId },
    'invoice-issued': invoiceData,
    'invoice-reminder': invoiceData,
    'dunning-reminder': dunning,
    'dunning-demand': { ...dunning, level: 'demand' },
    'dunning-final-notice': { ...dunning, level: 'final_notice' },
    'dunning-legal': { ...dunning, level: 'legal' },
    'dispute-acknowledged': { ...dispute, queue: 'logistics', resolveBy: '2026-12-20' },
    'dispute-info-request': { ...dispute, question: 'Which boxes were missing?', replyBy: '2026-12-10' },
    'dispute-escalated': {
      ...dispute,
      fromQueue: 'logistics',
      toQueue: 'ar-managers',
      resolveBy: '2026-12-20',
      taskId,
    },
    'receipt-email': {
      customerName: 'Alder Links Ltd',
      amount: money(5_000),
      receivedOn: today,
      allocations: [{ invoiceNumber: doc.number, amount: money(5_000) }],
      unapplied: '',
      attachedInvoices: [],
    },
    'statement-email': {
      customerName: 'Alder Links Ltd',
      from: statement.data.from,
      to: statement.data.to,
      openingBalance: money(0),
      closingBalance: money(37_000),
      overdue: '',
      howToPay: statement.data.howToPay,
    },
    'portal-invitation': {
      name: 'Ines Invited',
      customerName: 'Alder Links Ltd',
      token: invited.token,
      expiresAt: '2026-12-09 10:00 UTC',
    },
    'portal-magic-link': { token: magic.token, expiresAt: '2026-12-02 23:00 UTC' },
  };
  // The notice a `portal` customer gets instead of each document e-mail, for every kind of document.
  data['portal-notice'] = { ...portalNoticeFor('invoice-issued', 'portal', invoiceData)!, subject: 'Invoice' };
  return data;
}

const STAFF = new Set(['dispute-escalated']);

it('builds every href in every template from the portal URL builder, never from a URL handed in', () => {
  for (const file of readdirSync(TEMPLATE_DIR).filter((f) => f.endsWith('.hbs'))) {
    const source = readFileSync(new URL(file, TEMPLATE_DIR), 'utf8');
    for (const [, href] of source.matchAll(/href="(\{\{[^}]*\}\}|[^"]*)"/g))
      expect({ file, href }).toEqual({
        file,
        href: expect.stringMatching(/^\{\{(portalUrl|staffUrl) "[a-zA-Z]+"[^}]*\}\}$|^\{\{portalUrl page [^}]*\}\}$/),
      });
  }
});

it('renders every mail template with realistic data, and every link in it opens its page after the sign-in round trip', async () => {
  const data = await realisticData();
  expect(Object.keys(data).sort()).toEqual(mailTemplateNames());
  const notices = DOCUMENT_TEMPLATES.map((t) => portalNoticeFor(t, 'portal', data[t]!)!);
  const renders = [
    ...Object.entries(data).map(([template, d]) => ({
      template,
      mail: renderMail(template, { companyName: 'Test', publicUrl: base, ...d }),
    })),
    ...notices.map((n, i) => ({
      template: `portal-notice for ${DOCUMENT_TEMPLATES[i]}`,
      mail: renderMail('portal-notice', { companyName: 'Test', publicUrl: base, ...n, subject: 'x' }),
    })),
  ];
  let followed = 0;
  for (const { template, mail } of renders) {
    const links = linksOf(mail);
    // The text part offers the same links as the HTML part (a reader of either can act on the message).
    expect({ template, text: [...new Set(links.text)].sort() }).toEqual({
      template,
      text: expect.arrayContaining([...new Set(links.html)].sort()),
    });
    for (const link of new Set([...links.html, ...links.text])) {
      await expectWorkingLink(template, link, STAFF.has(template));
      followed += 1;
    }
  }
  expect(followed).toBeGreaterThanOrEqual(20);
});

it('every link in the e-mails the engine sent opens its page too', async () => {
  const sent = engine.mail.messages.filter((m) => m.to.some((t) => t.endsWith('@alder.example')));
  expect(sent.map((m) => m.subject)).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^Invoice /),
      expect.stringMatching(/^We received your dispute/),
      expect.stringMatching(/^Receipt for your payment/),
      expect.stringMatching(/customer portal account/),
    ]),
  );
  for (const mail of sent)
    for (const link of new Set([...linksOf(mail).html, ...linksOf(mail).text]))
      await expectWorkingLink(mail.subject, link, false);
});

async function expectWorkingLink(template: string, link: string, staff: boolean): Promise<void> {
  expect({ template, link }).toEqual({ template, link: expect.stringMatching(new RegExp(`^${base}/`)) });
  const url = new URL(link);
  if (staff) {
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${await engine.tokenFor('admin')}`, accept: 'application/json' },
    });
    expect({ template, link, status: response.status }).toEqual({ template, link, status: 200 });
    return;
  }
  const visit = await new PortalVisitor(base, PORTAL_USER).open(link);
  const where = {
    template,
    link,
    status: visit.status,
    html: visit.contentType.startsWith('text/html'),
    portal: visit.body.includes('customer portal</title>'),
  };
  expect(where).toEqual({ template, link, status: 200, html: true, portal: true });
  if (url.pathname === '/portal/magic') {
    expect(visit.path).toBe('/portal'); // a one-time sign-in lands on the overview, signed in
  } else if (url.pathname === '/portal/accept-invitation') {
    expect(visit.body).toContain('name="password"');
  } else {
    // Through sign-in and back to exactly the page the link named.
    expect({ link, signedIn: visit.signedIn, path: visit.path }).toEqual({
      link,
      signedIn: true,
      path: url.pathname + url.search,
    });
  }
}

it('the request for information links to the dispute page, where the customer answers it', async () => {
  const handler = await engine.headersFor('dispute_handler', undefined, { actor: 'hana' });
  const resolution = await eventually(async () => {
    const [row] = await engine.db.orm.em
      .fork()
      .execute<
        { id: string }[]
      >(`SELECT id FROM task WHERE subject_id = ? AND type = 'dispute_resolution' AND status = 'open' LIMIT 1`, [disputeId]);
    const live = (await engine.app.inject({ method: 'GET', url: `/disputes/${disputeId}` })).json().workflow;
    return row && live?.taskId === row.id ? row.id : undefined;
  });
  expect(
    (await engine.app.inject({ method: 'POST', url: `/tasks/${resolution}/claim`, headers: handler, payload: {} }))
      .statusCode,
  ).toBe(200);
  const asked = await engine.app.inject({
    method: 'POST',
    url: `/tasks/${resolution}/complete`,
    headers: handler,
    payload: { outcome: 'request_info', data: { question: 'How many boxes arrived?' } },
  });
  expect(asked.statusCode).toBe(200);
  const mail = await engine.mail.waitFor((m) => m.subject.includes('we need more information'));
  const link = linksOf(mail).html.find((l) => l.includes('/portal/disputes/'))!;
  expect(link).toBe(`${base}/portal/disputes/${disputeId}`);

  const visitor = new PortalVisitor(base, PORTAL_USER);
  const page = await eventually(async () => {
    const visit = await visitor.open(link);
    return visit.body.includes('How many boxes arrived?') && visit.body.includes('name="text"') ? visit : undefined;
  });
  const answered = await visitor.submit(page.body, `/portal/disputes/${disputeId}/reply`, {
    text: 'Three of five boxes arrived.',
  });
  expect(answered.status).toBe(303);
  expect(answered.headers.get('location')).toBe(`/portal/disputes/${disputeId}`);
  const after = await visitor.open(`/portal/disputes/${disputeId}`);
  expect(after.body).toContain('Three of five boxes arrived.');
  expect(after.body).not.toContain('name="text"');
  const staffView = (await engine.app.inject({ method: 'GET', url: `/disputes/${disputeId}` })).json();
  expect(staffView.status).toBe('open');
  expect(staffView.correspondence).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        kind: 'info_reply',
        from: 'customer',
        text: 'Three of five boxes arrived.',
        by: PORTAL_USER.email,
      }),
    ]),
  );
  // Asked nothing now: a second answer is a conflict, not a 500.
  const token = await engine.headersFor('customer', customerId, { actor: PORTAL_USER.email });
  const again = await engine.app.inject({
    method: 'POST',
    url: `/portal/api/disputes/${disputeId}/reply`,
    headers: token,
    payload: { text: 'More' },
  });
  expect(again.statusCode).toBe(409);
  expect(again.headers['content-type']).toContain('application/problem+json');
});

it('sign-in returns only to a portal page of this site', async () => {
  const cases: [string, string][] = [
    ['/portal/invoices?x=1', '/portal/invoices?x=1'],
    ['//evil.example/portal', '/portal'],
    ['/\\evil.example', '/portal'],
    ['https://evil.example/portal', '/portal'],
    ['/portal/../admin', '/portal'],
    ['/portal/%2F%2Fevil.example', '/portal'],
    ['/portalevil', '/portal'],
    ['/docs', '/portal'],
  ];
  for (const [next, expected] of cases) {
    const visitor = new PortalVisitor(base, PORTAL_USER); // signed out each time
    const form = await (await visitor.request(`/portal/sign-in?next=${encodeURIComponent(next)}`)).text();
    const response = await visitor.submit(
      form.replace(/name="next" value="[^"]*"/, `name="next" value="${next}"`),
      '/portal/sign-in',
      { email: PORTAL_USER.email, password: PORTAL_USER.password, next },
    );
    expect({ next, location: response.headers.get('location') }).toEqual({ next, location: expected });
    await response.arrayBuffer();
  }
});

it('without a payment gateway, card payment is not offered: 409 problem+json naming the method, and no card button', async () => {
  const token = await engine.headersFor('customer', customerId, { actor: PORTAL_USER.email });
  const started = await engine.app.inject({
    method: 'POST',
    url: '/portal/api/gateway-payments',
    headers: token,
    payload: { invoiceIds: [invoice.id], method: 'card' },
  });
  expect(started.statusCode).toBe(409);
  expect(started.headers['content-type']).toContain('application/problem+json');
  expect(started.json()).toMatchObject({
    type: expect.stringContaining('payment-method-not-offered'),
    detail: expect.stringContaining('Card payment is not configured'),
    errors: [{ pointer: '/method' }],
  });
  // An invoice that is not the customer's own is not found, gateway or not: the 409 must not confirm that it exists.
  const foreign = await engine.app.inject({
    method: 'POST',
    url: '/portal/api/gateway-payments',
    headers: token,
    payload: { invoiceIds: [randomUUID()], method: 'card' },
  });
  expect({ status: foreign.statusCode, pointer: foreign.json().errors?.[0]?.pointer }).toEqual({
    status: 404,
    pointer: '/invoiceIds/0',
  });
  const page = await new PortalVisitor(base, PORTAL_USER).open(`/portal/pay?invoice=${invoice.id}`);
  expect(page.status).toBe(200);
  expect(page.body).toContain('Bank transfer');
  expect(page.body).not.toMatch(/value="card"|Continue to payment/);
});
