import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MAX_CONFIG_FILE_BYTES } from '../../src/config/files/config-file';
import { MAX_REGEX_PROGRAM_SIZE } from '../../src/config/go/re2';
import { regexCost } from '../../src/config/go/regex-cost';
import { HOSTILE_CASES } from '../../bench/support/hostile-configs';
import { describeRun, LOAD_PROBE, runHostileLoad, type HostileRun } from '../../bench/support/hostile-run';

/**
 * Issue 17: hostile inputs, each loaded by the worker's load activity in a process with the image's 256 MB
 * heap while /healthz is asked every 100 ms. Each ends with its exact error or a bounded load, never a
 * crash, and reports the refusal on the config metrics. Times, peak memory, the longest event-loop block
 * and the slowest /healthz answer are printed; the limits asserted are generous (the machine is shared):
 * bench/hostile-load.ts prints the same numbers as a benchmark.
 */

type Expected = { loaded: number } | { first: (file: string) => string | RegExp; count?: number };

const notRegular = (kind: string) => (f: string) =>
  `${f}: read ${f}: is ${kind}: a config file must be a regular file`;

const tooLarge = (pattern: string, field: string): string =>
  `error parsing regexp: expression too large: \`${pattern.slice(0, 80)}…\` (${pattern.length} characters) compiles to about ${regexCost(pattern).instructions} instructions, over the limit of ${MAX_REGEX_PROGRAM_SIZE} for one expression`.replace(
    /^/,
    `could not compile ${field} regex: `,
  );

const bombPattern = `(${'a'.repeat(1_300)}){1000}`;
const wideBranch = 'b'.repeat(4 * 1024 * 1024);

const EXPECTED: Record<string, Expected> = {
  'dev-zero-link': { first: notRegular('a character device'), count: 1 },
  fifo: { first: notRegular('a named pipe (FIFO)'), count: 1 },
  socket: { first: notRegular('a socket'), count: 1 },
  // Prow loads it too: Go's parser factors the 200 copies; the port lists a repeated plain branch once.
  'alias-branches': { loaded: 2 },
  'presubmits-50k-one-file': { loaded: 50_000 },
  'presubmits-over-budget': {
    first: (f) =>
      `${f}: presubmits.org/repo: the config defines more than 60000 presubmits for org/repo, the limit for one repository`,
    count: 1,
  },
  'same-context': {
    first: (f) => `${f}: job-0: jobs job-1 and job-0 report to the same GitHub context "shared"`,
    count: 1_001,
  },
  'regex-program-bomb': {
    first: (f) =>
      `${f}: bomb: run_if_changed: could not set regex: could not set change regexes for bomb: ${tooLarge(bombPattern, 'run_if_changed')}`,
    count: 1,
  },
  'huge-scalar-branch': {
    first: (f) =>
      `${f}: wide: branches: could not set regex: could not set branch regexes for wide: ${tooLarge(wideBranch, 'positive branch')}`,
    count: 1,
  },
  'huge-key': {
    first: (f) =>
      new RegExp(
        `^${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: keyed: invalid presubmit job keyed: invalid label k{900,}… \\(\\d+ characters\\)$`,
      ),
    count: 1,
  },
  'long-line': { loaded: 20_001 },
  'many-problems': {
    first: (f) =>
      `${f}: presets[0].env[0]: json: cannot unmarshal string into Go struct field Preset.presets.env of type v1.EnvVar`,
    count: 1_001,
  },
  'deep-nesting': {
    first: (f) => `${f}: error converting YAML to JSON: yaml: line 1: nesting exceeded maxDepth (1000)`,
    count: 1,
  },
  'many-files': { loaded: 10_000 },
  'deep-directories': { loaded: 2 },
  'over-size-file': {
    first: (f) =>
      `${f}: error reading ${f}: file is ${MAX_CONFIG_FILE_BYTES + 1} bytes, over the ${MAX_CONFIG_FILE_BYTES}-byte limit for a config file`,
    count: 1,
  },
  'gzip-bomb': {
    first: (f) =>
      `${f}: error reading ${f}: decompressed content is larger than the ${MAX_CONFIG_FILE_BYTES}-byte limit`,
    count: 1,
  },
};

/** The benchmark runs these too; the test leaves out what only repeats another case at more cost. */
const BENCHMARK_ONLY = new Set(['presubmits-50k-50-files']);

const cases = HOSTILE_CASES.filter((c) => !BENCHMARK_ONLY.has(c.name));

describe('hostile inputs (issue 17)', () => {
  beforeAll(() => {
    if (!existsSync(LOAD_PROBE))
      throw new Error(`${LOAD_PROBE} is missing: run \`npm run build\` (Jest's global setup builds it)`);
  });

  it('has an expectation for every case', () => {
    expect(cases.map((c) => c.name).filter((name) => !EXPECTED[name])).toEqual([]);
  });

  it.each(cases.map((c) => [c.name, c] as const))(
    '%s: a clear error or a bounded load, never a crash',
    async (name, hostile) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), `hostile-${name}-`));
      let run: HostileRun;
      let file: string;
      try {
        const built = hostile.build(dir);
        file = built.file;
        run = await runHostileLoad(built.source);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      console.log(`${hostile.description}\n${describeRun(name, run)}`);
      expect({ exit: run.exit, stderr: run.stderr }).toEqual({ exit: { code: 0, signal: null }, stderr: '' });
      const probe = run.probe;
      if (!probe) throw new Error('the probe printed no result');
      const expected = EXPECTED[name] as Expected;
      if ('loaded' in expected) {
        expect({ outcome: probe.outcome, presubmits: probe.presubmits, problems: probe.problems }).toEqual({
          outcome: 'loaded',
          presubmits: expected.loaded,
          problems: undefined,
        });
        expect(probe.metrics).toContain('status_reconciler_config_last_load_successful 1');
      } else {
        expect(probe.outcome).toBe('invalid');
        const first = expected.first(file);
        if (typeof first === 'string') expect(probe.problems?.[0]).toBe(first);
        else expect(probe.problems?.[0]).toMatch(first);
        if (expected.count !== undefined) expect(probe.problemCount).toBe(expected.count);
        // The refusal shows on the worker's metrics (and, through the controller, on /healthz and its
        // failures counter: test/integration/deployment-settings.test.ts).
        expect(probe.metrics).toContain('status_reconciler_config_last_load_successful 0');
      }
      // Bounds with room for a loaded, shared machine; the benchmark reports the numbers themselves.
      expect(probe.peakRssMb).toBeLessThan(512);
      expect(probe.ms).toBeLessThan(60_000);
    },
    180_000,
  );
});
