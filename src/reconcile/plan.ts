import { contextRequired, needsExplicitTrigger } from '../config/presubmit-index/presubmit';
import type { Brancher, IndexedPresubmit } from '../config/types';
import { compareStrings, type ConfigDiff } from './diff';

/**
 * The per-repository plan of one transition: what the trigger, retire and migrate phases will do, after the
 * key rules (R12, R19) and the denylists (R23–R25). It is small on purpose: it travels through Temporal
 * workflow history and is what operators see and approve. Job definitions are not in it; the activity takes
 * them from the newest config (`resolveTriggerPresubmits`).
 */

/** A context to retire, with the OLD presubmit's branch filter (R20.1). */
export interface RetireItem extends Brancher {
  job: string;
  context: string;
}

/** A context to move, with the OLD presubmit's branch filter (R22.2). */
export interface MigrateItem extends Brancher {
  job: string;
  from: string;
  to: string;
}

/**
 * Why (part of) a repository is not acted on: `denylist` blocks only its trigger phase (R23), `denylist-all`
 * blocks all three phases (R24).
 */
export type SkipReason = 'denylist' | 'denylist-all';

export interface RepoPlan {
  /** `org/repo` */
  repo: string;
  org: string;
  name: string;
  /** Names of the added presubmits to trigger, in config order. */
  trigger: string[];
  retire: RetireItem[];
  migrate: MigrateItem[];
  /** `denylist` when the trigger phase was blocked but retire or migrate still have work here. */
  skipped?: SkipReason;
}

/** A repository the diff touched that gets no activity at all because of a denylist. */
export interface SkippedRepo {
  repo: string;
  reason: SkipReason;
}

export interface PlanTotals {
  /** Repositories with something to do: `repos.length`. */
  repos: number;
  trigger: number;
  retire: number;
  migrate: number;
}

export interface ChangePlan {
  /** Repositories with work, one per-repository activity each, sorted by `repo`. */
  repos: RepoPlan[];
  /** Repositories with changes that a denylist blocks completely, sorted by `repo`. */
  skipped: SkippedRepo[];
  totals: PlanTotals;
  /** Keys that are not `org/repo` (R12, R19), one message per key, in Prow's wording. */
  errors: string[];
}

export interface PlanOptions {
  /** `--denylist`: org or org/repo whose added presubmits are not triggered (R23). */
  denylist?: readonly string[];
  /** `--denylist-all`: org or org/repo not reconciled at all (R24). */
  denylistAll?: readonly string[];
}

/** Prow's split of a key on the first `/` (R12): `org/` is a valid key (empty repo), `org` is not. */
export function parseRepoKey(key: string): { org: string; name: string } | undefined {
  const slash = key.indexOf('/');
  return slash < 0 ? undefined : { org: key.slice(0, slash), name: key.slice(slash + 1) };
}

export function badRepoKeyMessage(key: string): string {
  return `string ${JSON.stringify(key)} can not be interpreted as org/repo`;
}

/** R25: exact string match of `org` or `org/repo`; no wildcards, no regexes. */
function listed(list: readonly string[] | undefined, org: string, repo: string): boolean {
  return (list ?? []).some((entry) => entry === org || entry === repo);
}

function brancherOf(p: Brancher): Brancher {
  const b: Brancher = {};
  if (p.branches && p.branches.length > 0) b.branches = [...p.branches];
  if (p.skip_branches && p.skip_branches.length > 0) b.skip_branches = [...p.skip_branches];
  return b;
}

export function planChange(
  diff: ConfigDiff<IndexedPresubmit, IndexedPresubmit>,
  options: PlanOptions = {},
): ChangePlan {
  const keys = new Set([
    ...Object.keys(diff.added),
    ...Object.keys(diff.removed),
    ...Object.keys(diff.migrated),
  ]);
  const repos: RepoPlan[] = [];
  const skipped: SkippedRepo[] = [];
  const errors: string[] = [];
  for (const key of [...keys].sort(compareStrings)) {
    const added = Object.hasOwn(diff.added, key) ? (diff.added[key] ?? []) : [];
    const inBefore = Object.hasOwn(diff.removed, key) || Object.hasOwn(diff.migrated, key);
    const removed = Object.hasOwn(diff.removed, key) ? (diff.removed[key] ?? []) : [];
    const migrated = Object.hasOwn(diff.migrated, key) ? (diff.migrated[key] ?? []) : [];
    const parsed = parseRepoKey(key);
    if (!parsed) {
      // R12 reports a bad key only when it has added presubmits; R19 and R22.1 report every Before key,
      // even with nothing removed or migrated. Prow repeats the message per phase; once per key is enough.
      if (added.length > 0 || inBefore) errors.push(badRepoKeyMessage(key));
      continue;
    }
    if (listed(options.denylistAll, parsed.org, key)) {
      if (added.length + removed.length + migrated.length > 0)
        skipped.push({ repo: key, reason: 'denylist-all' });
      continue;
    }
    const repo: RepoPlan = {
      repo: key,
      org: parsed.org,
      name: parsed.name,
      trigger: [],
      retire: [],
      migrate: [],
    };
    if (listed(options.denylist, parsed.org, key)) {
      if (added.length > 0) repo.skipped = 'denylist';
    } else {
      repo.trigger = added.map((p) => p.name);
    }
    repo.retire = removed.map((p) => ({ job: p.name, context: p.context, ...brancherOf(p) }));
    repo.migrate = migrated.map((m) => ({
      job: m.to.name,
      from: m.from.context,
      to: m.to.context,
      ...brancherOf(m.from),
    }));
    if (hasWork(repo)) repos.push(repo);
    else if (repo.skipped) skipped.push({ repo: key, reason: repo.skipped });
  }
  return { repos, skipped, totals: totalsOf(repos), errors };
}

function totalsOf(repos: readonly RepoPlan[]): PlanTotals {
  const totals: PlanTotals = { repos: 0, trigger: 0, retire: 0, migrate: 0 };
  for (const r of repos) {
    totals.trigger += r.trigger.length;
    totals.retire += r.retire.length;
    totals.migrate += r.migrate.length;
    totals.repos++;
  }
  return totals;
}

/** Whether a repository plan has anything for the per-repository activity to do. */
export function hasWork(plan: RepoPlan): boolean {
  return plan.trigger.length + plan.retire.length + plan.migrate.length > 0;
}

/**
 * The full definitions of a plan's trigger names, from the newest config of that repository: the entries
 * with those names that are blocking and automatically triggered, in config order, each once. A name that
 * Prow allows several times on non-intersecting branches (R11) resolves to all its triggerable entries;
 * the branch filter then picks the one matching each PR.
 */
export function resolveTriggerPresubmits<P extends IndexedPresubmit>(
  newest: readonly P[],
  names: readonly string[],
): P[] {
  const wanted = new Set(names);
  return newest.filter((p) => wanted.has(p.name) && contextRequired(p) && !needsExplicitTrigger(p));
}
