// Route schemas are compiled when a route is first used, not when the server starts. Compiling the validators and
// response serializers of ~150 routes took about 6 s of CPU at every start (most of a test file's set-up, minutes of
// the suite, and seconds of every API restart). The code compiled is the same, so every answer is the same; a route
// that is never called never pays. A schema that does not compile still fails loudly: on the route's first request,
// which test/api/fuzz.test.ts and the access-matrix test make for every operation.
import fastJsonStringifyCompiler from '@fastify/fast-json-stringify-compiler';

type ValidateFunction = ((data: unknown) => unknown) & { errors?: unknown };

/** A validator that compiles itself on its first call; Fastify reads `errors` from it after a failed call. */
export function lazyValidator(compile: () => ValidateFunction): ValidateFunction {
  let compiled: ValidateFunction | undefined;
  const validate: ValidateFunction = (data) => {
    compiled ??= compile();
    const valid = compiled(data);
    validate.errors = compiled.errors;
    return valid;
  };
  return validate;
}

type SerializerFactory = (externalSchemas: unknown, options: unknown) => (route: unknown) => (data: unknown) => string;
const SerializerSelector = ((fastJsonStringifyCompiler as unknown as { default?: () => SerializerFactory }).default ??
  fastJsonStringifyCompiler) as unknown as () => SerializerFactory;

/** Fastify's `compilersFactory.buildSerializer`: fast-json-stringify, as by default, each compiled on first use. */
export function buildLazySerializer(): SerializerFactory {
  const factory = SerializerSelector();
  return (externalSchemas, options) => {
    const build = factory(externalSchemas, options);
    return (route) => {
      let serialize: ((data: unknown) => string) | undefined;
      return (data) => (serialize ??= build(route))(data);
    };
  };
}
