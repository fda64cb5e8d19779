import { taxIdKey } from '../../src/customers/rules/customer.js';
import {
  addressKey,
  clusterPairs,
  DEFAULT_DUPLICATE_POLICY,
  editDistance,
  isProbableDuplicate,
  minNameSimilarityForProbable,
  nameCore,
  nameKey,
  nameTypo,
  phoneKey,
  scorePair,
  type PairEvidence,
} from '../../src/payments/rules/matching.js';

describe('match keys', () => {
  it.each([
    ['ACME Corp.', 'acme'],
    ['Acme Corporation', 'acme'],
    ['The Acme Corp, Inc.', 'acme'],
    ['acme corp', 'acme'],
    ['Acne Corp', 'acne'],
    ['Müller & Söhne GmbH', 'muller sohne'],
    ['Widgets Acme Ltd', 'acme widgets'],
    ['Acme Widgets Limited', 'acme widgets'],
    ['S.A.R.L. Dupont', 'dupont'],
    ['The Company Ltd', 'company ltd the'],
  ])('name %j -> %j', (name, key) => expect(nameKey(name)).toBe(key));

  it('unifies street abbreviations and keeps postcode, city and country', () => {
    const a = addressKey({ line1: '1 Main Street', city: 'Berlin', postalCode: '10115', country: 'DE' });
    const b = addressKey({ line1: '1 main st.', city: 'BERLIN', postalCode: '10 115', country: 'DE' });
    expect(a).toBe(b);
    expect(addressKey({ line1: 'Hauptstraße 5', city: 'Köln', postalCode: '50667', country: 'DE' })).toBe(
      'haupt st 5 50667 koln de',
    );
  });

  it.each([
    ['+49 30 1234 5678', '012345678'],
    ['030 12345678', '012345678'],
    ['(555) 010-9999', '550109999'],
    ['12 34', null],
  ])('phone %j -> %j', (phone, key) => expect(phoneKey(phone)).toBe(key));

  it.each([
    ['DE', 'DE 123 456 789', 'DE:123456789'],
    ['DE', 'de123456789', 'DE:123456789'],
    ['DE', '123.456.789', 'DE:123456789'],
    ['GR', 'EL 094259216', 'GR:094259216'],
    ['US', '12-3456789', 'US:123456789'],
  ])('tax id %s %j -> %j', (country, value, key) => expect(taxIdKey(country, value)).toBe(key));
});

const none: PairEvidence = {
  sameTaxId: false,
  differentTaxIds: false,
  sharedEmails: [],
  sharedPhones: [],
  nameSimilarity: 0,
  addressSimilarity: 0,
};

describe('pair score', () => {
  it.each<[string, Partial<PairEvidence>, boolean]>([
    ['same tax id alone', { sameTaxId: true }, true],
    ['same e-mail alone', { sharedEmails: ['ap@acme.example'] }, true],
    ['same phone alone', { sharedPhones: ['012345678'] }, false],
    ['identical name key alone', { nameSimilarity: 1 }, true],
    ['identical name and address', { nameSimilarity: 1, addressSimilarity: 1 }, true],
    ['similar name (0.7) and same address', { nameSimilarity: 0.7, addressSimilarity: 1 }, true],
    ['similar name (0.7) alone', { nameSimilarity: 0.7 }, false],
    ['same address only (a shared office building)', { addressSimilarity: 1 }, false],
    [
      'Acme vs Acne: low name similarity, different tax ids and addresses',
      { nameSimilarity: 0.25, addressSimilarity: 0.2, differentTaxIds: true },
      false,
    ],
    [
      'identical names but different tax ids (two legal entities)',
      { nameSimilarity: 1, addressSimilarity: 1, differentTaxIds: true },
      false,
    ],
    ['similar name and same phone', { nameSimilarity: 0.8, sharedPhones: ['1'] }, true],
  ])('%s -> probable: %s', (_label, evidence, probable) => {
    const { score, reasons } = scorePair({ ...none, ...evidence });
    expect(isProbableDuplicate(score)).toBe(probable);
    expect(score).toBeGreaterThanOrEqual(0);
    expect(score).toBeLessThanOrEqual(1);
    if (probable) expect(reasons.length).toBeGreaterThan(0);
  });

  it('explains each signal', () => {
    const { score, reasons } = scorePair({ ...none, sameTaxId: true, nameSimilarity: 1 });
    expect(score).toBeGreaterThan(0.99);
    expect(reasons.map((r) => r.signal)).toEqual(['taxId', 'name']);
    expect(reasons[1]!.detail).toBe('name similarity 1');
  });

  it('is policy data', () => {
    const strict = { ...DEFAULT_DUPLICATE_POLICY, probableAt: 0.99 };
    expect(isProbableDuplicate(scorePair({ ...none, sharedEmails: ['x'] }, strict).score, strict)).toBe(false);
  });
});

describe('clusters', () => {
  it('joins chains of pairs into one cluster with the strongest score', () => {
    const clusters = clusterPairs([
      { a: 'c', b: 'd', score: 0.8, reasons: [] },
      { a: 'a', b: 'b', score: 0.9, reasons: [] },
      { a: 'b', b: 'c', score: 0.97, reasons: [] },
      { a: 'x', b: 'y', score: 0.76, reasons: [] },
    ]);
    expect(clusters.map((c) => [c.customerIds, c.score, c.pairs.length])).toEqual([
      [['a', 'b', 'c', 'd'], 0.97, 3],
      [['x', 'y'], 0.76, 1],
    ]);
  });
});

describe('scan threshold', () => {
  it('is the lowest name similarity that an identical address can lift to a probable duplicate', () => {
    const s = minNameSimilarityForProbable();
    const score = (n: number) => scorePair({ ...none, nameSimilarity: n, addressSimilarity: 1 }).score;
    expect(isProbableDuplicate(score(s + 0.01))).toBe(true);
    expect(isProbableDuplicate(score(s - 0.01))).toBe(false);
    expect(s).toBeGreaterThan(0.6);
    expect(s).toBeLessThan(0.75);
  });
});

describe('name core', () => {
  it.each([
    ['Zentor Logistics GmbH', 'zentor'],
    ['Acme International Trading Ltd', 'acme'],
    ['Global Logistics Services', 'global logistics services'],
    ['The Acme Corp, Inc.', 'acme'],
  ])('%j -> %j', (name, core) => expect(nameCore(name)).toBe(core));
});

describe('one-word typos', () => {
  it.each([
    ['tugafibu', 'tuaafibu', 1],
    ['quilbrot', 'qulibrot', 1], // two neighbours swapped
    ['morvanex', 'morvanx', 1],
    ['pemberwickshire', 'pembrwickshyre', 2],
    ['acme', 'zentor', 3],
  ])('edit distance %j ~ %j = %i', (a, b, d) => expect(editDistance(a, b, 2)).toBe(d));

  it.each<[string, string, boolean]>([
    ['tugafibu', 'tuaafibu', true],
    ['acme widgets', 'acme widgest', true],
    ['pemberwickshire', 'pembrwickshyre', true],
    ['acme', 'acne', false], // short words differ by one letter between real companies
    ['orbis', 'orban', false], // two edits in a short word
    ['morvanex', 'morvanex', false], // identical is not a typo
    ['12 unit', '13 unit', false],
    ['tugafibu north', 'tuaafibu south', false], // two words differ
    ['tugafibu', 'tuaafibu holdco', false],
  ])('%j ~ %j is a typo: %s', (a, b, typo) => expect(nameTypo(a, b)).toBe(typo));

  it('is probable with an identical address, not on its own or with an address that is only alike', () => {
    const typo = { ...none, nameTypo: true, nameSimilarity: 0.5 };
    expect(isProbableDuplicate(scorePair({ ...typo, addressSimilarity: 1 }).score)).toBe(true);
    expect(scorePair({ ...typo, addressSimilarity: 1 }).reasons[0]!.detail).toMatch(/typo/);
    expect(isProbableDuplicate(scorePair(typo).score)).toBe(false);
    expect(isProbableDuplicate(scorePair({ ...typo, addressSimilarity: 0.5 }).score)).toBe(false);
    expect(isProbableDuplicate(scorePair({ ...none, nameSimilarity: 0.5, addressSimilarity: 1 }).score)).toBe(false);
    // A generic word shared by two different names does not make them alike: the core decides.
    expect(
      isProbableDuplicate(
        scorePair({ ...none, nameSimilarity: 0.684, coreSimilarity: 0.333, addressSimilarity: 1 }).score,
      ),
    ).toBe(false);
    expect(
      isProbableDuplicate(scorePair({ ...none, nameSimilarity: 0.684, coreSimilarity: 1, addressSimilarity: 1 }).score),
    ).toBe(true);
  });

  it.each([
    ['6845 Kazi Street', '6845 Kazi St.'],
    ['12 Harbour Road', '12 Harbour Rd'],
    ['77 Birch Avenue, Suite 4', '77 Birch Ave Ste 4'],
    ['400 Oak Boulevard, Building 2', '400 Oak Blvd Bldg 2'],
    ['9 North Highway', '9 N. Hwy'],
  ])('%j and %j have one address key', (a, b) => {
    const at = (line1: string) => addressKey({ line1, city: 'Springfield', postalCode: '62701', country: 'US' });
    expect(at(a)).toBe(at(b));
  });
});
