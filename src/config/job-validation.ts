import type { DecodedPeriodic, DecodedPostsubmit, DecodedPresubmit } from './decoded-config';
import { validateJobBase, type JobType } from './job-base-validation';
import { goList } from './kubernetes-names';
import { branchersIntersect } from './presubmit';
import type { Brancher } from './types';

/**
 * Prow's job validation (`ValidateJobConfig`): presubmits per `org/repo` key (V8), postsubmits per key
 * and periodics (V11), with Prow's messages in Prow's order (V12: per job its shared-context, job-base,
 * triggering and reporting errors; the duplicate-names message last). Unlike Prow, which stops at the
 * first repository whose defaulting fails, the port checks the whole config and reports every problem.
 *
 * Known gaps: Prow checks that the port does not implement (a config failing only these loads here but
 * not in Prow):
 * - Pod specs are typed only in the fields the port models (containers, env, volumes, mounts, tolerations,
 *   security context, …); a wrong type elsewhere in a pod spec, or an unknown field there, is kept.
 * - Tekton `pipeline_run_spec` checks (PROW_EXTRA_GIT_REF_* usage), `clone_uri` URL parsing (only the
 *   OAuth scheme rule is checked), media type syntax in `gcs_configuration.mediaTypes`, GCS bucket URLs.
 * - Periodic `cron` expressions are not parsed (only the cron / interval / minimum_interval rules and
 *   duration syntax are checked); `ValidateRefs` (duplicate extra refs) is not run.
 * - Component settings (V11) are checked in component-validation.ts, with its own known gaps (Go
 *   templates, URLs and label selectors are not parsed).
 * - Supplemental Prow configs: only the rule that they may set nothing but `branch-protection`,
 *   `slack_reporter_configs` and `tide.queries`/`tide.merge_method` is checked, not the merge itself.
 * - The plugin config: only `triggers:` is typed; plugin validation (`Configuration.Validate`) is not run.
 * - Duplicate-but-differently-cased YAML keys (`Name` and `name`) are resolved last-wins in sorted order
 *   as Go does, but Go merges two such objects field by field; the port keeps the last whole.
 * - A syntax error in a second YAML document of a file fails the load; Prow reads only the first document.
 */

/** A problem of one job (`index` into the list validated) or of the list (`index` undefined). */
export interface JobListProblem {
  index?: number;
  job?: string;
  message: string;
}

interface ValidationSettings {
  podNamespace: string;
  jobQueueNames: ReadonlySet<string>;
}

const quote = (s: string): string => JSON.stringify(s);

/** Intersects, treating a branch regex that does not compile (already reported, V7) as intersecting. */
function intersects(a: Brancher, b: Brancher): boolean {
  try {
    return branchersIntersect(a, b);
  } catch {
    return true;
  }
}

/** validateReporting. */
function reportingError(job: DecodedPresubmit | DecodedPostsubmit): string | undefined {
  if (!job.skip_report && !job.context) return 'job is set to report but has no context configured';
  if (!job.skip_report) return undefined;
  const label = job.labels?.['prow.k8s.io/gerrit-report-label'];
  if (label !== undefined && label !== '') {
    return 'gerrit report label prow.k8s.io/gerrit-report-label set to non-empty string but job is configured to skip reporting.';
  }
  return undefined;
}

/** The change-filter exclusions shared by validateTriggering and validateAlwaysRun. */
function exclusivityError(
  name: string,
  alwaysRun: boolean,
  job: DecodedPresubmit | DecodedPostsubmit,
): string | undefined {
  if (alwaysRun) {
    if (job.run_if_changed) {
      return `job ${name} is set to always run but also declares run_if_changed targets, which are mutually exclusive`;
    }
    if (job.skip_if_only_changed) {
      return `job ${name} is set to always run but also declares skip_if_only_changed targets, which are mutually exclusive`;
    }
  }
  if (job.run_if_changed && job.skip_if_only_changed) {
    return `job ${name} declares run_if_changed and skip_if_only_changed, which are mutually exclusive`;
  }
  return undefined;
}

/** validateTriggering. */
export function triggeringError(job: DecodedPresubmit): string | undefined {
  const name = job.name ?? '';
  const exclusive = exclusivityError(name, job.always_run ?? false, job);
  if (exclusive) return exclusive;
  if (Boolean(job.trigger) !== Boolean(job.rerun_command)) {
    return `either both of job.Trigger and job.RerunCommand must be set, wasnt the case for job ${quote(name)}`;
  }
  return undefined;
}

function validateBranchedJobs<J extends DecodedPresubmit | DecodedPostsubmit>(
  jobs: readonly J[],
  jobType: 'presubmit' | 'postsubmit',
  settings: ValidationSettings,
  own: (job: J) => string | undefined,
): JobListProblem[] {
  const problems: JobListProblem[] = [];
  const seen = new Map<string, J[]>();
  const duplicates = new Set<string>();
  jobs.forEach((job, index) => {
    const name = job.name ?? '';
    const at = (message: string): void => {
      problems.push(name ? { index, job: name, message } : { index, message });
    };
    for (const existing of seen.get(name) ?? []) if (intersects(existing, job)) duplicates.add(name);
    for (const other of jobs) {
      // Contexts first: the same outcome as Prow's order, without a regex match for most pairs.
      if (
        (other.context ?? '') !== (job.context ?? '') ||
        (other.name ?? '') === name ||
        !intersects(other, job)
      )
        continue;
      {
        at(
          `jobs ${other.name ?? ''} and ${name} report to the same GitHub context ${quote(other.context ?? '')}`,
        );
      }
    }
    const base = validateJobBase(job, jobType, settings.podNamespace, settings.jobQueueNames);
    if (base) at(`invalid ${jobType} job ${name}: ${base}`);
    const ownError = own(job);
    if (ownError) at(ownError);
    const reporting = reportingError(job);
    if (reporting) at(`invalid ${jobType} job ${name}: ${reporting}`);
    seen.set(name, [...(seen.get(name) ?? []), job]);
  });
  if (duplicates.size > 0) {
    problems.push({
      message: `duplicated ${jobType} jobs (consider both inrepo and central config): ${goList([...duplicates].sort())}`,
    });
  }
  return problems;
}

/** validatePresubmits for the presubmits of one `org/repo` key (V8). */
export function validatePresubmits(
  jobs: readonly DecodedPresubmit[],
  settings: ValidationSettings,
): JobListProblem[] {
  return validateBranchedJobs(jobs, 'presubmit', settings, triggeringError);
}

/** validatePostsubmits for the postsubmits of one `org/repo` key (V11). */
export function validatePostsubmits(
  jobs: readonly DecodedPostsubmit[],
  settings: ValidationSettings,
): JobListProblem[] {
  return validateBranchedJobs(jobs, 'postsubmit', settings, (job) =>
    exclusivityError(job.name ?? '', job.always_run === true, job),
  );
}

const goDuration = /^[-+]?(?:0|(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+)$/;
const durationError = (value: string): string | undefined =>
  goDuration.test(value) ? undefined : `time: invalid duration ${quote(value)}`;

/** validatePeriodics (V11), cron expressions excepted (a known gap). */
export function validatePeriodics(
  jobs: readonly DecodedPeriodic[],
  settings: ValidationSettings,
): JobListProblem[] {
  const check = periodicChecker(settings);
  return jobs.flatMap((job, index) => check(job, index));
}

/**
 * validatePeriodics one job at a time, in order (duplicate names are remembered across calls), so a load
 * need not hold every defaulted periodic at once.
 */
export function periodicChecker(
  settings: ValidationSettings,
): (job: DecodedPeriodic, index: number) => JobListProblem[] {
  const names = new Set<string>();
  return (job, index) => {
    const problems: JobListProblem[] = [];
    const name = job.name ?? '';
    const at = (message: string): void => {
      problems.push(name ? { index, job: name, message } : { index, message });
    };
    if (names.has(name)) at(`duplicated periodic job: ${name}`);
    names.add(name);
    const base = validateJobBase(
      job,
      'periodic' satisfies JobType,
      settings.podNamespace,
      settings.jobQueueNames,
    );
    if (base) at(`invalid periodic job ${name}: ${base}`);
    const set = [job.cron, job.interval, job.minimum_interval].filter(Boolean).length;
    if (set > 1) {
      at(`cron, interval, and minimum_interval are mutually exclusive in periodic ${name}`);
      return problems;
    }
    if (set === 0) {
      at(`at least one of cron, interval, or minimum_interval must be set in periodic ${name}`);
      return problems;
    }
    const interval = job.interval ? durationError(job.interval) : undefined;
    if (interval) at(`cannot parse duration for ${name}: ${interval}`);
    const retry = job.retry ? durationError(job.retry.interval ?? '') : undefined;
    if (retry) at(`cannot parse Retry duration for ${name}: ${retry}`);
    const minimum = job.minimum_interval ? durationError(job.minimum_interval) : undefined;
    if (minimum) at(`cannot parse duration for ${name}: ${minimum}`);
    return problems;
  };
}
