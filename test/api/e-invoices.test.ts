// UBL 2.1 e-invoices (Peppol BIS Billing 3.0) for invoices and credit notes, validated against the UBL 2.1 XSD.
import { XMLParser } from 'fast-xml-parser';
import { customerFixture, startTestEngine, type TestEngine } from '../support/engine.js';
import { consultingLines } from '../support/invoices.js';
import { validateUbl } from '../support/ubl-schema.js';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine({
    env: {
      SELLER_NAME: 'Example Corp GmbH',
      SELLER_VAT_ID: 'DE123456789',
      SELLER_PEPPOL_ID: '4000001000005',
      SELLER_IBAN: 'DE89370400440532013000',
      SELLER_CITY: 'Berlin',
      SELLER_POSTAL_CODE: '10115',
      SELLER_STREET: 'Unter den Linden 1',
    },
  });
});
afterAll(async () => {
  await engine?.close();
});

const parser = new XMLParser({ ignoreAttributes: false, removeNSPrefix: true });

async function issue() {
  const customer = await engine.app.inject({
    method: 'POST',
    url: '/customers',
    payload: customerFixture({
      legalName: 'Müller & Söhne <Handel> GmbH',
      taxId: { country: 'DE', value: '987654321' },
      externalRef: `ERP-${Date.now()}`,
    }),
  });
  expect(customer.statusCode).toBe(201);
  const res = await engine.app.inject({
    method: 'POST',
    url: '/invoices',
    payload: { customerId: customer.json().id, lines: consultingLines('EUR') },
  });
  expect(res.statusCode).toBe(201);
  return res.json();
}

it('exports an invoice as UBL 2.1 that validates against the schema, by ?format=ubl and by Accept', async () => {
  const invoice = await issue();
  const res = await engine.app.inject({ method: 'GET', url: `/invoices/${invoice.id}?format=ubl` });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/xml/);
  const validation = await validateUbl(res.body, 'Invoice');
  expect(validation.errors).toEqual([]);
  expect(validation.valid).toBe(true);

  const doc = parser.parse(res.body).Invoice;
  expect(doc.CustomizationID).toBe('urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0');
  expect(doc.ID).toBe(invoice.number);
  expect(doc.InvoiceTypeCode).toBe(380);
  expect(doc.AccountingCustomerParty.Party.PartyLegalEntity.RegistrationName).toBe('Müller & Söhne <Handel> GmbH');
  expect(doc.AccountingCustomerParty.Party.PartyTaxScheme.CompanyID).toBe('DE987654321');
  expect(doc.AccountingSupplierParty.Party.EndpointID['#text']).toBe(4000001000005);
  // 10 x 120.00 at 19 % and 1.5 x 33.33 at 7 %: two tax subtotals that add up to the invoice's tax.
  const subtotals = doc.TaxTotal.TaxSubtotal.map(
    (s: { TaxableAmount: { '#text': number }; TaxCategory: { Percent: number } }) => [
      s.TaxCategory.Percent,
      s.TaxableAmount['#text'],
    ],
  );
  expect(subtotals).toEqual([
    [19, 1200],
    [7, 50],
  ]);
  const total = doc.LegalMonetaryTotal;
  expect(total.TaxInclusiveAmount['#text']).toBe(invoice.total.amount / 100);
  expect(total.PayableAmount['#text']).toBe(invoice.total.amount / 100);
  expect(doc.PaymentMeans.PayeeFinancialAccount.ID).toBe('DE89370400440532013000');

  const byAccept = await engine.app.inject({
    method: 'GET',
    url: `/invoices/${invoice.id}`,
    headers: { accept: 'application/xml' },
  });
  expect(byAccept.statusCode).toBe(200);
  expect(byAccept.body).toBe(res.body);
  // JSON stays the default.
  const json = await engine.app.inject({ method: 'GET', url: `/invoices/${invoice.id}` });
  expect(json.headers['content-type']).toMatch(/^application\/json/);
  expect(json.json().number).toBe(invoice.number);
});

it('exports a credit note as a valid UBL 2.1 CreditNote referring to its invoice', async () => {
  const invoice = await issue();
  const credited = await engine.app.inject({
    method: 'POST',
    url: `/invoices/${invoice.id}/credit-notes`,
    payload: { amount: { amount: 10_000, currency: 'EUR' }, reason: 'Two hours not worked' },
  });
  expect(credited.statusCode).toBe(201);
  const creditNote = credited.json().creditNote;
  const res = await engine.app.inject({ method: 'GET', url: `/credit-notes/${creditNote.id}?format=ubl` });
  expect(res.statusCode).toBe(200);
  const validation = await validateUbl(res.body, 'CreditNote');
  expect(validation.errors).toEqual([]);
  const doc = parser.parse(res.body).CreditNote;
  expect(doc.CreditNoteTypeCode).toBe(381);
  expect(doc.BillingReference.InvoiceDocumentReference.ID).toBe(invoice.number);
  expect(doc.LegalMonetaryTotal.PayableAmount['#text']).toBe(100);

  const json = await engine.app.inject({ method: 'GET', url: `/credit-notes/${creditNote.id}` });
  expect(json.json()).toMatchObject({
    number: creditNote.number,
    invoiceId: invoice.id,
    total: { amount: 10_000, currency: 'EUR' },
  });
  expect(
    (await engine.app.inject({ method: 'GET', url: '/credit-notes/00000000-0000-4000-8000-000000000000?format=ubl' }))
      .statusCode,
  ).toBe(404);
});

it('the schema check catches a broken document (the validation can fail)', async () => {
  const invoice = await issue();
  const xml = (await engine.app.inject({ method: 'GET', url: `/invoices/${invoice.id}?format=ubl` })).body;
  // DueDate after InvoiceTypeCode is out of the schema's order.
  const broken = xml.replace(
    /<cbc:DueDate>[^<]*<\/cbc:DueDate>(<cbc:InvoiceTypeCode>380<\/cbc:InvoiceTypeCode>)/,
    '$1<cbc:DueDate>2026-12-01</cbc:DueDate>',
  );
  expect(broken).not.toBe(xml);
  expect((await validateUbl(broken, 'Invoice')).valid).toBe(false);
});
