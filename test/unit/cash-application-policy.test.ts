import {
  cashApplicationPolicyProblems,
  DEFAULT_CASH_APPLICATION_POLICY,
} from '../../src/payments/rules/cash-application-policy.js';
import { ConfigError, loadConfig } from '../../src/config/config.js';

describe('cash application policy', () => {
  it('accepts the default (research after PT48H, SLA P1D)', () => {
    expect(cashApplicationPolicyProblems(DEFAULT_CASH_APPLICATION_POLICY)).toEqual([]);
  });

  it.each<[string, object, string]>([
    ['a duration that is not ISO-8601', { researchAfter: '48h' }, '/researchAfter'],
    ['an SLA that is not ISO-8601', { researchSla: 'tomorrow' }, '/researchSla'],
    [
      'a reference pattern that does not compile',
      { match: { ...DEFAULT_CASH_APPLICATION_POLICY.match, referencePattern: '[' } },
      '/match/referencePattern',
    ],
    [
      'a combination search over too many invoices',
      { match: { ...DEFAULT_CASH_APPLICATION_POLICY.match, maxCombinationCandidates: 64 } },
      '/match/maxCombinationCandidates',
    ],
  ])('names %s', (_name, change, pointer) => {
    expect(
      cashApplicationPolicyProblems({ ...DEFAULT_CASH_APPLICATION_POLICY, ...change }).map((p) => p.pointer),
    ).toEqual([pointer]);
  });

  it('is read from the environment, and a bad value names the variable', () => {
    const config = loadConfig({
      CASH_RESEARCH_AFTER: 'PT10S',
      CASH_OLDEST_FIRST: 'false',
      CASH_REFERENCE_PATTERN: 'R-\\d+',
    });
    expect(config.policy.cashApplication).toMatchObject({
      researchAfter: 'PT10S',
      match: { oldestFirst: false, referencePattern: 'R-\\d+' },
    });
    expect(() => loadConfig({ CASH_RESEARCH_AFTER: '2 days' })).toThrow(ConfigError);
    expect(() => loadConfig({ CASH_REFERENCE_PATTERN: '.*' })).toThrow(/CASH_REFERENCE_PATTERN/);
  });
});
