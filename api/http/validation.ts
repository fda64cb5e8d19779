// Request validation: one Ajv per part of the request, because HTTP sends the parts differently.
// Querystring, path params and headers arrive as text, so "12" may become 12 and "a,b" an array there. A JSON body
// already carries its types: coercing it would turn a client's null into 0 or "12" into 12 and store something the
// client never sent (a dunning trigger "overdueAbove": null read as 0 fired every level at once), so bodies are
// validated exactly as sent.
import ajvCompilerModule from '@fastify/ajv-compiler';
import ajvFormatsModule from 'ajv-formats';
import { QUANTITY_PRECISION_DIGITS } from '../../src/invoices/rules/invoice.js';
import { lazyValidator } from './lazy-schemas.js';

// Both packages are CommonJS; under ESM their function arrives as `default`.
const AjvCompiler =
  (ajvCompilerModule as unknown as { default?: typeof ajvCompilerModule }).default ?? ajvCompilerModule;
const ajvFormats = (ajvFormatsModule as unknown as { default?: typeof ajvFormatsModule }).default ?? ajvFormatsModule;

// Unknown fields are errors (not silently dropped), and every violation is reported, not just the first. Defaults
// only fill fields the client left out, and each is published in the schema.
// multipleOf on decimals (a quantity in thousandths) is judged with the float tolerance the domain uses, so that
// 1.001 sent as 1.0010000000000001 is one thousandth short of nothing, not refused.
const SHARED = {
  allErrors: true,
  removeAdditional: false,
  useDefaults: true,
  multipleOfPrecision: QUANTITY_PRECISION_DIGITS,
} as const;
export const BODY_AJV_OPTIONS = { ...SHARED, coerceTypes: false } as const;
export const TEXT_AJV_OPTIONS = { ...SHARED, coerceTypes: 'array' } as const;

type RouteSchema = { schema: unknown; method: string; url: string; httpPart: string };
type Validate = (route: RouteSchema) => unknown;

/** Fastify's `schemaController.compilersFactory.buildValidator`: a strict compiler for bodies, a coercing one for the rest. */
export function buildRequestValidator(externalSchemas: unknown): Validate {
  const factory = AjvCompiler();
  const plugins = [ajvFormats as never];
  const body = factory(
    externalSchemas as never,
    { customOptions: BODY_AJV_OPTIONS, plugins } as never,
  ) as unknown as Validate;
  const text = factory(
    externalSchemas as never,
    { customOptions: TEXT_AJV_OPTIONS, plugins } as never,
  ) as unknown as Validate;
  return (route) => lazyValidator(() => (route.httpPart === 'body' ? body(route) : text(route)) as never);
}

/**
 * Route-level `validatorCompiler` of routes whose body the handler reads as a stream (the imports): the body is
 * documented as the text it is, but it is never in memory to validate here (each row is checked as it is read); the
 * querystring, params and headers are validated as on every other route.
 */
export function streamedBodyValidator(): Validate {
  const text = AjvCompiler()(
    {} as never,
    { customOptions: TEXT_AJV_OPTIONS, plugins: [ajvFormats as never] } as never,
  ) as unknown as Validate;
  return (route) => (route.httpPart === 'body' ? () => true : lazyValidator(() => text(route) as never));
}
