import { ConfigInvalidError } from '../../src/config/errors';
import {
  buildPresubmitIndex,
  canonicalJson,
  parsePresubmitIndex,
  REVISION_HEX_CHARS,
} from '../../src/config/presubmit-index/index-model';
import type { Presubmit } from '../../src/config/types';

/** The compact presubmit index (spec §12.2) and reading it back (Q9). */

const presubmit = (name: string, extra: Partial<Presubmit> = {}): Presubmit => ({
  name,
  context: name,
  always_run: false,
  optional: false,
  skip_report: false,
  trigger: `(?m)^/test( | .* )${name},?($|\\s.*)`,
  rerun_command: `/test ${name}`,
  agent: 'kubernetes',
  cluster: 'default',
  spec: { containers: [{ image: 'x' }] },
  ...extra,
});

const presubmits = {
  'org/b': [presubmit('pull-b', { branches: ['main'], skip_branches: [], run_if_changed: '' })],
  'org/a': [
    presubmit('pull-a2', { always_run: true }),
    presubmit('pull-a1', { context: 'ci/a1', skip_if_only_changed: '\\.md$' }),
  ],
};

describe('buildPresubmitIndex', () => {
  const index = buildPresubmitIndex(presubmits, 'v1');

  it('keeps only IndexedPresubmit fields, in config order, repos sorted, empty fields left out', () => {
    expect(JSON.stringify(index)).toBe(
      JSON.stringify({
        revision: index.revision,
        repos: {
          'org/a': [
            { name: 'pull-a2', context: 'pull-a2', always_run: true, optional: false, skip_report: false },
            {
              name: 'pull-a1',
              context: 'ci/a1',
              always_run: false,
              optional: false,
              skip_report: false,
              skip_if_only_changed: '\\.md$',
            },
          ],
          'org/b': [
            {
              name: 'pull-b',
              context: 'pull-b',
              always_run: false,
              optional: false,
              skip_report: false,
              branches: ['main'],
            },
          ],
        },
        configVersion: 'v1',
      }),
    );
  });

  it('hashes the canonical JSON of repos: the first 16 hex characters of SHA-256', () => {
    expect(index.revision).toMatch(new RegExp(`^[0-9a-f]{${REVISION_HEX_CHARS}}$`));
    expect(buildPresubmitIndex({ 'org/b': presubmits['org/b'], 'org/a': presubmits['org/a'] }).revision).toBe(
      index.revision,
    );
    expect(buildPresubmitIndex({ ...presubmits, 'org/c': [] }).revision).not.toBe(index.revision);
    const reordered = { 'org/a': [...presubmits['org/a']].reverse(), 'org/b': presubmits['org/b'] };
    expect(buildPresubmitIndex(reordered).revision).not.toBe(index.revision);
    expect(canonicalJson({ b: 1, a: [2, { d: 1, c: 2 }] })).toBe('{"a":[2,{"c":2,"d":1}],"b":1}');
  });

  it('round-trips through JSON with the same revision', () => {
    const parsed = parsePresubmitIndex(JSON.parse(JSON.stringify(index)));
    expect(parsed).toEqual(index);
    expect(parsed.revision).toBe(index.revision);
  });
});

describe('parsePresubmitIndex', () => {
  const good = JSON.parse(JSON.stringify(buildPresubmitIndex(presubmits))) as Record<string, unknown>;
  const withEntry = (entry: Record<string, unknown>): unknown => {
    const repos = { 'org/x': [entry] };
    const revision = buildPresubmitIndex(repos as never).revision;
    return { revision, repos };
  };
  const problemsOf = (json: unknown): unknown[] => {
    try {
      parsePresubmitIndex(json);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigInvalidError);
      return (error as ConfigInvalidError).problems;
    }
    throw new Error('expected a rejection');
  };
  const base = { name: 'j', context: 'j', always_run: false, optional: false, skip_report: false };

  it('recompiles every regex and rejects one that does not compile (Q9)', () => {
    expect(problemsOf(withEntry({ ...base, branches: ['(?<=a)b'] }))).toEqual([
      {
        file: 'presubmit index',
        job: 'j',
        field: 'branches',
        message:
          'could not set branch regexes for j: could not compile positive branch regex: error parsing regexp: invalid named capture: `(?<=a)b`',
      },
    ]);
    expect(problemsOf(withEntry({ ...base, run_if_changed: '(' }))).toEqual([
      {
        file: 'presubmit index',
        job: 'j',
        field: 'run_if_changed',
        message:
          'could not set change regexes for j: could not compile run_if_changed regex: error parsing regexp: missing closing ): `(`',
      },
    ]);
  });

  it('rejects a wrong shape, listing every problem', () => {
    expect(problemsOf([])).toEqual([
      { file: 'presubmit index', message: 'stored presubmit index must be an object' },
    ]);
    expect(
      problemsOf({
        revision: 1,
        repos: { 'org/x': [{ ...base, always_run: 'yes', extra: 1 }, 'x'], 'org/y': {} },
        other: 1,
      }),
    ).toEqual([
      { file: 'presubmit index', field: 'revision', message: 'must be a string' },
      { file: 'presubmit index', field: 'other', message: 'unknown field' },
      { file: 'presubmit index', job: 'j', field: 'always_run', message: 'must be a boolean' },
      { file: 'presubmit index', job: 'j', field: 'extra', message: 'unknown field' },
      { file: 'presubmit index', field: 'repos.org/x[1]', message: 'must be an object' },
      { file: 'presubmit index', field: 'repos.org/y', message: 'must be a list' },
    ]);
  });

  it('rejects content that does not match its revision', () => {
    const tampered = JSON.parse(JSON.stringify(good)) as { repos: Record<string, { optional: boolean }[]> };
    (tampered.repos['org/a'] as { optional: boolean }[])[0]!.optional = true;
    expect(problemsOf(tampered)).toEqual([
      expect.objectContaining({
        field: 'revision',
        message: expect.stringMatching(
          /^stored revision [0-9a-f]{16} does not match the index content \([0-9a-f]{16}\)$/,
        ),
      }),
    ]);
  });
});
