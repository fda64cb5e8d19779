// Pure normalization and validation rules for customer records.
import { isCountryCode, isCurrencyCode } from '../../shared/iso.js';
import type { FieldProblem } from '../../shared/field-problem.js';

/** Tax ids compare without spaces, punctuation or case: "de 123.456.789" and "DE123456789" are the same id. */
export function normalizeTaxId(taxId: string): string {
  return taxId.replace(/[^0-9a-z]/gi, '').toUpperCase();
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Semantic checks that JSON schema cannot express (code lists); returns every problem, not just the first. */
export function checkCustomerCodes(input: {
  currency?: string;
  billingAddress?: { country?: string };
}): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (input.currency !== undefined && !isCurrencyCode(input.currency)) {
    problems.push({ pointer: '/currency', detail: `"${input.currency}" is not an ISO 4217 currency code` });
  }
  const country = input.billingAddress?.country;
  if (country !== undefined && !isCountryCode(country)) {
    problems.push({
      pointer: '/billingAddress/country',
      detail: `"${country}" is not an ISO 3166-1 alpha-2 country code`,
    });
  }
  return problems;
}

/** VAT prefixes that differ from the ISO country code. */
const VAT_PREFIX: Record<string, string> = { GR: 'EL' };

/**
 * The comparable form of a tax id: country plus the normalized id without a leading country/VAT prefix, so
 * "DE 123 456 789", "de123456789" and "123.456.789" (country DE) are one key.
 */
export function taxIdKey(country: string, taxId: string): string {
  const normalized = normalizeTaxId(taxId);
  for (const prefix of [country, VAT_PREFIX[country]]) {
    if (prefix && normalized.startsWith(prefix) && normalized.length > prefix.length)
      return `${country}:${normalized.slice(prefix.length)}`;
  }
  return `${country}:${normalized}`;
}

export type CustomerStatus = 'active' | 'on_hold' | 'delinquent' | 'closed';

/**
 * The status shown and searched: closed wins, then a clerk's hold, then the policy's delinquency flag. The hold and
 * the flag are kept separately, so releasing a hold on a delinquent account shows it delinquent again.
 */
export function deriveStatus(input: { closed: boolean; onHold: boolean; delinquent: boolean }): CustomerStatus {
  if (input.closed) return 'closed';
  if (input.onHold) return 'on_hold';
  if (input.delinquent) return 'delinquent';
  return 'active';
}

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The fields of `patch` whose value differs from `current` (deep, key-order insensitive), for the audit trail. */
export function diffFields(current: Record<string, unknown>, patch: Record<string, unknown>): FieldChange[] {
  return Object.keys(patch)
    .filter((field) => patch[field] !== undefined && canonicalJson(current[field]) !== canonicalJson(patch[field]))
    .map((field) => ({ field, from: current[field] ?? null, to: patch[field] ?? null }));
}
