import { silentLogger, type Logger } from '../log';
import { ConfigReader } from './files/config-reader';
import type { DecodedJobBase, DecodedPostsubmit, DecodedPresubmit } from './prow/decoded-config';
import { asLoadError, ConfigInvalidError, formatProblem, ConfigReadError } from './errors';
import { eventLoopTurns } from './event-loop-turns';
import { buildPresubmitIndex } from './presubmit-index/index-model';
import { emptyJobConfig, mergeJobFile, readJobConfig, type Sourced } from './prow/job-config';
import {
  defaultPeriodic,
  defaultPostsubmit,
  defaultPresubmit,
  type Defaulted,
  type DefaultedPostsubmit,
  type DefaultedPresubmit,
  type ProwSettings,
} from './prow/job-defaults';
import { jobRegexProblem, presubmitRegexProblem, type RegexProblem } from './prow/job-regexes';
import {
  periodicChecker,
  validatePostsubmitsYielding,
  validatePresubmitsYielding,
  type JobListProblem,
} from './prow/job-validation';
import { settingsKey, unchangedPeriodics, type LoadMemo } from './load-memo';
import type { ParseCache } from './files/parse-cache';
import { readTriggers } from './prow/plugin-config';
import { prowSettings, readConfigVersion, readProwConfig } from './prow/prow-config';
import type {
  ConfigProblem,
  ConfigSource,
  LoadedConfig,
  Presubmit,
  PresubmitIndex,
  PresubmitsByRepo,
} from './types';

/**
 * Loading and validating the Prow configuration the way Prow's `config.Load` does (V1–V12), failing
 * closed (V14): every problem of the whole configuration is collected and the load throws
 * ConfigInvalidError listing them, or ConfigReadError when an I/O error may pass on retry. A load never
 * returns a partial or empty configuration.
 */

export interface LoadOptions {
  /** Reuse decoded files across loads (keyed by content hash): a reload decodes only changed files. */
  cache?: ParseCache;
  logger?: Logger;
  /** With `cache`: re-check only the lists of jobs a change touched (loadRetainedConfig's, see load-memo.ts). */
  memo?: LoadMemo;
  /** Read files with synchronous calls: for a process that does nothing else meanwhile (check-config). */
  syncReads?: boolean;
}

/** The fields of a defaulted presubmit that Presubmit carries (everything but internal decode state). */
const CARRIED_FIELDS = [
  'namespace',
  'max_concurrency',
  'error_on_eviction',
  'labels',
  'annotations',
  'decorate',
  'decoration_config',
  'spec',
  'pipeline_run_spec',
  'tekton_pipeline_run_spec',
  'extra_refs',
  'reporter_config',
  'rerun_auth_config',
  'hidden',
  'prowjob_defaults',
  'job_queue_name',
  'path_alias',
  'clone_uri',
  'skip_submodules',
  'clone_depth',
  'skip_fetch_head',
  'run_before_merge',
] as const;

/** A defaulted presubmit as the shared model (types.ts): required fields set, the rest when present. */
export function toPresubmit(d: DefaultedPresubmit): Presubmit {
  const p: Presubmit = {
    name: d.name,
    context: d.context,
    always_run: d.always_run ?? false,
    optional: d.optional ?? false,
    skip_report: d.skip_report ?? false,
    trigger: d.trigger,
    rerun_command: d.rerun_command,
    agent: d.agent,
    cluster: d.cluster,
  };
  if (d.run_if_changed) p.run_if_changed = d.run_if_changed;
  if (d.skip_if_only_changed) p.skip_if_only_changed = d.skip_if_only_changed;
  if (d.branches && d.branches.length > 0) p.branches = d.branches;
  if (d.skip_branches && d.skip_branches.length > 0) p.skip_branches = d.skip_branches;
  const target = p as unknown as Record<string, unknown>;
  for (const field of CARRIED_FIELDS) if (d[field] !== undefined) target[field] = d[field];
  return p;
}

function located(list: readonly Sourced<DecodedJobBase>[], problem: JobListProblem): ConfigProblem {
  const file = problem.index !== undefined ? list[problem.index]?.file : list[0]?.file;
  const out: ConfigProblem = { message: problem.message };
  if (file) out.file = file;
  if (problem.job) out.job = problem.job;
  return out;
}

/** One repository's presubmits or postsubmits defaulted, then validated together; every problem goes to the reader. */
async function defaultAndValidate<T extends DecodedJobBase, D extends DecodedJobBase & { name: string }>(
  reader: ConfigReader,
  list: readonly Sourced<T>[],
  defaulter: (job: T) => Defaulted<D>,
  regexProblem: (name: string, job: D) => RegexProblem | undefined,
  validate: (jobs: D[]) => Promise<JobListProblem[]>,
  turn: () => Promise<void>,
): Promise<D[]> {
  const defaulted = await defaultAll(reader, list, defaulter, regexProblem, turn);
  for (const problem of await validate(defaulted)) reader.add(located(list, problem));
  return defaulted;
}

/**
 * Defaults one list of jobs, recording preset and regex errors (V6, V7), giving the event loop a turn
 * when a slice of work has taken long (a repository can hold 50,000 jobs).
 */
async function defaultAll<T extends DecodedJobBase, D extends DecodedJobBase & { name: string }>(
  reader: ConfigReader,
  list: readonly Sourced<T>[],
  defaulter: (job: T) => Defaulted<D>,
  regexProblem: (name: string, job: D) => RegexProblem | undefined,
  turn: () => Promise<void>,
): Promise<D[]> {
  const out: D[] = [];
  for (const sourced of list) {
    const file = sourced.file;
    reader.current = file;
    const defaulted = defaulter(sourced.job);
    const name = defaulted.job.name;
    const where = name ? { file, job: name } : { file };
    if (defaulted.error) reader.add({ ...where, message: defaulted.error });
    const regex = regexProblem(name, defaulted.job);
    if (regex) {
      reader.add({
        ...where,
        ...(regex.field ? { field: regex.field } : {}),
        message: `could not set regex: ${regex.message}`,
      });
    }
    out.push(defaulted.job);
    await turn();
  }
  return out;
}

/** Periodics have no branch or file regexes to compile. */
const noRegexes = (): undefined => undefined;

/**
 * Receives each repository's validated presubmits as the load finishes them, in sorted repository order;
 * `undefined` when a memo found them unchanged since its last successful load (the sink keeps what it had).
 * The load awaits what it returns, so a sink may give the event loop turns (`turn`) while it works.
 */
export type PresubmitSink = (
  repo: string,
  presubmits: Presubmit[] | undefined,
  turn: () => Promise<void>,
) => void | Promise<void>;

/**
 * Defaults and validates every job, one repository (or periodic) at a time: only the presubmits are kept,
 * handed to `keep` as each repository is done, so a load need not hold every defaulted job at once.
 */
async function finalizeJobs(
  reader: ConfigReader,
  settings: ProwSettings,
  jobs: ReturnType<typeof emptyJobConfig>,
  keep: PresubmitSink,
  memo?: LoadMemo,
): Promise<void> {
  const turn = eventLoopTurns();
  for (const repo of [...jobs.presubmits.keys()].sort()) {
    await turn();
    const list = jobs.presubmits.get(repo) ?? [];
    if (memo?.unchanged(`presubmits ${repo}`, list)) {
      await keep(repo, undefined, turn);
      continue;
    }
    const defaulted = await defaultAndValidate<DecodedPresubmit, DefaultedPresubmit>(
      reader,
      list,
      (job) => defaultPresubmit(job, repo, settings),
      presubmitRegexProblem,
      (jobs) => validatePresubmitsYielding(jobs, settings, turn),
      turn,
    );
    const presubmits: Presubmit[] = [];
    for (const job of defaulted) {
      presubmits.push(toPresubmit(job));
      await turn();
    }
    await keep(repo, presubmits, turn);
  }
  for (const repo of [...jobs.postsubmits.keys()].sort()) {
    await turn();
    const list = jobs.postsubmits.get(repo) ?? [];
    if (memo?.unchanged(`postsubmits ${repo}`, list)) continue;
    await defaultAndValidate<DecodedPostsubmit, DefaultedPostsubmit>(
      reader,
      list,
      (job) => defaultPostsubmit(job, repo, settings),
      jobRegexProblem,
      (jobs) => validatePostsubmitsYielding(jobs, settings, turn),
      turn,
    );
  }
  const skip = memo ? unchangedPeriodics(memo, jobs.periodics) : undefined;
  const checkPeriodic = periodicChecker(settings);
  for (const [index, sourced] of jobs.periodics.entries()) {
    if (skip?.has(index)) continue;
    const [periodic] = await defaultAll(
      reader,
      [sourced],
      (job) => defaultPeriodic(job, settings),
      noRegexes,
      turn,
    );
    for (const problem of periodic ? checkPeriodic(periodic, index) : [])
      reader.add(located(jobs.periodics, problem));
  }
}

/** What a load found besides the presubmits. */
export type LoadedSettings = Omit<LoadedConfig, 'index' | 'presubmits'> & { configVersion?: string };

/**
 * Loads and validates the configuration, handing each repository's presubmits to `keep`; throws
 * ConfigInvalidError or ConfigReadError (whatever `keep` received is then to be discarded).
 */
export async function loadPresubmits(
  source: ConfigSource,
  options: LoadOptions,
  keep: PresubmitSink,
): Promise<LoadedSettings> {
  const logger = options.logger ?? silentLogger;
  const reader = new ConfigReader(options.cache, options.syncReads);
  try {
    const prow = await readProwConfig(reader, source);
    const settings = prow && prowSettings(reader, source.configPath, prow);
    const jobs = emptyJobConfig();
    const prowKey = options.cache?.keyOf(prow);
    if (prow) mergeJobFile(reader, jobs, source.configPath, prow, { key: prowKey, jobs: () => prow });
    await readJobConfig(reader, source.jobConfigPath, jobs);
    const triggers = await readTriggers(reader, source);
    const configVersion = prow ? await readConfigVersion(reader, source.configPath) : undefined;
    if (!settings || !prow) throw new ConfigInvalidError(reader.problems);
    settings.presets = jobs.presets.map((p) => p.job);
    const memo = options.cache && options.memo;
    memo?.begin(settingsKey(prowKey, jobs.presets));
    await finalizeJobs(reader, settings, jobs, keep, memo);
    if (reader.problems.length > 0) throw new ConfigInvalidError(reader.problems);
    memo?.commit();
    return {
      prowjobNamespace: settings.prowjobNamespace,
      podNamespace: settings.podNamespace,
      schedulerEnabled: prow.scheduler?.enabled ?? false,
      triggers,
      ...(configVersion ? { configVersion } : {}),
    };
  } catch (thrown) {
    // Anything unexpected (a defect, a TypeError) fails the load as an internal error naming the file.
    const error = asLoadError(reader.current ?? source.configPath, thrown);
    if (error instanceof ConfigInvalidError) {
      logger.error('config invalid', {
        problems: error.problems.length,
        first: formatProblem(error.problems[0] ?? { message: '' }),
      });
    } else if (error instanceof ConfigReadError) {
      logger.warn('config read failed, may pass on retry', { path: error.path, code: error.code });
    } else {
      logger.error('config load failed with an internal error', { error: thrown });
    }
    options.memo?.abort();
    throw error;
  } finally {
    options.cache?.sweep();
  }
}

/** The log line of a successful load. */
export function logLoaded(options: LoadOptions, index: PresubmitIndex, startedAt: number): void {
  (options.logger ?? silentLogger).info('config loaded', {
    revision: index.revision,
    configVersion: index.configVersion,
    repositories: Object.keys(index.repos).length,
    presubmits: Object.values(index.repos).reduce((n, list) => n + list.length, 0),
    durationMs: Date.now() - startedAt,
    cacheHits: options.cache?.hits,
    cacheMisses: options.cache?.misses,
  });
}

/** Loads and validates the configuration; throws ConfigInvalidError or ConfigReadError. */
export async function loadConfig(source: ConfigSource, options: LoadOptions = {}): Promise<LoadedConfig> {
  const started = Date.now();
  const presubmits: PresubmitsByRepo<Presubmit> = {};
  const { configVersion, ...settings } = await loadPresubmits(
    source,
    { ...options, memo: undefined },
    (repo, list) => {
      if (list) presubmits[repo] = list;
    },
  );
  const index = buildPresubmitIndex(presubmits, configVersion);
  logLoaded(options, index, started);
  return { index, presubmits, ...settings };
}
