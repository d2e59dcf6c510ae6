import type { IndexedPresubmit, PresubmitsByRepo } from '../../src/config/types';
import { diffConfigs } from '../../src/reconcile/diff';
import { blastRadiusVerdict } from '../../src/reconcile/guard';
import type { GuardOptions } from '../../src/reconcile/guard-options';
import { planChange, type PlanOptions } from '../../src/reconcile/plan';
import { presubmit } from './prow-yaml';

function jobs(prefix: string, n: number): IndexedPresubmit[] {
  return Array.from({ length: n }, (_, i) =>
    presubmit({ name: `${prefix}-${i}`, context: `${prefix}-${i}`, always_run: true }),
  );
}

function verdict(
  before: PresubmitsByRepo,
  after: PresubmitsByRepo,
  guard: Partial<GuardOptions> = {},
  planOptions: PlanOptions = {},
) {
  return blastRadiusVerdict(before, after, planChange(diffConfigs(before, after), planOptions), guard);
}

// The removed upstream table TestControllerReconcileAllPresubmitsGuard (kubernetes-sigs/prow#628 at
// 2828ed9ef, spec §15.1): Prow refused; the port holds the change for approval (Q10 rule 1).
describe('TestControllerReconcileAllPresubmitsGuard', () => {
  const required = {
    'org/repo': [presubmit({ name: 'required-job', context: 'required-job', always_run: true })],
  };
  it('rejects dropping all presubmits (port: held)', () => {
    expect(verdict(required, {})).toEqual({
      held: true,
      reasons: ['org/repo: all 1 presubmits removed', '1 of 1 presubmits (100%) removed, over 10%'],
    });
  });
  it('allows unchanged presubmits', () => {
    expect(verdict(required, required)).toEqual({ held: false, reasons: [] });
  });
  it('allows empty presubmits to stay empty', () => {
    expect(verdict({}, {})).toEqual({ held: false, reasons: [] });
  });
});

describe('blast-radius guard (Q10)', () => {
  const big = { 'kubernetes/kops': jobs('kops', 12), 'kubernetes/kubernetes': jobs('k', 188) };

  it('a repository key disappearing is held regardless of thresholds', () => {
    const { 'kubernetes/kops': _gone, ...rest } = big;
    const v = verdict(big, rest, { maxRemovedFraction: 1, maxRepoRemovedFraction: 1 });
    expect(v).toEqual({ held: true, reasons: ['kubernetes/kops: all 12 presubmits removed'] });
  });

  it('a repository list becoming empty is held too', () => {
    const v = verdict(big, { ...big, 'kubernetes/kops': [] }, { maxRemovedFraction: 1 });
    expect(v.reasons).toEqual(['kubernetes/kops: all 12 presubmits removed']);
  });

  it('holds over the share of all presubmits', () => {
    const after = { ...big, 'kubernetes/kubernetes': jobs('k', 188).slice(25) };
    const v = verdict(big, after, { maxRepoRemovedFraction: 1 });
    expect(v).toEqual({ held: true, reasons: ['25 of 200 presubmits (12.5%) removed, over 10%'] });
  });

  it('allows up to the share of all presubmits', () => {
    const after = { ...big, 'kubernetes/kubernetes': jobs('k', 188).slice(20) };
    expect(verdict(big, after)).toEqual({ held: false, reasons: [] });
  });

  it('holds over the share of one repository', () => {
    const after = { ...big, 'kubernetes/kops': jobs('kops', 12).slice(7) };
    expect(verdict(big, after)).toEqual({
      held: true,
      reasons: ['kubernetes/kops: 7 of 12 presubmits (58.3%) removed, over 50%'],
    });
  });

  it('thresholds are configurable', () => {
    const after = { ...big, 'kubernetes/kops': jobs('kops', 12).slice(3) };
    expect(verdict(big, after).held).toBe(false);
    expect(verdict(big, after, { maxRepoRemovedFraction: 0.2 }).reasons).toEqual([
      'kubernetes/kops: 3 of 12 presubmits (25%) removed, over 20%',
    ]);
    expect(verdict(big, after, { maxRemovedFraction: 0.01 }).reasons).toEqual([
      '3 of 200 presubmits (1.5%) removed, over 1%',
    ]);
  });

  it('holds over a count of retired contexts, whatever their share (spec §3.4 rule 2)', () => {
    const after = { ...big, 'kubernetes/kubernetes': jobs('k', 188).slice(12) };
    expect(verdict(big, after).held).toBe(false);
    expect(verdict(big, after, { maxRemovedContexts: 11 })).toEqual({
      held: true,
      reasons: ['12 presubmit contexts to retire, over 11'],
    });
    expect(verdict(big, after, { maxRemovedContexts: 12 }).held).toBe(false);
  });

  it("holds a large config's change under the share limit by the default count of 500", () => {
    const huge = { 'org/huge': jobs('h', 10_000) };
    const after = { 'org/huge': jobs('h', 10_000).slice(501) };
    expect(verdict(huge, after).reasons).toEqual(['501 presubmit contexts to retire, over 500']);
    expect(verdict(huge, after, { maxRemovedContexts: 0 })).toEqual({ held: false, reasons: [] });
  });

  it('the enabled switch turns everything off, the whole-repository rule included', () => {
    expect(verdict(big, {}, { enabled: false })).toEqual({ held: false, reasons: [] });
  });

  it('migrations do not count', () => {
    const renamed = Object.fromEntries(
      Object.entries(big).map(([repo, list]) => [
        repo,
        list.map((p) => ({ ...p, context: `ci/${p.context}` })),
      ]),
    );
    expect(verdict(big, renamed)).toEqual({ held: false, reasons: [] });
  });

  it('--denylist-all repositories do not count (nothing would be retired there)', () => {
    expect(
      verdict(
        big,
        { 'kubernetes/kubernetes': big['kubernetes/kubernetes'] ?? [] },
        {},
        { denylistAll: ['kubernetes/kops'] },
      ),
    ).toEqual({
      held: false,
      reasons: [],
    });
  });

  it('--denylist (trigger only) repositories still count', () => {
    expect(
      verdict(
        big,
        { 'kubernetes/kubernetes': big['kubernetes/kubernetes'] ?? [] },
        {},
        { denylist: ['kubernetes'] },
      ).held,
    ).toBe(true);
  });
});
