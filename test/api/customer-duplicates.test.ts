// Duplicate detection on create and change, the whole-book scan, and merge with exact balance preservation.
import { customerBalanceMismatches } from '../../src/customers/store/balances.js';
import { randomUUID } from 'node:crypto';
import { nameCore, nameKey } from '../../src/payments/rules/matching.js';
import { customerFixture, eventually, startTestEngine, type TestEngine } from '../support/engine.js';
import { insertOpenInvoice, postCustomerCredit } from '../support/invoice-rows.js';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(async () => {
  await engine?.close();
});

const post = (payload: object, headers: Record<string, string> = {}) =>
  engine.app.inject({ method: 'POST', url: '/customers', payload, headers });
const get = (url: string) => engine.app.inject({ method: 'GET', url });
/** A fixture with the duplicate check on. */
const checked = (overrides: Record<string, unknown>) => customerFixture({ allowDuplicate: undefined, ...overrides });

/**
 * Two records that look alike without anybody having decided on them: the second is stored under another name and
 * renamed in the table (as records from before a rule change are), so no create-time check ever saw the pair.
 */
async function undecidedPair(
  name: string,
  otherName: string,
  billingAddress: Record<string, string>,
): Promise<{ id: string; otherId: string }> {
  const first = (
    await post(checked({ legalName: name, email: `a-${randomUUID()}@pairs.example`, currency: 'USD', billingAddress }))
  ).json();
  const other = (
    await post(
      checked({
        legalName: `Unrelated ${randomUUID().slice(0, 8)} Works`,
        email: `b-${randomUUID()}@pairs.example`,
        currency: 'USD',
        billingAddress: { ...billingAddress, line1: `${billingAddress.line1}.` },
      }),
    )
  ).json();
  await engine.db.orm.em
    .fork()
    .execute('UPDATE customer SET legal_name = ?, name_key = ?, name_core = ? WHERE id = ?', [
      otherName,
      nameKey(otherName),
      nameCore(otherName),
      other.id,
    ]);
  return { id: first.id, otherId: other.id };
}

const acmeAddress = { line1: '100 Industrial Way', city: 'Springfield', postalCode: '62701', country: 'US' };

describe('duplicate check on create', () => {
  let acmeId: string;
  beforeAll(async () => {
    const created = await post(
      checked({
        legalName: 'ACME Corp.',
        email: 'ap@acme-corp.example',
        currency: 'USD',
        billingAddress: acmeAddress,
        taxId: { country: 'US', value: '12-3456789' },
      }),
    );
    expect(created.statusCode).toBe(201);
    acmeId = created.json().id;
  });

  it.each([
    ['Acme Corporation', {}],
    ['The Acme Corp, Inc.', {}],
    [
      'acme corp',
      {
        billingAddress: {
          line1: '100 Industrial Way Suite 2',
          city: 'SPRINGFIELD',
          postalCode: '62701',
          country: 'US',
        },
      },
    ],
  ])('answers 409 with the candidate for %j', async (legalName, extra) => {
    const response = await post(
      checked({
        legalName,
        email: `other-${legalName.length}@elsewhere.example`,
        currency: 'USD',
        billingAddress: acmeAddress,
        ...extra,
      }),
    );
    expect(response.statusCode).toBe(409);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = response.json();
    expect(problem.candidates).toEqual([
      expect.objectContaining({ id: acmeId, legalName: 'ACME Corp.', score: expect.any(Number) }),
    ]);
    expect(problem.candidates[0].score).toBeGreaterThanOrEqual(0.75);
    expect(problem.candidates[0].reasons.map((r: { signal: string }) => r.signal)).toEqual(
      expect.arrayContaining(['name', 'address']),
    );
  });

  it('finds a shared tax id written differently, whatever the name', async () => {
    const response = await post(
      checked({
        legalName: 'Road Runner Supplies',
        email: 'rr@roadrunner.example',
        currency: 'USD',
        billingAddress: { line1: '1 Desert Rd', city: 'Phoenix', postalCode: '85001', country: 'US' },
        taxId: { country: 'US', value: '123 456 789' },
      }),
    );
    expect(response.statusCode).toBe(409);
    expect(response.json().candidates[0]).toMatchObject({
      id: acmeId,
      reasons: [expect.objectContaining({ signal: 'taxId' })],
    });
  });

  it('finds a shared e-mail, including a contact e-mail', async () => {
    const response = await post(
      checked({
        legalName: 'Completely Different LLC',
        email: 'billing@different.example',
        currency: 'USD',
        billingAddress: { line1: '9 Elm St', city: 'Boston', postalCode: '02101', country: 'US' },
        contacts: [{ name: 'AP', email: 'AP@acme-corp.example', role: 'accounts_payable' }],
      }),
    );
    expect(response.statusCode).toBe(409);
    expect(response.json().candidates[0].reasons.map((r: { signal: string }) => r.signal)).toContain('email');
  });

  it('does not confuse "Acme Corp" with "Acne Corp" with a different tax id and address', async () => {
    const response = await post(
      checked({
        legalName: 'Acne Corp',
        email: 'ap@acne.example',
        currency: 'USD',
        billingAddress: { line1: '7 Skin Care Blvd', city: 'Portland', postalCode: '97201', country: 'US' },
        taxId: { country: 'US', value: '98-7654321' },
      }),
    );
    expect(response.statusCode).toBe(201);
  });

  it('creates a deliberate duplicate with the explicit flag and records the override', async () => {
    const response = await post(
      checked({
        legalName: 'Acme Corporation',
        email: 'east@acme-corp.example',
        currency: 'USD',
        billingAddress: acmeAddress,
        allowDuplicate: true,
        duplicateReason: 'separate East division billing',
      }),
      { 'x-actor': 'clerk-9' },
    );
    expect(response.statusCode).toBe(201);
    const history = (await get(`/customers/${response.json().id}/history`)).json().items;
    expect(history).toContainEqual(
      expect.objectContaining({
        field: 'duplicateOverride',
        actor: 'clerk-9',
        new: { reason: 'separate East division billing', candidates: [expect.objectContaining({ id: acmeId })] },
      }),
    );
  });

  it('checks again when a change makes a record look like another one', async () => {
    const other = (
      await post(
        checked({
          legalName: 'Wile E. Coyote Ltd',
          email: 'wile@coyote.example',
          currency: 'USD',
          billingAddress: { line1: '3 Canyon Rd', city: 'Tucson', postalCode: '85701', country: 'US' },
        }),
      )
    ).json();
    const change = await engine.app.inject({
      method: 'PATCH',
      url: `/customers/${other.id}`,
      payload: { taxId: { country: 'US', value: 'US123456789' } },
    });
    expect(change.statusCode).toBe(409);
    expect(change.json().candidates[0].id).toBe(acmeId);
    expect((await get(`/customers/${other.id}`)).json().taxId).toBeNull();
  });

  it('lists the clusters of the whole book with scores and the duplicate percentage', async () => {
    const scan = (await get('/customers/duplicates')).json();
    // ACME Corp. and "Acme Corporation" were kept apart on purpose: an accepted pair with the decision, not a cluster.
    expect(scan.items.find((c: { customerIds: string[] }) => c.customerIds.includes(acmeId))).toBeUndefined();
    expect(scan.acceptedPairs).toContainEqual(
      expect.objectContaining({
        decision: { reason: 'separate East division billing', by: 'clerk-9', at: expect.any(String) },
      }),
    );
    // Two records nobody decided on are a cluster.
    const first = await undecidedPair('Roadster Parts GmbH', 'Roadster Parts', {
      line1: '8 Pit Lane',
      city: 'Daytona',
      postalCode: '32114',
      country: 'US',
    });
    const cluster = (await get('/customers/duplicates'))
      .json()
      .items.find((c: { customerIds: string[] }) => c.customerIds.includes(first.id));
    expect(cluster.customerIds).toHaveLength(2);
    expect(cluster.score).toBeGreaterThanOrEqual(0.75);
    expect(scan.duplicateRecords).toBeGreaterThanOrEqual(0);
    expect(scan.duplicatePercentage).toBeCloseTo((scan.duplicateRecords / scan.scannedCustomers) * 100, 1);
    expect(
      scan.items.some(
        (c: { customerIds: string[]; pairs: { reasons: unknown[] }[] }) =>
          c.customerIds.length > 1 && c.pairs.some((p) => p.reasons.length === 0),
      ),
    ).toBe(false);
  });
});

describe('a duplicate kept on purpose', () => {
  const patch = (id: string, payload: object) =>
    engine.app.inject({ method: 'PATCH', url: `/customers/${id}`, payload, headers: { 'x-actor': 'clerk-4' } });
  const address = { line1: '6845 Kazi Street', city: 'Lagos', postalCode: '10001', country: 'NG' };

  it('stays accepted through later edits of both records; a new candidate still raises 409', async () => {
    const original = (
      await post(
        checked({
          legalName: 'Kalumbera Corporation',
          email: 'ap@kalumbera.example',
          currency: 'USD',
          billingAddress: address,
        }),
      )
    ).json();
    const typo = checked({
      legalName: 'Kalumbara Corporation',
      email: 'billing@kalumbara.example',
      currency: 'USD',
      billingAddress: { ...address, line1: '6845 Kazi St.' },
    });
    const refused = await post(typo);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().candidates.map((c: { id: string }) => c.id)).toEqual([original.id]);
    const kept = await post(
      { ...typo, allowDuplicate: true, duplicateReason: 'franchise billed on its own' },
      { 'x-actor': 'clerk-4' },
    );
    expect(kept.statusCode).toBe(201);
    // The scan lists the pair as accepted, with the decision, and in no cluster.
    const scan = (await get('/customers/duplicates')).json();
    const [a, b] = [original.id, kept.json().id].sort();
    expect(scan.acceptedPairs).toContainEqual(
      expect.objectContaining({
        a,
        b,
        decision: { reason: 'franchise billed on its own', by: 'clerk-4', at: expect.any(String) },
      }),
    );
    expect(scan.items.some((c: { customerIds: string[] }) => c.customerIds.includes(original.id))).toBe(false);

    // Later edits of either record that still match each other pass without the override.
    expect(
      (await patch(kept.json().id, { billingAddress: { ...address, line1: '6845 Kazi Street', line2: 'Floor 2' } }))
        .statusCode,
    ).toBe(200);
    expect((await patch(original.id, { legalName: 'Kalumbera Corp.' })).statusCode).toBe(200);
    expect((await patch(original.id, { email: 'accounts@kalumbera.example' })).statusCode).toBe(200);

    // Both histories carry the decision: which pair, who, why (and when: the entry's time).
    const history = async (id: string) =>
      (await get(`/customers/${id}/history`)).json().items as {
        field: string;
        actor: string;
        at: string;
        new: Record<string, unknown>;
      }[];
    expect(await history(kept.json().id)).toContainEqual(
      expect.objectContaining({
        field: 'duplicateOverride',
        actor: 'clerk-4',
        at: expect.any(String),
        new: { reason: 'franchise billed on its own', candidates: [expect.objectContaining({ id: original.id })] },
      }),
    );
    expect(await history(original.id)).toContainEqual(
      expect.objectContaining({
        field: 'duplicateAccepted',
        actor: 'clerk-4',
        new: expect.objectContaining({ reason: 'franchise billed on its own', keptWith: kept.json().id }),
      }),
    );
    expect((await history(original.id)).filter((h) => h.field === 'duplicateAccepted')).toHaveLength(1);

    // A third record like them is a new candidate for both: the decision covered one pair only.
    const third = (
      await post(
        checked({
          legalName: 'Nimbora Trading',
          email: 'x@nimbora.example',
          currency: 'USD',
          billingAddress: { ...address, line1: '1 Other Road' },
        }),
      )
    ).json();
    const renamed = await patch(third.id, { legalName: 'Kalumbera Corporation', billingAddress: address });
    expect(renamed.statusCode).toBe(409);
    expect(renamed.json().candidates.map((c: { id: string }) => c.id)).toEqual(expect.arrayContaining([original.id]));
    const edited = await patch(original.id, { billingAddress: { ...address, line2: 'Gate B' } });
    expect(edited.statusCode).toBe(200); // the third record was not changed: it still sits elsewhere as Nimbora
  });
});

describe('duplicate check on create: true and false pairs', () => {
  type Party = { name: string; line1: string; city?: string; postalCode?: string };
  // Each row gets its own postcode block, so rows cannot see each other; a row's second record is checked against its first.
  const rows: [string, Party, Party, boolean][] = [
    [
      'one-letter typo at the very same address',
      { name: 'Tugafibu Corporation', line1: '6845 Kazi Street' },
      { name: 'Tuaafibu Corporation', line1: '6845 Kazi St.' },
      true,
    ],
    [
      'one-letter typo, road abbreviated',
      { name: 'Morvanex Ltd', line1: '12 Harbour Road' },
      { name: 'Morvanax Limited', line1: '12 Harbour Rd' },
      true,
    ],
    [
      'swapped letters, avenue abbreviated',
      { name: 'Quilbrot Industries', line1: '77 Birch Avenue' },
      { name: 'Qulibrot Industries', line1: '77 Birch Ave' },
      true,
    ],
    [
      'two typos in a long name',
      { name: 'Pemberwickshire Trading', line1: '400 Oak Boulevard' },
      { name: 'Pembrwickshyre Trading', line1: '400 Oak Blvd' },
      true,
    ],
    [
      'another company in the same office building',
      { name: 'Zentor Logistics', line1: '1 Tower Plaza, Suite 400' },
      { name: 'Halvik Consulting', line1: '1 Tower Plaza Suite 400' },
      false,
    ],
    [
      'another company in the same building, sharing a generic word',
      { name: 'Orbis Logistics', line1: '20 Quay Street' },
      { name: 'Orban Logistics', line1: '20 Quay St' },
      false,
    ],
    [
      'a short name one letter apart at the same address',
      { name: 'Vexa Inc', line1: '3 Mill Lane' },
      { name: 'Vexo Inc', line1: '3 Mill Ln' },
      false,
    ],
    [
      'a one-letter typo at an address in another city',
      { name: 'Brixolan Corp', line1: '5 Main Street' },
      { name: 'Brixolen Corp', line1: '88 Lake Road', city: 'Austin', postalCode: '73301' },
      false,
    ],
  ];

  it.each(rows.map(([name, first, second, flagged], n) => [name, flagged, first, second, n] as const))(
    '%s: flagged %s',
    async (_name, flagged, first, second, n) => {
      const postalCode = String(40_000 + n * 7);
      const customer = (p: Party, email: string) =>
        checked({
          legalName: p.name,
          email,
          currency: 'USD',
          billingAddress: {
            line1: p.line1,
            city: p.city ?? `Testville ${n}`,
            postalCode: p.postalCode ?? postalCode,
            country: 'US',
          },
        });
      const created = await post(customer(first, `first-${n}@pairs.example`));
      expect(created.statusCode).toBe(201);
      const response = await post(customer(second, `second-${n}@pairs.example`));
      if (!flagged) return expect(response.statusCode).toBe(201);
      expect(response.statusCode).toBe(409);
      expect(response.json().candidates[0]).toMatchObject({
        id: created.json().id,
        reasons: expect.arrayContaining([
          expect.objectContaining({ signal: 'name' }),
          expect.objectContaining({ signal: 'address' }),
        ]),
      });
      return undefined;
    },
  );

  it('finds the typo pair in the whole-book scan as well', async () => {
    const pair = await undecidedPair('Skavondra Corporation', 'Skavandra Corporation', {
      line1: '19 Ferry Street',
      city: 'Duluth',
      postalCode: '55801',
      country: 'US',
    });
    const scan = (await get('/customers/duplicates')).json();
    expect(scan.items.find((c: { customerIds: string[] }) => c.customerIds.includes(pair.id))?.customerIds).toEqual(
      [pair.id, pair.otherId].sort(),
    );
  });
});

describe('merge', () => {
  const create = async (legalName: string, currency = 'EUR') =>
    (
      await post(
        customerFixture({ legalName, email: `${legalName.replace(/\W/g, '').toLowerCase()}@merge.example`, currency }),
      )
    ).json();
  const balance = async (id: string) => (await get(`/customers/${id}`)).json().balance;

  it('re-points documents, moves every balance exactly, closes the duplicate and ends its workflow; repeating changes nothing', async () => {
    const survivor = await create('Globex Corporation');
    const duplicate = await create('Globex Corp');
    await insertOpenInvoice(engine.db.orm, {
      customerId: survivor.id,
      currency: 'EUR',
      issueDate: '2026-09-01',
      dueDate: '2026-10-01',
      amount: 100_00,
    });
    const dupInvoice = await insertOpenInvoice(engine.db.orm, {
      customerId: duplicate.id,
      currency: 'EUR',
      issueDate: '2026-09-05',
      dueDate: '2026-10-05',
      amount: 250_55,
    });
    await postCustomerCredit(engine.db.orm, {
      customerId: duplicate.id,
      currency: 'EUR',
      amount: 30_00,
      date: '2026-09-10',
    });
    const [s0, d0] = [await balance(survivor.id), await balance(duplicate.id)];
    expect(d0).toEqual({
      receivable: { amount: 250_55, currency: 'EUR' },
      credit: { amount: 30_00, currency: 'EUR' },
      net: { amount: 220_55, currency: 'EUR' },
    });

    const merged = await engine.app.inject({
      method: 'POST',
      url: `/customers/${survivor.id}/merge`,
      payload: { duplicateId: duplicate.id },
      headers: { 'x-actor': 'clerk-7' },
    });
    expect(merged.statusCode).toBe(200);
    expect(merged.json()).toMatchObject({
      created: true,
      moved: { documents: { invoice: 1 } },
      journalEntryId: expect.any(String),
    });

    const [s1, d1] = [await balance(survivor.id), await balance(duplicate.id)];
    expect(s1.receivable.amount).toBe(s0.receivable.amount + d0.receivable.amount);
    expect(s1.credit.amount).toBe(s0.credit.amount + d0.credit.amount);
    expect(d1).toEqual({
      receivable: { amount: 0, currency: 'EUR' },
      credit: { amount: 0, currency: 'EUR' },
      net: { amount: 0, currency: 'EUR' },
    });
    const trial = await engine.db.orm.em
      .fork()
      .execute<
        { code: string; balance: string }[]
      >(`SELECT account_code AS code, sum(debit - credit) AS balance FROM journal_line GROUP BY account_code`);
    expect(trial.reduce((n, r) => n + Number(r.balance), 0)).toBe(0);
    expect(await customerBalanceMismatches(engine.db.orm.em.fork())).toEqual([]);
    const [moved] = await engine.db.orm.em
      .fork()
      .execute<{ customer_id: string }[]>('SELECT customer_id FROM invoice WHERE id = ?', [dupInvoice]);
    expect(moved!.customer_id).toBe(survivor.id);
    expect((await get(`/customers/${survivor.id}`)).json().openInvoices).toMatchObject({
      count: 2,
      total: { amount: 350_55 },
    });

    const closed = (await get(`/customers/${duplicate.id}`)).json();
    expect(closed).toMatchObject({ status: 'closed', mergedInto: survivor.id });
    const ended = await engine.temporal.workflow.getHandle(`customer-${duplicate.id}`).result();
    expect(ended.changes.at(-1)).toMatchObject({ to: 'closed', by: 'clerk-7' });
    const survivorHistory = (await get(`/customers/${survivor.id}/history`)).json().items;
    expect(survivorHistory).toContainEqual(
      expect.objectContaining({
        field: 'mergedFrom',
        actor: 'clerk-7',
        new: expect.objectContaining({ customerId: duplicate.id }),
      }),
    );
    expect((await get(`/customers/${duplicate.id}/history`)).json().items).toContainEqual(
      expect.objectContaining({ field: 'mergedInto', new: expect.objectContaining({ customerId: survivor.id }) }),
    );
    await eventually(async () =>
      (await get(`/customers/${survivor.id}?include=account`))
        .json()
        .account?.changes.some((c: { field: string }) => c.field === 'mergedFrom')
        ? true
        : undefined,
    );

    const again = await engine.app.inject({
      method: 'POST',
      url: `/customers/${survivor.id}/merge`,
      payload: { duplicateId: duplicate.id },
    });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ created: false, journalEntryId: merged.json().journalEntryId });
    expect(await balance(survivor.id)).toEqual(s1);
  });

  it('refuses customers in different currencies (409), itself (422) and unknown ids (404), changing nothing', async () => {
    const eur = await create('Initech Europe');
    const usd = await create('Initech America', 'USD');
    const response = await engine.app.inject({
      method: 'POST',
      url: `/customers/${eur.id}/merge`,
      payload: { duplicateId: usd.id },
    });
    expect(response.statusCode).toBe(409);
    expect(response.json().detail).toContain('different currencies');
    expect((await get(`/customers/${usd.id}`)).json()).toMatchObject({ status: 'active', mergedInto: null });
    expect(
      (await engine.app.inject({ method: 'POST', url: `/customers/${eur.id}/merge`, payload: { duplicateId: eur.id } }))
        .statusCode,
    ).toBe(422);
    expect(
      (
        await engine.app.inject({
          method: 'POST',
          url: `/customers/${eur.id}/merge`,
          payload: { duplicateId: '00000000-0000-4000-8000-000000000000' },
        })
      ).statusCode,
    ).toBe(404);
  });
});
