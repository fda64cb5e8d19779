// Pure normalization and validation rules for customer records.
import { isCountryCode, isCurrencyCode } from './iso.js';

/** Tax ids compare without spaces, punctuation or case: "de 123.456.789" and "DE123456789" are the same id. */
export function normalizeTaxId(taxId: string): string {
  return taxId.replace(/[^0-9a-z]/gi, '').toUpperCase();
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export interface FieldProblem {
  /** JSON pointer into the request body, e.g. `/billingAddress/country`. */
  pointer: string;
  detail: string;
}

/** Semantic checks that JSON schema cannot express (code lists); returns every problem, not just the first. */
export function checkCustomerCodes(input: { currency?: string; billingAddress?: { country?: string } }): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (input.currency !== undefined && !isCurrencyCode(input.currency)) {
    problems.push({ pointer: '/currency', detail: `"${input.currency}" is not an ISO 4217 currency code` });
  }
  const country = input.billingAddress?.country;
  if (country !== undefined && !isCountryCode(country)) {
    problems.push({ pointer: '/billingAddress/country', detail: `"${country}" is not an ISO 3166-1 alpha-2 country code` });
  }
  return problems;
}
