// A collector's day, walked through the documented API and the customer's inbox: a seconds-scale staging ladder
// written by the admin, an invoice the clerk posts late (already 12 days past due), the worklist the collector works
// from, a call logged, a promise to pay recorded, and the customer's payment closing the case.
import { day, eventually, path, startJourney, type Journey } from './support/journey.js';

let journey: Journey;
beforeAll(async () => {
  journey = await startJourney('collector-day');
});
afterAll(async () => {
  await journey?.close();
});

const STAGING_POLICY = {
  name: 'Staging ladder in seconds',
  courtesyReminder: null,
  levels: [
    {
      name: 'reminder',
      trigger: { pastDueFor: 'PT2S', overdueAbove: null, match: 'any' },
      contactEvery: 'PT1H',
      channels: ['email'],
      template: 'dunning-reminder',
      lateFee: null,
      actions: [],
    },
    {
      name: 'demand',
      trigger: { pastDueFor: 'P7D', overdueAbove: null, match: 'any' },
      contactEvery: 'PT1H',
      channels: ['email'],
      template: 'dunning-demand',
      lateFee: null,
      actions: [],
    },
    {
      name: 'final_notice',
      trigger: { pastDueFor: 'P60D', overdueAbove: null, match: 'any' },
      contactEvery: 'PT1H',
      channels: ['email'],
      template: 'dunning-final-notice',
      lateFee: null,
      actions: [],
    },
  ],
  promise: { maxAhead: 'P30D', grace: 'P3D', maxOpen: 1 },
  writeOff: { after: 'P30D', sla: 'P5D' },
  collectorQueue: 'collections',
  collectorTaskSla: 'P2D',
};

it('works an account from the worklist to a paid, closed case', async () => {
  const { admin, inbox } = journey;
  const clerk = await journey.staff('ar_clerk');
  const collector = await journey.staff('collector');

  await admin.ok('PUT /policies/dunning/collector-day', { body: STAGING_POLICY });
  const stored = await admin.ok('GET /policies/dunning/collector-day');
  const latest = stored.versions?.[0] ?? stored;
  expect(latest.definition?.levels?.[0]?.trigger ?? latest.levels?.[0]?.trigger).toEqual({
    pastDueFor: 'PT2S',
    overdueAbove: null,
    match: 'any',
  });

  const customer = await clerk.ok('POST /customers', {
    body: {
      legalName: 'Larchmont Joinery Ltd',
      email: 'ap@larchmont.example',
      currency: 'EUR',
      termsCode: 'NET30',
      billingAddress: { line1: '4 Timber Yard', city: 'Leeds', postalCode: 'LS1 4AP', country: 'GB' },
    },
  });
  await admin.ok(`PUT ${path('/customers/{id}/dunning-policy', { id: customer.id })}`, {
    body: { policyCode: 'collector-day' },
  });

  // Posted late: issued 42 days ago on NET30, so 12 days past due the moment it exists.
  const mark = inbox.mark();
  const invoice = await clerk.ok('POST /invoices', {
    body: {
      customerId: customer.id,
      issueDate: day(-42),
      lines: [
        { description: 'Oak staircase', quantity: 1, unitPrice: { amount: 250_000, currency: 'EUR' }, taxRate: '20' },
      ],
    },
  });
  expect(invoice.dueDate).toBe(day(-12));

  // The worklist ages the account from the due date, at the level that age reaches (demand, 7 days), not the first.
  const row = await eventually(async () => {
    const list = await collector.ok('GET /collections/worklist', {
      query: { until: new Date(Date.now() + 86_400_000).toISOString() },
    });
    return list.items.find(
      (i: { customerId: string; level: string | null }) => i.customerId === customer.id && i.level !== null,
    );
  }, 30_000);
  expect(row).toMatchObject({ level: 'demand', daysPastDue: 12, overdue: { amount: 300_000, currency: 'EUR' } });

  // One letter: the demand, not a reminder and a demand in a burst.
  const letter = await inbox.waitFor({ to: 'ap@larchmont.example', subject: /demand|overdue|payment/i, after: mark });
  expect(letter.text).toContain(invoice.number);
  expect(letter.text).toMatch(/\b12 days\b/);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const dunningMails = inbox
    .list({ to: 'ap@larchmont.example', after: mark })
    .filter((m) => /remind|demand|final|overdue/i.test(m.subject) && !m.subject.includes(invoice.number + ' is'));
  expect(dunningMails.map((m) => m.subject)).toHaveLength(1);

  // The collector calls, logs it, and records the promise the customer makes.
  await collector.ok(`POST ${path('/collections/{customerId}/contacts', { customerId: customer.id })}`, {
    body: { channel: 'call', outcome: 'promised_payment', note: 'AP lead promised the full amount on Friday' },
  });
  const promise = await collector.ok(`POST ${path('/customers/{id}/promises', { id: customer.id })}`, {
    body: { amount: { amount: 300_000, currency: 'EUR' }, date: day(3) },
  });
  expect(promise.status).toBe('open');
  const paused = await eventually(async () => {
    const state = await collector.ok(`GET ${path('/collections/{customerId}', { customerId: customer.id })}`);
    return state.contacts?.some((c: { channel: string }) => c.channel === 'call') ? state : undefined;
  });
  expect(paused.promises?.[0]?.status ?? promise.status).toBe('open');

  // The customer pays by wire quoting the invoice number: the case closes and the account is current at once.
  await clerk.ok('POST /payments', {
    body: {
      customerId: customer.id,
      amount: { amount: 300_000, currency: 'EUR' },
      method: 'wire',
      receivedAt: new Date().toISOString(),
      reference: `Payment ${invoice.number}`,
    },
  });
  await eventually(async () => {
    const list = await collector.ok('GET /collections/worklist', {
      query: { until: new Date(Date.now() + 86_400_000).toISOString() },
    });
    return list.items.some((i: { customerId: string }) => i.customerId === customer.id) ? undefined : true;
  }, 30_000);
  const account = await clerk.ok(`GET ${path('/customers/{id}', { id: customer.id })}`, {
    query: { include: 'account' },
  });
  expect(account.openInvoices.count).toBe(0);
  expect(account.balance.receivable.amount).toBe(0);
  // The collection hears of the payment and settles the promise as kept (moments after the worklist drops the account).
  const kept = await eventually(async () => {
    const promises = await collector.ok(`GET ${path('/customers/{id}/promises', { id: customer.id })}`);
    return promises.items[0]?.status === 'open' ? undefined : promises;
  }, 30_000);
  expect(kept.items[0].status).toBe('kept');
});
