// Go-live, walked through the documented API and the customers' inboxes: the administrator writes the production
// dunning ladder, imports the customer master and the overdue opening-balance book from the previous system, and from
// that moment the engine collects: the collector's worklist shows each account at the age its due dates say, the
// first letters arrive with those ages, each account knows its open invoices and its delinquency at once, and the
// aging report agrees with all of it.
import { day, eventually, path, startJourney, type Journey } from './support/journey.js';

let journey: Journey;
beforeAll(async () => {
  journey = await startJourney('go-live-import');
});
afterAll(async () => {
  await journey?.close();
});

const level = (name: string, pastDueFor: string, template: string) => ({
  name,
  trigger: { pastDueFor, overdueAbove: null, match: 'any' },
  contactEvery: 'P7D',
  channels: ['email'],
  template,
  lateFee: null,
  actions: [],
});

const GO_LIVE_POLICY = {
  name: 'Go-live ladder',
  courtesyReminder: null,
  levels: [
    level('reminder', 'P7D', 'dunning-reminder'),
    level('demand', 'P30D', 'dunning-demand'),
    level('final_notice', 'P60D', 'dunning-final-notice'),
  ],
  promise: { maxAhead: 'P30D', grace: 'P3D', maxOpen: 1 },
  writeOff: { after: 'P30D', sla: 'P5D' },
  collectorQueue: 'collections',
  collectorTaskSla: 'P2D',
};

const CUSTOMERS_CSV = [
  'externalRef,legalName,email,currency,line1,city,postalCode,country,termsCode',
  'GL-C-001,Harrowgate Mills Ltd,ap@harrowgate.example,EUR,12 Weir Lane,Bradford,BD1 2AA,GB,NET30',
  'GL-C-002,Pellinore Optik GmbH,rechnungen@pellinore.example,EUR,Lichtstrasse 5,Jena,07743,DE,NET30',
  'GL-C-003,Quayside Bakers Ltd,accounts@quayside.example,EUR,3 Harbour Row,Whitby,YO21 3PU,GB,NET30',
].join('\n');

// The previous system's open items on go-live day: Harrowgate 45 days past due (part paid) and 5 days past due,
// Pellinore 10 days past due, Quayside not due for another 20 days.
const OPENING_BALANCES_CSV = [
  'externalRef,customerExternalRef,currency,issueDate,dueDate,total,openAmount',
  `GL-OB-1001,GL-C-001,EUR,${day(-75)},${day(-45)},150000,120000`,
  `GL-OB-1002,GL-C-001,EUR,${day(-35)},${day(-5)},40000,40000`,
  `GL-OB-2001,GL-C-002,EUR,${day(-40)},${day(-10)},90000,90000`,
  `GL-OB-3001,GL-C-003,EUR,${day(-10)},${day(20)},60000,60000`,
].join('\n');

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const DUNNING = /^(Payment reminder|Payment demand|Final notice|Legal collection)/;

it('imports customers and an overdue opening book, and collections, accounts and aging all count from the due dates', async () => {
  const { admin, inbox } = journey;
  const collector = await journey.staff('collector');

  await admin.ok('PUT /policies/dunning/go-live', { body: GO_LIVE_POLICY });
  await admin.ok(`PUT ${path('/policies/dunning-assignments/{segment}', { segment: 'default' })}`, {
    body: { policyCode: 'go-live' },
  });

  const finished = (id: string) =>
    eventually(async () => {
      const job = await admin.ok(`GET ${path('/imports/{id}', { id })}`);
      return job.status === 'completed' || job.status === 'failed' ? job : undefined;
    }, 60_000);

  const customerImport = await admin.ok('POST /imports/customers', { raw: CUSTOMERS_CSV, contentType: 'text/csv' });
  expect(await finished(customerImport.id)).toMatchObject({ status: 'completed', importedRows: 3, rejectedRows: 0 });
  const byEmail = async (email: string) => {
    const list = await admin.ok('GET /customers', { query: { email } });
    expect(list.items).toHaveLength(1);
    return list.items[0] as { id: string; legalName: string };
  };
  const harrowgate = await byEmail('ap@harrowgate.example');
  const pellinore = await byEmail('rechnungen@pellinore.example');
  const quayside = await byEmail('accounts@quayside.example');

  const mark = inbox.mark();
  const bookImport = await admin.ok('POST /imports/opening-balances', {
    raw: OPENING_BALANCES_CSV,
    contentType: 'text/csv',
    query: { asOf: day(0) },
  });
  expect(await finished(bookImport.id)).toMatchObject({ status: 'completed', importedRows: 4, rejectedRows: 0 });

  const invoicesOf = async (customerId: string) =>
    (await admin.ok('GET /invoices', { query: { customerId } })).items as {
      id: string;
      number: string;
      dueDate: string;
      status: string;
    }[];
  const [hOld, hNew] = (await invoicesOf(harrowgate.id)).sort((a, b) => a.dueDate.localeCompare(b.dueDate));
  const [pOnly] = await invoicesOf(pellinore.id);
  expect(hOld).toMatchObject({ dueDate: day(-45), status: 'overdue' });
  expect(hNew).toMatchObject({ dueDate: day(-5), status: 'overdue' });
  expect(pOnly).toMatchObject({ dueDate: day(-10), status: 'overdue' });

  // The week's worklist: both overdue accounts, each at the level and age its oldest due date gives, and nobody else.
  const week = () =>
    collector.ok('GET /collections/worklist', {
      query: { until: new Date(Date.now() + 8 * 86_400_000).toISOString() },
    });
  const rows = await eventually(async () => {
    const items = (await week()).items as { customerId: string; level: string | null }[];
    const mine = [harrowgate.id, pellinore.id].map((id) => items.find((i) => i.customerId === id && i.level !== null));
    return mine.every(Boolean) ? { items, mine } : undefined;
  }, 60_000);
  expect(rows.mine[0]).toMatchObject({ level: 'demand', daysPastDue: 45, overdue: eur(160_000) });
  expect(rows.mine[1]).toMatchObject({ level: 'reminder', daysPastDue: 10, overdue: eur(90_000) });
  expect(rows.items.some((i) => i.customerId === quayside.id)).toBe(false);

  // The first letters: one each, at the level the age reaches, naming every overdue invoice with its own age.
  const demand = await inbox.waitFor({ to: 'ap@harrowgate.example', subject: /^Payment demand/, after: mark });
  expect(demand.text).toContain(`${hOld!.number}, due ${day(-45)}, 45 days overdue`);
  expect(demand.text).toContain(`${hNew!.number}, due ${day(-5)}, 5 days overdue`);
  const reminder = await inbox.waitFor({
    to: 'rechnungen@pellinore.example',
    subject: /^Payment reminder/,
    after: mark,
  });
  expect(reminder.text).toContain(`${pOnly!.number}, due ${day(-10)}, 10 days overdue`);

  // Each account knows at once (not at its next daily refresh) what is open and whether it is delinquent (P30D).
  const accountOf = (id: string, ready: (read: any) => boolean) =>
    eventually(async () => {
      const read = await admin.ok(`GET ${path('/customers/{id}', { id })}`, { query: { include: 'account' } });
      return read.account && ready(read) ? read : undefined;
    }, 20_000);
  const h = await accountOf(
    harrowgate.id,
    (r) => r.account.facts.openInvoiceCount === 2 && r.account.delinquency !== null,
  );
  expect(h.account).toMatchObject({
    status: 'delinquent',
    facts: { openInvoiceCount: 2, overdueInvoiceCount: 2, oldestOpenDueDate: day(-45) },
  });
  expect(h.account.delinquency.reasons.map((r: { code: string }) => r.code)).toContain('invoice_overdue');
  expect(h.openInvoices).toMatchObject({ count: 2, overdueCount: 2, total: eur(160_000), oldestDueDate: day(-45) });
  const p = await accountOf(pellinore.id, (r) => r.account.facts.openInvoiceCount === 1);
  expect(p.account).toMatchObject({
    status: 'active',
    delinquency: null,
    facts: { openInvoiceCount: 1, overdueInvoiceCount: 1 },
  });
  const q = await accountOf(quayside.id, (r) => r.account.facts.openInvoiceCount === 1);
  expect(q.account).toMatchObject({
    status: 'active',
    delinquency: null,
    facts: { openInvoiceCount: 1, overdueInvoiceCount: 0 },
  });

  // Aging by due date puts each item in the bucket of the age the worklist and the letters gave it.
  const aging = await admin.ok('GET /reports/aging', { query: { asOf: day(0), basis: 'due' } });
  const eurAging = aging.currencies.find((c: { currency: string }) => c.currency === 'EUR');
  const bucketsOf = (id: string) =>
    eurAging.customers
      .find((c: { customerId: string }) => c.customerId === id)
      ?.buckets.map((b: { amount: number }) => b.amount);
  expect(bucketsOf(harrowgate.id)).toEqual([0, 40_000, 120_000, 0, 0]);
  expect(bucketsOf(pellinore.id)).toEqual([0, 90_000, 0, 0, 0]);
  expect(bucketsOf(quayside.id)).toEqual([60_000, 0, 0, 0, 0]);

  // One letter per overdue account, no burst of the levels below, nothing to the account that is not yet due.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const letters = (to: string) =>
    inbox
      .list({ to, after: mark })
      .filter((m) => DUNNING.test(m.subject))
      .map((m) => DUNNING.exec(m.subject)![1]);
  expect(letters('ap@harrowgate.example')).toEqual(['Payment demand']);
  expect(letters('rechnungen@pellinore.example')).toEqual(['Payment reminder']);
  expect(letters('accounts@quayside.example')).toEqual([]);
});
