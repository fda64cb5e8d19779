// Hostile and malformed bank-statement files sent over HTTP to the API process: each gets a clear 4xx problem+json,
// nothing is stored or posted, and the server keeps answering (a legitimate import right after still works).
import { bankFixture as fixture } from '../../support/bank-fixtures.js';
import {
  allPaymentsSettled,
  beginScenario,
  createCustomer,
  finishScenario,
  issueInvoice,
} from '../support/business.js';
import type { Stand } from '../support/stand.js';

/** The classic billion-laughs document: ten levels of ten references, a billion "lol"s if expanded. */
const billionLaughs = () => {
  const entities = [' <!ENTITY lol0 "lol">'];
  for (let i = 1; i <= 9; i++) entities.push(` <!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
  return `<?xml version="1.0"?>\n<!DOCTYPE lolz [\n${entities.join('\n')}\n]>\n<Document><BkToCstmrStmt><Stmt><Id>&lol9;</Id></Stmt></BkToCstmrStmt></Document>`;
};

const externalEntity = `<?xml version="1.0"?>
<!DOCTYPE d [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<Document><BkToCstmrStmt><Stmt><Id>&xxe;</Id></Stmt></BkToCstmrStmt></Document>`;

const deepNesting = (depth: number) =>
  `<?xml version="1.0"?><Document>${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}</Document>`;

interface HostileFile {
  name: string;
  body: string | Buffer;
  contentType: string;
  query?: string;
  /** The 4xx statuses that are a clear answer for this file. */
  statuses: number[];
}

function hostileFiles(): HostileFile[] {
  const tenMegabyteLine = 'x'.repeat(10 * 1024 * 1024);
  return [
    {
      name: 'truncated camt.053',
      body: fixture('camt053-truncated.xml'),
      contentType: 'application/xml',
      statuses: [400],
    },
    {
      name: 'billion-laughs entities (fixture)',
      body: fixture('camt053-billion-laughs.xml'),
      contentType: 'application/xml',
      statuses: [400],
    },
    {
      name: 'billion-laughs entities (nine levels)',
      body: billionLaughs(),
      contentType: 'application/xml',
      statuses: [400],
    },
    { name: 'external entity (file:///etc/passwd)', body: externalEntity, contentType: 'text/xml', statuses: [400] },
    {
      name: 'entry in another currency than the account',
      body: fixture('camt053-wrong-currency.xml'),
      contentType: 'application/xml',
      statuses: [422],
    },
    {
      name: 'camt.053 in USD imported as EUR',
      body: fixture('camt053-basic.xml').replace(/BANKREF/g, 'HOSTILEREF'),
      contentType: 'application/xml',
      query: '?currency=EUR',
      statuses: [422],
    },
    {
      name: 'CSV row in another currency than the account',
      body: 'booking_date,amount,currency\n2026-11-20,1.00,GBP\n',
      contentType: 'text/csv',
      query: '?currency=USD',
      statuses: [422],
    },
    {
      name: 'a 10 MB line of CSV',
      body: `booking_date,amount,currency\n2026-11-20,1.00,USD,${tenMegabyteLine}\n`,
      contentType: 'text/csv',
      statuses: [413],
    },
    {
      name: 'a 10 MB line of XML',
      body: `<?xml version="1.0"?><Document>${tenMegabyteLine}</Document>`,
      contentType: 'application/xml',
      statuses: [413],
    },
    {
      name: 'a 1 MB line under the size limit',
      body: `booking_date,amount,currency\n2026-11-20,1.00,USD,${'y'.repeat(1024 * 1024)}\n`,
      contentType: 'text/csv',
      statuses: [400, 422],
    },
    {
      name: '100,000 nested elements',
      body: deepNesting(100_000),
      contentType: 'application/xml',
      statuses: [400, 413],
    },
    {
      name: 'binary garbage as XML',
      body: Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 7919) % 256)),
      contentType: 'application/xml',
      statuses: [400],
    },
    { name: 'a PDF', body: '%PDF-1.7\n%âãÏÓ\n1 0 obj <<>> endobj\n', contentType: 'application/pdf', statuses: [415] },
    { name: 'an empty CSV', body: '', contentType: 'text/csv', statuses: [400] },
    {
      name: 'a CSV without the required columns',
      body: 'when,how much\nyesterday,lots\n',
      contentType: 'text/csv',
      statuses: [400, 422],
    },
    {
      name: 'an amount with 40 digits',
      body: `booking_date,amount,currency\n2026-11-20,${'9'.repeat(40)}.00,USD\n`,
      contentType: 'text/csv',
      statuses: [400, 422],
    },
  ];
}

export async function hostileStatementFiles(stand: Stand): Promise<void> {
  const run = beginScenario(stand, '7. malformed and hostile bank-statement files');
  const counts = async () =>
    (
      await stand.sql<{ s: string; p: string; j: string }>(
        'SELECT (SELECT count(*) FROM bank_statement) AS s, (SELECT count(*) FROM payment) AS p, (SELECT count(*) FROM journal_entry) AS j',
      )
    )[0];
  const before = await counts();
  const unclear: string[] = [];
  for (const file of hostileFiles()) {
    const res = await stand.http('POST', `/bank-statements${file.query ?? ''}`, {
      raw: file.body,
      contentType: file.contentType,
    });
    const problem =
      res.headers.get('content-type')?.startsWith('application/problem+json') && typeof res.json?.detail === 'string';
    if (!file.statuses.includes(res.status) || !problem)
      unclear.push(`${file.name}: ${res.status} ${res.headers.get('content-type')} ${res.text.slice(0, 200)}`);
    // The server still answers at once after each file.
    const live = await stand.http('GET', '/health/live');
    if (live.status !== 200) unclear.push(`${file.name}: /health/live answered ${live.status} afterwards`);
  }
  expect(unclear).toEqual([]);
  expect(await counts()).toEqual(before);

  // And a legitimate statement right after is imported and applied.
  const customerId = await createCustomer(stand);
  const invoice = await issueInvoice(stand, { customerId, total: 100_000 });
  const good = await stand.http('POST', '/bank-statements', {
    raw: fixture('camt053-basic.xml')
      .replace('INV-CAMT-0001', invoice.number)
      .replace(/BANKREF/g, `REF${Date.now()}`),
    contentType: 'application/xml',
  });
  expect([good.status, good.json?.counts?.created]).toEqual([201, 3]);
  await allPaymentsSettled(stand, 120_000);
  await finishScenario(stand, run, { operations: hostileFiles().length + 3 });
}
