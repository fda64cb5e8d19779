import { Type } from 'typebox';
import { ProblemSchema } from '../problem.js';

export const MoneySchema = Type.Object(
  {
    amount: Type.Integer({ description: 'Integer minor units (cents for EUR/USD, yen for JPY)' }),
    currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code' }),
  },
  { additionalProperties: false },
);

export const UuidParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

/** Problem responses a route may answer with, for its OpenAPI document. */
export function problemResponses(...statuses: number[]) {
  return Object.fromEntries(statuses.map((status) => [status, { ...ProblemSchema, description: 'Problem details (RFC 9457)' }]));
}
