import { markdownTable, parseArgs, percentile } from '../../bench/lib.js';

describe('benchmark helpers', () => {
  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect([percentile(values, 50), percentile(values, 99), percentile(values, 100), percentile([7], 99)]).toEqual([
      50, 99, 100, 7,
    ]);
    expect(percentile([], 50)).toBeNaN();
  });

  it('parses counts and flags, refusing nonsense', () => {
    const args = parseArgs(['--count', '250', '--quick']);
    expect([args.count(10), args.flag('quick'), args.flag('slow')]).toEqual([250, true, false]);
    expect(parseArgs([]).count(10)).toBe(10);
    expect(() => parseArgs(['--count', '-3']).count(10)).toThrow('--count');
  });

  it('renders a markdown table', () => {
    expect(markdownTable([{ case: 'a', workload: '1', engine: '2/s', floor: '4/s', ratio: '2.0x' }])).toContain(
      '| a | 1 | 2/s | 4/s | 2.0x |',
    );
  });
});
