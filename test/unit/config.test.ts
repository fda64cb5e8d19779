import { ConfigError, loadConfig } from '../../src/config/config.js';

describe('configuration', () => {
  it('has working defaults for the embedded set-up', () => {
    const config = loadConfig({});
    expect(config.http.port).toBe(3000);
    expect(config.temporal.address).toBeUndefined();
    expect(config.temporal.devServer).toMatchObject({ port: 7233, uiPort: 8233 });
    expect(config.policy.accountRefreshEvery).toBe('P1D');
    expect(config.policy.accountDelinquency).toEqual({ overdueAfter: 'P30D', brokenPromisesAtLeast: 1 });
    expect(
      loadConfig({ ACCOUNT_DELINQUENT_AFTER: 'PT5M', ACCOUNT_DELINQUENT_BROKEN_PROMISES: '0' }).policy
        .accountDelinquency,
    ).toEqual({ overdueAfter: 'PT5M', brokenPromisesAtLeast: 0 });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['DATABASE_URL', 'not a url'],
    ['LOG_LEVEL', 'loud'],
    ['ACCOUNT_REFRESH_EVERY', '1 day'],
    ['ACCOUNT_DELINQUENT_AFTER', '30 days'],
    ['ACCOUNT_DELINQUENT_BROKEN_PROMISES', '-1'],
    ['SMTP_URL', 'http://mail'],
    ['TEMPORAL_TLS_CERT', '/tmp/cert.pem'],
  ])('names the variable when %s=%j is bad', (variable, value) => {
    let error: unknown;
    try {
      loadConfig({ [variable]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(variable === 'TEMPORAL_TLS_CERT' ? 'TEMPORAL_TLS_KEY' : variable);
  });
});
