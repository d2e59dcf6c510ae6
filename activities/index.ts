import { Context, ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import { readStoredIndex, toWireIndex } from '../src/config/presubmit-index/index-codec';
import { LoadMemo } from '../src/config/load-memo';
import { ParseCache } from '../src/config/files/parse-cache';
import { openLoadCache } from '../src/config/load-cache-file';
import { QuietSave } from './quiet-save';
import {
  loadRetainedConfig,
  retainedMemoCodec,
  type RetainedConfig,
} from '../src/config/presubmit-index/retained-config';
import type { ConfigSource } from '../src/config/types';
import { createPresubmitTriggerer, plannedProwJobNames } from '../src/kubernetes/presubmit-triggerer';
import type { ProwJobCreator } from '../src/kubernetes/client';
import type { Logger } from '../src/log';
import { diffConfigs as diffPresubmits } from '../src/reconcile/diff';
import { blastRadiusVerdict } from '../src/reconcile/guard';
import { hasWork, planChange, resolveTriggerPresubmits, type RepoPlan } from '../src/reconcile/plan';
import {
  reconcileRepository as reconcileRepositoryCore,
  type RepoOutcome,
  type RepoProgress,
  type RepositoryGitHub,
} from '../src/reconcile/repository';
import type { Metrics } from '../src/metrics/metrics';
import type { ConfigSnapshot, DiffResult, DeploymentSettings, RepositoryResult } from '../workflows/types';

/** What the repository activity is given: one repository's plan of one change, recorded in history. */
export interface RepositoryActivityInput {
  plan: RepoPlan;
  baselineRevision: string;
  newestRevision: string;
  /** Only what a repository's work reads: the input is recorded in history once per repository. */
  options: Pick<DeploymentSettings, 'dryRun' | 'continueOnError'>;
  /**
   * Writes (and ProwJobs) to list in the result, the run's share of its history budget; the counts are
   * always complete. Absent from runs started before the budget existed.
   */
  listWrites?: number;
}

/**
 * The input as runs started before `plan` was named send it (the plan under `repo`, which everywhere else is
 * `org/repo`): still accepted, as their activities may be retried by a newer worker.
 */
export type LegacyRepositoryActivityInput = Omit<RepositoryActivityInput, 'plan'> & { repo: RepoPlan };

export interface ActivityDeps {
  configSource: ConfigSource;
  /** The GitHub side of one repository's work (clients are per org for a GitHub App). */
  github: (org: string, repo: string) => Promise<RepositoryGitHub>;
  /** The ProwJob client for a namespace (the config's `prowjob_namespace`). */
  prowJobs: (namespace: string) => ProwJobCreator;
  githubHost: string;
  log: Logger;
  metrics?: Metrics;
  /** How often a repository activity heartbeats its progress. */
  heartbeatIntervalMs?: number;
  /** Where the config's parse cache and load memo are saved for the next start (load-cache-file.ts). */
  configCacheDir?: string;
  /** How long no repository must have been reconciled before the cache is saved (default 10 s). */
  configCacheQuietMs?: number;
}

/** How long a worker waits, with no repository reconciled, before it saves the config load cache. */
const DEFAULT_CACHE_QUIET_MS = 10_000;

/** The config a run validated changed on disk before the run finished; the newer change will follow. */
export class ConfigSupersededError extends Error {
  override name = 'ConfigSupersededError';
}

/**
 * How a failed load leaves the load activity. Deterministic failures (the same files fail the same way)
 * are not retried: ConfigInvalidError (the config breaks a rule) and ConfigInternalError (the loader met an
 * exception it did not expect) become non-retryable ApplicationFailures of that type. Anything else, e.g.
 * ConfigReadError (an I/O error that may pass), is rethrown for the activity's retry policy.
 */
export function loadFailure(err: unknown): unknown {
  if (err instanceof Error && (err.name === 'ConfigInvalidError' || err.name === 'ConfigInternalError'))
    return ApplicationFailure.nonRetryable(err.message, err.name);
  return err;
}

/**
 * Activities are thin: they read facts (files, GitHub, Kubernetes), call the pure core in src/, and write.
 * Built by a factory that takes their dependencies, so tests inject doubles.
 */
export function createActivities(deps: ActivityDeps) {
  // The last loaded config: a run's load, diff and repository activities usually share a worker. One change
  // runs at a time, so no other is needed.
  let latest: RetainedConfig | undefined;

  // Re-parses only the files a change touched (a typical change touches 1–3 of hundreds), and re-checks only
  // the repositories whose jobs those files hold.
  // Saved after each good load, so that a restarted worker's first load is a reload too.
  const saved = deps.configCacheDir
    ? openLoadCache(deps.configCacheDir, retainedMemoCodec, { logger: deps.log })
    : undefined;
  const quietSave = new QuietSave(
    async () => (await saved)?.save(),
    deps.configCacheQuietMs ?? DEFAULT_CACHE_QUIET_MS,
  );
  const parseCache = new ParseCache();
  const loadMemo = new LoadMemo();
  const loadCurrent = async (): Promise<RetainedConfig> => {
    // Released first, so a worker never holds the old config and the one being loaded at once.
    latest = undefined;
    const persistent = await saved;
    latest = await loadRetainedConfig(deps.configSource, {
      cache: persistent?.cache ?? parseCache,
      memo: persistent?.memo ?? loadMemo,
      logger: deps.log,
    });
    if (persistent) quietSave.request();
    return latest;
  };

  /** The newest config of a run by its revision: from memory, or reloaded when it is still on disk. */
  const configAt = async (revision: string): Promise<RetainedConfig> => {
    if (latest?.index.revision === revision) return latest;
    const current = await loadCurrent();
    if (current.index.revision !== revision)
      throw new ConfigSupersededError(
        `config ${revision} is no longer on disk (now ${current.index.revision}); the newer change will be reconciled next`,
      );
    return current;
  };

  /** reconcileRepository's work (below). */
  const reconcileOne = async (
    input: RepositoryActivityInput | LegacyRepositoryActivityInput,
  ): Promise<RepositoryResult> => {
    const context = Context.current();
    const listWrites = input.listWrites ?? (input.options.dryRun ? 1_000 : 50);
    const started = Date.now();
    const plan = 'plan' in input ? input.plan : input.repo;
    const { options } = input;
    const config = await configAt(input.newestRevision);
    const resumeFrom = context.info.heartbeatDetails as RepoProgress | undefined;
    let progress: RepoProgress = resumeFrom ?? { trigger: [], statuses: [] };
    const heartbeat = setInterval(() => context.heartbeat(progress), deps.heartbeatIntervalMs ?? 5_000);
    const log = deps.log.child({ repo: plan.repo, attempt: context.info.attempt });
    const signal = context.cancellationSignal;
    let outcome: RepoOutcome;
    try {
      outcome = await reconcileRepositoryCore(
        {
          ...(await deps.github(plan.org, plan.name)),
          triggerer: createPresubmitTriggerer({
            creator: deps.prowJobs(config.prowjobNamespace),
            baselineRevision: input.baselineRevision,
            namespace: config.prowjobNamespace,
            schedulerEnabled: config.schedulerEnabled,
            githubHost: deps.githubHost,
            now: () => new Date(),
            signal,
          }),
          planJobNames: (req) => plannedProwJobNames(input.baselineRevision, req),
          log,
        },
        {
          org: plan.org,
          name: plan.name,
          trigger: plan.trigger.length
            ? resolveTriggerPresubmits(config.presubmitsOf(plan.repo), plan.trigger)
            : [],
          retire: plan.retire,
          migrate: plan.migrate,
          triggers: config.triggers,
          dryRun: options.dryRun,
          continueOnError: options.continueOnError,
          resumeFrom,
        },
        {
          signal,
          onPullRequestDone: (state) => {
            progress = state.done;
            context.heartbeat(progress);
          },
        },
      );
    } catch (err) {
      deps.metrics?.repositoryReconcileDuration.observe({ outcome: 'error' }, (Date.now() - started) / 1000);
      throw err;
    } finally {
      clearInterval(heartbeat);
    }
    if (signal.aborted) {
      // Cancelled between GitHub calls: the cancellation carries what was done, for the run to report.
      log.info('repository cancelled', {
        written: outcome.statusWrites.length,
        triggered: outcome.triggered.length,
      });
      if (!options.dryRun) recordMetrics(deps.metrics, plan, { ...outcome, errors: ['cancelled'] });
      throw new CancelledFailure('cancelled by an operator', [compact(outcome, listWrites)]);
    }
    if (!options.dryRun) recordMetrics(deps.metrics, plan, outcome);
    deps.metrics?.repositoryReconcileDuration.observe(
      { outcome: outcome.errors.length ? 'error' : 'ok' },
      (Date.now() - started) / 1000,
    );
    const result = compact(outcome, listWrites);
    if (outcome.errors.length > 0) {
      // Retried by the activity's policy; the writes already made are found again and not repeated.
      throw ApplicationFailure.retryable(
        `${outcome.errors.length} error(s) in ${plan.repo}: ${outcome.errors.slice(0, 10).join('; ')}`,
        'RepositoryReconcileError',
        result,
      );
    }
    return result;
  };

  return {
    /** Loads and validates the config files; any config error fails the run (fail closed, kubernetes-sigs/prow#540). */
    async loadAndValidateConfig(input: { sourceRevision?: string }): Promise<ConfigSnapshot> {
      let config: RetainedConfig;
      try {
        config = await loadCurrent();
      } catch (err) {
        // The failures counter follows the controller's count (one per failed run, on every worker).
        deps.metrics?.configLastLoadSuccessful.set(0);
        deps.log.error('config invalid; nothing will be done', {
          error: err,
          sourceRevision: input.sourceRevision,
        });
        throw loadFailure(err);
      }
      const presubmitCount = Object.values(config.index.repos).reduce((n, list) => n + list.length, 0);
      deps.metrics?.loadedPresubmitCount.set(presubmitCount);
      deps.metrics?.configLastLoadSuccessful.set(1);
      deps.metrics?.configLastLoadSuccessTimestamp.set(Date.now() / 1000);
      return {
        revision: config.index.revision,
        configVersion: config.index.configVersion,
        sourceRevision: input.sourceRevision,
        presubmitCount,
        repoCount: Object.keys(config.index.repos).length,
        index: toWireIndex(config.index),
      };
    },

    /** Observes a finished run's duration (a local activity: workflow code never touches metrics). */
    async recordRunOutcome(input: { outcome: string; durationMs: number }): Promise<void> {
      deps.metrics?.reconcileRunDuration.observe({ outcome: input.outcome }, input.durationMs / 1000);
    },

    /** Added, removed and migrated presubmits per repository, as a plan, with the blast-radius verdict. */
    async diffConfigs(input: {
      baseline: ConfigSnapshot;
      newestRevision: string;
      options: DeploymentSettings;
    }): Promise<DiffResult> {
      // The baseline's index in either form: plain JSON, or a controller's older gzip+base64 string.
      const before = readStoredIndex(input.baseline.index);
      const after = (await configAt(input.newestRevision)).index;
      const diff = diffPresubmits(before.repos, after.repos, {
        triggerNewRepos: input.options.triggerNewRepos,
      });
      const plan = planChange(diff, {
        denylist: input.options.denylist,
        denylistAll: input.options.denylistAll,
      });
      const verdict = blastRadiusVerdict(before.repos, after.repos, plan, input.options.guard);
      const count = (byRepo: Record<string, unknown[]>): number =>
        Object.values(byRepo).reduce((n, list) => n + list.length, 0);
      return {
        plan,
        verdict,
        counts: {
          added: count(diff.added),
          removed: count(diff.removed),
          migrated: count(diff.migrated),
          repositories: plan.repos.filter(hasWork).length,
        },
      };
    },

    /**
     * Trigger, retire and migrate in one repository (Prow's phase order), listing its open PRs once and reading
     * each PR's combined status once. Idempotent: deterministic ProwJob names and status checks before every
     * write. Heartbeats carry the PRs done, so a retry resumes; cancellation stops between GitHub calls.
     */
    reconcileRepository(
      input: RepositoryActivityInput | LegacyRepositoryActivityInput,
    ): Promise<RepositoryResult> {
      // No cache save starts while a repository is being reconciled (quiet-save.ts).
      return quietSave.during(() => reconcileOne(input));
    },
  };
}

function recordMetrics(metrics: Metrics | undefined, plan: RepoPlan, outcome: RepoOutcome): void {
  if (!metrics) return;
  const labels = { org: plan.org, repo: plan.name };
  for (const write of outcome.statusWrites)
    if (write.result === 'written') metrics.statusesWritten.inc({ ...labels, kind: write.phase });
  for (const job of outcome.triggered)
    if (job.result !== 'planned') metrics.prowJobsCreated.inc({ ...labels, kind: job.result });
  // The seed change's counter: one per removed context retired in a repository, not per status (spec §14.2).
  if (outcome.errors.length === 0) metrics.contextsRetired.inc(labels, plan.retire.length);
}

function compact(outcome: RepoOutcome, maxListed: number): RepositoryResult {
  const count = <T>(list: T[], pick: (t: T) => boolean): number => list.filter(pick).length;
  return {
    repo: outcome.repo,
    prowJobs: outcome.triggered.slice(0, maxListed),
    statusWrites: outcome.statusWrites
      .slice(0, maxListed)
      .map(({ targetUrl: _targetUrl, ...write }) => write),
    counts: {
      prowJobsCreated: count(outcome.triggered, (j) => j.result === 'created'),
      prowJobsExisting: count(outcome.triggered, (j) => j.result === 'exists'),
      prowJobsPlanned: count(outcome.triggered, (j) => j.result === 'planned'),
      statusesWritten: count(outcome.statusWrites, (w) => w.result === 'written'),
      statusesPlanned: count(outcome.statusWrites, (w) => w.result === 'planned'),
      pullRequests: outcome.reads.combinedStatus,
      pullRequestsAffected: new Set([
        ...outcome.triggered.map((j) => j.pr),
        ...outcome.statusWrites.map((w) => w.pr),
      ]).size,
    },
    truncated: outcome.triggered.length > maxListed || outcome.statusWrites.length > maxListed,
    errors: outcome.errors.slice(0, 20),
  };
}
