import type { IndexedPresubmit, PresubmitsByRepo, TriggerConfig } from '../../src/config/types';
import { diffConfigs, presubmitsFor, type DiffOptions } from '../../src/reconcile/diff';
import {
  planChange,
  resolveTriggerPresubmits,
  type ChangePlan,
  type PlanOptions,
} from '../../src/reconcile/plan';
import { reconcileRepository, type RepoOutcome, type RepositoryDeps } from '../../src/reconcile/repository';
import { retiredMovedTo, retiredWithoutReplacement } from '../../src/reconcile/status-decisions';
import { asPresubmit, type FakeGitHub } from './fake-github';

export interface DeltaOptions extends PlanOptions, DiffOptions {
  continueOnError: boolean;
  dryRun?: boolean;
  triggers?: TriggerConfig[];
}

export interface DeltaResult {
  plan: ChangePlan;
  outcomes: RepoOutcome[];
  errors: string[];
}

/**
 * What Prow's `Controller.reconcile(delta)` does, in the port's shape: diff, plan, then one
 * `reconcileRepository` per repository (the workflow's per-repository activity), in plan order. Without
 * `continueOnError` the first repository that reports an error stops the rest (§11).
 */
export async function reconcileDelta(
  before: PresubmitsByRepo<IndexedPresubmit>,
  after: PresubmitsByRepo<IndexedPresubmit>,
  deps: RepositoryDeps,
  options: DeltaOptions,
): Promise<DeltaResult> {
  const diffOptions: DiffOptions = options.triggerNewRepos ? { triggerNewRepos: true } : {};
  const plan = planChange(diffConfigs(before, after, diffOptions), options);
  const errors = [...plan.errors];
  const outcomes: RepoOutcome[] = [];
  for (const repoPlan of plan.repos) {
    const outcome = await reconcileRepository(deps, {
      org: repoPlan.org,
      name: repoPlan.name,
      trigger: resolveTriggerPresubmits(presubmitsFor(after, repoPlan.repo) ?? [], repoPlan.trigger).map(
        asPresubmit,
      ),
      retire: repoPlan.retire,
      migrate: repoPlan.migrate,
      triggers: options.triggers ?? [],
      dryRun: options.dryRun ?? false,
      continueOnError: options.continueOnError,
    });
    outcomes.push(outcome);
    errors.push(...outcome.errors);
    if (!options.continueOnError && outcome.errors.length > 0) break;
  }
  return { plan, outcomes, errors };
}

/**
 * Prow's fakeMigrator records, derived from the writes the fake GitHub received: `retired` holds each
 * context given the "retired without replacement" status, `migrated` each move that completed (its
 * "moved to" retire landed), per repository.
 */
export function migratorRecords(gh: FakeGitHub, repos: string[]) {
  const retired: Record<string, string[]> = Object.fromEntries(repos.map((r) => [r, []]));
  const migrated: Record<string, { from: string; to: string }[]> = Object.fromEntries(
    repos.map((r) => [r, []]),
  );
  for (const { repo, status } of gh.writes) {
    if (status.description === retiredWithoutReplacement) {
      const list = (retired[repo] ??= []);
      if (!list.includes(status.context)) list.push(status.context);
      continue;
    }
    const moved = /^Context retired\. Status moved to "(.*)"\.$/.exec(status.description ?? '');
    if (moved?.[1] !== undefined && status.description === retiredMovedTo(moved[1])) {
      const list = (migrated[repo] ??= []);
      if (!list.some((m) => m.from === status.context && m.to === moved[1])) {
        list.push({ from: status.context, to: moved[1] });
      }
    }
  }
  return { retired, migrated };
}
