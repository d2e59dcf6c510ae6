import type { IndexedPresubmit, PresubmitsByRepo } from '../../src/config/types';
import { diffConfigs } from '../../src/reconcile/diff';
import { planChange, resolveTriggerPresubmits, type PlanOptions } from '../../src/reconcile/plan';
import { presubmit } from './prow-yaml';

const before: PresubmitsByRepo<IndexedPresubmit> = {
  'org/repo': [
    presubmit({ name: 'required-job', context: 'required-job', always_run: true, branches: ['main'] }),
    presubmit({
      name: 'other-required-job',
      context: 'other-required-job',
      always_run: true,
      skip_branches: ['old'],
    }),
  ],
  'org/quiet': [presubmit({ name: 'same', context: 'same', always_run: true })],
};
const after: PresubmitsByRepo<IndexedPresubmit> = {
  'org/repo': [
    presubmit({
      name: 'other-required-job',
      context: 'new-context',
      always_run: true,
      skip_branches: ['new'],
    }),
    presubmit({ name: 'new-required-job', context: 'new-required-context', always_run: true }),
  ],
  'org/quiet': [presubmit({ name: 'same', context: 'same', always_run: true })],
};

describe('planChange', () => {
  it('plans trigger, retire (old branch filter) and migrate (old branch filter), omitting quiet repositories', () => {
    expect(planChange(diffConfigs(before, after))).toEqual({
      repos: [
        {
          repo: 'org/repo',
          org: 'org',
          name: 'repo',
          trigger: ['new-required-job'],
          retire: [{ job: 'required-job', context: 'required-job', branches: ['main'] }],
          migrate: [
            {
              job: 'other-required-job',
              from: 'other-required-job',
              to: 'new-context',
              skip_branches: ['old'],
            },
          ],
        },
      ],
      skipped: [],
      totals: { repos: 1, trigger: 1, retire: 1, migrate: 1 },
      errors: [],
    });
  });

  interface DenyCase {
    name: string;
    options: PlanOptions;
    trigger: string[];
    retire: number;
    migrate: number;
    skipped?: string;
  }
  const cases: DenyCase[] = [
    {
      name: 'R23: --denylist org blocks only triggering',
      options: { denylist: ['org'] },
      trigger: [],
      retire: 1,
      migrate: 1,
      skipped: 'denylist',
    },
    {
      name: 'R23: --denylist org/repo blocks only triggering',
      options: { denylist: ['org/repo'] },
      trigger: [],
      retire: 1,
      migrate: 1,
      skipped: 'denylist',
    },
    {
      name: 'R25: --denylist matches exact strings only',
      options: { denylist: ['or', 'org/*', 'org/rep'] },
      trigger: ['new-required-job'],
      retire: 1,
      migrate: 1,
    },
  ];
  it.each(cases)('$name', ({ options, trigger, retire, migrate, skipped }) => {
    const plan = planChange(diffConfigs(before, after), options);
    expect(plan.repos).toHaveLength(1);
    const repo = plan.repos[0];
    expect(repo?.trigger).toEqual(trigger);
    expect(repo?.retire).toHaveLength(retire);
    expect(repo?.migrate).toHaveLength(migrate);
    expect(repo?.skipped).toBe(skipped);
  });

  it.each([['org'], ['org/repo']])('R24: --denylist-all %s blocks all phases', (entry) => {
    const plan = planChange(diffConfigs(before, after), { denylistAll: [entry] });
    expect(plan.repos).toEqual([]);
    expect(plan.skipped).toEqual([{ repo: 'org/repo', reason: 'denylist-all' }]);
    expect(plan.totals).toEqual({ repos: 0, trigger: 0, retire: 0, migrate: 0 });
  });

  it('a denylisted repository with only added presubmits gets no activity', () => {
    const onlyAdded = {
      ...before,
      'org/repo': [
        ...(before['org/repo'] ?? []),
        presubmit({ name: 'new', context: 'new', always_run: true }),
      ],
    };
    const plan = planChange(diffConfigs(before, onlyAdded), { denylist: ['org'] });
    expect(plan.repos).toEqual([]);
    expect(plan.skipped).toEqual([{ repo: 'org/repo', reason: 'denylist' }]);
  });

  it('R12/R19: a key that is not org/repo is a plan error, whatever the phase', () => {
    const badBefore = { ...before, nonsense: [presubmit({ name: 'x', context: 'x', always_run: true })] };
    const badAfter = { ...after, nonsense: [presubmit({ name: 'x', context: 'x', always_run: true })] };
    const plan = planChange(diffConfigs(badBefore, badAfter));
    expect(plan.errors).toEqual(['string "nonsense" can not be interpreted as org/repo']);
    expect(plan.repos.map((r) => r.repo)).toEqual(['org/repo']);
  });

  it('R12: a key only in After with added presubmits (Q1 option) is a plan error too', () => {
    const plan = planChange(
      diffConfigs(
        before,
        { ...after, bad: [presubmit({ name: 'x', context: 'x', always_run: true })] },
        { triggerNewRepos: true },
      ),
    );
    expect(plan.errors).toEqual(['string "bad" can not be interpreted as org/repo']);
  });

  it('splits the key on the first slash', () => {
    const plan = planChange(
      diffConfigs({ 'org/repo/extra': [presubmit({ name: 'a', context: 'a' })] }, { 'org/repo/extra': [] }),
    );
    expect(plan.repos[0]).toMatchObject({ repo: 'org/repo/extra', org: 'org', name: 'repo/extra' });
  });
});

describe('resolveTriggerPresubmits', () => {
  it('takes the triggerable entries of the named jobs from the newest config, each once, in config order', () => {
    const newest = [
      presubmit({ name: 'b', context: 'b', always_run: true }),
      presubmit({ name: 'a', context: 'a', always_run: true, branches: ['main'] }),
      presubmit({ name: 'a', context: 'a', always_run: false, branches: ['release'] }),
      presubmit({ name: 'c', context: 'c', always_run: true }),
    ];
    expect(resolveTriggerPresubmits(newest, ['a', 'b'])).toEqual([newest[0], newest[1]]);
  });
});
