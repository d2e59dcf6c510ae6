import { parseConfigText } from '../../src/config/files/config-document';
import type {
  DecodedJobConfig,
  DecodedPostsubmit,
  DecodedPresubmit,
  DecodedPeriodic,
} from '../../src/config/prow/decoded-config';
import { aggregate } from '../../src/config/prow/job-base-validation';
import { walkJobConfigDir } from '../../src/config/files/job-config-walk';
import {
  validatePeriodics,
  validatePostsubmits,
  validatePresubmits,
} from '../../src/config/prow/job-validation';
import { branchersIntersect } from '../../src/config/presubmit-index/presubmit';
import type { Brancher } from '../../src/config/types';
import { readFileSync } from 'node:fs';
import { configTree, type ConfigTree } from './config-tree';

/** Ports of Prow's tests in pkg/config (spec §15.5), case by case with Prow's names. */

// Config{} in Prow's tests: no pod namespace, no job queues.
const settings = { podNamespace: '', jobQueueNames: new Set<string>() };
const errorOf = (messages: { message: string }[]): string => aggregate(messages.map((m) => m.message)) ?? '';

describe('TestValidatePresubmits', () => {
  const cases: { name: string; presubmits: DecodedPresubmit[]; expectedError: string }[] = [
    {
      name: 'Duplicate context causes error',
      presubmits: [
        { name: 'a', context: 'repeated' },
        { name: 'b', context: 'repeated' },
      ],
      expectedError:
        '[jobs b and a report to the same GitHub context "repeated", jobs a and b report to the same GitHub context "repeated"]',
    },
    {
      name: "Duplicate context on different branch doesn't cause error",
      presubmits: [
        { name: 'a', context: 'repeated', branches: ['master'] },
        { name: 'b', context: 'repeated', branches: ['next'] },
      ],
      expectedError: '',
    },
    {
      name: 'Duplicate jobname causes error',
      presubmits: [
        { name: 'a', context: 'foo' },
        { name: 'a', context: 'bar' },
      ],
      expectedError: 'duplicated presubmit jobs (consider both inrepo and central config): [a]',
    },
    {
      name: "Duplicate jobname on different branches doesn't cause error",
      presubmits: [
        { name: 'a', context: 'foo', branches: ['master'] },
        { name: 'a', context: 'foo', branches: ['next'] },
      ],
      expectedError: '',
    },
    {
      name: 'Invalid JobBase causes error',
      presubmits: [{ context: 'foo' }],
      expectedError: 'invalid presubmit job : name: must match regex "^[A-Za-z0-9-._]+$"',
    },
    {
      name: 'Invalid triggering config causes error',
      presubmits: [{ trigger: 'some-trigger', name: 'my-job', context: 'foo' }],
      expectedError:
        'either both of job.Trigger and job.RerunCommand must be set, wasnt the case for job "my-job"',
    },
    {
      name: 'Invalid reporting config causes error',
      presubmits: [{ name: 'my-job' }],
      expectedError: 'invalid presubmit job my-job: job is set to report but has no context configured',
    },
    {
      name: 'Mutually exclusive settings: always_run and run_if_changed',
      presubmits: [{ name: 'a', context: 'foo', always_run: true, run_if_changed: '\\.go$' }],
      expectedError:
        'job a is set to always run but also declares run_if_changed targets, which are mutually exclusive',
    },
    {
      name: 'Mutually exclusive settings: always_run and skip_if_only_changed',
      presubmits: [{ name: 'a', context: 'foo', always_run: true, skip_if_only_changed: '\\.go$' }],
      expectedError:
        'job a is set to always run but also declares skip_if_only_changed targets, which are mutually exclusive',
    },
    {
      name: 'Mutually exclusive settings: run_if_changed and skip_if_only_changed',
      presubmits: [{ name: 'a', context: 'foo', run_if_changed: '\\.go$', skip_if_only_changed: '\\.md' }],
      expectedError: 'job a declares run_if_changed and skip_if_only_changed, which are mutually exclusive',
    },
  ];
  it.each(cases)('$name', ({ presubmits, expectedError }) => {
    expect(errorOf(validatePresubmits(presubmits, settings))).toBe(expectedError);
  });
});

describe('TestValidatePostsubmits', () => {
  const cases: { name: string; postsubmits: DecodedPostsubmit[]; expectedError: string }[] = [
    {
      name: 'Duplicate context causes error',
      postsubmits: [
        { name: 'a', context: 'repeated' },
        { name: 'b', context: 'repeated' },
      ],
      expectedError:
        '[jobs b and a report to the same GitHub context "repeated", jobs a and b report to the same GitHub context "repeated"]',
    },
    {
      name: "Duplicate context on different branch doesn't cause error",
      postsubmits: [
        { name: 'a', context: 'repeated', branches: ['master'] },
        { name: 'b', context: 'repeated', branches: ['next'] },
      ],
      expectedError: '',
    },
    {
      name: 'Duplicate jobname causes error',
      postsubmits: [
        { name: 'a', context: 'foo' },
        { name: 'a', context: 'bar' },
      ],
      expectedError: 'duplicated postsubmit jobs (consider both inrepo and central config): [a]',
    },
    {
      name: 'Invalid JobBase causes error',
      postsubmits: [{ context: 'foo' }],
      expectedError: 'invalid postsubmit job : name: must match regex "^[A-Za-z0-9-._]+$"',
    },
    {
      name: 'Invalid reporting config causes error',
      postsubmits: [{ name: 'my-job' }],
      expectedError: 'invalid postsubmit job my-job: job is set to report but has no context configured',
    },
    {
      name: 'Mutually exclusive settings: always_run and run_if_changed',
      postsubmits: [{ name: 'a', context: 'foo', always_run: true, run_if_changed: '\\.go$' }],
      expectedError:
        'job a is set to always run but also declares run_if_changed targets, which are mutually exclusive',
    },
    {
      name: 'Mutually exclusive settings: always_run and skip_if_only_changed',
      postsubmits: [{ name: 'a', context: 'foo', always_run: true, skip_if_only_changed: '\\.go$' }],
      expectedError:
        'job a is set to always run but also declares skip_if_only_changed targets, which are mutually exclusive',
    },
    {
      name: 'Mutually exclusive settings: run_if_changed and skip_if_only_changed',
      postsubmits: [{ name: 'a', context: 'foo', run_if_changed: '\\.go$', skip_if_only_changed: '\\.md' }],
      expectedError: 'job a declares run_if_changed and skip_if_only_changed, which are mutually exclusive',
    },
  ];
  it.each(cases)('$name', ({ postsubmits, expectedError }) => {
    expect(errorOf(validatePostsubmits(postsubmits, settings))).toBe(expectedError);
  });
});

describe('TestValidatePeriodics (the cases the port implements)', () => {
  const cases: { name: string; periodics: DecodedPeriodic[]; expectedError: string }[] = [
    {
      name: 'Duplicate jobname causes error',
      periodics: [
        { name: 'a', interval: '6h' },
        { name: 'a', interval: '12h' },
      ],
      expectedError: 'duplicated periodic job: a',
    },
    {
      name: 'Mutually exclusive settings: cron and interval',
      periodics: [{ name: 'a', interval: '6h', cron: '0 * * * *' }],
      expectedError: 'cron, interval, and minimum_interval are mutually exclusive in periodic a',
    },
    {
      name: 'None of cron, interval, minimum_interval',
      periodics: [{ name: 'a' }],
      expectedError: 'at least one of cron, interval, or minimum_interval must be set in periodic a',
    },
    {
      name: 'Invalid interval',
      periodics: [{ name: 'a', interval: '6 hours' }],
      expectedError: 'cannot parse duration for a: time: invalid duration "6 hours"',
    },
    {
      name: 'Retry without interval',
      periodics: [{ name: 'a', cron: '@daily', retry: { attempts: 2 } }],
      expectedError: 'cannot parse Retry duration for a: time: invalid duration ""',
    },
  ];
  it.each(cases)('$name', ({ periodics, expectedError }) => {
    expect(errorOf(validatePeriodics(periodics, settings))).toBe(expectedError);
  });
});

describe('TestReadJobConfigProwIgnore', () => {
  const job = (repo: string, name: string): string =>
    `presubmits:\n  org/${repo}:\n  - name: ${name}\n    spec:\n      containers:\n      - image: my-image:latest\n        command: ["do-the-thing"]`;
  const commonFiles = {
    'foo_jobs.yaml': job('foo', 'foo_1'),
    'bar_jobs.yaml': job('bar', 'bar_1'),
    'subdir/baz_jobs.yaml': job('baz', 'baz_1'),
    'extraneous.md': 'I am unrelated.',
  };
  const cases: { name: string; ignoreFiles: Record<string, string>; expected: string[] }[] = [
    { name: 'no ignore files', ignoreFiles: {}, expected: ['foo_1', 'bar_1', 'baz_1'] },
    { name: 'ignore file present, all ignored', ignoreFiles: { '.prowignore': '*.yaml' }, expected: [] },
    {
      name: 'ignore file present, no match',
      ignoreFiles: { '.prowignore': '*_ignored.yaml' },
      expected: ['foo_1', 'bar_1', 'baz_1'],
    },
    {
      name: 'ignore file present, matches bar file',
      ignoreFiles: { '.prowignore': 'bar_*.yaml' },
      expected: ['foo_1', 'baz_1'],
    },
    {
      name: 'ignore file present, matches subdir',
      ignoreFiles: { '.prowignore': 'subdir/' },
      expected: ['foo_1', 'bar_1'],
    },
    {
      name: 'ignore file present, matches bar and subdir',
      ignoreFiles: { '.prowignore': 'subdir/\nbar_jobs.yaml' },
      expected: ['foo_1'],
    },
    {
      name: 'ignore file in subdir, matches only subdir files',
      ignoreFiles: { 'subdir/.prowignore': '*.yaml' },
      expected: ['foo_1', 'bar_1'],
    },
    {
      name: 'ignore file in root and subdir, matches bar and subdir',
      ignoreFiles: { 'subdir/.prowignore': '*.yaml', '.prowignore': 'bar_jobs.yaml' },
      expected: ['foo_1'],
    },
  ];
  let tree: ConfigTree;
  afterEach(() => tree.remove());

  it.each(cases)('$name', async ({ ignoreFiles, expected }) => {
    tree = configTree({ ...commonFiles, ...ignoreFiles });
    const walk = await walkJobConfigDir(tree.root);
    expect(walk.problems).toEqual([]);
    const names = walk.files.flatMap((file) => {
      const parsed = parseConfigText(readFileSync(file, 'utf8'), 'job');
      return Object.values((parsed.value as DecodedJobConfig).presubmits ?? {}).flatMap((jobs) =>
        jobs.map((j) => j.name),
      );
    });
    expect(new Set(names)).toEqual(new Set(expected));
  });

  it('lets a deeper .prowignore re-include what a higher one ignores (go-gitignore repository mode)', async () => {
    tree = configTree({ ...commonFiles, '.prowignore': '*.yaml', 'subdir/.prowignore': '!baz_jobs.yaml' });
    expect((await walkJobConfigDir(tree.root)).files).toEqual([tree.path('subdir/baz_jobs.yaml')]);
  });
});

describe('TestBrancher_Intersects', () => {
  const cases: { name: string; a: Brancher; b: Brancher; result: boolean }[] = [
    { name: 'TwodifferentBranches', a: { branches: ['a'] }, b: { branches: ['b'] }, result: false },
    { name: 'Opposite', a: { skip_branches: ['b'] }, b: { branches: ['b'] }, result: false },
    { name: 'BothRunOnAllBranches', a: {}, b: {}, result: true },
    { name: 'RunsOnAllBranchesAndSpecified', a: {}, b: { branches: ['b'] }, result: true },
    {
      name: 'SkipBranchesAndSet',
      a: { skip_branches: ['a', 'b', 'c'] },
      b: { branches: ['a'] },
      result: false,
    },
    { name: 'SkipBranchesAndSet', a: { branches: ['c'] }, b: { branches: ['a'] }, result: false },
    {
      name: 'BothSkipBranches',
      a: { skip_branches: ['a', 'b', 'c'] },
      b: { skip_branches: ['d', 'e', 'f'] },
      result: true,
    },
    {
      name: 'BothSkipCommonBranches',
      a: { skip_branches: ['a', 'b', 'c'] },
      b: { skip_branches: ['b', 'e', 'f'] },
      result: true,
    },
    {
      name: 'NoIntersectionBecauseRegexSkip',
      a: { skip_branches: ['release-\\d+\\.\\d+'] },
      b: { branches: ['release-1.14', 'release-1.13'] },
      result: false,
    },
    {
      name: 'IntersectionDespiteRegexSkip',
      a: { skip_branches: ['release-\\d+\\.\\d+'] },
      b: { branches: ['release-1.14', 'master'] },
      result: true,
    },
  ];
  it.each(cases)('$name', ({ a, b, result }) => {
    expect(branchersIntersect(a, b)).toBe(result);
    expect(branchersIntersect(b, a)).toBe(result);
  });
});
