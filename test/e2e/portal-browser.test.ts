// The portal in a real browser (playwright-core driving Debian's Chromium, headless): a portal user signs in, sees
// the invoices, downloads a statement, raises a dispute and pays an invoice by card through the Stripe adapter against
// stripe-mock (the confirmation arrives as a Stripe-signed webhook). Screenshots go to test-artifacts/portal/.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { createUser } from '../../src/auth/store/users.js';
import { freePort } from '../../src/composition/free-port.js';
import { customerFixture, eventually, startTestEngine, type TestEngine } from '../support/engine.js';
import { invoiceRow, issueInvoice, type IssuedInvoice } from '../support/payments.js';
import { signedIntentEvent, startStripeMock, type StripeMock } from '../support/stripe-mock.js';

const ARTIFACTS = new URL('../../test-artifacts/portal/', import.meta.url).pathname;
const chromiumPath =
  process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

let engine: TestEngine;
let stripe: StripeMock;
let browser: Browser;
let base: string;
let customerId: string;
let first: IssuedInvoice;
let second: IssuedInvoice;

beforeAll(async () => {
  if (!chromiumPath)
    throw new Error('Chromium not found: run npm run setup -- --test (apt-get install chromium) or set CHROMIUM_PATH');
  mkdirSync(ARTIFACTS, { recursive: true });
  stripe = await startStripeMock();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  engine = await startTestEngine({ env: { ...stripe.env, PUBLIC_URL: base } });
  await engine.app.listen({ host: '127.0.0.1', port });
  const created = await engine.app.inject({
    method: 'POST',
    url: '/customers',
    payload: customerFixture({ legalName: 'Browser Buyer Inc', email: 'ap@browser.example', currency: 'USD' }),
  });
  customerId = created.json().id;
  first = await issueInvoice(engine, { customerId, total: 30_000 });
  second = await issueInvoice(engine, { customerId, total: 7_500 });
  await createUser(engine.db.orm.em.fork(), {
    email: 'buyer@browser.example',
    role: 'customer',
    customerId,
    password: 'browser portal password',
    by: 'test',
  });
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
});

afterAll(async () => {
  await browser?.close();
  await engine?.close();
  await stripe?.close();
});

it('signs in, sees invoices, downloads a statement, raises a dispute and pays by card', async () => {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1100, height: 800 } });
  const page = await context.newPage();

  await page.goto(`${base}/portal/invoices`);
  expect(page.url()).toContain('/portal/sign-in');
  await page.getByLabel('E-mail', { exact: true }).fill('buyer@browser.example');
  await page.getByLabel('Password').fill('browser portal password');
  await page.screenshot({ path: `${ARTIFACTS}01-sign-in.png`, fullPage: true });
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL(`${base}/portal/invoices`);
  await expect(page.locator(`tr[data-invoice="${first.number}"]`).count()).resolves.toBe(1);
  await expect(page.locator(`tr[data-invoice="${second.number}"]`).count()).resolves.toBe(1);
  await page.screenshot({ path: `${ARTIFACTS}02-invoices.png`, fullPage: true });

  await page.goto(`${base}/portal`);
  expect(await page.locator('[data-test=balance]').textContent()).toContain('375.00');
  await page.screenshot({ path: `${ARTIFACTS}03-overview.png`, fullPage: true });

  await page.goto(`${base}/portal/statements`);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download statement' }).click(),
  ]);
  const statementPath = `${ARTIFACTS}statement.pdf`;
  await download.saveAs(statementPath);
  expect(readFileSync(statementPath).subarray(0, 5).toString()).toBe('%PDF-');

  await page.goto(`${base}/portal/invoices/${first.id}`);
  await page.getByRole('link', { name: 'Dispute this invoice' }).click();
  await page.getByLabel('What is wrong?').selectOption('quality');
  await page.getByLabel('Explain').fill('The delivered parts were damaged.');
  await page.screenshot({ path: `${ARTIFACTS}04-dispute-form.png`, fullPage: true });
  await page.getByRole('button', { name: 'Raise dispute' }).click();
  await page.waitForURL(`${base}/portal/disputes`);
  await expect(page.locator(`tr[data-dispute="${first.number}"]`).count()).resolves.toBe(1);
  expect((await invoiceRow(engine.db.orm, first.id)).status).toBe('disputed');
  await page.screenshot({ path: `${ARTIFACTS}05-disputes.png`, fullPage: true });

  await page.goto(`${base}/portal/pay?invoice=${second.id}`);
  await page.screenshot({ path: `${ARTIFACTS}06-pay.png`, fullPage: true });
  await page.getByLabel('Card').check();
  await page.getByRole('button', { name: 'Continue to payment' }).click();
  await page.waitForURL(/\/portal\/pay\/[0-9a-f-]{36}$/);
  expect(await page.locator('[data-test=payment-status]').textContent()).toMatch(/pending|processing/);
  const gatewayPaymentId = page.url().split('/').pop()!;

  // Stripe confirms the intent with a signed webhook.
  const [row] = await engine.db.orm.em
    .fork()
    .execute<
      { provider_ref: string; amount: string }[]
    >('SELECT provider_ref, amount FROM gateway_payment WHERE id = ?', [gatewayPaymentId]);
  expect(Number(row!.amount)).toBe(7_500);
  const event = signedIntentEvent({
    type: 'payment_intent.succeeded',
    eventId: `evt_${gatewayPaymentId.slice(0, 8)}`,
    intentId: row!.provider_ref,
    amount: 7_500,
    currency: 'USD',
  });
  const webhook = await fetch(`${base}/payment-gateways/stripe/webhook`, {
    method: 'POST',
    headers: event.headers,
    body: event.payload,
  });
  expect(await webhook.json()).toEqual({ received: true, result: 'paid' });
  await page.reload();
  expect(await page.locator('[data-test=payment-status]').textContent()).toBe('succeeded');
  await page.screenshot({ path: `${ARTIFACTS}07-paid.png`, fullPage: true });
  await eventually(
    async () => ((await invoiceRow(engine.db.orm, second.id)).status === 'paid' ? true : undefined),
    60_000,
  );
  await engine.mail.waitFor(
    (m) => m.to.includes('ap@browser.example') && m.subject.startsWith('Receipt for your payment'),
    60_000,
  );

  // The same pages on a phone.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${base}/portal`);
  await page.screenshot({ path: `${ARTIFACTS}08-overview-phone.png`, fullPage: true });
  await context.close();
});
