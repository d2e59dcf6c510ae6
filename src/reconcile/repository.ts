import { runsForChanges, runsOnBranch, hasChangeFilter } from '../config/presubmit-index/presubmit';
import type { Presubmit, TriggerConfig } from '../config/types';
import type { Logger } from '../log';
import type { MigrateItem, RetireItem } from './plan';
import {
  latestStatuses,
  moveMode,
  retireMode,
  withWrites,
  type CommitStatus,
  type LatestStatuses,
  type StatusState,
} from './status-decisions';
import { isTrusted, memoizedTrustFacts, triggerFor, type TrustFacts } from './trust';
import { wrapError } from './wrapped-error';

/**
 * The work of one repository in one transition, done by one Temporal activity: trigger (§7), then retire
 * (§8), then migrate (§9), Prow's phase order (R26). Only injected interfaces do I/O.
 *
 * Cheaper than Prow, same result (issue 5):
 * - the open PRs are listed once per repository, not once per phase and context;
 * - each PR's combined status is read once for all retire and migrate items: the retire writes are applied
 *   to a local copy of the PR's latest statuses and the migrate writes computed from that copy, which gives
 *   what the sequential phases would have produced;
 * - a status is written only where the latest one differs from the target (status-decisions.ts), so a rerun
 *   of a finished repository writes nothing;
 * - changed files are fetched lazily, once per PR, only when a file filter needs them; the base branch SHA
 *   once per branch; trust answers are memoized for the run (trust.ts).
 */

export interface PullRequestRecord {
  number: number;
  draft: boolean;
  /** GitHub leaves it unset in PR lists (Q13); only an explicit `false` skips triggering. */
  mergeable?: boolean | null;
  author: string;
  title: string;
  htmlUrl?: string;
  baseRef: string;
  baseSha?: string;
  headRef: string;
  headSha: string;
  /** Label names, when the list carries them (then trust needs no label request). */
  labels?: string[];
}

/**
 * What this run will read of each open PR besides the list: a source that can fetch the PRs together with their
 * details (GitHub's GraphQL API) asks only for these, and answers the later reads from what it fetched.
 */
export interface PullRequestDetails {
  /** Trust (labels) and the base branches' SHAs: the trigger phase. */
  trigger: boolean;
  /** Changed files: a triggered presubmit with a file filter. */
  files: boolean;
  /** The head commit's combined status: retire and migrate. */
  statuses: boolean;
}

/** The GitHub reads and writes this work needs; defined here, by their consumer. */
export interface PullRequestSource {
  /**
   * All open PRs of the repository, every page; `pages` lets the outcome report the list requests made (with
   * GraphQL, every query, the PR pages and their follow-ups, and `points` what GitHub charged).
   */
  listOpenPullRequests(
    org: string,
    repo: string,
    details?: PullRequestDetails,
  ): Promise<PullRequestRecord[] | { pullRequests: PullRequestRecord[]; pages: number; points?: number }>;
  /** File names changed by the PR. */
  listPullRequestFiles(org: string, repo: string, number: number): Promise<string[]>;
}

export interface StatusSource {
  /** Commit statuses of the combined status of `sha` (every page), latest first per context. */
  getCombinedStatus(org: string, repo: string, sha: string): Promise<CommitStatus[]>;
  createStatus(org: string, repo: string, sha: string, status: CommitStatus): Promise<void>;
}

export interface RefSource {
  /** SHA of `heads/<branch>`. */
  getBranchSha(org: string, repo: string, branch: string): Promise<string>;
}

export interface TriggerRequest {
  org: string;
  repo: string;
  pr: PullRequestRecord;
  baseSha: string;
  jobs: Presubmit[];
}

export interface TriggeredJobResult {
  job: string;
  /** The ProwJob's deterministic name (Q11). */
  name: string;
  result: 'created' | 'exists';
}

export interface ProwJobTriggerer {
  /** Creates one ProwJob per job (AlreadyExists counts as success); throws the aggregated creation errors. */
  trigger(req: TriggerRequest): Promise<TriggeredJobResult[]>;
}

export interface RepositoryDeps {
  pulls: PullRequestSource;
  statuses: StatusSource;
  refs: RefSource;
  trust: TrustFacts & { botLogin: string };
  triggerer: ProwJobTriggerer;
  /** Dry run (Q14): the deterministic ProwJob names the triggerer would use, without creating anything. */
  planJobNames?(
    req: TriggerRequest,
  ): Promise<{ job: string; name: string }[]> | { job: string; name: string }[];
  log: Logger;
}

/**
 * The GitHub side of one repository's work: what src/github/repository-github.ts builds over the project's
 * Octokit client (and the doubles over theirs), and the activity combines with a triggerer and a logger.
 */
export type RepositoryGitHub = Pick<RepositoryDeps, 'pulls' | 'statuses' | 'refs' | 'trust'>;

/** PR numbers fully processed, per phase; retire and migrate share one pass over the PRs. */
export interface RepoProgress {
  trigger: number[];
  statuses: number[];
}

export interface RepositoryInput {
  org: string;
  /** The repository's name in its org (`org/name` is the repo everywhere else, as in RepoPlan). */
  name: string;
  /** Full definitions of the added presubmits, from the newest config. */
  trigger: Presubmit[];
  retire: RetireItem[];
  migrate: MigrateItem[];
  triggers: TriggerConfig[];
  dryRun: boolean;
  continueOnError: boolean;
  /** PRs an earlier attempt finished (from its last heartbeat): not processed again. */
  resumeFrom?: RepoProgress;
}

export interface PullRequestDone {
  phase: 'trigger' | 'statuses';
  pr: number;
  /** Everything finished so far, to heartbeat and pass back as `resumeFrom`. */
  done: RepoProgress;
}

export interface RepositoryRunControl {
  onPullRequestDone?(state: PullRequestDone): void | Promise<void>;
  isCancelled?(): boolean;
  signal?: { readonly aborted: boolean };
}

export interface TriggeredJob {
  pr: number;
  job: string;
  name: string;
  result: 'created' | 'exists' | 'planned';
}

export interface StatusWriteRecord {
  pr: number;
  sha: string;
  context: string;
  state: StatusState;
  description: string;
  targetUrl?: string;
  phase: 'retire' | 'migrate';
  result: 'written' | 'planned';
}

export interface RepositoryReads {
  /** Calls listing the open PRs: one per repository run. */
  pullLists: number;
  /** Pages those calls requested, when the PR source reports them (⌈PRs/100⌉ on GitHub). */
  pullListPages?: number;
  /** GraphQL points those pages cost, when the PR source reads over GraphQL. */
  graphqlPoints?: number;
  combinedStatus: number;
  files: number;
  trust: number;
  refs: number;
}

export interface RepoOutcome {
  repo: string;
  triggered: TriggeredJob[];
  statusWrites: StatusWriteRecord[];
  /** Prow's wrapped error texts, in the order they happened. */
  errors: string[];
  reads: RepositoryReads;
  /** PRs skipped because an earlier attempt had finished them. */
  resumed?: { trigger: number; statuses: number };
  /** Set when the run ended before processing every PR. */
  stopped?: 'error' | 'cancelled';
}

class Stop extends Error {
  constructor(readonly reason: 'error' | 'cancelled') {
    super(reason);
  }
}

export async function reconcileRepository(
  deps: RepositoryDeps,
  input: RepositoryInput,
  control: RepositoryRunControl = {},
): Promise<RepoOutcome> {
  const { org, name } = input;
  const orgRepo = `${org}/${name}`;
  const log = deps.log.child({ org, repo: name });
  const trustFacts = memoizedTrustFacts(deps.trust);
  const outcome: RepoOutcome = {
    repo: orgRepo,
    triggered: [],
    statusWrites: [],
    errors: [],
    reads: { pullLists: 0, combinedStatus: 0, files: 0, trust: 0, refs: 0 },
  };
  const done: RepoProgress = {
    trigger: [...(input.resumeFrom?.trigger ?? [])],
    statuses: [...(input.resumeFrom?.statuses ?? [])],
  };
  const finishedBefore = { trigger: new Set(done.trigger), statuses: new Set(done.statuses) };

  const checkCancelled = (): void => {
    if (control.isCancelled?.() || control.signal?.aborted) throw new Stop('cancelled');
  };
  /** R21, R27: with continueOnError the error is kept and work goes on; otherwise the run stops here. */
  const fail = (message: string): void => {
    outcome.errors.push(message);
    log.warn('reconcile error', { error: message });
    if (!input.continueOnError) throw new Stop('error');
  };
  const markDone = async (phase: 'trigger' | 'statuses', pr: number): Promise<void> => {
    done[phase].push(pr);
    await control.onPullRequestDone?.({
      phase,
      pr,
      done: { trigger: [...done.trigger], statuses: [...done.statuses] },
    });
  };

  try {
    const hasTrigger = input.trigger.length > 0;
    const hasStatuses = input.retire.length + input.migrate.length > 0;
    if (!hasTrigger && !hasStatuses) return outcome;

    checkCancelled();
    let pulls: PullRequestRecord[];
    outcome.reads.pullLists++;
    try {
      const listed = await deps.pulls.listOpenPullRequests(org, name, {
        trigger: hasTrigger,
        files: input.trigger.some((job) => !job.always_run && hasChangeFilter(job)),
        statuses: hasStatuses,
      });
      if (Array.isArray(listed)) pulls = listed;
      else {
        pulls = listed.pullRequests;
        outcome.reads.pullListPages = listed.pages;
        if (listed.points !== undefined) outcome.reads.graphqlPoints = listed.points;
      }
    } catch (err) {
      // R14: nothing else can be done for this repository.
      outcome.errors.push(wrapError(`failed to list pull requests for ${orgRepo}`, err).message);
      outcome.stopped = 'error';
      return outcome;
    }

    if (hasTrigger) {
      const run = new TriggerPhase(deps, input, outcome, trustFacts, log);
      for (const pr of pulls) {
        if (finishedBefore.trigger.has(pr.number)) continue;
        checkCancelled();
        const error = await run.pullRequest(pr, checkCancelled);
        if (error !== undefined) fail(error);
        else await markDone('trigger', pr.number);
      }
    }

    if (hasStatuses) {
      for (const pr of pulls) {
        if (finishedBefore.statuses.has(pr.number)) continue;
        checkCancelled();
        const ok = await reconcileStatuses(deps, input, outcome, pr, checkCancelled, fail);
        if (ok) await markDone('statuses', pr.number);
      }
    }
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    outcome.stopped = err.reason;
  } finally {
    outcome.reads.trust = trustFacts.requests;
    const resumedTrigger = finishedBefore.trigger.size;
    const resumedStatuses = finishedBefore.statuses.size;
    if (resumedTrigger + resumedStatuses > 0) {
      outcome.resumed = { trigger: resumedTrigger, statuses: resumedStatuses };
    }
  }
  return outcome;
}

/** R15–R18 for one PR. */
class TriggerPhase {
  private readonly baseShas = new Map<string, string>();
  private readonly trigger: TriggerConfig;

  constructor(
    private readonly deps: RepositoryDeps,
    private readonly input: RepositoryInput,
    private readonly outcome: RepoOutcome,
    private readonly trustFacts: TrustFacts,
    private readonly log: Logger,
  ) {
    this.trigger = triggerFor(input.triggers, input.org, input.name);
  }

  /** Returns the per-PR error text (`failed to trigger jobs for %s#%d: %w`), if any. */
  async pullRequest(pr: PullRequestRecord, checkCancelled: () => void): Promise<string | undefined> {
    const { org, name: repo } = this.input;
    // R15.1 (kubernetes-sigs/prow#699) and R15.2: drafts and known-unmergeable PRs get no new jobs.
    if (pr.draft || pr.mergeable === false) return undefined;
    try {
      const jobs = await this.jobsFor(pr, checkCancelled);
      // Q4: nothing to run, so no trust check, base-ref lookup or trigger call.
      if (jobs.length === 0) return undefined;
      checkCancelled();
      const trusted = await isTrusted(this.trustFacts, {
        org,
        repo,
        author: pr.author,
        number: pr.number,
        botLogin: this.deps.trust.botLogin,
        trigger: this.trigger,
        ...(pr.labels ? { labels: pr.labels } : {}),
      });
      if (!trusted) return undefined;
      checkCancelled();
      const baseSha = await this.baseSha(pr.baseRef);
      checkCancelled();
      const req: TriggerRequest = { org, repo, pr, baseSha, jobs };
      this.log.info('triggering newly required presubmits', {
        pr: pr.number,
        jobs: jobs.map((j) => j.name),
        dryRun: this.input.dryRun,
      });
      if (this.input.dryRun) {
        if (!this.deps.planJobNames)
          throw new Error('dry run needs planJobNames to name the planned ProwJobs');
        for (const { job, name } of await this.deps.planJobNames(req)) {
          this.outcome.triggered.push({ pr: pr.number, job, name, result: 'planned' });
        }
      } else {
        for (const { job, name, result } of await this.deps.triggerer.trigger(req)) {
          this.outcome.triggered.push({ pr: pr.number, job, name, result });
        }
      }
      return undefined;
    } catch (err) {
      if (err instanceof Stop) throw err;
      return wrapError(`failed to trigger jobs for ${org}/${repo}#${pr.number}`, err).message;
    }
  }

  /**
   * R15.3, Prow's `FilterPresubmits` with a filter that neither forces nor defaults: the branch filter
   * (unanchored, Q12), then `always_run`, then the file filters over the lazily fetched changed files. A
   * changed-files error belongs to this PR (Q5): `<job>: should run: error getting pull request changes: …`.
   */
  private async jobsFor(pr: PullRequestRecord, checkCancelled: () => void): Promise<Presubmit[]> {
    let files: string[] | undefined;
    const jobs: Presubmit[] = [];
    for (const job of this.input.trigger) {
      if (!runsOnBranch(job, pr.baseRef)) continue;
      if (job.always_run) {
        jobs.push(job);
        continue;
      }
      if (!hasChangeFilter(job)) continue;
      if (files === undefined) {
        checkCancelled();
        this.outcome.reads.files++;
        try {
          files = await this.deps.pulls.listPullRequestFiles(this.input.org, this.input.name, pr.number);
        } catch (err) {
          throw wrapError(`${job.name}: should run`, wrapError('error getting pull request changes', err));
        }
      }
      if (runsForChanges(job, files)) jobs.push(job);
    }
    return jobs;
  }

  /** R18.1, once per base branch in this run. */
  private async baseSha(branch: string): Promise<string> {
    const known = this.baseShas.get(branch);
    if (known !== undefined) return known;
    this.outcome.reads.refs++;
    let sha: string;
    try {
      sha = await this.deps.refs.getBranchSha(this.input.org, this.input.name, branch);
    } catch (err) {
      throw wrapError('failed to get baseSHA', err);
    }
    this.baseShas.set(branch, sha);
    return sha;
  }
}

/**
 * R20 and R22 for one PR, all items at once. Drafts and unmergeable PRs are included; an item applies when
 * the PR's base passes the OLD presubmit's branch filter, and the combined status is read only when some
 * item applies (TestProcessPR). Returns whether the PR was processed without error.
 */
async function reconcileStatuses(
  deps: RepositoryDeps,
  input: RepositoryInput,
  outcome: RepoOutcome,
  pr: PullRequestRecord,
  checkCancelled: () => void,
  fail: (message: string) => void,
): Promise<boolean> {
  const { org, name: repo } = input;
  const where = `${org}/${repo}#${pr.number}`;
  const retire = input.retire.filter((item) => runsOnBranch(item, pr.baseRef));
  const migrate = input.migrate.filter((item) => runsOnBranch(item, pr.baseRef));
  if (retire.length + migrate.length === 0) return true;

  let latest: LatestStatuses;
  outcome.reads.combinedStatus++;
  try {
    latest = latestStatuses(await deps.statuses.getCombinedStatus(org, repo, pr.headSha));
  } catch (err) {
    fail(wrapError(`failed to get combined status of ${where} (${pr.headSha})`, err).message);
    return false;
  }

  let ok = true;
  /** Writes in order; the first failure ends this item on this PR (R22.4: no retire after a failed copy). */
  const apply = async (
    phase: 'retire' | 'migrate',
    writes: CommitStatus[],
    failure: string,
  ): Promise<void> => {
    for (const write of writes) {
      checkCancelled();
      if (!input.dryRun) {
        try {
          await deps.statuses.createStatus(org, repo, pr.headSha, write);
        } catch (err) {
          ok = false;
          fail(wrapError(failure, err).message);
          return;
        }
      }
      latest = withWrites(latest, [write]);
      outcome.statusWrites.push({
        pr: pr.number,
        sha: pr.headSha,
        context: write.context,
        state: write.state,
        description: write.description ?? '',
        ...(write.target_url ? { targetUrl: write.target_url } : {}),
        phase,
        result: input.dryRun ? 'planned' : 'written',
      });
    }
  };

  for (const item of retire) {
    await apply(
      'retire',
      retireMode(item.context).writes(latest),
      `failed to retire context ${JSON.stringify(item.context)} on ${where}`,
    );
  }
  for (const item of migrate) {
    await apply(
      'migrate',
      moveMode(item.from, item.to).writes(latest),
      `failed to migrate context ${JSON.stringify(item.from)} to ${JSON.stringify(item.to)} on ${where}`,
    );
  }
  return ok;
}
