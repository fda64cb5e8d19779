import {
  arTurnover,
  averageCollectionPeriod,
  averageDaysDelinquent,
  badDebtRatio,
  bestPossibleDso,
  collectionEffectivenessIndex,
  computeKpis,
  countBackDso,
  monthsBack,
  monthsSpanned,
  periodDays,
  previousMonth,
  shareOver90,
  simpleDso,
} from '../../src/reports/rules/kpis.js';

describe('DSO', () => {
  it.each<[string, { endingAr: number; creditSales: number; days: number }, number | null]>([
    [
      'published example: 200,000 / 2,000,000 x 365',
      { endingAr: 200_000_00, creditSales: 2_000_000_00, days: 365 },
      36.5,
    ],
    ['a month: 50,000 / 100,000 x 30', { endingAr: 50_000, creditSales: 100_000, days: 30 }, 15],
    ['no credit sales: undefined, not infinite', { endingAr: 1, creditSales: 0, days: 30 }, null],
  ])('simple DSO, %s', (_label, input, expected) => {
    const value = simpleDso(input);
    if (expected === null) expect(value).toBeNull();
    else expect(value).toBeCloseTo(expected, 10);
  });

  it.each<[string, number, { sales: number; days: number }[], number, boolean]>([
    [
      'published example: AR 212k over 100k, 80k, 70k (30-day months) = 73.71',
      212_000,
      [
        { sales: 100_000, days: 30 },
        { sales: 80_000, days: 30 },
        { sales: 70_000, days: 30 },
      ],
      73.71,
      false,
    ],
    ['AR smaller than this month sales: a fraction of one month', 50_000, [{ sales: 100_000, days: 31 }], 15.5, false],
    [
      'AR equal to this month sales: the whole month, not more',
      100_000,
      [
        { sales: 100_000, days: 30 },
        { sales: 80_000, days: 30 },
      ],
      30,
      false,
    ],
    [
      'a month without sales adds its days',
      50_000,
      [
        { sales: 0, days: 30 },
        { sales: 100_000, days: 31 },
      ],
      45.5,
      false,
    ],
    [
      'AR older than every month: all the days, flagged',
      500,
      [
        { sales: 100, days: 30 },
        { sales: 100, days: 31 },
      ],
      61,
      true,
    ],
    ['no AR: zero days', 0, [{ sales: 100, days: 30 }], 0, false],
  ])('count-back DSO, %s', (_label, endingAr, months, expected, exhausted) => {
    const result = countBackDso({ endingAr, months });
    expect(Math.round(result.days * 100) / 100).toBeCloseTo(expected, 2);
    expect(result.exhausted).toBe(exhausted);
  });

  it('best possible DSO, published example: 2,070,000 / 9,000,000 x 90 = 20.7; ADD = DSO - BPDSO', () => {
    const best = bestPossibleDso({ currentAr: 2_070_000, creditSales: 9_000_000, days: 90 })!;
    expect(best).toBeCloseTo(20.7, 10);
    const dso = simpleDso({ endingAr: 3_000_000, creditSales: 9_000_000, days: 90 })!;
    expect(dso).toBeCloseTo(30, 10);
    expect(averageDaysDelinquent(dso, best)).toBeCloseTo(9.3, 10);
    expect(averageDaysDelinquent(null, best)).toBeNull();
  });
});

describe('collection effectiveness and turnover', () => {
  it.each<[string, Parameters<typeof collectionEffectivenessIndex>[0], number | null]>([
    [
      'one month: (100k + 50k - 70k) / (100k + 50k - 30k) = 66.67 %',
      { beginningAr: 100_000, creditSales: 50_000, endingTotalAr: 70_000, endingCurrentAr: 30_000 },
      66.67,
    ],
    [
      'everything collected: 100 %',
      { beginningAr: 100_000, creditSales: 50_000, endingTotalAr: 30_000, endingCurrentAr: 30_000 },
      100,
    ],
    [
      'multi-month variant divides sales by months: (100k + 30k - 70k) / (100k + 30k - 30k) = 60 %',
      { beginningAr: 100_000, creditSales: 90_000, endingTotalAr: 70_000, endingCurrentAr: 30_000, months: 3 },
      60,
    ],
    ['nothing collectible: undefined', { beginningAr: 0, creditSales: 0, endingTotalAr: 0, endingCurrentAr: 0 }, null],
  ])('CEI %s', (_label, input, expected) => {
    const value = collectionEffectivenessIndex(input);
    if (expected === null) expect(value).toBeNull();
    else expect(value).toBeCloseTo(expected, 2);
  });

  it('AR turnover 100,000 / ((10,000 + 15,000) / 2) = 8 times; average collection period 365 / 8 = 45.63 days', () => {
    const turnover = arTurnover({ netCreditSales: 100_000, beginningAr: 10_000, endingAr: 15_000 });
    expect(turnover).toBe(8);
    expect(averageCollectionPeriod(365, turnover)).toBeCloseTo(45.625, 10);
    expect(arTurnover({ netCreditSales: 1, beginningAr: 0, endingAr: 0 })).toBeNull();
    expect(averageCollectionPeriod(365, null)).toBeNull();
  });

  it('bad-debt ratio and share over 90 days are percentages; undefined without a base', () => {
    expect(badDebtRatio({ writeOffs: 2_500, netCreditSales: 100_000 })).toBeCloseTo(2.5, 10);
    expect(badDebtRatio({ writeOffs: 1, netCreditSales: 0 })).toBeNull();
    expect(shareOver90({ over90: 25, totalAr: 200 })).toBeCloseTo(12.5, 10);
    expect(shareOver90({ over90: 0, totalAr: 0 })).toBeNull();
  });
});

describe('periods', () => {
  it.each<[string, string, number]>([
    ['2026-01-01', '2026-12-31', 365],
    ['2024-02-01', '2024-02-29', 29],
    ['2026-11-23', '2026-11-23', 1],
  ])('%s..%s has %i days', (from, to, days) => expect(periodDays(from, to)).toBe(days));

  it('months back from a date, newest first, the first one cut at the date', () => {
    expect(monthsBack('2026-03-15', 3)).toEqual([
      { from: '2026-03-01', to: '2026-03-15', days: 15 },
      { from: '2026-02-01', to: '2026-02-28', days: 28 },
      { from: '2026-01-01', to: '2026-01-31', days: 31 },
    ]);
    expect(monthsBack('2026-01-31', 2)[1]).toEqual({ from: '2025-12-01', to: '2025-12-31', days: 31 });
  });

  it('previous month and months spanned', () => {
    expect(previousMonth('2026-03-01')).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    expect(previousMonth('2026-01-20')).toEqual({ from: '2025-12-01', to: '2025-12-31' });
    expect(monthsSpanned('2026-01-15', '2026-03-10')).toBe(3);
    expect(monthsSpanned('2026-03-01', '2026-03-31')).toBe(1);
  });
});

describe('computeKpis', () => {
  it('stamps every figure with method, unit, period and currency and reproduces the worked DSO figures', () => {
    const kpis = computeKpis({
      currency: 'USD',
      from: '2026-01-01',
      to: '2026-12-31',
      beginningAr: 180_000,
      endingAr: 200_000,
      endingCurrentAr: 120_000,
      endingOver90: 20_000,
      grossCreditSales: 2_000_000,
      salesReductions: 100_000,
      writeOffs: 19_000,
      monthlySales: [
        { from: '2026-12-01', to: '2026-12-31', sales: 150_000, days: 31 },
        { from: '2026-11-01', to: '2026-11-30', sales: 100_000, days: 30 },
      ],
    });
    expect(kpis.dsoSimple).toEqual({
      value: 36.5,
      unit: 'days',
      method: expect.stringContaining('simple'),
      period: { from: '2026-01-01', to: '2026-12-31', days: 365 },
      currency: 'USD',
    });
    expect(kpis.dsoCountBack.value).toBe(46); // 31 + 50,000/100,000 x 30
    expect(kpis.bestPossibleDso.value).toBe(21.9);
    expect(kpis.averageDaysDelinquent.value).toBe(14.6);
    expect(kpis.arTurnover.value).toBe(10); // 1,900,000 / 190,000
    expect(kpis.averageCollectionPeriod.value).toBe(36.5);
    expect(kpis.badDebtRatio.value).toBe(1);
    expect(kpis.shareOver90.value).toBe(10);
    expect(kpis.cei.method).toMatch(/one period/);
    expect(kpis.ceiMultiMonth.method).toMatch(/multi-month/);
    expect(kpis.ceiMultiMonth.value).not.toBeNull();
  });

  it('a one-month period has no multi-month CEI and no figure is NaN without sales', () => {
    const kpis = computeKpis({
      currency: 'EUR',
      from: '2026-02-01',
      to: '2026-02-28',
      beginningAr: 0,
      endingAr: 0,
      endingCurrentAr: 0,
      endingOver90: 0,
      grossCreditSales: 0,
      salesReductions: 0,
      writeOffs: 0,
      monthlySales: [],
    });
    expect(kpis.ceiMultiMonth.value).toBeNull();
    for (const [name, figure] of Object.entries(kpis)) {
      if (name === 'exhaustedCountBack') continue;
      expect(figure).toMatchObject({ value: null });
    }
  });
});
