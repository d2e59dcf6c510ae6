import { cronError } from '../../src/config/go/cron';
import { goDurationError } from '../../src/config/go/go-duration';
import { ConfigInvalidError, formatProblem } from '../../src/config/errors';
import { loadConfig } from '../../src/config/load';
import { configTree, MINIMAL_PROW_CONFIG, type ConfigTree } from './config-tree';

/** Expected results are robfig/cron v3.0.1's and Go 1.26's time.ParseDuration's, run on each input. */

const cronCases: [string, ReturnType<typeof cronError>][] = [
  ['0 * * * *', undefined],
  ['*/5 * * * *', undefined],
  ['0 0 * * * *', undefined],
  ['30 2 * * mon-fri', undefined],
  ['0 0 1 jan,JUL *', undefined],
  ['@daily', undefined],
  ['@every 1h30m', undefined],
  ['@every 1x', { error: 'failed to parse duration @every 1x: time: unknown unit "x" in duration "1x"' }],
  ['@weekly', undefined],
  ['@sometimes', { error: 'unrecognized descriptor: @sometimes' }],
  ['TZ=UTC 0 0 * * *', undefined],
  ['CRON_TZ=America/New_York 0 0 * * *', undefined],
  [
    'TZ=Mars/Olympus 0 0 * * *',
    { error: 'provided bad location Mars/Olympus: unknown time zone Mars/Olympus' },
  ],
  ['TZ=UTC', { panic: 'panic loading config: runtime error: slice bounds out of range [:-1]' }],
  ['* * *', { error: 'expected 5 to 6 fields, found 3: [* * *]' }],
  ['1 2 3 4 5 6 7', { error: 'expected 5 to 6 fields, found 7: [1 2 3 4 5 6 7]' }],
  ['60 * * * *', { error: 'end of range (60) above maximum (59): 60' }],
  ['* 24 * * *', { error: 'end of range (24) above maximum (23): 24' }],
  ['0 0 0 * *', { error: 'beginning of range (0) below minimum (1): 0' }],
  ['0 0 * 13 *', { error: 'end of range (13) above maximum (12): 13' }],
  ['0 0 * * 7', { error: 'end of range (7) above maximum (6): 7' }],
  ['5-1 * * * *', { error: 'beginning of range (5) beyond end of range (1): 5-1' }],
  ['1-2-3 * * * *', { error: 'too many hyphens: 1-2-3' }],
  ['*/0 * * * *', { error: 'step of range should be a positive number: */0' }],
  ['1/2/3 * * * *', { error: 'too many slashes: 1/2/3' }],
  ['x * * * *', { error: 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax' }],
  ['-1 * * * *', { error: 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax' }],
  ['1- * * * *', { error: 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax' }],
  [
    '99999999999999999999 * * * *',
    {
      error:
        'failed to parse int from 99999999999999999999: strconv.Atoi: parsing "99999999999999999999": value out of range',
    },
  ],
  ['0 0 * foo *', { error: 'failed to parse int from foo: strconv.Atoi: parsing "foo": invalid syntax' }],
  [',, * * * *', undefined],
  ['0 0 ? * *', undefined],
  ['+5 * * * *', undefined],
];

const durationCases: [string, string | undefined][] = [
  ['1h30m', undefined],
  ['1x', 'time: unknown unit "x" in duration "1x"'],
  ['1', 'time: missing unit in duration "1"'],
  ['', 'time: invalid duration ""'],
  ['x', 'time: invalid duration "x"'],
  ['.', 'time: invalid duration "."'],
  ['1.5h', undefined],
  ['.5s', undefined],
  ['1.h', undefined],
  ['-0', undefined],
  ['+0', undefined],
  ['0', undefined],
  ['1h1', 'time: missing unit in duration "1h1"'],
  ['3000000h', 'time: invalid duration "3000000h"'],
  ['1µs', undefined],
  ['1μs', undefined],
  ['5 m', 'time: unknown unit " m" in duration "5 m"'],
  ['1e3s', 'time: unknown unit "e" in duration "1e3s"'],
  ['0x', 'time: unknown unit "x" in duration "0x"'],
  ['+', 'time: invalid duration "+"'],
  ['-1h', undefined],
];

describe("a periodic's cron (robfig/cron v3 with Prow's options)", () => {
  it.each(cronCases)('%j', (spec, expected) => {
    expect(cronError(spec)).toEqual(expected);
  });
});

describe("Go's time.ParseDuration errors", () => {
  it.each(durationCases)('%j', (text, expected) => {
    expect(goDurationError(text)).toBe(expected);
  });
});

describe('the load', () => {
  let tree: ConfigTree;
  afterEach(() => tree?.remove());

  it("fails on a periodic whose cron does not parse, with Prow's message", async () => {
    tree = configTree({
      'prow/config.yaml': MINIMAL_PROW_CONFIG,
      'jobs/p.yaml': `periodics:\n- name: nightly\n  cron: "0 25 * * *"\n  spec: {containers: [{image: a, command: [x]}]}\n- name: tz\n  cron: "TZ=UTC"\n  spec: {containers: [{image: a, command: [x]}]}\n`,
    });
    const error = await loadConfig(tree.source()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigInvalidError);
    expect((error as ConfigInvalidError).problems.map(formatProblem)).toEqual([
      `${tree.path('jobs/p.yaml')}: nightly: invalid cron string 0 25 * * * in periodic nightly: end of range (25) above maximum (23): 25`,
      `${tree.path('jobs/p.yaml')}: tz: panic loading config: runtime error: slice bounds out of range [:-1]`,
    ]);
  });
});
