// The published contract as a journey sees it: every request must name an operation of /docs/json, and every answer
// must carry a status that operation documents and a body that matches the documented schema. A journey that meets
// an undocumented route, status or shape fails at that step, the way a client generated from the document would.
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; under ESM its function arrives as `default`.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: unknown,
) => unknown;

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

export interface ContractAnswer {
  operation: string;
  status: number;
}

const pointerSegment = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

export class Contract {
  private readonly operations: Operation[] = [];
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  private readonly validators = new Map<string, ReturnType<Ajv2020['compile']>>();

  constructor(private readonly document: { paths: Record<string, Record<string, Operation['responses'] | unknown>> }) {
    addFormats(this.ajv);
    this.ajv.addSchema(document as object, 'openapi');
    for (const [template, methods] of Object.entries(document.paths)) {
      // Literal segments first, so /customers/duplicates never matches /customers/{id}.
      const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`);
      for (const [method, op] of Object.entries(methods)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        this.operations.push({
          method: method.toUpperCase(),
          template,
          pattern,
          responses: (op as { responses: Operation['responses'] }).responses ?? {},
        });
      }
    }
    this.operations.sort((a, b) => literalWeight(b.template) - literalWeight(a.template));
  }

  /** The documented operation behind a concrete request, or an error naming what is missing. */
  operationFor(method: string, path: string): Operation {
    const bare = path.split('?')[0]!;
    const op = this.operations.find((o) => o.method === method && o.pattern.test(bare));
    if (!op) throw new Error(`${method} ${bare} is not an operation of the published API (/docs/json)`);
    return op;
  }

  /** Throws unless the status is documented for the operation and the body matches its documented schema. */
  check(method: string, path: string, status: number, contentType: string | undefined, body: unknown): ContractAnswer {
    const op = this.operationFor(method, path);
    const name = `${op.method} ${op.template}`;
    const key = op.responses[String(status)]
      ? String(status)
      : op.responses[`${String(status)[0]}XX`]
        ? `${String(status)[0]}XX`
        : op.responses.default
          ? 'default'
          : undefined;
    if (!key)
      throw new Error(
        `${name} answered ${status}, which it does not document (documents ${Object.keys(op.responses).join(', ')}): ${JSON.stringify(body)?.slice(0, 400)}`,
      );
    const media = (contentType ?? '').split(';')[0]!.trim();
    const content = op.responses[key]!.content;
    if (!content || body === undefined || body === '') return { operation: name, status };
    const documented = content[media]
      ? media
      : media === 'application/problem+json' && content['application/json']
        ? 'application/json'
        : undefined;
    if (!documented) {
      if (media.includes('json'))
        throw new Error(
          `${name} answered ${status} as ${media}, which it does not document (${Object.keys(content).join(', ')})`,
        );
      return { operation: name, status };
    }
    if (!content[documented]!.schema || !media.includes('json')) return { operation: name, status };
    const ref = `openapi#/paths/${pointerSegment(op.template)}/${op.method.toLowerCase()}/responses/${key}/content/${pointerSegment(documented)}/schema`;
    let validate = this.validators.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: ref });
      this.validators.set(ref, validate);
    }
    if (!validate(body)) {
      throw new Error(
        `${name} answered ${status} with a body outside its documented schema: ${this.ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 600)}`,
      );
    }
    return { operation: name, status };
  }
}

function literalWeight(template: string): number {
  return template.split('/').filter((s) => s && !s.startsWith('{')).length * 100 - template.split('{').length;
}
