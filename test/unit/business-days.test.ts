// The business-day calendar and the pausable SLA clock: weekends and holidays do not count, deadlines land on the same
// time of day, pauses bank what is left.
import {
  addBusinessDuration,
  addBusinessTime,
  businessDaysBetween,
  businessDurationMs,
  businessTimeBetween,
  calendarProblems,
  isBusinessDay,
  pauseSla,
  resumeSla,
  slaDeadline,
  startSla,
  type BusinessCalendar,
} from '../../src/shared/business-days.js';

const weekends: BusinessCalendar = { weekendDays: [0, 6], holidays: [] };
// 2026-12-25 (Friday) and 2027-01-01 (Friday) are holidays.
const withHolidays: BusinessCalendar = { weekendDays: [0, 6], holidays: ['2026-12-25', '2027-01-01'] };
const fridaySaturdayWeekend: BusinessCalendar = { weekendDays: [5, 6], holidays: [] };

describe('isBusinessDay', () => {
  it.each([
    ['2026-11-23', weekends, true], // Monday
    ['2026-11-27', weekends, true], // Friday
    ['2026-11-28', weekends, false], // Saturday
    ['2026-11-29', weekends, false], // Sunday
    ['2026-12-25', withHolidays, false], // holiday on a Friday
    ['2026-12-24', withHolidays, true],
    ['2026-11-27', fridaySaturdayWeekend, false],
    ['2026-11-29', fridaySaturdayWeekend, true],
  ] as const)('%s is a business day: %s', (date, calendar, expected) => {
    expect(isBusinessDay(date, calendar)).toBe(expected);
  });
});

describe('addBusinessDuration (SLA deadlines)', () => {
  it.each([
    // from, duration, calendar, deadline
    ['2026-11-23T09:00:00Z', 'P10D', weekends, '2026-12-07T09:00:00.000Z'], // Monday + 10 business days = Monday two weeks on
    ['2026-11-20T15:00:00Z', 'P10D', weekends, '2026-12-04T15:00:00.000Z'], // Friday afternoon: two weekends skipped
    ['2026-11-28T10:00:00Z', 'P1D', weekends, '2026-12-01T00:00:00.000Z'], // opened on Saturday: the clock starts Monday 00:00
    ['2026-12-21T12:00:00Z', 'P10D', withHolidays, '2027-01-06T12:00:00.000Z'], // across Christmas and New Year holidays and two weekends
    ['2026-12-21T12:00:00Z', 'P10D', weekends, '2027-01-04T12:00:00.000Z'], // the same without holidays
    ['2026-11-27T23:59:50Z', 'PT30S', weekends, '2026-11-30T00:00:20.000Z'], // seconds (staging) also skip the weekend
    ['2026-11-23T10:00:00Z', 'PT30S', weekends, '2026-11-23T10:00:30.000Z'],
    ['2026-11-23T00:00:00Z', 'P1D', weekends, '2026-11-24T00:00:00.000Z'], // ends exactly at the end of Monday
    ['2026-11-26T08:00:00Z', 'P2D', fridaySaturdayWeekend, '2026-11-30T08:00:00.000Z'], // Thursday + 2 with a Fri/Sat weekend
    ['2026-11-23T09:00:00Z', 'P2W', weekends, '2026-12-11T09:00:00.000Z'], // P2W = 14 business days
  ] as const)('%s + %s = %s', (from, duration, calendar, deadline) => {
    expect(addBusinessDuration(new Date(from), duration, calendar).toISOString()).toBe(deadline);
  });

  it('refuses months and years, which have no fixed business length', () => {
    expect(() => businessDurationMs('P1M')).toThrow(RangeError);
    expect(() => addBusinessTime(new Date(), -1, weekends)).toThrow(RangeError);
  });
});

describe('businessTimeBetween and businessDaysBetween', () => {
  it.each([
    ['2026-11-23T00:00:00Z', '2026-11-30T00:00:00Z', weekends, 5 * 86_400_000],
    ['2026-11-27T12:00:00Z', '2026-11-30T12:00:00Z', weekends, 86_400_000], // Friday noon to Monday noon: 12 h + 12 h
    ['2026-11-28T00:00:00Z', '2026-11-30T00:00:00Z', weekends, 0],
    ['2026-12-24T00:00:00Z', '2026-12-29T00:00:00Z', withHolidays, 2 * 86_400_000], // Thu, (Fri holiday), Mon
    ['2026-11-30T00:00:00Z', '2026-11-23T00:00:00Z', weekends, 0],
  ] as const)('%s .. %s = %d ms', (from, to, calendar, ms) => {
    expect(businessTimeBetween(new Date(from), new Date(to), calendar)).toBe(ms);
  });

  it.each([
    ['2026-11-20', '2026-11-30', weekends, 6],
    ['2026-12-21', '2027-01-04', withHolidays, 8],
  ] as const)('%s .. %s: %d business days', (from, to, calendar, days) => {
    expect(businessDaysBetween(from, to, calendar)).toBe(days);
  });

  it('adding then measuring gives the business time back', () => {
    const from = new Date('2026-12-23T17:45:00Z');
    const to = addBusinessDuration(from, 'P10D', withHolidays);
    expect(businessTimeBetween(from, to, withHolidays)).toBe(businessDurationMs('P10D'));
  });
});

describe('the pausable SLA clock', () => {
  it('a pause banks what is left and the deadline moves by the paused business time', () => {
    const opened = new Date('2026-11-23T09:00:00Z'); // Monday
    let clock = startSla(opened, 'P10D');
    expect(slaDeadline(clock, weekends)?.toISOString()).toBe('2026-12-07T09:00:00.000Z');
    clock = pauseSla(clock, new Date('2026-11-25T09:00:00Z'), weekends); // two business days used
    expect(clock).toEqual({ remainingMs: 8 * 86_400_000, runningSince: null });
    expect(slaDeadline(clock, weekends)).toBeNull();
    clock = resumeSla(clock, new Date('2026-12-02T09:00:00Z')); // Wednesday a week later
    expect(slaDeadline(clock, weekends)?.toISOString()).toBe('2026-12-14T09:00:00.000Z');
    expect(
      pauseSla(pauseSla(clock, new Date('2026-12-02T10:00:00Z'), weekends), new Date('2026-12-09T10:00:00Z'), weekends)
        .remainingMs,
    ).toBe(8 * 86_400_000 - 3_600_000);
  });

  it('a pause over a weekend costs nothing', () => {
    const clock = pauseSla(
      startSla(new Date('2026-11-28T09:00:00Z'), 'P10D'),
      new Date('2026-11-29T20:00:00Z'),
      weekends,
    );
    expect(clock.remainingMs).toBe(businessDurationMs('P10D'));
  });
});

describe('calendarProblems', () => {
  it.each([
    [weekends, []],
    [{ weekendDays: [7], holidays: [] }, ['/weekendDays/0']],
    [{ weekendDays: [0, 1, 2, 3, 4, 5, 6], holidays: [] }, ['/weekendDays']],
    [{ weekendDays: [], holidays: ['2026-02-30', 'xmas'] }, ['/holidays/0', '/holidays/1']],
  ] as const)('%j -> %j', (calendar, pointers) => {
    expect(calendarProblems(calendar).map((p) => p.pointer)).toEqual(pointers);
  });
});
