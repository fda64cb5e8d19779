// A customer paying from an e-mail link, walked as the customer does it: the invoice e-mail arrives, its link is
// clicked while signed out, sign-in brings the customer back to that invoice, "Pay this invoice" leads to the card
// payment, the card network confirms (a Stripe-signed webhook, as Stripe sends it against stripe-mock), and the
// receipt arrives after the invoice it pays. A reminder's "Pay now" link opens the pay page too. Staff see the
// outcome through the documented API only.
import type { Page } from 'playwright-core';
import { signedIntentEvent, startStripeMock, type StripeMock } from '../support/stripe-mock.js';
import { day, eventually, path, startJourney, type Journey } from './support/journey.js';

let journey: Journey;
let stripe: StripeMock;
beforeAll(async () => {
  stripe = await startStripeMock();
  journey = await startJourney('customer-pays-from-email', {
    env: { ...stripe.env, STRIPE_PUBLISHABLE_KEY: 'pk_test_journey' },
  });
});
afterAll(async () => {
  await journey?.close();
  await stripe?.close();
});

const AP = 'ap@quillfield.example';

/** Every link of a message must open a page of this engine's portal (never the staff API, never a dead route). */
function expectPortalLinks(links: { href: string }[]) {
  expect(links.length).toBeGreaterThan(0);
  for (const { href } of links) expect(href.startsWith(`${journey.base}/portal`)).toBe(true);
}

async function signIn(page: Page, email: string, password: string) {
  expect(new URL(page.url()).pathname).toBe('/portal/sign-in');
  await page.getByLabel('E-mail', { exact: true }).fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

it('opens the invoice from its e-mail, pays it by card and receives the receipt after the invoice', async () => {
  const { admin, inbox } = journey;
  const clerk = await journey.staff('ar_clerk');
  const customer = await clerk.ok('POST /customers', {
    body: {
      legalName: 'Quillfield Stationers Ltd',
      email: AP,
      currency: 'USD',
      termsCode: 'NET30',
      billingAddress: { line1: '9 Paper Row', city: 'Boston', postalCode: '02110', country: 'US' },
    },
  });
  const portal = await journey.portalUser(customer.id, AP);

  const mark = inbox.mark();
  const invoice = await clerk.ok('POST /invoices', {
    body: {
      customerId: customer.id,
      lines: [{ description: 'Letterpress cards', quantity: 3, unitPrice: { amount: 4_000, currency: 'USD' } }],
    },
  });
  const invoiceMail = await inbox.waitFor({ to: AP, subject: invoice.number, after: mark }, 60_000);
  const links = inbox.links(invoiceMail);
  expectPortalLinks(links);
  const view = links.find((l) => /view/i.test(l.text));
  expect(view?.href).toBe(`${journey.base}/portal/invoices/${invoice.id}`);

  // Signed out, the link goes through sign-in and back to the invoice it names.
  const page = await journey.browser();
  await page.goto(view!.href);
  await signIn(page, portal.email, portal.password);
  await page.waitForURL(view!.href);
  expect(await page.textContent('body')).toContain(invoice.number);
  await journey.screenshot(page, '01-invoice-from-email');

  await page.getByRole('link', { name: 'Pay this invoice' }).click();
  await page.waitForURL(/\/portal\/pay\?invoice=/);
  expect(await page.isChecked(`#inv-${invoice.id}`)).toBe(true);
  await journey.screenshot(page, '02-pay');
  await page.getByLabel('Card').check();
  await page.getByRole('button', { name: 'Continue to payment' }).click();
  await page.waitForURL(/\/portal\/pay\/[0-9a-f-]{36}$/);
  expect(await page.textContent('[data-test=payment-status]')).toMatch(/pending|processing/);

  // The page hands the intent's client secret to Stripe.js, which collects the card; the card network confirms the
  // intent the page names as the payment reference, with a signed webhook as Stripe sends it.
  expect(await page.getAttribute('#payment-element', 'data-client-secret')).toMatch(/_secret_/);
  expect(await page.isVisible('#payment-form button')).toBe(true);
  const intentId = (await page.textContent('[data-test=gateway-reference]'))!.trim();
  expect(intentId).toMatch(/^pi_/);
  const event = signedIntentEvent({
    type: 'payment_intent.succeeded',
    eventId: 'evt_journey_quillfield',
    intentId,
    amount: 12_000,
    currency: 'USD',
  });
  const confirmed = await journey.anonymous.call('POST /payment-gateways/stripe/webhook', {
    raw: event.payload,
    contentType: 'application/json',
    headers: { 'stripe-signature': event.headers['stripe-signature'] },
  });
  expect(confirmed.body).toEqual({ received: true, result: 'paid' });
  await page.reload();
  expect(await page.textContent('[data-test=payment-status]')).toBe('succeeded');
  await journey.screenshot(page, '03-paid');

  // The clerk sees the invoice paid; the customer reads the receipt, after the invoice, with links into the portal.
  const paid = await eventually(async () => {
    const read = await clerk.ok(`GET ${path('/invoices/{id}', { id: invoice.id })}`);
    return read.status === 'paid' ? read : undefined;
  }, 60_000);
  expect(paid.balance).toEqual({ amount: 0, currency: 'USD' });
  const receipt = await inbox.waitFor({ to: AP, subject: /^Receipt for your payment/, after: mark }, 60_000);
  const delivered = inbox.list({ to: AP, after: mark });
  expect(delivered.indexOf(invoiceMail)).toBeLessThan(delivered.indexOf(receipt));
  expect(delivered.filter((m) => /^Receipt/.test(m.subject))).toHaveLength(1);
  expectPortalLinks(inbox.links(receipt));
  await page.goto(inbox.links(receipt)[0]!.href);
  expect(new URL(page.url()).pathname).toBe('/portal/payments');
  expect(await page.textContent('body')).toContain('120.00');
  await journey.screenshot(page, '04-payments');

  await page.goto(`${journey.base}/portal`);
  expect(await page.textContent('[data-test=balance]')).toContain('0.00');
  void admin;
});

it("follows a reminder's Pay now link to the pay page of the overdue invoice", async () => {
  const { admin, inbox } = journey;
  const clerk = await journey.staff('ar_clerk');
  await admin.ok('PUT /policies/dunning/pay-link', {
    body: {
      name: 'One reminder, seconds after due',
      courtesyReminder: null,
      levels: [
        {
          name: 'reminder',
          trigger: { pastDueFor: 'PT1S', overdueAbove: null, match: 'any' },
          contactEvery: 'PT1H',
          channels: ['email'],
          template: 'dunning-reminder',
          lateFee: null,
          actions: [],
        },
      ],
      promise: { maxAhead: 'P30D', grace: 'P3D', maxOpen: 1 },
      writeOff: { after: 'P90D', sla: 'P5D' },
      collectorQueue: 'collections',
      collectorTaskSla: 'P2D',
    },
  });
  const email = 'ap@harrowgate.example';
  const customer = await clerk.ok('POST /customers', {
    body: {
      legalName: 'Harrowgate Mills Inc',
      email,
      currency: 'USD',
      termsCode: 'NET30',
      billingAddress: { line1: '1 Mill Lane', city: 'Lowell', postalCode: '01852', country: 'US' },
    },
  });
  await admin.ok(`PUT ${path('/customers/{id}/dunning-policy', { id: customer.id })}`, {
    body: { policyCode: 'pay-link' },
  });
  const portal = await journey.portalUser(customer.id, email);
  const mark = inbox.mark();
  const invoice = await clerk.ok('POST /invoices', {
    body: {
      customerId: customer.id,
      issueDate: day(-35),
      lines: [{ description: 'Yarn', quantity: 1, unitPrice: { amount: 9_900, currency: 'USD' } }],
    },
  });
  const reminder = await inbox.waitFor({ to: email, subject: /remind|overdue|payment/i, after: mark }, 60_000);
  expect(reminder.text).toContain(invoice.number);
  expectPortalLinks(inbox.links(reminder));
  const pay = inbox.links(reminder).find((l) => /pay/i.test(l.text));
  expect(pay).toBeDefined();

  const page = await journey.browser();
  await page.goto(pay!.href);
  await signIn(page, portal.email, portal.password);
  await page.waitForURL((url) => url.pathname === '/portal/pay');
  expect(await page.textContent('body')).toContain(invoice.number);
  await journey.screenshot(page, '05-pay-from-reminder');
});
