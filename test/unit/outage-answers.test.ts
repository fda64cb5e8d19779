// Which failures are answered 503 with Retry-After (a dependency is unreachable, or the request outlived its limit)
// and the configuration of those limits. Everything not listed here keeps its own mapping in api/http/error-handler.ts.
import { isDependencyUnavailable, isRequestTimeout } from '../../api/http/unavailable.js';
import { ConfigError, loadConfig } from '../../src/config/config.js';

const withCode = (code: string | number, message = 'x', extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { code, ...extra });

describe('isDependencyUnavailable', () => {
  it.each([
    ['connection refused (server down)', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['connection reset', withCode('ECONNRESET')],
    [
      'SQLSTATE 57P01 admin shutdown (a fast stop)',
      withCode('57P01', 'terminating connection due to administrator command'),
    ],
    ['SQLSTATE 57P03 starting up', withCode('57P03', 'the database system is starting up')],
    ['SQLSTATE 08006 connection failure', withCode('08006')],
    ['SQLSTATE 53300 too many connections', withCode('53300')],
    ['pool acquire limit', new Error('timeout exceeded when trying to connect')],
    ['connection terminated', new Error('Connection terminated unexpectedly')],
    [
      'wrapped in a cause',
      new Error('Failed to start Workflow', {
        cause: withCode(14, 'UNAVAILABLE: No connection established', { metadata: {} }),
      }),
    ],
  ])('%s: unavailable', (_what, error) => {
    expect(isDependencyUnavailable(error)).toBe(true);
  });

  it.each([
    ['unique violation (a client conflict)', withCode('23505')],
    ['NUL in text (a client mistake)', withCode('22021')],
    ['NUL in a parameter: protocol violation (a client mistake)', withCode('08P01', 'invalid message format')],
    ['check violation', withCode('23514')],
    ['serialization failure', withCode('40001')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a numeric code without gRPC metadata', withCode(14)],
    ['not an error', 'ECONNREFUSED'],
  ])('%s: not unavailable', (_what, error) => {
    expect(isDependencyUnavailable(error)).toBe(false);
  });

  it('recognises the request timeout by its code', () => {
    expect(isRequestTimeout(withCode('FST_ERR_HANDLER_TIMEOUT'))).toBe(true);
    expect(isRequestTimeout(withCode('FST_ERR_CTP_BODY_TOO_LARGE'))).toBe(false);
  });
});

describe('request and pool limits in the configuration', () => {
  it('defaults to a 30 s request limit and a 5 s pool acquire limit', () => {
    const config = loadConfig({});
    expect([config.http.requestTimeoutMs, config.databasePool.acquireTimeoutMs]).toEqual([30_000, 5_000]);
  });

  it('reads ISO-8601 durations; PT0S switches the request limit off', () => {
    const config = loadConfig({ HTTP_REQUEST_TIMEOUT: 'PT0S', DATABASE_ACQUIRE_TIMEOUT: 'PT1.5S' });
    expect([config.http.requestTimeoutMs, config.databasePool.acquireTimeoutMs]).toEqual([0, 1_500]);
  });

  it.each([
    ['DATABASE_ACQUIRE_TIMEOUT', 'PT0S'],
    ['DATABASE_ACQUIRE_TIMEOUT', '5000'],
    ['HTTP_REQUEST_TIMEOUT', 'PT2H'],
    ['HTTP_REQUEST_TIMEOUT', 'PT0.01S'],
  ])('%s=%s stops start-up naming the variable', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [variable]: value })).toThrow(variable);
  });
});
