import { checkCustomerCodes, normalizeEmail, normalizeTaxId } from '../../src/customers/rules/customer.js';
import { currencyExponent, isCountryCode, isCurrencyCode } from '../../src/shared/iso.js';
import { parseWorkflowId, stepKey, workflowIds } from '../../src/temporal/ids.js';
import { fieldErrorsFromValidation } from '../../api/http/error-handler.js';

describe('customer rules', () => {
  it.each([
    ['de 123.456.789', 'DE123456789'],
    ['DE-123 456 789', 'DE123456789'],
    ['gb 123/4567/89', 'GB123456789'],
  ])('normalizes tax id %j', (input, expected) => expect(normalizeTaxId(input)).toBe(expected));

  it('normalizes e-mail case and whitespace', () =>
    expect(normalizeEmail('  AP@Acme.Example ')).toBe('ap@acme.example'));

  it('checks ISO code lists and reports every problem', () => {
    expect(checkCustomerCodes({ currency: 'EUR', billingAddress: { country: 'DE' } })).toEqual([]);
    expect(checkCustomerCodes({ currency: 'ABC', billingAddress: { country: 'ZZ' } }).map((p) => p.pointer)).toEqual([
      '/currency',
      '/billingAddress/country',
    ]);
    expect([isCurrencyCode('JPY'), currencyExponent('JPY'), currencyExponent('BHD'), isCountryCode('US')]).toEqual([
      true,
      0,
      3,
      true,
    ]);
  });
});

describe('workflow ids', () => {
  it('round-trips business keys and builds step keys', () => {
    expect(workflowIds.creditReview('c-1', 2)).toBe('credit-review-c-1-2');
    expect(parseWorkflowId('credit-review-c-1-2')).toEqual({ kind: 'credit-review', key: 'c-1-2' });
    expect(parseWorkflowId(workflowIds.invoice('i-9'))).toEqual({ kind: 'invoice', key: 'i-9' });
    expect(parseWorkflowId('something-else')).toBeUndefined();
    expect(stepKey('invoice-9', 'issue')).toBe('invoice-9:issue');
  });
});

describe('validation errors become JSON pointers', () => {
  it('points at missing, extra and malformed fields', () => {
    const errors = fieldErrorsFromValidation(
      [
        { instancePath: '', keyword: 'required', params: { missingProperty: 'legalName' } },
        { instancePath: '/billingAddress', keyword: 'additionalProperties', params: { additionalProperty: 'planet' } },
        { instancePath: '/email', keyword: 'format', message: 'must match format "email"', params: {} },
      ],
      'body',
    );
    expect(errors).toEqual([
      { pointer: '/legalName', in: 'body', detail: 'is required' },
      { pointer: '/billingAddress/planet', in: 'body', detail: 'is not an allowed field' },
      { pointer: '/email', in: 'body', detail: 'must match format "email"' },
    ]);
  });
});
