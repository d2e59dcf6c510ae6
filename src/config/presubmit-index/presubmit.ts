import { branchListPattern, matchesUnanchored } from '../go/re2';
import type { Brancher, ChangeMatcher, IndexedPresubmit } from '../types';

/** Prow's `ContextRequired`: the context blocks merging (a "blocking" presubmit). */
export function contextRequired(p: Pick<IndexedPresubmit, 'optional' | 'skip_report'>): boolean {
  return !p.optional && !p.skip_report;
}

/** Prow's `CouldRun` of the change matcher: the job runs depending on the changed files. */
export function hasChangeFilter(p: ChangeMatcher): boolean {
  return Boolean(p.run_if_changed) || Boolean(p.skip_if_only_changed);
}

/** Prow's `NeedsExplicitTrigger`: nothing but a `/test` comment starts it. */
export function needsExplicitTrigger(p: Pick<IndexedPresubmit, 'always_run'> & ChangeMatcher): boolean {
  return !p.always_run && !hasChangeFilter(p);
}

/** Prow's `Brancher.ShouldRun` (R16): unanchored RE2 over the alternatives joined with `|` (Q12, re2.ts). */
export function runsOnBranch(b: Brancher, branch: string): boolean {
  const skip = b.skip_branches ?? [];
  const only = b.branches ?? [];
  if (skip.length > 0 && matchesUnanchored(branchListPattern(skip), branch)) return false;
  return only.length === 0 || matchesUnanchored(branchListPattern(only), branch);
}

/**
 * Prow's `RegexpChangeMatcher.ShouldRun` for a job with a change filter (R15.3): `run_if_changed` runs when
 * any file matches; `skip_if_only_changed` runs when any file does not match; no files, no run.
 */
export function runsForChanges(m: ChangeMatcher, changedFiles: readonly string[]): boolean {
  if (m.run_if_changed)
    return changedFiles.some((file) => matchesUnanchored(m.run_if_changed as string, file));
  if (m.skip_if_only_changed)
    return changedFiles.some((file) => !matchesUnanchored(m.skip_if_only_changed as string, file));
  return false;
}

/** Prow's `Brancher.Intersects` (V9): could two branch filters select the same branch? */
export function branchersIntersect(a: Brancher, b: Brancher): boolean {
  const aFilters = (a.branches?.length ?? 0) > 0 || (a.skip_branches?.length ?? 0) > 0;
  const bFilters = (b.branches?.length ?? 0) > 0 || (b.skip_branches?.length ?? 0) > 0;
  if (!aFilters || !bFilters) return true;
  const aBranches = a.branches ?? [];
  const bBranches = b.branches ?? [];
  if (aBranches.length > 0 && bBranches.length > 0) return aBranches.some((x) => bBranches.includes(x));
  if (aBranches.length > 0) return aBranches.some((branch) => runsOnBranch(b, branch));
  if (bBranches.length > 0) return bBranches.some((branch) => runsOnBranch(a, branch));
  return true;
}
