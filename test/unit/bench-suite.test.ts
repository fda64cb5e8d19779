import { mergeLatest, renderLatest, type CaseResult, type Latest } from '../../bench/latest.js';
import { constantRateSchedule, isMain, jitteredOffsets, ratePerSecond, ratioText } from '../../bench/lib.js';
import type { MachineInfo } from '../../bench/machine.js';
import { serverConfigYaml } from '../../bench/temporal-server.js';

const machine: MachineInfo = {
  cpu: 'AMD EPYC',
  cores: 2,
  memoryGiB: 24,
  os: 'linux 6',
  node: 'v24.21.0',
  postgres: '15.18',
  temporalCli: '1.5.1',
  loadAverage1m: 0.5,
};
const caseResult = (name: string, overrides: Partial<CaseResult> = {}): CaseResult => ({
  name,
  title: name,
  ranAt: '2026-11-23T04:00:00.000Z',
  seconds: 12,
  size: 'quick',
  loadAverage1m: 1,
  rows: [{ case: `${name} row`, workload: 'w', engine: '2/s', floor: '4/s', ratio: '2.00x' }],
  details: {},
  ...overrides,
});

describe('constant-rate schedule (no coordinated omission)', () => {
  it.each([
    [10, 1, [0, 100, 200, 300, 400, 500, 600, 700, 800, 900]],
    [4, 0.5, [0, 250]],
    [2.5, 2, [0, 400, 800, 1200, 1600]],
  ])('%d/s for %d s is due at fixed times', (rate, seconds, expected) => {
    expect(constantRateSchedule(rate, seconds)).toEqual(expected);
  });

  it('refuses a rate or duration that is not positive', () => {
    expect(() => constantRateSchedule(0, 1)).toThrow('positive');
    expect(() => constantRateSchedule(10, -1)).toThrow('positive');
  });
});

describe('jittered due offsets', () => {
  it('are sorted, within the spread and the same for the same seed', () => {
    const a = jitteredOffsets(1000, 5000, 7);
    expect(a).toHaveLength(1000);
    expect(a.every((v, i) => v >= 0 && v < 5000 && (i === 0 || v >= a[i - 1]!))).toBe(true);
    expect(jitteredOffsets(1000, 5000, 7)).toEqual(a);
    expect(jitteredOffsets(1000, 5000, 8)).not.toEqual(a);
    // spread over the window, not bunched at one end
    expect(a[250]!).toBeLessThan(2000);
    expect(a[750]!).toBeGreaterThan(3000);
  });
});

describe('rates and ratios', () => {
  it.each([
    [[0, 1000], 1],
    [[500, 0, 250, 1000], 3],
    [[0, 100, 200, 300, 400], 10],
  ])('events at %j happen at %d/s', (times, rate) => {
    expect(ratePerSecond(times)).toBeCloseTo(rate);
  });

  it('has no rate for fewer than two events', () => {
    expect(ratePerSecond([5])).toBeNaN();
  });

  it.each([
    [20, 10, 'cost', '2.00x'],
    [10, 20, 'rate', '2.00x'],
    [150, 10, 'cost', '15.0x'],
    [5, 0, 'cost', 'n/a'],
    [0, 5, 'rate', 'n/a'],
  ] as const)('engine %d against floor %d as a %s reads %s', (engine, floor, kind, text) => {
    expect(ratioText(engine, floor, kind)).toBe(text);
  });
});

describe('isMain', () => {
  it('compares the started script with the module URL', () => {
    expect(isMain('file:///work/bench/run.ts', '/work/bench/run.ts')).toBe(true);
    expect(isMain('file:///work/bench/invoices.ts', '/work/bench/run.ts')).toBe(false);
    expect(isMain('file:///work/bench/run.ts', undefined)).toBe(false);
  });
});

describe('latest results', () => {
  it('replaces the cases of this run, keeps the others and orders them by case number', () => {
    const previous: Latest = {
      updatedAt: 'then',
      machine,
      cases: [caseResult('scale', { size: 'full' }), caseResult('invoices', { seconds: 99 })],
    };
    const merged = mergeLatest(previous, {
      machine,
      at: 'now',
      cases: [caseResult('memory'), caseResult('invoices', { seconds: 5 })],
    });
    expect(merged.cases.map((c) => [c.name, c.seconds])).toEqual([
      ['invoices', 5],
      ['memory', 12],
      ['scale', 12],
    ]);
    expect(merged.updatedAt).toBe('now');
  });

  it('keeps the last good figures of a case whose new attempt failed, with the failure noted', () => {
    const previous: Latest = { updatedAt: 'then', machine, cases: [caseResult('scale', { size: 'full' })] };
    const merged = mergeLatest(previous, {
      machine,
      at: 'now',
      cases: [caseResult('scale', { rows: [], ranAt: '2026-11-23T07:57:18Z', note: 'failed: no database' })],
    });
    expect(merged.cases[0]!.rows).toEqual(previous.cases[0]!.rows);
    expect(merged.cases[0]!.size).toBe('full');
    expect(merged.cases[0]!.note).toBe(
      'last attempt 2026-11-23 07:57 UTC failed: no database; figures from the run before',
    );
  });

  it('renders the table, the machine, when each case ran and why a case has no figures', () => {
    const md = renderLatest(
      mergeLatest(undefined, {
        machine,
        at: '2026-11-23T04:10:00Z',
        scaleServer: 'v1.29.1',
        cases: [caseResult('invoices'), caseResult('scale', { rows: [], note: 'failed: server did not start' })],
      }),
    );
    expect(md).toContain('| invoices row | w | 2/s | 4/s | 2.00x |');
    expect(md).toContain('2 x AMD EPYC, 24 GiB RAM');
    expect(md).toContain('PostgreSQL 15.18');
    expect(md).toContain('Temporal server v1.29.1 on PostgreSQL');
    expect(md).toContain('| invoices | 2026-11-23 04:00:00 | quick | 12 s | 1.0 | not recorded |');
    expect(md).toContain('- scale: failed: server did not start');
  });

  it('names the machine of each case, so figures kept from a run on another machine say so', () => {
    const previous: Latest = { updatedAt: 'then', machine, cases: [caseResult('scale', { machine: '2 x AMD EPYC' })] };
    const md = renderLatest(
      mergeLatest(previous, {
        machine: { ...machine, cpu: 'Intel Xeon' },
        at: 'now',
        cases: [caseResult('invoices', { machine: '2 x Intel Xeon' })],
      }),
    );
    expect(md).toContain('Machine of the latest run: 2 x Intel Xeon,');
    expect(md).toContain('| scale | 2026-11-23 04:00:00 | quick | 12 s | 1.0 | 2 x AMD EPYC |');
    expect(md).toContain('| invoices | 2026-11-23 04:00:00 | quick | 12 s | 1.0 | 2 x Intel Xeon |');
  });

  it('escapes pipes inside cells', () => {
    const md = renderLatest(
      mergeLatest(undefined, {
        machine,
        at: 'now',
        cases: [caseResult('reads', { rows: [{ case: 'a|b', workload: 'w', engine: 'e', floor: 'f', ratio: 'r' }] })],
      }),
    );
    expect(md).toContain('| a\\|b | w | e | f | r |');
  });
});

describe('Temporal server configuration', () => {
  it('points both stores at PostgreSQL and every service at its own port', () => {
    const ports = {
      frontend: 1001,
      frontendHttp: 1002,
      frontendMembership: 1003,
      history: 1004,
      historyMembership: 1005,
      matching: 1006,
      matchingMembership: 1007,
      worker: 1008,
      workerMembership: 1009,
    };
    const yaml = serverConfigYaml({
      host: '127.0.0.1',
      port: 5432,
      user: 'ar',
      password: 'ar',
      database: 't',
      visibilityDatabase: 'tv',
      shards: 4,
      ports,
      dynamicConfigFile: '/x/dc.yaml',
    });
    expect(yaml).toContain('numHistoryShards: 4');
    expect(yaml.match(/pluginName: "postgres12"/g)).toHaveLength(2);
    expect(yaml).toContain('databaseName: "t"');
    expect(yaml).toContain('databaseName: "tv"');
    for (const port of Object.values(ports)) expect(yaml).toContain(`: ${port}`);
    expect(yaml).toContain('rpcAddress: "127.0.0.1:1001"');
    expect(yaml).toContain('filepath: "/x/dc.yaml"');
  });
});
