import { Type } from 'typebox';
import { COUNTRY_CODES, CURRENCY_CODES } from '../../src/shared/iso.js';
import { ProblemSchema } from './problem.js';

// Years PostgreSQL and JavaScript dates agree on: 1900-9999. A year 0013 or 0000-00-00 is a client's mistake (400),
// not something to hand to the database.
const YEAR = '(19\\d\\d|[2-9]\\d{3})';

/** A calendar date (real day of a real month) from 1900-01-01 to 9999-12-31. */
export const DATE_PATTERN = `^${YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$`;
export const IsoDate = (options: { description?: string } = {}) =>
  Type.String({
    format: 'date',
    pattern: DATE_PATTERN,
    ...options,
    description: `${options.description ? `${options.description} ` : ''}(YYYY-MM-DD, 1900-9999)`,
  });

/**
 * An RFC 3339 timestamp with its offset (Z or +hh:mm up to 14:00, the widest offset in use), year 1900 or later, no
 * leap second (JavaScript dates cannot hold 23:59:60).
 */
export const TIMESTAMP_PATTERN = `^${YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])T([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(\\.\\d{1,9})?(Z|[+-](0\\d|1[0-3]):[0-5]\\d|[+-]14:00)$`;
export const Timestamp = (options: { description?: string } = {}) =>
  Type.String({
    format: 'date-time',
    pattern: TIMESTAMP_PATTERN,
    ...options,
    description: `${options.description ? `${options.description} ` : ''}(RFC 3339 with offset, e.g. 2026-03-02T09:15:00Z)`,
  });

/**
 * The largest amount the engine takes, in minor units: 10^15 (10 trillion in a two-decimal currency). Sums of many
 * such amounts (balances, aging buckets, exposure) then stay exact in JavaScript numbers and PostgreSQL bigint.
 */
export const MAX_AMOUNT = 1_000_000_000_000_000;
export const Amount = (options: { minimum?: number; description?: string } = {}) =>
  Type.Integer({
    minimum: -MAX_AMOUNT,
    maximum: MAX_AMOUNT,
    description: 'Integer minor units (cents for EUR/USD, yen for JPY)',
    ...options,
  });

// Codes are listed, not patterned: "FSM" fits [A-Z]{3} but is no currency, and a client generated from the document
// should not be able to send what the domain refuses.
export const CurrencyCode = Type.Unsafe<string>({
  type: 'string',
  enum: [...CURRENCY_CODES],
  description: 'ISO 4217 code (active currencies)',
});
export const CurrencyCodeOf = (description: string) =>
  Type.Unsafe<string>({ type: 'string', enum: [...CURRENCY_CODES], description: `${description} (ISO 4217)` });
export const CountryCode = (description = 'ISO 3166-1 alpha-2 country') =>
  Type.Unsafe<string>({ type: 'string', enum: [...COUNTRY_CODES], description });

// The ISO-8601 durations src/shared/duration.ts parses (PnYnMnWnDTnHnMnS, at least one part, seconds to 3 decimals),
// spelled without look-ahead so every JSON Schema tool can generate and check it.
const N = '\\d+';
const SECONDS = `${N}(\\.\\d{1,3})?S`;
const DATE_PARTS = `(${N}Y(${N}M)?(${N}W)?(${N}D)?|${N}M(${N}W)?(${N}D)?|${N}W(${N}D)?|${N}D)`;
const TIME_PARTS = `T(${N}H(${N}M)?(${SECONDS})?|${N}M(${SECONDS})?|${SECONDS})`;
export const DURATION_PATTERN = `^P(${DATE_PARTS}(${TIME_PARTS})?|${TIME_PARTS})$`;
export const IsoDuration = (options: { description?: string } = {}) =>
  Type.String({
    pattern: DURATION_PATTERN,
    maxLength: 40,
    ...options,
    description: `${options.description ? `${options.description} ` : ''}(ISO-8601 duration, e.g. P7D, PT5S)`,
  });

/** Money the engine answers with (balances and totals may be sums of many amounts). */
// Answers keep the short pattern: the engine only stores listed codes, and the list would repeat in every answer.
export const MoneySchema = Type.Object(
  {
    amount: Type.Integer({ description: 'Integer minor units (cents for EUR/USD, yen for JPY)' }),
    currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code' }),
  },
  { additionalProperties: false },
);
/** Money a client must send as more than zero: payments, allocations, credit notes, promises, recoveries. */
export const PositiveMoneyInput = Type.Object(
  { amount: Amount({ minimum: 1, description: 'Integer minor units, > 0' }), currency: CurrencyCode },
  { additionalProperties: false },
);

export const UuidParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

/** Problem responses a route may answer with, for its OpenAPI document. */
/**
 * A repeat (same Idempotency-Key) of a request that took effect but could not answer: its result is at Location,
 * which a client reads with a GET (api/http/idempotency.ts).
 */
export const effectSeeOther = {
  303: { ...ProblemSchema, description: 'The request took effect earlier; its result is at the Location header' },
};

export function problemResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [status, { ...ProblemSchema, description: 'Problem details (RFC 9457)' }]),
  );
}
