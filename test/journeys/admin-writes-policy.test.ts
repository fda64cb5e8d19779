// An administrator writing a dunning policy through the API, as docs/collections.md shows it: what is stored is what
// was sent (nulls stay null), a malformed policy is refused naming the field and changes nothing, and the policy then
// drives a just-overdue invoice to its first level only — never to legal on day one.
import { day, eventually, path, startJourney, type Journey } from './support/journey.js';

let journey: Journey;
beforeAll(async () => {
  journey = await startJourney('admin-writes-policy');
});
afterAll(async () => {
  await journey?.close();
});

const level = (name: string, pastDueFor: string, template: string) => ({
  name,
  trigger: { pastDueFor, overdueAbove: null, match: 'any' },
  contactEvery: 'PT1H',
  channels: ['email'],
  template,
  lateFee: null,
  actions: [],
});

const STAGING = {
  name: 'Staging: a 90-day ladder in seconds',
  courtesyReminder: null,
  levels: [
    level('reminder', 'PT2S', 'dunning-reminder'),
    level('demand', 'P14D', 'dunning-demand'),
    level('final_notice', 'P30D', 'dunning-final-notice'),
    level('legal', 'P60D', 'dunning-legal'),
  ],
  promise: { maxAhead: 'P30D', grace: 'P3D', maxOpen: 1 },
  writeOff: { after: 'P90D', sla: 'P5D' },
  collectorQueue: 'collections',
  collectorTaskSla: 'P2D',
};

function pointers(problem: { errors?: { pointer?: string }[] }): string[] {
  return (problem.errors ?? []).map((e) => e.pointer ?? '');
}

it('stores the policy as written, refuses a malformed one, and escalates a new overdue invoice one level at a time', async () => {
  const { admin, inbox } = journey;

  const created = await admin.ok('PUT /policies/dunning/staging', { body: STAGING });
  expect(created).toMatchObject({ code: 'staging', version: 1, ...STAGING });
  const read = await admin.ok('GET /policies/dunning/staging');
  expect(read.versions).toHaveLength(1);
  expect(read.versions[0]).toEqual({
    ...STAGING,
    code: 'staging',
    version: 1,
    createdBy: expect.any(String),
    createdAt: expect.any(String),
  });

  // Malformed: a duration that is not ISO-8601, and an amount sent as text. Each is refused, naming the field.
  const badDuration = structuredClone(STAGING);
  badDuration.levels[1]!.trigger.pastDueFor = '14 days';
  const refused = await admin.call('PUT /policies/dunning/staging', { body: badDuration });
  expect([400, 422]).toContain(refused.status);
  expect(refused.headers.get('content-type')).toContain('application/problem+json');
  expect(pointers(refused.body).join(' ')).toContain('/levels/1/trigger/pastDueFor');

  const textAmount = structuredClone(STAGING) as unknown as { levels: { trigger: Record<string, unknown> }[] };
  textAmount.levels[0]!.trigger.overdueAbove = '100';
  const refusedText = await admin.call('PUT /policies/dunning/staging', { body: textAmount });
  expect([400, 422]).toContain(refusedText.status);
  expect(pointers(refusedText.body).join(' ')).toContain('/levels/0/trigger/overdueAbove');
  expect((await admin.ok('GET /policies/dunning/staging')).versions).toHaveLength(1);

  // The policy at work: an invoice one day past due reaches the reminder, and nothing beyond it.
  const clerk = await journey.staff('ar_clerk');
  const collector = await journey.staff('collector');
  const email = 'ap@brightwater.example';
  const customer = await clerk.ok('POST /customers', {
    body: {
      legalName: 'Brightwater Ceramics GmbH',
      email,
      currency: 'EUR',
      termsCode: 'NET30',
      billingAddress: { line1: 'Töpferweg 3', city: 'Bonn', postalCode: '53111', country: 'DE' },
    },
  });
  await admin.ok(`PUT ${path('/customers/{id}/dunning-policy', { id: customer.id })}`, {
    body: { policyCode: 'staging' },
  });
  const mark = inbox.mark();
  const invoice = await clerk.ok('POST /invoices', {
    body: {
      customerId: customer.id,
      issueDate: day(-31),
      lines: [{ description: 'Glazed tiles', quantity: 10, unitPrice: { amount: 1_500, currency: 'EUR' } }],
    },
  });
  expect(invoice.dueDate).toBe(day(-1));

  const reminder = await inbox.waitFor({ to: email, subject: /remind|overdue|payment/i, after: mark }, 60_000);
  expect(reminder.text).toContain(invoice.number);
  const row = await eventually(async () => {
    const list = await collector.ok('GET /collections/worklist', {
      query: { until: new Date(Date.now() + 86_400_000).toISOString() },
    });
    return list.items.find(
      (i: { customerId: string; level: string | null }) => i.customerId === customer.id && i.level !== null,
    );
  }, 30_000);
  expect(row.level).toBe('reminder');

  // A few seconds later still only the reminder: no demand, final notice or legal letter in a burst.
  await new Promise((resolve) => setTimeout(resolve, 4_000));
  const letters = inbox
    .list({ to: email, after: mark })
    .filter((m) => /remind|demand|final|legal|overdue/i.test(m.subject));
  expect(letters).toHaveLength(1);
  const later = await collector.ok('GET /collections/worklist', {
    query: { until: new Date(Date.now() + 86_400_000).toISOString() },
  });
  expect(later.items.find((i: { customerId: string }) => i.customerId === customer.id)?.level).toBe('reminder');
});
