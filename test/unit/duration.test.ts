import { addDuration, durationMs, InvalidDurationError, isDuration, parseDuration } from '../../src/shared/duration.js';

describe('ISO-8601 durations', () => {
  it.each([
    ['P30D', { days: 30 }],
    ['PT5S', { seconds: 5 }],
    ['P1Y2M3W4DT5H6M7.5S', { years: 1, months: 2, weeks: 3, days: 4, hours: 5, minutes: 6, seconds: 7.5 }],
    ['PT90M', { minutes: 90 }],
  ])('parses %s', (input, expected) => {
    expect(parseDuration(input)).toMatchObject(expected);
  });

  it.each(['', 'P', 'PT', '30D', 'P-1D', 'P1.5D', 'PT1H30', 'p1d', 'P1DT'])('rejects %j', (input) => {
    expect(isDuration(input)).toBe(false);
    expect(() => parseDuration(input)).toThrow(InvalidDurationError);
  });

  it('adds calendar months with month-end clamping', () => {
    expect(addDuration(new Date('2026-01-31T00:00:00Z'), 'P1M').toISOString()).toBe('2026-02-28T00:00:00.000Z');
    expect(addDuration(new Date('2028-01-31T00:00:00Z'), 'P1M').toISOString()).toBe('2028-02-29T00:00:00.000Z');
    expect(addDuration(new Date('2026-11-15T10:00:00Z'), 'P1Y').toISOString()).toBe('2027-11-15T10:00:00.000Z');
  });

  it('adds fixed units exactly', () => {
    expect(addDuration(new Date('2026-03-01T00:00:00Z'), 'P1W2DT3H').toISOString()).toBe('2026-03-10T03:00:00.000Z');
    expect(durationMs('PT5S')).toBe(5000);
    expect(durationMs('P30D')).toBe(30 * 86_400_000);
    expect(durationMs('P1M', new Date('2026-02-01T00:00:00Z'))).toBe(28 * 86_400_000);
  });
});
