// Maps every failure to problem+json: schema violations name their fields, client mistakes never become 500s.
import type { FastifyError, FastifyInstance } from 'fastify';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { problemType, ProblemError, type FieldError, type Problem } from './problem.js';
import { isDependencyUnavailable, isRequestTimeout, RETRY_AFTER_SECONDS, unavailableProblem } from './unavailable.js';

interface AjvLikeError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

const CONTEXTS: Record<string, FieldError['in']> = {
  body: 'body',
  querystring: 'query',
  params: 'params',
  headers: 'headers',
};

export function fieldErrorsFromValidation(validation: AjvLikeError[], context: string | undefined): FieldError[] {
  return validation.map((error) => {
    let pointer = error.instancePath || '';
    if (error.keyword === 'required' && typeof error.params.missingProperty === 'string')
      pointer += `/${error.params.missingProperty}`;
    if (error.keyword === 'additionalProperties' && typeof error.params.additionalProperty === 'string')
      pointer += `/${error.params.additionalProperty}`;
    const detail =
      error.keyword === 'additionalProperties'
        ? 'is not an allowed field'
        : error.keyword === 'required'
          ? 'is required'
          : (error.message ?? 'is invalid');
    return { pointer: pointer || '/', in: CONTEXTS[context ?? 'body'] ?? 'body', detail };
  });
}

// A NUL, or half of a UTF-16 surrogate pair (no UTF-8 spelling): what PostgreSQL refuses to store as text.
// eslint-disable-next-line no-control-regex -- the NUL is exactly what this finds
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Where the request carries text PostgreSQL cannot store, so the refusal names the field like any other 400. */
export function unstorableTextFields(parts: { in: FieldError['in']; value: unknown }[]): FieldError[] {
  const found: FieldError[] = [];
  const walk = (where: FieldError['in'], value: unknown, pointer: string) => {
    if (found.length >= 20) return;
    if (typeof value === 'string') {
      if (UNSTORABLE.test(value))
        found.push({
          pointer: pointer || '/',
          in: where,
          detail: 'contains a character that cannot be stored (e.g. a NUL character)',
        });
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(where, item, `${pointer}/${i}`));
    } else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        const escaped = key.replace(/~/g, '~0').replace(/\//g, '~1');
        if (UNSTORABLE.test(key))
          found.push({
            pointer: `${pointer}/${escaped}`,
            in: where,
            detail: 'is a field name with a character that cannot be stored',
          });
        walk(where, item, `${pointer}/${escaped}`);
      }
    }
  };
  for (const part of parts) walk(part.in, part.value, '');
  return found;
}

function send(reply: import('fastify').FastifyReply, problem: Problem) {
  return reply.status(problem.status).type('application/problem+json').send(problem);
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) =>
    send(reply, {
      type: problemType('not-found'),
      title: 'Not found',
      status: 404,
      detail: `No route ${request.method} ${request.url.split('?')[0]}.`,
      instance: request.url,
    }),
  );

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const instance = request.url;
    if (error instanceof ProblemError) {
      if (error.status === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      return send(reply, error.toProblem(instance));
    }
    if (error.validation) {
      const errors = fieldErrorsFromValidation(error.validation as AjvLikeError[], error.validationContext);
      const detail = errors.map((e) => `${e.pointer} ${e.detail}`).join('; ');
      return send(reply, {
        type: problemType('validation'),
        title: 'Invalid request',
        status: 400,
        detail,
        instance,
        errors,
      });
    }
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      return send(reply, {
        type: problemType('conflict'),
        title: 'Conflict',
        status: 409,
        detail: 'The workflow for this resource is already running.',
        instance,
      });
    }
    if (error instanceof WorkflowNotFoundError) {
      return send(reply, {
        type: problemType('not-found'),
        title: 'Not found',
        status: 404,
        detail: 'No workflow runs for this resource.',
        instance,
      });
    }
    if (error instanceof WorkflowUpdateFailedError) {
      const cause = error.cause as { message?: string; type?: string } | undefined;
      return send(reply, {
        type: problemType('unprocessable'),
        title: 'Unprocessable request',
        status: 422,
        detail: cause?.message ?? error.message,
        instance,
      });
    }
    // Text PostgreSQL cannot store (a NUL character, bytes invalid in UTF-8) is the client's input, not our failure.
    const sqlState = (error as { code?: string }).code;
    // A NUL inside a query parameter never reaches the SQL parser: the server refuses the message itself (08P01).
    if (
      sqlState === '22021' ||
      sqlState === '22P05' ||
      (sqlState === '08P01' && /invalid message format/.test(error.message))
    ) {
      const errors = unstorableTextFields([
        { in: 'body', value: request.body },
        { in: 'query', value: request.query },
        { in: 'params', value: request.params },
      ]);
      return send(reply, {
        type: problemType('validation'),
        title: 'Invalid request',
        status: 400,
        detail: 'A text field contains characters that cannot be stored (e.g. a NUL character).',
        instance,
        ...(errors.length ? { errors } : {}),
      });
    }
    // An outage (database, Temporal) or a request past HTTP_REQUEST_TIMEOUT: retryable, never a 500. Checked after
    // every client-error mapping above, so a client's mistake keeps its 4xx even while a dependency is down.
    if (isRequestTimeout(error) || isDependencyUnavailable(error)) {
      request.log.warn({ err: error }, 'answered 503: dependency unavailable or request timed out');
      return send(reply.header('retry-after', String(RETRY_AFTER_SECONDS)), unavailableProblem(error, instance));
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own client errors: malformed JSON, wrong content type, body too large.
      return send(reply, {
        type: problemType('bad-request'),
        title: error.code ?? 'Bad request',
        status,
        detail: error.message,
        instance,
      });
    }
    request.log.error({ err: error }, 'unhandled error');
    return send(reply, {
      type: problemType('internal'),
      title: 'Internal server error',
      status: 500,
      detail: 'An unexpected error occurred; it has been logged.',
      instance,
    });
  });
}
