// Idempotency-Key for mutations (the Stripe scheme): the first request with a key runs and its answer is stored;
// a repeat with the same body replays that answer (even while the first is still running, it waits for it); the same
// key with a different body is a 422. 5xx answers are not stored, so the client can retry them.
// Routes opt in with `config: { idempotency: true }` and declare the header with `IdempotencyHeaders`.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { openAnswer, sealAnswer } from '../../src/db/idempotent-answers.js';
import { currentEffectScope, runInEffectScope, type EffectScope } from '../../src/db/committed-effects.js';
import type { Orm } from '../../src/db/orm.js';
import { ProblemError, problemType } from './problem.js';

export const IdempotencyHeaders = Type.Object(
  { 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' })) },
  { additionalProperties: true },
);

declare module 'fastify' {
  interface FastifyContextConfig {
    idempotency?: boolean;
  }
  interface FastifyRequest {
    idempotency?: { scope: string; key: string };
    /** What this request committed (see src/db/committed-effects.ts). */
    effects?: EffectScope;
  }
}

export interface IdempotencyTimings {
  /** An in-progress record older than this belongs to a crashed request; a retry may take it over. */
  abandonedAfterMs: number;
  /** How long a repeat waits for the first request's answer before answering 409 in progress. */
  waitForFirstMs: number;
}

const DEFAULT_TIMINGS: IdempotencyTimings = { abandonedAfterMs: 60_000, waitForFirstMs: 15_000 };
const RELEASE_RETRY_MS = 1_000;

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function fingerprintOf(request: FastifyRequest): string {
  return createHash('sha256')
    .update(canonical({ params: request.params, query: request.query, body: request.body }))
    .digest('hex');
}

interface StoredRecord {
  fingerprint: string;
  status: 'in_progress' | 'completed';
  response_status: number | null;
  response_type: string | null;
  response_body: string | null;
  locked_at: Date;
  effect_committed_at: Date | null;
  effect_location: string | null;
}

/** Holds the key for this request and has its transactions mark the claim when they commit. */
function claimFor(request: FastifyRequest, claim: { scope: string; key: string }): void {
  request.idempotency = claim;
  if (request.effects) {
    const effects = request.effects;
    effects.markCommit = async (tx) => {
      await tx.execute(
        'UPDATE idempotency_record SET effect_committed_at = coalesce(effect_committed_at, now()), effect_location = coalesce(?, effect_location) WHERE scope = ? AND key = ?',
        [effects.location ?? null, claim.scope, claim.key],
      );
    };
  }
}

/** RFC 9110 303 See Other: what a repeated POST gets when its effect is known but its answer was lost. */
function seeResult(request: FastifyRequest, reply: FastifyReply, location: string) {
  return reply
    .status(303)
    .header('location', location)
    .header('idempotent-replayed', 'true')
    .type('application/problem+json')
    .send({
      type: problemType('see-other'),
      title: 'See Other',
      status: 303,
      detail: 'The request with this Idempotency-Key took effect; its result is at the Location.',
      instance: request.url,
    });
}

const effectWithoutAnswer = () =>
  new ProblemError(
    409,
    'idempotency-effect-unanswered',
    'Request took effect without an answer',
    'The request with this Idempotency-Key took effect, but the server failed before it could answer; it is not run again. Look the result up (for example in the list of the resource it creates).',
  );

export function installIdempotency(
  app: FastifyInstance,
  orm: Orm,
  timings: IdempotencyTimings = DEFAULT_TIMINGS,
): void {
  const { abandonedAfterMs: ABANDONED_AFTER_MS, waitForFirstMs: WAIT_FOR_FIRST_MS } = timings;
  const sql = () => orm.em.getConnection();

  /**
   * Frees the key of a request that failed (5xx), so its retry runs. When the database itself is what failed, the
   * release is retried in the background until it is back (a retry then runs at once instead of waiting until the
   * claim counts as abandoned); past that, the abandoned-claim rule takes over.
   */
  const releaseClaim = async (
    claim: { scope: string; key: string },
    log: FastifyRequest['log'],
    attempt = 1,
  ): Promise<void> => {
    try {
      // Never the claim of a request whose effect committed: its retry would do it a second time.
      await sql().execute(
        'DELETE FROM idempotency_record WHERE scope = ? AND key = ? AND effect_committed_at IS NULL',
        [claim.scope, claim.key],
      );
    } catch (error) {
      if (attempt === 1)
        log.warn({ err: error }, 'idempotency claim not released after a 5xx; retrying in the background');
      // Half the abandonment time at most: a retry that took the claim over must never lose it to this release.
      if (attempt * RELEASE_RETRY_MS < ABANDONED_AFTER_MS / 2)
        setTimeout(() => void releaseClaim(claim, log, attempt + 1), RELEASE_RETRY_MS).unref();
    }
  };

  /**
   * Stores the answer of a request that took effect, for replays. The effect is committed by now, so the answer goes
   * out even if the database fails right here (answering 5xx instead would invite a retry that does it twice); the
   * record is then written in the background once the database is back, and until then a retry waits (409).
   */
  const completeClaim = async (
    claim: { scope: string; key: string },
    answer: [number, string, string],
    log: FastifyRequest['log'],
    attempt = 1,
  ): Promise<void> => {
    try {
      await sql().execute(
        `UPDATE idempotency_record SET status = 'completed', response_status = ?, response_type = ?, response_body = ? WHERE scope = ? AND key = ?`,
        [answer[0], answer[1], sealAnswer(answer[2]), claim.scope, claim.key],
      );
    } catch (error) {
      if (attempt === 1) log.warn({ err: error }, 'idempotent answer not stored; retrying in the background');
      if (attempt * RELEASE_RETRY_MS < ABANDONED_AFTER_MS / 2)
        setTimeout(() => void completeClaim(claim, answer, log, attempt + 1), RELEASE_RETRY_MS).unref();
    }
  };

  // Each idempotent request runs in its own effect scope, so every transaction it commits also marks its claim
  // (written in that transaction). Callback style: the scope then spans the hooks after this one and the handler.
  app.addHook('preHandler', (request, _reply, done) => {
    if (!request.routeOptions.config.idempotency || typeof request.headers['idempotency-key'] !== 'string')
      return done();
    runInEffectScope(() => {
      request.effects = currentEffectScope();
      done();
    });
  });

  app.addHook('preHandler', async (request, reply) => {
    if (!request.routeOptions.config.idempotency) return;
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string') return;
    const scope = `${request.method} ${request.routeOptions.url}`;
    const fingerprint = fingerprintOf(request);
    const deadline = Date.now() + WAIT_FOR_FIRST_MS;
    for (;;) {
      const claimed = await sql().execute<unknown[]>(
        `INSERT INTO idempotency_record (scope, key, fingerprint, status) VALUES (?, ?, ?, 'in_progress') ON CONFLICT DO NOTHING RETURNING key`,
        [scope, key, fingerprint],
      );
      if (claimed.length) {
        claimFor(request, { scope, key });
        return;
      }
      const [stored] = await sql().execute<StoredRecord[]>(
        'SELECT * FROM idempotency_record WHERE scope = ? AND key = ?',
        [scope, key],
      );
      if (!stored) continue; // removed after a 5xx between our two statements: claim again
      if (stored.fingerprint !== fingerprint) {
        throw new ProblemError(
          422,
          'idempotency-key-reused',
          'Idempotency key reused',
          'This Idempotency-Key was used with a different request body.',
          {
            errors: [
              { pointer: '/idempotency-key', in: 'headers', detail: 'was already used for a different request' },
            ],
          },
        );
      }
      if (stored.status === 'completed') {
        return reply
          .status(stored.response_status ?? 200)
          .header('idempotent-replayed', 'true')
          .type(stored.response_type ?? 'application/json')
          .send(stored.response_body === null ? '' : openAnswer(stored.response_body));
      }
      // Its effect committed but no answer was stored (the database or the process went down in between, or the
      // commit's acknowledgement was lost): running it again would do it twice, and there is no answer to replay.
      // Where the result can be read is known: see other (303, a client follows it with a GET); else say so.
      const givenUp = Date.now() > deadline;
      const abandoned = Date.now() - new Date(stored.locked_at).getTime() > ABANDONED_AFTER_MS;
      if (stored.effect_committed_at && stored.effect_location && (givenUp || abandoned))
        return seeResult(request, reply, stored.effect_location);
      if (abandoned) {
        if (stored.effect_committed_at) throw effectWithoutAnswer();
        const taken = await sql().execute<unknown[]>(
          `UPDATE idempotency_record SET locked_at = now() WHERE scope = ? AND key = ? AND status = 'in_progress' AND locked_at = ? AND effect_committed_at IS NULL RETURNING key`,
          [scope, key, stored.locked_at],
        );
        if (taken.length) {
          claimFor(request, { scope, key });
          return;
        }
      }
      if (Date.now() > deadline) {
        throw new ProblemError(
          409,
          'idempotency-in-progress',
          'Request in progress',
          'A request with this Idempotency-Key is still being processed; retry later.',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const claim = request.idempotency;
    if (!claim) return payload;
    request.idempotency = undefined;
    if (reply.statusCode >= 500) {
      // The change is committed; only what came after it failed. The claim stays (never a second effect): a retry
      // waits for it and is then told the request took effect.
      if (request.effects?.committed) {
        request.log.warn(
          { idempotencyKey: claim.key },
          'request took effect but failed afterwards; its Idempotency-Key stays claimed',
        );
        return payload;
      }
      // Past the request timeout the handler may still commit, so the claim stays: a retry waits for it (409 in
      // progress) and takes it over only once abandoned. After any other 5xx the key is freed for the retry (in the
      // background once the database is back, if it is what failed).
      if ((request.signal.reason as { code?: string } | undefined)?.code === 'FST_ERR_HANDLER_TIMEOUT') return payload;
      await releaseClaim(claim, request.log);
    } else {
      await completeClaim(
        claim,
        [
          reply.statusCode,
          String(reply.getHeader('content-type') ?? 'application/json'),
          typeof payload === 'string' ? payload : String(payload ?? ''),
        ],
        request.log,
      );
    }
    return payload;
  });
}
