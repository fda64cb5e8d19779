// Money is an integer number of minor units with its ISO 4217 currency. Never a float.
import { currencyExponent } from './iso.js';

export interface Money {
  /** Integer minor units (cents for EUR/USD, yen for JPY). */
  amount: number;
  currency: string;
}

export class CurrencyMismatchError extends Error {
  constructor(a: string, b: string) {
    super(`currency mismatch: ${a} vs ${b}`);
    this.name = 'CurrencyMismatchError';
  }
}

function assertMinorUnits(amount: number): void {
  if (!Number.isSafeInteger(amount))
    throw new RangeError(`money amount must be a safe integer of minor units, got ${amount}`);
}

export function money(amount: number, currency: string): Money {
  assertMinorUnits(amount);
  return { amount, currency };
}

export function zero(currency: string): Money {
  return { amount: 0, currency };
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) throw new CurrencyMismatchError(a.currency, b.currency);
}

export function add(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return money(a.amount + b.amount, a.currency);
}

export function subtract(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return money(a.amount - b.amount, a.currency);
}

export function sum(currency: string, items: readonly Money[]): Money {
  return items.reduce((total, item) => add(total, item), zero(currency));
}

/**
 * Splits a total into parts proportional to integer weights with the largest-remainder method, so the parts
 * always add up to the total exactly (instalments, tax allocation, pro-rata credits).
 */
export function allocate(total: Money, weights: readonly number[]): Money[] {
  if (weights.length === 0) throw new RangeError('allocate needs at least one weight');
  if (weights.some((w) => !Number.isFinite(w) || w < 0)) throw new RangeError('weights must be non-negative numbers');
  const weightSum = weights.reduce((a, b) => a + b, 0);
  if (weightSum === 0) throw new RangeError('weights must not all be zero');
  const sign = total.amount < 0 ? -1 : 1;
  const absolute = Math.abs(total.amount);
  const exact = weights.map((w) => (absolute * w) / weightSum);
  const floors = exact.map(Math.floor);
  let remainder = absolute - floors.reduce((a, b) => a + b, 0);
  const byRemainder = exact
    .map((value, index) => ({ index, fraction: value - Math.floor(value) }))
    .sort((a, b) => b.fraction - a.fraction || a.index - b.index);
  for (const { index } of byRemainder) {
    if (remainder === 0) break;
    floors[index]! += 1;
    remainder -= 1;
  }
  return floors.map((part) => money(sign * part, total.currency));
}

/** Minor units as a grouped major-unit figure with exactly `exponent` decimals, e.g. `123450, 2` -> `1,234.50`. */
export function formatMajorUnits(minor: number, exponent: number, locale = 'en-US'): string {
  return (minor / 10 ** exponent).toLocaleString(locale, {
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  });
}

/** Human display with the currency's own number of decimals, e.g. `EUR 1,234.50`. */
export function formatMoney(value: Money, locale = 'en-US'): string {
  return `${value.currency} ${formatMajorUnits(value.amount, currencyExponent(value.currency), locale)}`;
}
