// Customer duplicate detection at scale: loads N customers (about 2 % of them variants of others: legal suffix, case,
// punctuation, tax id spelling) into a database of its own, then measures
//   - create with duplicate check (the POST /customers code path without HTTP and workflow start) p50/p99,
//     next to the floor: a bare INSERT of the same row;
//   - the full-book duplicate scan (GET /customers/duplicates), next to the floor: one pass reading every match key.
// Run: npx tsx bench/customers.ts [--count 100000] [--creates 500] [--keep]
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { createCustomer } from '../api/customers/commands.js';
import type { CreateCustomerBody } from '../api/customers/schemas.js';
import { scanDuplicates } from '../src/customers/store/duplicates.js';
import { matchKeysOf, type EditableProfile } from '../src/customers/store/customers.js';
import { pgArray } from '../src/db/pg-array.js';
import { dropDatabase } from '../src/db/drop-database.js';
import { migrate, openOrm } from '../src/db/orm.js';
import { isMain, parseArgs, percentile, progress, report, timed, type BenchResult, type BenchRow } from './lib.js';
import { sealTaxId } from '../src/customers/store/sealed-tax-id.js';

export interface CustomersBenchOptions {
  count: number;
  creates?: number;
  keep?: boolean;
}

// Deterministic pseudo-random data, so runs compare.
// mulberry32: 32-bit integer arithmetic (Math.imul), so the sequence does not degrade like a float LCG.
let seed = 42;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
// Consonant-vowel(-consonant) syllables: invented words with as varied trigrams as real names (surnames, places, brands).
const SYLLABLES = 'b c d f g h k l m n p r s t v w z br kr st tr'
  .split(' ')
  .flatMap((c) => 'a e i o u'.split(' ').flatMap((v) => [c + v, c + v + 'n', c + v + 'r']));
const INDUSTRY =
  'Logistics Foods Systems Textiles Motors Pharma Media Tools Energy Consulting Robotics Farms Labs Metals Paper Plastics Software Freight Clinics Optics'.split(
    ' ',
  );
const SUFFIX = ['GmbH', 'AG', 'Ltd', 'Limited', 'Inc.', 'Corp.', 'Corporation', 'LLC', 'S.A.', 'B.V.', ''];
const STREETS = 'Main Oak Pine Maple Cedar Elm Lake Hill Park River Market Station Church Mill Bridge'.split(' ');
const CITIES: [string, string][] = [
  ['Berlin', 'DE'],
  ['Hamburg', 'DE'],
  ['Munich', 'DE'],
  ['Paris', 'FR'],
  ['Lyon', 'FR'],
  ['Madrid', 'ES'],
  ['Rome', 'IT'],
  ['Vienna', 'AT'],
  ['Amsterdam', 'NL'],
  ['Dublin', 'IE'],
];

function word(): string {
  // 2-3 of 300 syllables: about 27 million distinct words, so unrelated companies rarely share a name (as in a real book).
  const n = 2 + Math.floor(random() * 2);
  const w = Array.from({ length: n }, () => pick(SYLLABLES)).join('');
  return w[0]!.toUpperCase() + w.slice(1);
}

function newProfile(): EditableProfile {
  const [city, country] = pick(CITIES);
  const base = `${word()} ${pick(INDUSTRY)}`;
  const id = randomBytes(4).toString('hex');
  return {
    legalName: `${base} ${pick(SUFFIX)}`.trim(),
    displayName: null,
    taxId:
      random() < 0.7
        ? {
            country,
            value: `${country}${Math.floor(random() * 1e9)
              .toString()
              .padStart(9, '0')}`,
          }
        : null,
    email: `ap-${id}@${base.toLowerCase().replace(/\W/g, '')}.example`,
    currency: 'EUR',
    billingAddress: {
      line1: `${1 + Math.floor(random() * 300)} ${pick(STREETS)} Street`,
      city,
      postalCode: String(10000 + Math.floor(random() * 89999)),
      country,
    },
    contacts: [{ name: 'Accounts payable', phone: `+${Math.floor(random() * 9e10 + 1e10)}`, role: 'accounts_payable' }],
    communication: { language: 'en', channel: 'email', statementFrequency: 'monthly' },
    termsCode: 'NET30',
    creditLimit: null,
    riskSegment: null,
    externalRef: null,
    tags: [],
  };
}

/** A second record of the same company as a clerk might type it: other legal form, case, punctuation, tax id spelling. */
function variantOf(p: EditableProfile): EditableProfile {
  const core = p.legalName.replace(/\s+(GmbH|AG|Ltd|Limited|Inc\.|Corp\.|Corporation|LLC|S\.A\.|B\.V\.)$/, '');
  const name = pick([`The ${core} ${pick(SUFFIX)}`, core.toUpperCase(), `${core}, ${pick(SUFFIX)}`]).trim();
  return {
    ...p,
    legalName: name,
    email: `billing-${randomBytes(3).toString('hex')}@other.example`,
    taxId: p.taxId
      ? { country: p.taxId.country, value: p.taxId.value.replace(/(\d{3})(\d{3})/, ' $1.$2 ').toLowerCase() }
      : null,
  };
}

async function bulkInsert(client: pg.Client, profiles: EditableProfile[]): Promise<void> {
  const cols = {
    id: [] as string[],
    legal: [] as string[],
    email: [] as string[],
    addr: [] as string[],
    contacts: [] as string[],
    taxId: [] as (string | null)[],
    taxCountry: [] as (string | null)[],
    taxKey: [] as (string | null)[],
    nameKey: [] as string[],
    nameCore: [] as string[],
    addressKey: [] as string[],
    postcodeKey: [] as string[],
    emails: [] as string[],
    phones: [] as string[],
  };
  for (const p of profiles) {
    const keys = matchKeysOf(p);
    cols.id.push(randomUUID());
    cols.legal.push(p.legalName);
    cols.email.push(p.email);
    cols.addr.push(JSON.stringify(p.billingAddress));
    cols.contacts.push(JSON.stringify(p.contacts));
    cols.taxId.push(p.taxId ? sealTaxId(p.taxId.value) : null);
    cols.taxCountry.push(p.taxId?.country ?? null);
    cols.taxKey.push(keys.taxKey);
    cols.nameKey.push(keys.nameKey);
    cols.nameCore.push(keys.nameCore);
    cols.addressKey.push(keys.addressKey);
    cols.postcodeKey.push(keys.postcodeKey);
    cols.emails.push(pgArray(keys.emails));
    cols.phones.push(pgArray(keys.phones));
  }
  await client.query(
    `INSERT INTO customer (id, legal_name, email, currency, billing_address, contacts, tax_id, tax_country, tax_key, name_key, name_core, address_key, postcode_key, match_emails, match_phones)
     SELECT id, legal, email, 'EUR', addr::jsonb, contacts::jsonb, tax_id, tax_country, tax_key, name_key, name_core, address_key, postcode_key, emails::text[], phones::text[]
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
         AS t(id, legal, email, addr, contacts, tax_id, tax_country, tax_key, name_key, name_core, address_key, postcode_key, emails, phones)`,
    [
      cols.id,
      cols.legal,
      cols.email,
      cols.addr,
      cols.contacts,
      cols.taxId,
      cols.taxCountry,
      cols.taxKey,
      cols.nameKey,
      cols.nameCore,
      cols.addressKey,
      cols.postcodeKey,
      cols.emails,
      cols.phones,
    ],
  );
}

const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 0)} ms`;

export async function runCustomersBench(options: CustomersBenchOptions): Promise<BenchResult> {
  const { count, keep = false } = options;
  const creates = options.creates ?? Math.min(500, Math.max(100, Math.floor(count / 20)));
  const serverUrl = new URL(process.env.DATABASE_URL ?? 'postgres://ar:ar@localhost:5432/ar_engine');
  const dbName = `ar_bench_customers_${randomBytes(4).toString('hex')}`;
  const adminUrl = new URL(serverUrl);
  adminUrl.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(serverUrl);
  url.pathname = `/${dbName}`;
  const orm = await openOrm(url.toString(), { poolMax: 4 });
  const client = new pg.Client({ connectionString: url.toString() });
  try {
    await migrate(orm);
    await client.connect();
    console.log(`database ${dbName}: loading ${count} customers (2 % variants of others)...`);
    const loading = progress('load', count);
    const loaded: EditableProfile[] = [];
    const loadTime = await timed(async () => {
      for (let done = 0; done < count; ) {
        const batch: EditableProfile[] = [];
        for (let i = 0; i < 2_000 && done < count; i++, done++) {
          const p = loaded.length > 100 && random() < 0.02 ? variantOf(pick(loaded)) : newProfile();
          batch.push(p);
          if (loaded.length < 50_000) loaded.push(p);
        }
        await bulkInsert(client, batch);
        loading.tick(batch.length);
      }
      // What autovacuum does after a bulk load: flush the GIN pending lists and gather statistics.
      await client.query('VACUUM ANALYZE customer');
    });
    loading.done();

    // Create with duplicate check: half new companies, half variants of loaded ones (these answer 409).
    const createMs: number[] = [];
    let refused = 0;
    const creating = progress('create with duplicate check', creates);
    for (let i = 0; i < creates; i++) {
      const profile = i % 2 === 0 ? newProfile() : variantOf(pick(loaded));
      const body = {
        ...profile,
        displayName: undefined,
        taxId: profile.taxId ?? undefined,
        creditLimit: undefined,
        riskSegment: undefined,
        externalRef: undefined,
      } as unknown as CreateCustomerBody;
      const started = performance.now();
      try {
        await createCustomer(orm.em.fork(), body, { actor: 'bench', requestId: `bench-${i}` }, async () => {});
      } catch (error) {
        if ((error as { status?: number }).status !== 409) throw error;
        refused++;
      }
      createMs.push(performance.now() - started);
      creating.tick();
    }
    creating.done();

    const floorMs: number[] = [];
    for (let i = 0; i < creates; i++) {
      const p = newProfile();
      const started = performance.now();
      await orm.em
        .fork()
        .execute(
          `INSERT INTO customer (id, legal_name, email, currency, billing_address) VALUES (?, ?, ?, 'EUR', ?::jsonb)`,
          [randomUUID(), p.legalName, p.email, JSON.stringify(p.billingAddress)],
        );
      floorMs.push(performance.now() - started);
    }

    // The floor rows have no match keys; they were only there to time the INSERT.
    await client.query(`DELETE FROM customer WHERE name_key = ''`);
    await client.query('VACUUM ANALYZE customer');
    const scan = await timed(() => scanDuplicates(orm.em.fork()));
    const readKeys = await timed(() =>
      client.query('SELECT name_key, address_key, tax_key, match_emails, match_phones FROM customer'),
    );
    const total = count + creates - refused;

    const rows: BenchRow[] = [
      {
        case: 'create with duplicate check p50',
        workload: `${creates} creates on ${count.toLocaleString('en')} customers (${refused} answered 409)`,
        engine: ms(percentile(createMs, 50)),
        floor: `${ms(percentile(floorMs, 50))} (bare INSERT)`,
        ratio: `${(percentile(createMs, 50) / percentile(floorMs, 50)).toFixed(1)}x`,
      },
      {
        case: 'create with duplicate check p99',
        workload: 'same',
        engine: ms(percentile(createMs, 99)),
        floor: `${ms(percentile(floorMs, 99))} (bare INSERT)`,
        ratio: `${(percentile(createMs, 99) / percentile(floorMs, 99)).toFixed(1)}x`,
      },
      {
        case: 'full duplicate scan',
        workload: `${scan.result.scannedCustomers.toLocaleString('en')} customers: ${scan.result.clusters.length} clusters, ${scan.result.duplicatePercentage} % duplicates`,
        engine: ms(scan.ms),
        floor: `${ms(readKeys.ms)} (read every match key once)`,
        ratio: `${(scan.ms / readKeys.ms).toFixed(1)}x`,
      },
    ];
    return {
      name: 'customers',
      rows,
      details: {
        count,
        creates,
        refused,
        loadMs: Math.round(loadTime.ms),
        totalCustomers: total,
        probablePairs: scan.result.probablePairs,
        duplicateRecords: scan.result.duplicateRecords,
      },
    };
  } finally {
    await client.end().catch(() => {});
    await orm.close(true);
    if (!keep) await dropDatabase((sql) => admin.query(sql), dbName);
    else console.log(`kept database ${dbName}`);
    await admin.end();
  }
}

if (isMain(import.meta.url)) {
  const args = parseArgs();
  const createsArg = process.argv.indexOf('--creates');
  const result = await runCustomersBench({
    count: args.count(5_000),
    creates: createsArg >= 0 ? Number(process.argv[createsArg + 1]) : undefined,
    keep: args.flag('keep'),
  });
  report(result.name, result.rows, result.details);
}
