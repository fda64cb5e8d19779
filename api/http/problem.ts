// RFC 9457 problem details. Every error the API returns is one of these, with the JSON pointer of each bad field.
import { Type, type Static } from 'typebox';

export const FieldErrorSchema = Type.Object({
  pointer: Type.String({ description: 'JSON pointer to the offending field, e.g. /billingAddress/country' }),
  in: Type.Optional(
    Type.Union([Type.Literal('body'), Type.Literal('query'), Type.Literal('params'), Type.Literal('headers')]),
  ),
  detail: Type.String(),
});
export type FieldError = Static<typeof FieldErrorSchema>;

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(FieldErrorSchema)),
  },
  { additionalProperties: true, $id: 'Problem' },
);
export type Problem = Static<typeof ProblemSchema>;

const TYPE_BASE = 'https://ar-engine.dev/problems/';

export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    detail?: string,
    readonly extras: Record<string, unknown> & { errors?: FieldError[] } = {},
  ) {
    super(detail ?? title);
    this.name = 'ProblemError';
  }

  toProblem(instance?: string): Problem {
    return {
      type: TYPE_BASE + this.slug,
      title: this.title,
      status: this.status,
      detail: this.message,
      instance,
      ...this.extras,
    };
  }
}

export const problems = {
  validation: (errors: FieldError[], detail = 'The request is not valid.') =>
    new ProblemError(400, 'validation', 'Invalid request', detail, { errors }),
  unprocessable: (errors: FieldError[], detail: string) =>
    new ProblemError(422, 'unprocessable', 'Unprocessable request', detail, { errors }),
  notFound: (resource: string, id: string) =>
    new ProblemError(404, 'not-found', 'Not found', `${resource} ${id} does not exist.`),
  conflict: (detail: string, extras: Record<string, unknown> = {}) =>
    new ProblemError(409, 'conflict', 'Conflict', detail, extras),
  preconditionFailed: (detail: string) => new ProblemError(412, 'precondition-failed', 'Precondition failed', detail),
  unavailable: (detail: string) => new ProblemError(503, 'unavailable', 'Service unavailable', detail),
};

export function problemType(slug: string): string {
  return TYPE_BASE + slug;
}
