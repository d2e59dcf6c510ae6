import type { DecodedPeriodic, DecodedPostsubmit, DecodedPresubmit } from './decoded-config';
import { cronError } from '../go/cron';
import { validateJobBase, type JobType } from './job-base-validation';
import { goList } from '../go/kubernetes-names';
import { branchListPattern, matchesUnanchored } from '../go/re2';

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
 * - `ValidateRefs` (duplicate extra refs) is not run.
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

/**
 * Budgets of one list's pairwise checks (issue 17). Prow compares every job with every other (O(n²): 80 s
 * for 50,000 presubmits of one repository); the port indexes the jobs by context, name and branch, so only
 * pairs that could conflict are looked at. What is left can still be quadratic only for a hostile list, and
 * is bounded: at most MAX_CONTEXT_CONFLICTS "same GitHub context" problems are listed (the load fails either
 * way), and a list whose skip_branches regexes need more than MAX_BRANCH_MATCHES matches fails closed.
 */
export const MAX_CONTEXT_CONFLICTS = 1_000;
export const MAX_BRANCH_MATCHES = 1_000_000;

type BranchedJob = DecodedPresubmit | DecodedPostsubmit;

/** A job's branch filter, as Brancher.Intersects sees it. */
interface Member {
  index: number;
  name: string;
  /** undefined: runs on every branch; empty: skip_branches only; else the literal branches. */
  branches?: ReadonlySet<string>;
  job: BranchedJob;
}

const UNFILTERED = 'all';
const SKIP_ONLY = 'skip';
const LISTED = 'listed';
const kindOf = (m: Member): string =>
  m.branches === undefined ? UNFILTERED : m.branches.size === 0 ? SKIP_ONLY : LISTED;

function member(job: BranchedJob, index: number): Member {
  const branches = job.branches ?? [];
  const filtered = branches.length > 0 || (job.skip_branches?.length ?? 0) > 0;
  return { index, name: job.name ?? '', job, ...(filtered ? { branches: new Set(branches) } : {}) };
}

/** Counts keys (names, or branch and name pairs). */
class Counter extends Map<string, number> {
  add(key: string): void {
    this.set(key, (this.get(key) ?? 0) + 1);
  }
  count(key: string): number {
    return this.get(key) ?? 0;
  }
}

/** Thrown when a list needs more branch-regex matches than MAX_BRANCH_MATCHES. */
class MatchBudgetExceeded extends Error {}

/**
 * Whether a listed branch runs on a skip_branches-only job (Brancher.ShouldRun), memoized per skip list and
 * counted against the budget. A skip list that does not compile (reported already, V7) is taken as
 * intersecting, as Prow's loader never gets that far.
 */
class SkipMatcher {
  private readonly memo = new Map<string, Map<string, boolean>>();
  matches = 0;

  runsOn(branch: string, skipOnly: Member): boolean {
    const pattern = branchListPattern(skipOnly.job.skip_branches ?? []);
    let results = this.memo.get(pattern);
    if (!results) this.memo.set(pattern, (results = new Map()));
    let runs = results.get(branch);
    if (runs === undefined) {
      if (++this.matches > MAX_BRANCH_MATCHES) throw new MatchBudgetExceeded();
      try {
        runs = !matchesUnanchored(pattern, branch);
      } catch {
        runs = true;
      }
      results.set(branch, runs);
    }
    return runs;
  }
}

/** Brancher.Intersects for a listed job and a skip-only job. */
const listedRunsOnSkipOnly = (listed: Member, skipOnly: Member, skips: SkipMatcher): boolean =>
  [...(listed.branches ?? [])].some((branch) => skips.runsOn(branch, skipOnly));

/** The jobs of one context (or one name), indexed for Brancher.Intersects. */
class BrancherGroup {
  readonly members: Member[] = [];
  readonly byKind = new Map<string, Member[]>([
    [UNFILTERED, []],
    [SKIP_ONLY, []],
    [LISTED, []],
  ]);
  /** Listed jobs by branch. */
  readonly byBranch = new Map<string, Member[]>();
  readonly names = new Counter();
  readonly kindNames = new Counter();
  readonly branchNames = new Counter();

  add(m: Member): void {
    this.members.push(m);
    const kind = kindOf(m);
    (this.byKind.get(kind) as Member[]).push(m);
    this.names.add(m.name);
    this.kindNames.add(`${kind}\0${m.name}`);
    for (const branch of m.branches ?? []) {
      let list = this.byBranch.get(branch);
      if (!list) this.byBranch.set(branch, (list = []));
      list.push(m);
      this.branchNames.add(`${branch}\0${m.name}`);
    }
  }

  private of(kind: string): Member[] {
    return this.byKind.get(kind) as Member[];
  }

  /** Members of a kind named otherwise than `name`: none, or at least one (then worth a scan). */
  private othersOf(kind: string, name: string): Member[] {
    const all = this.of(kind);
    return all.length > this.kindNames.count(`${kind}\0${name}`) ? all : [];
  }

  /**
   * The members named otherwise than `j` whose branch filters intersect j's, in list order. Every scan
   * below finds at least one such member, so the caller's cap on problems also bounds the work.
   */
  intersectingOthers(j: Member, skips: SkipMatcher): Member[] {
    const kind = kindOf(j);
    if (kind === UNFILTERED) {
      return this.members.length > this.names.count(j.name)
        ? this.members.filter((m) => m.name !== j.name)
        : [];
    }
    const found = new Set<Member>();
    const take = (list: readonly Member[], test: (m: Member) => boolean = () => true): void => {
      for (const m of list) if (m.name !== j.name && test(m)) found.add(m);
    };
    take(this.othersOf(UNFILTERED, j.name));
    if (kind === SKIP_ONLY) {
      take(this.othersOf(SKIP_ONLY, j.name));
      take(this.of(LISTED), (m) => listedRunsOnSkipOnly(m, j, skips));
    } else {
      for (const branch of j.branches ?? []) {
        const sharing = this.byBranch.get(branch) ?? [];
        if (sharing.length > this.branchNames.count(`${branch}\0${j.name}`)) take(sharing);
      }
      take(this.of(SKIP_ONLY), (m) => listedRunsOnSkipOnly(j, m, skips));
    }
    return [...found].sort((a, b) => a.index - b.index);
  }

  /** Whether any two members intersect (the duplicate-name check of one name's jobs). */
  anyIntersect(skips: SkipMatcher): boolean {
    const unfiltered = this.of(UNFILTERED).length;
    const skipOnly = this.of(SKIP_ONLY);
    if (this.members.length < 2) return false;
    if (unfiltered > 0 || skipOnly.length > 1) return true;
    const seen = new Set<string>();
    for (const m of this.of(LISTED)) {
      for (const branch of m.branches ?? []) if (seen.has(branch)) return true;
      for (const branch of m.branches ?? []) seen.add(branch);
    }
    return skipOnly.some((s) => this.of(LISTED).some((m) => listedRunsOnSkipOnly(m, s, skips)));
  }
}

/**
 * Members by a key (context or name). Most keys have one member, which can conflict with nothing; a key's
 * index (BrancherGroup) is built only when it has more.
 */
class Groups {
  private readonly lists = new Map<string, Member[]>();
  private readonly indexes = new Map<string, BrancherGroup>();

  add(key: string, m: Member): void {
    const list = this.lists.get(key);
    if (list) list.push(m);
    else this.lists.set(key, [m]);
  }

  /** The index of a key with more than one member, or undefined. */
  group(key: string): BrancherGroup | undefined {
    const list = this.lists.get(key);
    if (!list || list.length < 2) return undefined;
    let index = this.indexes.get(key);
    if (!index) {
      index = new BrancherGroup();
      for (const m of list) index.add(m);
      this.indexes.set(key, index);
    }
    return index;
  }

  keys(): IterableIterator<string> {
    return this.lists.keys();
  }
}

/** validateReporting. */
function reportingError(job: BranchedJob): string | undefined {
  if (!job.skip_report && !job.context) return 'job is set to report but has no context configured';
  if (!job.skip_report) return undefined;
  const label = job.labels?.['prow.k8s.io/gerrit-report-label'];
  if (label !== undefined && label !== '') {
    return 'gerrit report label prow.k8s.io/gerrit-report-label set to non-empty string but job is configured to skip reporting.';
  }
  return undefined;
}

/** The change-filter exclusions shared by validateTriggering and validateAlwaysRun. */
function exclusivityError(name: string, alwaysRun: boolean, job: BranchedJob): string | undefined {
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

/**
 * validatePresubmits / validatePostsubmits, one job per step: the generator yields between jobs so that an
 * asynchronous caller can give the event loop a turn, and returns the problems. Same messages in the same
 * order as Prow's pairwise loop (per job: its context conflicts in list order, then its own checks; the
 * duplicate names last).
 */
function* branchedJobProblems<J extends BranchedJob>(
  jobs: readonly J[],
  jobType: 'presubmit' | 'postsubmit',
  settings: ValidationSettings,
  own: (job: J) => string | undefined,
): Generator<void, JobListProblem[]> {
  const problems: JobListProblem[] = [];
  const members: Member[] = [];
  const byContext = new Groups();
  for (const [index, job] of jobs.entries()) {
    const m = member(job, index);
    members.push(m);
    byContext.add(job.context ?? '', m);
    if (index % 1000 === 999) yield;
  }
  const skips = new SkipMatcher();
  let conflicts = 0;
  let truncated = false;
  try {
    for (const j of members) {
      const { index, name, job } = j;
      const at = (message: string): void => {
        problems.push(name ? { index, job: name, message } : { index, message });
      };
      if (!truncated) {
        const context = job.context ?? '';
        for (const other of byContext.group(context)?.intersectingOthers(j, skips) ?? []) {
          if (++conflicts > MAX_CONTEXT_CONFLICTS) {
            truncated = true;
            break;
          }
          at(`jobs ${other.name} and ${name} report to the same GitHub context ${quote(context)}`);
        }
      }
      const base = validateJobBase(job, jobType, settings.podNamespace, settings.jobQueueNames);
      if (base) at(`invalid ${jobType} job ${name}: ${base}`);
      const ownError = own(job as J);
      if (ownError) at(ownError);
      const reporting = reportingError(job);
      if (reporting) at(`invalid ${jobType} job ${name}: ${reporting}`);
      yield;
    }
    if (truncated) {
      problems.push({
        message: `more than ${MAX_CONTEXT_CONFLICTS} pairs of ${jobType} jobs report to the same GitHub context; only the first ${MAX_CONTEXT_CONFLICTS} are listed`,
      });
    }
    const duplicates: string[] = [];
    const byName = new Groups();
    for (const [index, m] of members.entries()) {
      byName.add(m.name, m);
      if (index % 1000 === 999) yield;
    }
    for (const name of byName.keys()) {
      if (byName.group(name)?.anyIntersect(skips)) duplicates.push(name);
      yield;
    }
    if (duplicates.length > 0) {
      problems.push({
        message: `duplicated ${jobType} jobs (consider both inrepo and central config): ${goList(duplicates.sort())}`,
      });
    }
  } catch (error) {
    if (!(error instanceof MatchBudgetExceeded)) throw error;
    problems.push({
      message: `comparing the branch filters of these ${jobs.length} ${jobType} jobs needs more than ${MAX_BRANCH_MATCHES} skip_branches regex matches, the limit for one repository`,
    });
  }
  return problems;
}

/** Runs a problem generator to the end, synchronously. */
function drain<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Runs a problem generator to the end, awaiting `turn` between steps (event-loop-turns.ts). */
async function drainYielding<T>(steps: Generator<void, T>, turn: () => Promise<void>): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await turn();
  }
}

/** validatePresubmits for the presubmits of one `org/repo` key (V8). */
export function validatePresubmits(
  jobs: readonly DecodedPresubmit[],
  settings: ValidationSettings,
): JobListProblem[] {
  return drain(branchedJobProblems(jobs, 'presubmit', settings, triggeringError));
}

/** validatePresubmits, giving the event loop a turn between jobs (`turn` from eventLoopTurns). */
export function validatePresubmitsYielding(
  jobs: readonly DecodedPresubmit[],
  settings: ValidationSettings,
  turn: () => Promise<void>,
): Promise<JobListProblem[]> {
  return drainYielding(branchedJobProblems(jobs, 'presubmit', settings, triggeringError), turn);
}

const postsubmitOwn = (job: DecodedPostsubmit): string | undefined =>
  exclusivityError(job.name ?? '', job.always_run === true, job);

/** validatePostsubmits for the postsubmits of one `org/repo` key (V11). */
export function validatePostsubmits(
  jobs: readonly DecodedPostsubmit[],
  settings: ValidationSettings,
): JobListProblem[] {
  return drain(branchedJobProblems(jobs, 'postsubmit', settings, postsubmitOwn));
}

/** validatePostsubmits, giving the event loop a turn between jobs. */
export function validatePostsubmitsYielding(
  jobs: readonly DecodedPostsubmit[],
  settings: ValidationSettings,
  turn: () => Promise<void>,
): Promise<JobListProblem[]> {
  return drainYielding(branchedJobProblems(jobs, 'postsubmit', settings, postsubmitOwn), turn);
}

const goDuration = /^[-+]?(?:0|(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+)$/;
const durationError = (value: string): string | undefined =>
  goDuration.test(value) ? undefined : `time: invalid duration ${quote(value)}`;

/** validatePeriodics (V11). */
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
    const cron = job.cron ? cronError(job.cron) : undefined;
    if (cron && 'error' in cron) at(`invalid cron string ${job.cron} in periodic ${name}: ${cron.error}`);
    if (cron && 'panic' in cron) at(cron.panic);
    const interval = job.interval ? durationError(job.interval) : undefined;
    if (interval) at(`cannot parse duration for ${name}: ${interval}`);
    const retry = job.retry ? durationError(job.retry.interval ?? '') : undefined;
    if (retry) at(`cannot parse Retry duration for ${name}: ${retry}`);
    const minimum = job.minimum_interval ? durationError(job.minimum_interval) : undefined;
    if (minimum) at(`cannot parse duration for ${name}: ${minimum}`);
    return problems;
  };
}
