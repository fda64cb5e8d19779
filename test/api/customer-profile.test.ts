// The customer record through the API: full profile, partial update under If-Match, audit trail, search, terms
// templates, and closing.
import { scheduleFor } from '../../src/customers/rules/terms.js';
import { writeDelinquency } from '../../src/customers/store/account.js';
import { termsInForce } from '../../src/customers/store/terms.js';
import { customerFixture, eventually, startTestEngine, type TestEngine } from '../support/engine.js';
import { insertOpenInvoice } from '../support/invoice-rows.js';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(async () => {
  await engine?.close();
});

let counter = 0;
const unique = (overrides: Record<string, unknown> = {}) => {
  const n = ++counter;
  return customerFixture({
    legalName: `Profile Test ${n} Industries`,
    email: `ap${n}@profile${n}.example`,
    billingAddress: { line1: `${n} Test Road`, city: 'Hamburg', postalCode: `2${n}000`, country: 'DE' },
    ...overrides,
  });
};
const post = (payload: object, headers: Record<string, string> = {}) =>
  engine.app.inject({ method: 'POST', url: '/customers', payload, headers });
const patch = (id: string, payload: object, headers: Record<string, string> = {}) =>
  engine.app.inject({ method: 'PATCH', url: `/customers/${id}`, payload, headers });
const get = (url: string) => engine.app.inject({ method: 'GET', url });

const fullProfile = () =>
  unique({
    displayName: 'Umbrella',
    taxId: { country: 'DE', value: 'de 811.907.980' },
    contacts: [
      {
        name: 'Alice AP',
        email: 'Alice@Umbrella.example',
        phone: '+49 40 1234 5678',
        role: 'accounts_payable',
        preferredChannel: 'email',
      },
      { name: 'Bob Buyer', phone: '040 9876543', role: 'purchasing' },
    ],
    communication: { language: 'de-DE', channel: 'portal', statementFrequency: 'weekly' },
    termsCode: '2_10_NET30',
    creditLimit: { amount: 5_000_000, currency: 'EUR' },
    riskSegment: 'medium',
    externalRef: `ERP-${Date.now()}`,
    tags: ['key-account', 'region:north'],
  });

describe('profile', () => {
  it('stores and returns the full profile with normalized tax id and e-mails, a zero balance and no open invoices', async () => {
    const created = await post(fullProfile(), { 'x-actor': 'clerk@example.com' });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({
      taxId: { country: 'DE', value: 'DE811907980' },
      contacts: [
        expect.objectContaining({ email: 'alice@umbrella.example' }),
        expect.objectContaining({ name: 'Bob Buyer' }),
      ],
      communication: { language: 'de-DE', channel: 'portal', statementFrequency: 'weekly' },
      termsCode: '2_10_NET30',
      creditLimit: { amount: 5_000_000, currency: 'EUR' },
      riskSegment: 'medium',
      tags: ['key-account', 'region:north'],
      status: 'active',
      hold: null,
      delinquency: null,
      mergedInto: null,
    });
    const fetched = (await get(`/customers/${body.id}`)).json();
    expect(fetched.balance).toEqual({
      receivable: { amount: 0, currency: 'EUR' },
      credit: { amount: 0, currency: 'EUR' },
      net: { amount: 0, currency: 'EUR' },
    });
    expect(fetched.openInvoices).toMatchObject({
      count: 0,
      total: { amount: 0, currency: 'EUR' },
      oldestDueDate: null,
    });
    const history = (await get(`/customers/${body.id}/history`)).json();
    expect(history.items).toEqual([
      expect.objectContaining({ field: 'created', actor: 'clerk@example.com', old: null }),
    ]);
  });

  it('shows the ledger balance and the open invoices summary once invoices exist', async () => {
    const id = (await post(unique())).json().id as string;
    await insertOpenInvoice(engine.db.orm, {
      customerId: id,
      currency: 'EUR',
      issueDate: '2026-01-01',
      dueDate: '2026-01-31',
      amount: 12_345,
    });
    await insertOpenInvoice(engine.db.orm, {
      customerId: id,
      currency: 'EUR',
      issueDate: '2099-01-01',
      dueDate: '2099-01-31',
      amount: 655,
    });
    const fetched = (await get(`/customers/${id}`)).json();
    expect(fetched.balance.receivable).toEqual({ amount: 13_000, currency: 'EUR' });
    expect(fetched.openInvoices).toEqual({
      count: 2,
      total: { amount: 13_000, currency: 'EUR' },
      overdueCount: 1,
      overdue: { amount: 12_345, currency: 'EUR' },
      oldestDueDate: '2026-01-31',
    });
  });

  const bad: [string, Record<string, unknown>, number, string][] = [
    ['unknown terms code', { termsCode: 'NET999' }, 422, '/termsCode'],
    ['negative credit limit', { creditLimit: { amount: -1, currency: 'EUR' } }, 400, '/creditLimit/amount'], // refused by the schema's minimum,
    [
      'credit limit in another currency',
      { creditLimit: { amount: 100, currency: 'USD' } },
      422,
      '/creditLimit/currency',
    ],
    ['fractional credit limit', { creditLimit: { amount: 1.5, currency: 'EUR' } }, 400, '/creditLimit/amount'],
    ['tax id with an invalid country', { taxId: { country: 'QQ', value: '123' } }, 400, '/taxId/country'], // the schema lists the ISO 3166 codes
    [
      'contact e-mail that is not an address',
      { contacts: [{ name: 'x', email: 'nope', role: 'billing' }] },
      400,
      '/contacts/0/email',
    ],
    ['contact without e-mail or phone', { contacts: [{ name: 'x', role: 'billing' }] }, 400, '/contacts/0'], // the schema requires one of them
    [
      'unknown contact role',
      { contacts: [{ name: 'x', email: 'x@y.example', role: 'boss' }] },
      400,
      '/contacts/0/role',
    ],
    [
      'unknown statement frequency',
      { communication: { language: 'en', channel: 'email', statementFrequency: 'daily' } },
      400,
      '/communication/statementFrequency',
    ],
    ['upper-case tag', { tags: ['VIP'] }, 400, '/tags/0'],
  ];
  it.each(bad)('refuses %s naming the field and stores nothing', async (_label, overrides, status, pointer) => {
    const before = (await get('/customers?limit=200')).json().items.length;
    const response = await post(unique(overrides));
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json().errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    expect((await get('/customers?limit=200')).json().items.length).toBe(before);
  });

  it('refuses a second customer with the same ERP reference with 409', async () => {
    const ref = `ERP-DUP-${Date.now()}`;
    expect((await post(unique({ externalRef: ref }))).statusCode).toBe(201);
    const second = await post(unique({ externalRef: ref }));
    expect(second.statusCode).toBe(409);
    expect(second.json().errors[0].pointer).toBe('/externalRef');
  });
});

describe('PATCH with optimistic concurrency', () => {
  it('applies a partial update, bumps the ETag, records field/old/new/who, and tells the account workflow', async () => {
    const created = await post(unique());
    const { id } = created.json();
    const updated = await patch(
      id,
      { creditLimit: { amount: 100_000, currency: 'EUR' }, riskSegment: 'high', tags: ['watch'] },
      { 'if-match': created.headers.etag as string, 'x-actor': 'clerk-1' },
    );
    expect(updated.statusCode).toBe(200);
    expect(updated.headers.etag).toBe(`"${id}.2"`);
    expect(updated.json()).toMatchObject({
      version: 2,
      creditLimit: { amount: 100_000 },
      riskSegment: 'high',
      tags: ['watch'],
      legalName: created.json().legalName,
    });
    const history = (await get(`/customers/${id}/history`)).json().items;
    expect(
      history
        .slice(0, 3)
        .map((h: { field: string; old: unknown; new: unknown; actor: string }) => [h.field, h.old, h.new, h.actor])
        .sort(),
    ).toEqual([
      ['creditLimit', null, { amount: 100_000, currency: 'EUR' }, 'clerk-1'],
      ['riskSegment', null, 'high', 'clerk-1'],
      ['tags', [], ['watch'], 'clerk-1'],
    ]);
    const account = await eventually(async () => {
      const a = (await get(`/customers/${id}?include=account`)).json().account;
      return a?.creditLimit?.amount === 100_000 ? a : undefined;
    });
    expect(account.changes).toContainEqual(expect.objectContaining({ field: 'creditLimit', by: 'clerk-1' }));
  });

  it('answers a stale If-Match with 412 and changes nothing', async () => {
    const created = await post(unique());
    const { id } = created.json();
    const staleTag = created.headers.etag as string;
    expect((await patch(id, { riskSegment: 'low' }, { 'if-match': staleTag })).statusCode).toBe(200);
    const stale = await patch(id, { riskSegment: 'high', displayName: 'Lost update' }, { 'if-match': staleTag });
    expect(stale.statusCode).toBe(412);
    expect(stale.headers['content-type']).toMatch(/^application\/problem\+json/);
    const now = (await get(`/customers/${id}`)).json();
    expect(now).toMatchObject({ version: 2, riskSegment: 'low', displayName: null });
    expect(
      (await get(`/customers/${id}/history`)).json().items.filter((h: { field: string }) => h.field === 'displayName'),
    ).toEqual([]);
  });

  it('puts the account on hold and releases it; status and the live account follow', async () => {
    const { id } = (await post(unique())).json();
    const held = await patch(id, { hold: { reason: 'disputed delivery' } }, { 'x-actor': 'clerk-2' });
    expect(held.json()).toMatchObject({ status: 'on_hold', hold: { reason: 'disputed delivery', by: 'clerk-2' } });
    expect((await get('/customers?status=on_hold&limit=200')).json().items.map((c: { id: string }) => c.id)).toContain(
      id,
    );
    await eventually(async () =>
      (await get(`/customers/${id}?include=account`)).json().account?.status === 'on_hold' ? true : undefined,
    );
    const released = await patch(id, { hold: null });
    expect(released.json()).toMatchObject({ status: 'active', hold: null });
  });

  it('refuses unknown terms with 422 and a currency change after ledger activity with 409', async () => {
    const { id } = (await post(unique())).json();
    const badTerms = await patch(id, { termsCode: 'NOPE' });
    expect(badTerms.statusCode).toBe(422);
    expect(badTerms.json().errors[0].pointer).toBe('/termsCode');
    await insertOpenInvoice(engine.db.orm, {
      customerId: id,
      currency: 'EUR',
      issueDate: '2026-05-01',
      dueDate: '2026-05-31',
      amount: 100,
    });
    const currency = await patch(id, { currency: 'USD' });
    expect(currency.statusCode).toBe(409);
    expect(currency.json().errors[0].pointer).toBe('/currency');
  });
});

describe('payment terms', () => {
  it('lists standard templates and creates, reads and replaces one with ETag/If-Match', async () => {
    const list = (await get('/payment-terms')).json();
    expect(list.items.map((t: { code: string }) => t.code)).toEqual(
      expect.arrayContaining(['NET30', '2_10_NET30', 'EOM30', 'DUE_ON_RECEIPT', 'THIRDS_30_60_90']),
    );
    const created = await engine.app.inject({
      method: 'POST',
      url: '/payment-terms',
      payload: {
        code: 'HALF_30_60',
        name: 'Half at 30, half at 60',
        terms: {
          type: 'instalments',
          instalments: [
            { portionBp: 5000, dueDays: 30 },
            { portionBp: 5000, dueDays: 60 },
          ],
        },
      },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json().example.instalmentDueDates).toHaveLength(2);
    const replaced = await engine.app.inject({
      method: 'PUT',
      url: '/payment-terms/HALF_30_60',
      headers: { 'if-match': created.headers.etag as string },
      payload: {
        name: 'Half at 30, half at 90',
        terms: {
          type: 'instalments',
          instalments: [
            { portionBp: 5000, dueDays: 30 },
            { portionBp: 5000, dueDays: 90 },
          ],
        },
      },
    });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json().version).toBe(2);
    const stale = await engine.app.inject({
      method: 'PUT',
      url: '/payment-terms/HALF_30_60',
      headers: { 'if-match': created.headers.etag as string },
      payload: { name: 'x', terms: { type: 'net', days: 10 } },
    });
    expect(stale.statusCode).toBe(412);
    expect((await get('/payment-terms/HALF_30_60')).json().name).toBe('Half at 30, half at 90');
  });

  it.each([
    [
      'portions not summing to 100 %',
      {
        type: 'instalments',
        instalments: [
          { portionBp: 5000, dueDays: 30 },
          { portionBp: 4000, dueDays: 60 },
        ],
      },
      422,
      '/terms/instalments',
    ],
    [
      'discount window after the due date',
      { type: 'net', days: 10, discount: { rateBp: 200, withinDays: 20 } },
      422,
      '/terms/discount/withinDays',
    ],
    ['negative days', { type: 'net', days: -1 }, 400, '/terms/days'],
  ])('refuses %s', async (_label, terms, status, pointer) => {
    const response = await engine.app.inject({
      method: 'POST',
      url: '/payment-terms',
      payload: { code: 'BAD_TERMS', name: 'bad', terms },
    });
    expect(response.statusCode).toBe(status);
    expect(response.json().errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    expect((await get('/payment-terms/BAD_TERMS')).statusCode).toBe(404);
  });

  it('applies a terms change only to invoices issued after it', async () => {
    const { id } = (await post(unique({ termsCode: 'NET30' }))).json();
    const beforeChange = new Date();
    const firstDue = scheduleFor((await termsInForce(engine.db.orm.em.fork(), id, beforeChange))!.terms, '2026-11-02', {
      amount: 1000,
      currency: 'EUR',
    }).dueDate;
    const first = await insertOpenInvoice(engine.db.orm, {
      customerId: id,
      currency: 'EUR',
      issueDate: '2026-11-02',
      dueDate: firstDue,
      amount: 1000,
      termsCode: 'NET30',
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await patch(id, { termsCode: 'NET60' }, { 'x-actor': 'clerk-3' })).statusCode).toBe(200);

    const inForceThen = await termsInForce(engine.db.orm.em.fork(), id, beforeChange);
    const inForceNow = await termsInForce(engine.db.orm.em.fork(), id, new Date());
    expect([inForceThen!.termsCode, inForceNow!.termsCode, inForceNow!.assignedBy]).toEqual([
      'NET30',
      'NET60',
      'clerk-3',
    ]);
    expect(scheduleFor(inForceNow!.terms, '2026-11-02', { amount: 1000, currency: 'EUR' }).dueDate).toBe('2027-01-01');
    const [stored] = await engine.db.orm.em
      .fork()
      .execute<
        { due_date: string; terms_code: string }[]
      >(`SELECT to_char(due_date, 'YYYY-MM-DD') AS due_date, terms_code FROM invoice WHERE id = ?`, [first]);
    expect(stored).toEqual({ due_date: '2026-12-02', terms_code: 'NET30' });
    const terms = (await get(`/customers/${id}/terms`)).json().items;
    expect(terms.map((t: { termsCode: string }) => t.termsCode)).toEqual(['NET30', 'NET60']);
    const account = await eventually(async () => {
      const a = (await get(`/customers/${id}?include=account`)).json().account;
      return a?.termsCode === 'NET60' ? a : undefined;
    });
    expect(account.changes).toContainEqual(
      expect.objectContaining({ field: 'termsCode', from: 'NET30', to: 'NET60', by: 'clerk-3' }),
    );
  });
  it('issues through POST /invoices on the terms in force: a change reaches later invoices only', async () => {
    const { id } = (await post(unique({ termsCode: 'NET30' }))).json();
    const issue = (issueDate: string) =>
      engine.app.inject({
        method: 'POST',
        url: '/invoices',
        payload: {
          customerId: id,
          issueDate,
          lines: [{ description: 'Support', quantity: 1, unitPrice: { amount: 10_000, currency: 'EUR' } }],
        },
      });
    const before = await issue('2026-11-02');
    expect(before.statusCode).toBe(201);
    expect(before.json().dueDate).toBe('2026-12-02');
    expect((await patch(id, { termsCode: 'NET60' }, { 'x-actor': 'clerk-4' })).statusCode).toBe(200);
    const after = await issue('2026-11-02');
    expect(after.statusCode).toBe(201);
    expect(after.json().dueDate).toBe('2027-01-01');
    const earlier = (await get(`/invoices/${before.json().id}`)).json();
    expect(earlier.dueDate).toBe('2026-12-02');
  });
});

describe('search and close', () => {
  it('finds customers by name part, tax id in any spelling, contact e-mail, tag and balance range, page by page', async () => {
    const tag = `t${Date.now().toString(36)}`;
    const a = (
      await post(
        unique({
          legalName: 'Zephyr Logistics AG',
          taxId: { country: 'DE', value: 'DE 300 400 500' },
          contacts: [{ name: 'Z', email: 'zed@zephyr.example', role: 'billing' }],
          tags: [tag],
        }),
      )
    ).json();
    const b = (await post(unique({ legalName: 'Zephyr Freight GmbH', tags: [tag] }))).json();
    await insertOpenInvoice(engine.db.orm, {
      customerId: b.id,
      currency: 'EUR',
      issueDate: '2026-10-01',
      dueDate: '2026-10-31',
      amount: 75_000,
    });
    const ids = async (query: string) =>
      (await get(`/customers?${query}`)).json().items.map((c: { id: string }) => c.id);
    expect(await ids('q=zephyr')).toEqual([b.id, a.id]);
    expect(await ids('taxId=de300.400.500')).toEqual([a.id]);
    expect(await ids('taxId=300400500&taxCountry=DE')).toEqual([a.id]);
    expect(await ids('email=ZED@zephyr.example')).toEqual([a.id]);
    expect(await ids(`tag=${tag}&balanceMin=50000`)).toEqual([b.id]);
    expect(await ids(`tag=${tag}&balanceMax=0`)).toEqual([a.id]);
    const page1 = (await get(`/customers?tag=${tag}&limit=1`)).json();
    const page2 = (await get(`/customers?tag=${tag}&limit=1&cursor=${page1.nextCursor}`)).json();
    expect([...page1.items, ...page2.items].map((c: { id: string }) => c.id)).toEqual([b.id, a.id]);
    expect(page2.nextCursor).toBeNull();
    expect(page1.items[0].balance.receivable).toEqual({ amount: 75_000, currency: 'EUR' });
    expect((await get('/customers?cursor=garbage')).statusCode).toBe(400);
  });

  it('lists delinquent accounts with their reason, also while on hold, and drops them once cleared', async () => {
    const flagged = (await post(unique())).json();
    const held = (await post(unique())).json();
    const delinquency = {
      since: new Date().toISOString(),
      reasons: [
        {
          code: 'invoice_overdue' as const,
          detail: 'open invoice due 2026-01-31 is unpaid more than P30D after its due date (1 overdue)',
        },
      ],
    };
    for (const id of [flagged.id, held.id]) {
      await engine.db.orm.em.fork().transactional((tx) =>
        writeDelinquency(tx, {
          customerId: id,
          delinquency,
          by: 'policy:delinquency(P30D,1)',
          requestId: `customer-${id}:delinquency-1`,
        }),
      );
    }
    await patch(held.id, { hold: { reason: 'legal review' } });
    const listed = (await get('/customers?status=delinquent&limit=200')).json().items;
    const byId = new Map(listed.map((c: { id: string }) => [c.id, c]));
    expect(byId.get(flagged.id)).toMatchObject({
      status: 'delinquent',
      delinquency: { reasons: [{ code: 'invoice_overdue', detail: expect.stringContaining('P30D') }] },
    });
    expect(byId.get(held.id)).toMatchObject({
      status: 'on_hold',
      delinquency: { reasons: [expect.objectContaining({ code: 'invoice_overdue' })] },
    });
    await engine.db.orm.em.fork().transactional((tx) =>
      writeDelinquency(tx, {
        customerId: flagged.id,
        delinquency: null,
        by: 'policy:delinquency(P30D,1)',
        requestId: `customer-${flagged.id}:delinquency-2`,
      }),
    );
    const after = (await get('/customers?status=delinquent&limit=200')).json().items.map((c: { id: string }) => c.id);
    expect(after).not.toContain(flagged.id);
    expect((await get(`/customers/${flagged.id}`)).json()).toMatchObject({ status: 'active', delinquency: null });
  });

  it('closes a customer with nothing open and ends its workflow; refuses while a balance is open', async () => {
    const open = (await post(unique())).json();
    await insertOpenInvoice(engine.db.orm, {
      customerId: open.id,
      currency: 'EUR',
      issueDate: '2026-10-01',
      dueDate: '2026-10-31',
      amount: 10,
    });
    const refused = await engine.app.inject({
      method: 'POST',
      url: `/customers/${open.id}/close`,
      payload: { reason: 'gone' },
    });
    expect(refused.statusCode).toBe(409);

    const idle = (await post(unique())).json();
    const closed = await engine.app.inject({
      method: 'POST',
      url: `/customers/${idle.id}/close`,
      payload: { reason: 'ceased trading' },
      headers: { 'x-actor': 'clerk-4' },
    });
    expect(closed.statusCode).toBe(200);
    expect(closed.json()).toMatchObject({ status: 'closed', closedAt: expect.any(String) });
    const result = await engine.temporal.workflow.getHandle(`customer-${idle.id}`).result();
    expect(result.changes.at(-1)).toMatchObject({ to: 'closed', by: 'clerk-4' });
    expect((await patch(idle.id, { riskSegment: 'low' })).statusCode).toBe(409);
  });
});
