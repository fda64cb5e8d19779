import { add, allocate, CurrencyMismatchError, formatMoney, money, subtract, sum } from '../../src/shared/money.js';

describe('money', () => {
  it('adds and subtracts minor units of one currency', () => {
    expect(add(money(1050, 'EUR'), money(250, 'EUR'))).toEqual({ amount: 1300, currency: 'EUR' });
    expect(subtract(money(1050, 'EUR'), money(2000, 'EUR'))).toEqual({ amount: -950, currency: 'EUR' });
    expect(sum('USD', [money(1, 'USD'), money(2, 'USD'), money(3, 'USD')])).toEqual({ amount: 6, currency: 'USD' });
  });

  it('refuses to mix currencies and fractional minor units', () => {
    expect(() => add(money(1, 'EUR'), money(1, 'USD'))).toThrow(CurrencyMismatchError);
    expect(() => money(10.5, 'EUR')).toThrow(RangeError);
    expect(() => money(Number.MAX_SAFE_INTEGER + 2, 'EUR')).toThrow(RangeError);
  });

  it.each([
    [100, [1, 1, 1], [34, 33, 33]],
    [-100, [1, 1, 1], [-34, -33, -33]],
    [1000, [50, 30, 20], [500, 300, 200]],
    [1, [1, 1], [1, 0]],
    [999, [1, 2, 3, 4], [100, 200, 300, 399]],
    [10001, [3333, 3333, 3334], [3333, 3333, 3335]],
  ])('allocates %i over %j as %j (largest remainder, exact sum)', (total, weights, expected) => {
    const parts = allocate(money(total, 'EUR'), weights);
    expect(parts.map((p) => p.amount)).toEqual(expected);
    expect(parts.reduce((a, p) => a + p.amount, 0)).toBe(total);
  });

  it('rejects meaningless weights', () => {
    expect(() => allocate(money(1, 'EUR'), [])).toThrow();
    expect(() => allocate(money(1, 'EUR'), [0, 0])).toThrow();
    expect(() => allocate(money(1, 'EUR'), [-1, 2])).toThrow();
  });

  it('formats with the currency exponent', () => {
    expect(formatMoney(money(123450, 'EUR'))).toBe('EUR 1,234.50');
    expect(formatMoney(money(1234, 'JPY'))).toBe('JPY 1,234');
    expect(formatMoney(money(1234, 'KWD'))).toBe('KWD 1.234');
  });
});
