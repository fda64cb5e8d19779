// Decimal strings from bank files ("1234.5", "-0.07") to integer minor units, exactly: digits are shifted as text, never
// through a float, and more decimals than the currency has (unless trailing zeros) is an error rather than a rounding.
import { currencyExponent } from './iso.js';

export type DecimalParse = { ok: true; minorUnits: number } | { ok: false; reason: string };

export function parseDecimalAmount(text: string, currency: string): DecimalParse {
  const match = /^([+-]?)(\d{1,18})(?:\.(\d{1,18}))?$/.exec(text.trim());
  if (!match)
    return { ok: false, reason: `"${text}" is not a decimal number (digits with an optional "." and decimals)` };
  const [, sign, whole, fraction = ''] = match;
  const exponent = currencyExponent(currency);
  const significant = fraction.replace(/0+$/, '');
  if (significant.length > exponent)
    return { ok: false, reason: `"${text}" has more decimals than ${currency} allows (${exponent})` };
  const digits = `${whole}${fraction.padEnd(exponent, '0').slice(0, exponent)}`;
  const value = Number(BigInt(digits));
  if (!Number.isSafeInteger(value)) return { ok: false, reason: `"${text}" is too large` };
  return { ok: true, minorUnits: sign === '-' ? -value : value };
}
