// The write operations of the published OpenAPI document (/docs/json) and the typed fields of their JSON bodies, so
// tests that must cover every write operation are built from the contract itself: a new route cannot escape them.
import { randomUUID } from 'node:crypto';

type Schema = Record<string, any>;
export interface WriteOperation {
  key: string; // e.g. "PUT /policies/dunning/{code}"
  method: string;
  path: string;
  parameters: { name: string; in: string; schema: Schema; required?: boolean }[];
  body: Schema | undefined; // JSON request body schema, when the operation takes one
}

const WRITE_METHODS = ['post', 'put', 'patch', 'delete'];

export function writeOperations(document: { paths: Record<string, Record<string, any>> }): WriteOperation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([method]) => WRITE_METHODS.includes(method))
      .map(([method, op]) => ({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        parameters: op.parameters ?? [],
        body: op.requestBody?.content?.['application/json']?.schema,
      })),
  );
}

/** A path with every parameter filled by a value its schema accepts (a fresh uuid, the first enum value, ...). */
export function samplePath(op: WriteOperation): string {
  return op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const schema = op.parameters.find((p) => p.in === 'path' && p.name === name)?.schema ?? {};
    return encodeURIComponent(sampleText(schema));
  });
}

function sampleText(schema: Schema): string {
  if (schema.format === 'uuid') return randomUUID();
  const literal = (schema.enum ?? schema.anyOf?.flatMap((s: Schema) => s.enum ?? [])) as string[] | undefined;
  if (literal?.length) return literal[0]!;
  if (schema.pattern && /A-Z/.test(schema.pattern) && !/a-z/.test(schema.pattern)) return 'SAMPLE_CODE';
  return 'sample-code';
}

const branches = (schema: Schema): Schema[] =>
  (schema.anyOf ?? schema.oneOf ?? [schema]).flatMap((s: Schema) => (s.anyOf || s.oneOf ? branches(s) : [s]));
const typesOf = (schema: Schema): string[] =>
  branches(schema).flatMap((s) => (Array.isArray(s.type) ? s.type : s.type ? [s.type] : []));

export interface TypedField {
  /** JSON pointer of the field in the body, array items at index 0. */
  pointer: string;
  /** A body holding only this field (and the objects and arrays around it), set to text that would coerce. */
  body: unknown;
}

/**
 * Every body field that accepts a number, an integer or a boolean but not a string, with a body that sends it as
 * the text of a valid value ("12", "true"). A coercing validator would accept that text; the contract refuses it.
 */
export function typedFields(schema: Schema | undefined): TypedField[] {
  const found: TypedField[] = [];
  const walk = (node: Schema, segments: string[], wrap: (value: unknown) => unknown, depth: number) => {
    if (depth > 6) return;
    const types = typesOf(node);
    if (!types.includes('string')) {
      const text =
        types.includes('integer') || types.includes('number') ? '12' : types.includes('boolean') ? 'true' : undefined;
      if (text !== undefined) found.push({ pointer: `/${segments.join('/')}`, body: wrap(text) });
    }
    for (const branch of branches(node)) {
      if (branch.type === 'object' && branch.properties) {
        for (const [name, child] of Object.entries<Schema>(branch.properties))
          walk(child, [...segments, name], (v) => wrap({ [name]: v }), depth + 1);
      }
      if (branch.type === 'array' && branch.items && typeof branch.items === 'object')
        walk(branch.items, [...segments, '0'], (v) => wrap([v]), depth + 1);
    }
  };
  if (schema) walk(schema, [], (v) => v, 0);
  // A field reachable through two union branches is reported once.
  return found.filter((f, i) => f.pointer !== '/' && found.findIndex((g) => g.pointer === f.pointer) === i);
}
