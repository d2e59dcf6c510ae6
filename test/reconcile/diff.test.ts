import type { IndexedPresubmit, PresubmitsByRepo } from '../../src/config/types';
import {
  addedBlockingPresubmits,
  diffConfigs,
  diffToJson,
  migratedBlockingPresubmits,
  removedPresubmits,
  type MigrationsByRepo,
} from '../../src/reconcile/diff';
import { presubmit, presubmitsFromYaml } from './prow-yaml';

// Ported from kubernetes-sigs/prow pkg/statusreconciler/controller_test.go (spec §15.1), same case names.

interface DiffCase<T> {
  name: string;
  old: string;
  new: string;
  expected: T;
}

describe('TestAddedBlockingPresubmits', () => {
  const cases: DiffCase<PresubmitsByRepo>[] = [
    {
      name: 'no change in blocking presubmits means no added blocking jobs',
      old: `"org/repo":
- name: old-job
  context: old-context
  always_run: true`,
      new: `"org/repo":
- name: old-job
  context: old-context
  always_run: true`,
      expected: { 'org/repo': [] },
    },
    {
      name: 'added optional presubmit means no added blocking jobs',
      old: `"org/repo":
- name: old-job
  context: old-context
  always_run: true`,
      new: `"org/repo":
- name: old-job
  context: old-context
  always_run: true
- name: new-job
  context: new-context
  always_run: true
  optional: true`,
      expected: { 'org/repo': [] },
    },
    {
      name: 'added non-reporting presubmit means no added blocking jobs',
      old: `"org/repo":
- name: old-job
  context: old-context
  always_run: true`,
      new: `"org/repo":
- name: old-job
  context: old-context
  always_run: true
- name: new-job
  context: new-context
  always_run: true
  skip_report: true`,
      expected: { 'org/repo': [] },
    },
    {
      name: 'added presubmit that needs a manual trigger means no added blocking jobs',
      old: `"org/repo":
- name: old-job
  context: old-context
  always_run: true`,
      new: `"org/repo":
- name: old-job
  context: old-context
  always_run: true
- name: new-job
  context: new-context
  always_run: false`,
      expected: { 'org/repo': [] },
    },
    {
      name: 'added required presubmit means added blocking jobs',
      old: `"org/repo":
- name: old-job
  context: old-context
  always_run: true`,
      new: `"org/repo":
- name: old-job
  context: old-context
  always_run: true
- name: new-job
  context: new-context
  always_run: true`,
      expected: { 'org/repo': [presubmit({ name: 'new-job', context: 'new-context', always_run: true })] },
    },
    {
      name: 'optional presubmit transitioning to required means no added blocking jobs',
      old: `"org/repo":
- name: old-job
  context: old-context
  always_run: true
  optional: true`,
      new: `"org/repo":
- name: old-job
  context: old-context
  always_run: true`,
      expected: { 'org/repo': [] },
    },
    {
      name: 'non-reporting presubmit transitioning to required means added blocking jobs',
      old: `"org/repo":
- name: old-job
  context: old-context
  always_run: true
  skip_report: true`,
      new: `"org/repo":
- name: old-job
  context: old-context
  always_run: true`,
      expected: { 'org/repo': [presubmit({ name: 'old-job', context: 'old-context', always_run: true })] },
    },
    {
      name: 'required presubmit transitioning run_if_changed means added blocking jobs',
      old: `"org/repo":
- name: old-job
  context: old-context
  run_if_changed: old-changes`,
      new: `"org/repo":
- name: old-job
  context: old-context
  run_if_changed: new-changes`,
      expected: {
        'org/repo': [presubmit({ name: 'old-job', context: 'old-context', run_if_changed: 'new-changes' })],
      },
    },
    {
      name: 'optional presubmit transitioning run_if_changed means no added blocking jobs',
      old: `"org/repo":
- name: old-job
  context: old-context
  run_if_changed: old-changes
  optional: true`,
      new: `"org/repo":
- name: old-job
  context: old-context
  run_if_changed: new-changes
  optional: true`,
      expected: { 'org/repo': [] },
    },
    {
      name: 'optional presubmit transitioning to required run_if_changed means added blocking jobs',
      old: `"org/repo":
- name: old-job
  context: old-context
  always_run: true
  optional: true`,
      new: `"org/repo":
- name: old-job
  context: old-context
  run_if_changed: changes`,
      expected: {
        'org/repo': [presubmit({ name: 'old-job', context: 'old-context', run_if_changed: 'changes' })],
      },
    },
    {
      name: 'required presubmit transitioning to new context means no added blocking jobs',
      old: `"org/repo":
- name: old-job
  context: old-context
  always_run: true`,
      new: `"org/repo":
- name: old-job
  context: new-context
  always_run: true`,
      expected: { 'org/repo': [] },
    },
    // Cases the port adds (spec §15.7).
    {
      name: 'Q2: required presubmit transitioning always_run false to true means added blocking jobs',
      old: `"org/repo":
- name: old-job
  context: old-context`,
      new: `"org/repo":
- name: old-job
  context: old-context
  always_run: true`,
      expected: { 'org/repo': [presubmit({ name: 'old-job', context: 'old-context', always_run: true })] },
    },
    {
      name: 'Q2: optional presubmit transitioning always_run false to true means no added blocking jobs',
      old: `"org/repo":
- name: old-job
  context: old-context
  optional: true`,
      new: `"org/repo":
- name: old-job
  context: old-context
  always_run: true
  optional: true`,
      expected: { 'org/repo': [] },
    },
    {
      name: 'Q2: optional presubmit transitioning to required (always_run unchanged) means no added blocking jobs',
      old: `"org/repo":
- name: old-job
  context: old-context
  run_if_changed: changes
  optional: true`,
      new: `"org/repo":
- name: old-job
  context: old-context
  run_if_changed: changes`,
      expected: { 'org/repo': [] },
    },
    {
      name: 'Q3: newly reporting presubmit whose run_if_changed also changed is added once',
      old: `"org/repo":
- name: old-job
  context: old-context
  run_if_changed: old-changes
  skip_report: true`,
      new: `"org/repo":
- name: old-job
  context: old-context
  run_if_changed: new-changes`,
      expected: {
        'org/repo': [presubmit({ name: 'old-job', context: 'old-context', run_if_changed: 'new-changes' })],
      },
    },
    {
      name: 'Q3: newly reporting presubmit whose always_run flipped too is added once',
      old: `"org/repo":
- name: old-job
  context: old-context
  skip_report: true`,
      new: `"org/repo":
- name: old-job
  context: old-context
  always_run: true`,
      expected: { 'org/repo': [presubmit({ name: 'old-job', context: 'old-context', always_run: true })] },
    },
    {
      name: 'skip_if_only_changed changing means added blocking jobs',
      old: `"org/repo":
- name: old-job
  context: old-context
  skip_if_only_changed: '^docs/'`,
      new: `"org/repo":
- name: old-job
  context: old-context
  skip_if_only_changed: '^(docs|site)/'`,
      expected: {
        'org/repo': [
          presubmit({ name: 'old-job', context: 'old-context', skip_if_only_changed: '^(docs|site)/' }),
        ],
      },
    },
    {
      name: 'Q1: a repository only in the new config is not triggered by default',
      old: `"org/repo":
- name: old-job
  context: old-context
  always_run: true`,
      new: `"org/repo":
- name: old-job
  context: old-context
  always_run: true
"org/new-repo":
- name: new-job
  context: new-job
  always_run: true`,
      expected: { 'org/repo': [] },
    },
  ];
  it.each(cases)('$name', ({ old, new: next, expected }) => {
    expect(addedBlockingPresubmits(presubmitsFromYaml(old), presubmitsFromYaml(next))).toEqual(expected);
  });

  it('returns the After objects themselves, full presubmits included', () => {
    const before = { 'org/repo': [presubmit({ name: 'a', context: 'a', always_run: true })] };
    const full = {
      ...presubmit({ name: 'b', context: 'b', always_run: true }),
      trigger: 't',
      spec: { x: 1 },
    };
    const added = addedBlockingPresubmits(before, { 'org/repo': [full] });
    expect(added['org/repo']?.[0]).toBe(full);
  });
});

describe('Q1: --trigger-new-repos', () => {
  const before = presubmitsFromYaml(`"org/repo":
- name: old-job
  context: old-context
  always_run: true`);
  const after = presubmitsFromYaml(`"org/repo":
- name: old-job
  context: old-context
  always_run: true
"org/new-repo":
- name: new-job
  context: new-job
  always_run: true
- name: new-optional
  context: new-optional
  always_run: true
  optional: true
- name: new-manual
  context: new-manual`);

  it('adds the blocking, automatically triggered presubmits of a repository only in After', () => {
    expect(addedBlockingPresubmits(before, after, { triggerNewRepos: true })).toEqual({
      'org/repo': [],
      'org/new-repo': [presubmit({ name: 'new-job', context: 'new-job', always_run: true })],
    });
  });

  it('never applies to a baseline (empty Before)', () => {
    expect(addedBlockingPresubmits({}, after, { triggerNewRepos: true })).toEqual({});
  });

  it('leaves retire and migrate alone', () => {
    const diff = diffConfigs(before, after, { triggerNewRepos: true });
    expect(diff.removed).toEqual({ 'org/repo': [] });
    expect(diff.migrated).toEqual({ 'org/repo': [] });
  });
});

describe('TestRemovedPresubmits', () => {
  const cases: DiffCase<PresubmitsByRepo>[] = [
    {
      name: 'no change in blocking presubmits means no removed jobs',
      old: `"org/repo":
- name: old-job
  context: old-context`,
      new: `"org/repo":
- name: old-job
  context: old-context`,
      expected: { 'org/repo': [] },
    },
    {
      name: 'removed optional presubmit means removed job',
      old: `"org/repo":
- name: old-job
  context: old-context
  optional: true`,
      new: `"org/repo": []`,
      expected: { 'org/repo': [presubmit({ name: 'old-job', context: 'old-context', optional: true })] },
    },
    {
      name: 'removed non-reporting presubmit means removed job',
      old: `"org/repo":
- name: old-job
  context: old-context
  skip_report: true`,
      new: `"org/repo": []`,
      expected: { 'org/repo': [presubmit({ name: 'old-job', context: 'old-context', skip_report: true })] },
    },
    {
      name: 'removed required presubmit means removed jobs',
      old: `"org/repo":
- name: old-job
  context: old-context`,
      new: `"org/repo": []`,
      expected: { 'org/repo': [presubmit({ name: 'old-job', context: 'old-context' })] },
    },
    {
      name: 'required presubmit transitioning to optional means no removed jobs',
      old: `"org/repo":
- name: old-job
  context: old-context`,
      new: `"org/repo":
- name: old-job
  context: old-context
  optional: true`,
      expected: { 'org/repo': [] },
    },
    {
      name: 'reporting presubmit transitioning to non-reporting means no removed jobs',
      old: `"org/repo":
- name: old-job
  context: old-context`,
      new: `"org/repo":
- name: old-job
  context: old-context
  skip_report: true`,
      expected: { 'org/repo': [] },
    },
    {
      // The diff is unchanged by Q10: the blast-radius guard is a separate step.
      name: 'all presubmits removed means removed jobs',
      old: `"org/repo":
- name: old-job
  context: old-context`,
      new: `{}`,
      expected: { 'org/repo': [presubmit({ name: 'old-job', context: 'old-context' })] },
    },
    {
      name: 'required presubmit transitioning to new context means no removed jobs',
      old: `"org/repo":
- name: old-job
  context: old-context`,
      new: `"org/repo":
- name: old-job
  context: new-context`,
      expected: { 'org/repo': [] },
    },
    {
      name: 'required presubmit transitioning run_if_changed means no removed jobs',
      old: `"org/repo":
- name: old-job
  context: old-context
  run_if_changed: old-changes`,
      new: `"org/repo":
- name: old-job
  context: old-context
  run_if_changed: new-changes`,
      expected: { 'org/repo': [] },
    },
    {
      name: 'optional presubmit transitioning to required run_if_changed means no removed jobs',
      old: `"org/repo":
- name: old-job
  context: old-context
  optional: true`,
      new: `"org/repo":
- name: old-job
  context: old-context
  run_if_changed: changes`,
      expected: { 'org/repo': [] },
    },
  ];
  it.each(cases)('$name', ({ old, new: next, expected }) => {
    expect(removedPresubmits(presubmitsFromYaml(old), presubmitsFromYaml(next))).toEqual(expected);
  });

  it('reads no prototype property for a key like "constructor"', () => {
    const before = { constructor: [presubmit({ name: 'a', context: 'a' })] };
    expect(removedPresubmits(before, {})).toEqual({ constructor: [presubmit({ name: 'a', context: 'a' })] });
  });
});

describe('TestMigratedBlockingPresubmits', () => {
  const cases: DiffCase<MigrationsByRepo>[] = [
    {
      name: 'no change in blocking presubmits means no migrated blocking jobs',
      old: `"org/repo":
- name: old-job
  context: old-context`,
      new: `"org/repo":
- name: old-job
  context: old-context`,
      expected: { 'org/repo': [] },
    },
    {
      name: 'removed optional presubmit means no migrated blocking jobs',
      old: `"org/repo":
- name: old-job
  context: old-context
  optional: true`,
      new: `"org/repo": []`,
      expected: { 'org/repo': [] },
    },
    {
      name: 'removed non-reporting presubmit means no migrated blocking jobs',
      old: `"org/repo":
- name: old-job
  context: old-context
  skip_report: true`,
      new: `"org/repo": []`,
      expected: { 'org/repo': [] },
    },
    {
      name: 'removed required presubmit means no migrated blocking jobs',
      old: `"org/repo":
- name: old-job
  context: old-context`,
      new: `"org/repo": []`,
      expected: { 'org/repo': [] },
    },
    {
      name: 'required presubmit transitioning to optional means no migrated blocking jobs',
      old: `"org/repo":
- name: old-job
  context: old-context`,
      new: `"org/repo":
- name: old-job
  context: old-context
  optional: true`,
      expected: { 'org/repo': [] },
    },
    {
      name: 'reporting presubmit transitioning to non-reporting means no migrated blocking jobs',
      old: `"org/repo":
- name: old-job
  context: old-context`,
      new: `"org/repo":
- name: old-job
  context: old-context
  skip_report: true`,
      expected: { 'org/repo': [] },
    },
    {
      name: 'all presubmits removed means no migrated blocking jobs',
      old: `"org/repo":
- name: old-job
  context: old-context`,
      new: `{}`,
      expected: { 'org/repo': [] },
    },
    {
      // Even though the job needs an explicit trigger (R9).
      name: 'required presubmit transitioning to new context means migrated blocking jobs',
      old: `"org/repo":
- name: old-job
  context: old-context`,
      new: `"org/repo":
- name: old-job
  context: new-context`,
      expected: {
        'org/repo': [
          {
            from: presubmit({ name: 'old-job', context: 'old-context' }),
            to: presubmit({ name: 'old-job', context: 'new-context' }),
          },
        ],
      },
    },
    {
      name: 'required presubmit transitioning run_if_changed means no removed blocking jobs',
      old: `"org/repo":
- name: old-job
  context: old-context
  run_if_changed: old-changes`,
      new: `"org/repo":
- name: old-job
  context: old-context
  run_if_changed: new-changes`,
      expected: { 'org/repo': [] },
    },
    {
      name: 'optional presubmit transitioning to required run_if_changed means no removed blocking jobs',
      old: `"org/repo":
- name: old-job
  context: old-context
  optional: true`,
      new: `"org/repo":
- name: old-job
  context: old-context
  run_if_changed: changes`,
      expected: { 'org/repo': [] },
    },
  ];
  it.each(cases)('$name', ({ old, new: next, expected }) => {
    expect(migratedBlockingPresubmits(presubmitsFromYaml(old), presubmitsFromYaml(next))).toEqual(expected);
  });
});

describe('diffToJson', () => {
  it('omits repositories with nothing, sorts repositories and names, renders migrations', () => {
    const before: PresubmitsByRepo<IndexedPresubmit> = {
      'z/repo': [presubmit({ name: 'keep', context: 'keep', always_run: true })],
      'a/repo': [
        presubmit({ name: 'zeta', context: 'zeta' }),
        presubmit({ name: 'alpha', context: 'alpha' }),
        presubmit({ name: 'moved', context: 'ci/old', always_run: true }),
      ],
    };
    const after: PresubmitsByRepo<IndexedPresubmit> = {
      'z/repo': [presubmit({ name: 'keep', context: 'keep', always_run: true })],
      'a/repo': [
        presubmit({ name: 'moved', context: 'ci/new', always_run: true }),
        presubmit({ name: 'new-b', context: 'new-b', always_run: true }),
        presubmit({ name: 'new-a', context: 'new-a', always_run: true }),
      ],
    };
    const json = diffToJson(diffConfigs(before, after));
    expect(json).toEqual({
      added: { 'a/repo': ['new-a', 'new-b'] },
      removed: { 'a/repo': ['alpha', 'zeta'] },
      migrated: { 'a/repo': [{ job: 'moved', from: 'ci/old', to: 'ci/new' }] },
    });
    expect(JSON.stringify(json)).toBe(
      '{"added":{"a/repo":["new-a","new-b"]},"removed":{"a/repo":["alpha","zeta"]},' +
        '"migrated":{"a/repo":[{"job":"moved","from":"ci/old","to":"ci/new"}]}}',
    );
  });

  it('is all empty for an unchanged config', () => {
    const config = { 'org/repo': [presubmit({ name: 'a', context: 'a', always_run: true })] };
    expect(diffToJson(diffConfigs(config, config))).toEqual({ added: {}, removed: {}, migrated: {} });
  });
});
