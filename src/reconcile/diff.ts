import { contextRequired, needsExplicitTrigger } from '../config/presubmit-index/presubmit';
import type { IndexedPresubmit, PresubmitsByRepo } from '../config/types';

/**
 * The pure diff of two presubmit configurations (spec §6), Prow's `addedBlockingPresubmits`,
 * `removedPresubmits` and `migratedBlockingPresubmits` with our decisions Q1–Q3.
 *
 * Shapes follow Prow: every diff iterates over the repositories of Before and has an entry for each of them,
 * `[]` when nothing changed; jobs are matched by `name` within one `org/repo` key only, and config order is
 * kept (R11). The functions are generic so that `added` hands back the After objects themselves (full
 * `Presubmit`s when given) and `removed` the Before ones.
 */

export interface DiffOptions {
  /**
   * Q1: a repository absent from Before is diffed against an empty list, so its blocking, automatically
   * triggered presubmits count as added. Off by default, as in Prow. It never applies to a baseline: an
   * empty Before (Prow's first delta, R35) triggers nothing even with the option.
   */
  triggerNewRepos?: boolean;
}

export interface PresubmitMigration<
  B extends IndexedPresubmit = IndexedPresubmit,
  A extends IndexedPresubmit = B,
> {
  from: B;
  to: A;
}

export type MigrationsByRepo<
  B extends IndexedPresubmit = IndexedPresubmit,
  A extends IndexedPresubmit = B,
> = Record<string, PresubmitMigration<B, A>[]>;

export interface ConfigDiff<B extends IndexedPresubmit = IndexedPresubmit, A extends IndexedPresubmit = B> {
  added: PresubmitsByRepo<A>;
  removed: PresubmitsByRepo<B>;
  migrated: MigrationsByRepo<B, A>;
}

/** `status-reconciler diff --output json`: repositories with nothing omitted, names sorted. */
export interface ConfigDiffJson {
  added: Record<string, string[]>;
  removed: Record<string, string[]>;
  migrated: Record<string, { job: string; from: string; to: string }[]>;
}

/**
 * The presubmits of one key, or `undefined` when the key is absent. An own-property lookup, so a key such
 * as `constructor` or `__proto__` (possible in a malformed config, R12) never reads Object's prototype.
 */
export function presubmitsFor<P>(byRepo: Record<string, P[]>, repo: string): P[] | undefined {
  return Object.hasOwn(byRepo, repo) ? byRepo[repo] : undefined;
}

/** R7 with Q2 (always_run false → true is added) and Q3 (each After entry at most once). */
export function addedBlockingPresubmits<A extends IndexedPresubmit>(
  before: PresubmitsByRepo<IndexedPresubmit>,
  after: PresubmitsByRepo<A>,
  options: DiffOptions = {},
): PresubmitsByRepo<A> {
  const added: [string, A[]][] = [];
  for (const [repo, oldPresubmits] of Object.entries(before)) {
    added.push([repo, addedInRepo(oldPresubmits, presubmitsFor(after, repo) ?? [])]);
  }
  const isBaseline = Object.keys(before).length === 0;
  if (options.triggerNewRepos && !isBaseline) {
    for (const [repo, newPresubmits] of Object.entries(after)) {
      if (!Object.hasOwn(before, repo)) added.push([repo, addedInRepo([], newPresubmits)]);
    }
  }
  return Object.fromEntries(added);
}

/**
 * A repository's Before presubmits by name, each name's in config order. Prow scans the Before list for every
 * After presubmit; with 461 presubmits in kubernetes/kubernetes that scan was most of a diff's time.
 */
function byName<P extends IndexedPresubmit>(presubmits: P[]): Map<string, P[]> {
  const index = new Map<string, P[]>();
  for (const p of presubmits) {
    const same = index.get(p.name);
    if (same) same.push(p);
    else index.set(p.name, [p]);
  }
  return index;
}

function addedInRepo<A extends IndexedPresubmit>(oldPresubmits: IndexedPresubmit[], newPresubmits: A[]): A[] {
  const added: A[] = [];
  const oldByName = byName(oldPresubmits);
  for (const newPresubmit of newPresubmits) {
    if (!contextRequired(newPresubmit) || needsExplicitTrigger(newPresubmit)) continue;
    // Prow matches the first Before presubmit of the same name (R7.2, R11).
    const old = oldByName.get(newPresubmit.name)?.[0];
    // Not added: optional → required (its context already exists on PRs), branch, trigger, context or spec
    // changes (R7.3). A single push per entry is Q3: Prow appends twice when two reasons hold.
    if (
      old === undefined ||
      (old.skip_report && !newPresubmit.skip_report) ||
      (old.run_if_changed ?? '') !== (newPresubmit.run_if_changed ?? '') ||
      (old.skip_if_only_changed ?? '') !== (newPresubmit.skip_if_only_changed ?? '') ||
      (!old.always_run && newPresubmit.always_run)
    ) {
      added.push(newPresubmit);
    }
  }
  return added;
}

/**
 * R8: every Before presubmit whose name no longer exists in After, whatever its `optional`, `skip_report` or
 * `always_run`. A key missing from After removes all of that repository's presubmits; the blast-radius
 * guard (Q10), not the diff, decides whether that may proceed.
 */
export function removedPresubmits<B extends IndexedPresubmit>(
  before: PresubmitsByRepo<B>,
  after: PresubmitsByRepo<IndexedPresubmit>,
): PresubmitsByRepo<B> {
  return Object.fromEntries(
    Object.entries(before).map(([repo, oldPresubmits]) => {
      const newNames = new Set((presubmitsFor(after, repo) ?? []).map((p) => p.name));
      return [repo, oldPresubmits.filter((p) => !newNames.has(p.name))];
    }),
  );
}

/**
 * R9: for each blocking After presubmit, each Before presubmit of the same name with a different context
 * (the cross product, as Prow). Whether the job needs an explicit trigger does not matter, and the old one
 * may have been optional or non-reporting.
 */
export function migratedBlockingPresubmits<B extends IndexedPresubmit, A extends IndexedPresubmit>(
  before: PresubmitsByRepo<B>,
  after: PresubmitsByRepo<A>,
): MigrationsByRepo<B, A> {
  return Object.fromEntries(
    Object.entries(before).map(([repo, oldPresubmits]) => {
      const migrations: PresubmitMigration<B, A>[] = [];
      const oldByName = byName(oldPresubmits);
      for (const newPresubmit of presubmitsFor(after, repo) ?? []) {
        if (!contextRequired(newPresubmit)) continue;
        for (const old of oldByName.get(newPresubmit.name) ?? []) {
          if (old.context !== newPresubmit.context) migrations.push({ from: old, to: newPresubmit });
        }
      }
      return [repo, migrations];
    }),
  );
}

/** All three diffs of one transition. */
export function diffConfigs<B extends IndexedPresubmit, A extends IndexedPresubmit>(
  before: PresubmitsByRepo<B>,
  after: PresubmitsByRepo<A>,
  options: DiffOptions = {},
): ConfigDiff<B, A> {
  return {
    added: addedBlockingPresubmits(before, after, options),
    removed: removedPresubmits(before, after),
    migrated: migratedBlockingPresubmits(before, after),
  };
}

/** The `diff --output json` document: only repositories with something, keys and names sorted. */
export function diffToJson(diff: ConfigDiff<IndexedPresubmit, IndexedPresubmit>): ConfigDiffJson {
  const names = (byRepo: PresubmitsByRepo): Record<string, string[]> =>
    sortedNonEmpty(byRepo, (presubmits) => presubmits.map((p) => p.name).sort(compareStrings));
  return {
    added: names(diff.added),
    removed: names(diff.removed),
    migrated: sortedNonEmpty(diff.migrated, (migrations) =>
      migrations
        .map((m) => ({ job: m.to.name, from: m.from.context, to: m.to.context }))
        .sort(
          (a, b) =>
            compareStrings(a.job, b.job) || compareStrings(a.from, b.from) || compareStrings(a.to, b.to),
        ),
    ),
  };
}

function sortedNonEmpty<T, R>(byRepo: Record<string, T[]>, render: (items: T[]) => R[]): Record<string, R[]> {
  return Object.fromEntries(
    Object.keys(byRepo)
      .filter((repo) => (byRepo[repo] ?? []).length > 0)
      .sort(compareStrings)
      .map((repo) => [repo, render(byRepo[repo] ?? [])]),
  );
}

/** Code-unit order, as Go's `sort.Strings`, independent of the host's locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
