// Outages are the server's state, not the client's mistake, and they pass: while PostgreSQL or Temporal cannot be
// reached, or a request outlives the request timeout, the answer is 503 problem+json with Retry-After, which clients
// of a money API retry with the same Idempotency-Key. Everything else keeps its own mapping (api/http/error-handler.ts).
import { problemType, type Problem } from './problem.js';

/** Seconds a client should wait before retrying after a 503 (a database restart or fail-over takes seconds). */
export const RETRY_AFTER_SECONDS = 5;

/**
 * SQLSTATEs of a server that is gone or not accepting: connection exceptions (08xxx), shutdown, start-up, overload.
 * Not 08P01 (protocol violation): the server answers it to a NUL inside a parameter, the client's text.
 */
const UNAVAILABLE_SQLSTATE = /^(08(?!P01)...|57P01|57P02|57P03|53300)$/;
/** Socket-level failures on the way to PostgreSQL or Temporal. */
const UNAVAILABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
/** pg and pg-pool report these as plain errors without a code. */
const UNAVAILABLE_PG_MESSAGES = [
  'timeout exceeded when trying to connect', // the pool acquire limit (DATABASE_ACQUIRE_TIMEOUT)
  'Connection terminated', // "... unexpectedly" and "... due to connection timeout"
  'is not queryable', // a client whose connection broke
];
/** gRPC status codes of a Temporal frontend that cannot be reached: UNAVAILABLE, DEADLINE_EXCEEDED. */
const UNAVAILABLE_GRPC_CODES = new Set([14, 4]);

function* causes(error: unknown): Generator<Record<string, unknown>> {
  let current = error;
  for (let depth = 0; depth < 8 && current && typeof current === 'object'; depth++) {
    yield current as Record<string, unknown>;
    current = (current as { cause?: unknown }).cause;
  }
}

/** Is this failure a dependency being unreachable (retry later), as opposed to a bug or a refusal? */
export function isDependencyUnavailable(error: unknown): boolean {
  for (const e of causes(error)) {
    const code = e.code;
    if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_SOCKET_CODES.has(code)))
      return true;
    if (typeof code === 'number' && UNAVAILABLE_GRPC_CODES.has(code) && 'metadata' in e) return true;
    const message = typeof e.message === 'string' ? e.message : '';
    if (UNAVAILABLE_PG_MESSAGES.some((m) => message.includes(m))) return true;
  }
  return false;
}

/** Fastify's own error when a request outlives `handlerTimeout` (HTTP_REQUEST_TIMEOUT). */
export function isRequestTimeout(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'FST_ERR_HANDLER_TIMEOUT';
}

export function unavailableProblem(error: unknown, instance: string): Problem {
  if (isRequestTimeout(error)) {
    return {
      type: problemType('timeout'),
      title: 'Service unavailable',
      status: 503,
      detail:
        'The request took longer than the server allows; it may still complete. Retry it with the same Idempotency-Key.',
      instance,
    };
  }
  return {
    type: problemType('unavailable'),
    title: 'Service unavailable',
    status: 503,
    detail:
      'A service this request needs (the database or the workflow engine) cannot be reached right now. Retry it with the same Idempotency-Key.',
    instance,
  };
}

/**
 * Runs `work` again while a dependency is unavailable, for up to `withinMs`. For what a request does after its
 * change committed (reading back the answer): failing there would answer 5xx for a change that took effect.
 */
export async function retryWhileUnavailable<T>(work: () => Promise<T>, withinMs = 20_000): Promise<T> {
  const until = Date.now() + withinMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isDependencyUnavailable(error) || Date.now() >= until) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** attempt, 2_000)));
    }
  }
}
