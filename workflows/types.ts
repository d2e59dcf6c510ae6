/**
 * Types shared by the workflows, the activities and the operator tools. Plain JSON only: every value here
 * crosses Temporal's payload converter and lands in workflow history, so it stays compact.
 */
import type { StoredPresubmitIndex } from '../src/config/presubmit-index/index-codec';
import type { GuardVerdict } from '../src/reconcile/guard';
import type { GuardOptions } from '../src/reconcile/guard-options';
import type { ChangePlan } from '../src/reconcile/plan';
import type { StatusWriteRecord, TriggeredJob } from '../src/reconcile/repository';

/** Prow's flags that shape a reconcile run (spec §16), plus the port's own. */
export interface DeploymentSettings {
  dryRun: boolean;
  continueOnError: boolean;
  denylist: string[];
  denylistAll: string[];
  triggerNewRepos: boolean;
  guard: GuardSettings;
  /** How many repositories one change works on at once. */
  repoConcurrency: number;
  /** A blocked change is attempted again after this long, as Prow's periodic reload would (spec §3.2); 0 = never. */
  retryBlockedAfterMs: number;
  /** A repository activity whose worker stopped heartbeating this long is retried elsewhere. */
  heartbeatTimeoutMs: number;
}

/**
 * The guard's thresholds (the core's GuardOptions) and how long a held plan waits for `approve` or `reject`
 * before the run fails.
 */
export type GuardSettings = Omit<GuardOptions, 'maxRemovedContexts'> & {
  /** Absent in the settings of controllers started before it existed: the guard's default then. */
  maxRemovedContexts?: number;
  approvalTimeoutMs: number;
};

/**
 * A config change as `configChanged` carries it: which files, why and who. What the run does (dry run,
 * denylists, guard) is the deployment's settings, never the sender's (issue 13).
 */
export interface ChangeRequest {
  /** Content hash of the config files as the sender saw them; identifies the change in workflow IDs. */
  sourceRevision?: string;
  /** Prow's ConfigVersionSHA (the VERSION file), for operators. */
  configVersion?: string;
  reason: string;
  requestedBy?: string;
  /** Run even when the files are unchanged since the last run (the CLI's `signal`). */
  force?: boolean;
}

/**
 * A request as workers before deployment settings sent it, with the run's options. Still accepted (the options
 * are ignored); recorded histories and controllers started by old workers carry it.
 */
export interface ConfigChangeRequest extends ChangeRequest {
  options?: DeploymentSettings;
}

/** `workerSettings`: the deployment settings one worker's flags give, or its withdrawal when it stops. */
export interface WorkerSettingsMessage {
  workerId: string;
  /** Content hash of `settings` (canonical JSON): workers agree when their revisions are equal. */
  revision?: string;
  settings?: DeploymentSettings;
  leaving?: boolean;
}

/** The deployment settings as the controller sees them: what its workers registered, and whether they agree. */
export interface DeploymentSettingsView {
  /** The settings runs use; absent while no worker has registered or while workers disagree. */
  revision?: string;
  settings?: DeploymentSettings;
  /** Why no run can start now, e.g. workers that disagree (the controller does not guess). */
  problem?: string;
  /** Live workers registered different settings: shown on /healthz and a metric until they agree. */
  conflict?: boolean;
  workers: { workerId: string; revision: string; lastSeen: string }[];
}

/** A message the controller dropped because it did not match its schema. */
export interface RejectedMessage {
  message: string;
  reason: string;
  at: string;
}

export interface MessageRejections {
  /** Cumulative per message name, carried across continue-as-new (the workers export it as a counter). */
  counts: Record<string, number>;
  recent: RejectedMessage[];
}

export interface OperatorAction {
  by: string;
  reason?: string;
}

export interface PlanDecision extends OperatorAction {
  /** The transition being decided, as `plan` shows it; a decision for any other transition is rejected. */
  baselineRevision: string;
  newestRevision: string;
}

/**
 * A validated config, as the controller keeps it and a change run's input and result carry it: the presubmit
 * index as plain JSON (its wire form, readable in the Web UI; the payload codec compresses large payloads).
 * Histories recorded and controllers started before hold the index as a gzip+base64 string; both are read.
 */
export interface ConfigSnapshot {
  revision: string;
  configVersion?: string;
  sourceRevision?: string;
  presubmitCount: number;
  repoCount: number;
  index: StoredPresubmitIndex;
}

export type ConfigSummary = Omit<ConfigSnapshot, 'index'>;

export interface ChangeRunInput {
  instance: string;
  controllerWorkflowId: string;
  baseline?: ConfigSnapshot;
  request: ConfigChangeRequest;
  /** The deployment's settings when the controller started the run; runs started before them use request.options. */
  options?: DeploymentSettings;
}

export type ChangeOutcomeKind = 'baseline' | 'unchanged' | 'reconciled' | 'dry-run';

export interface ChangeRunResult {
  kind: ChangeOutcomeKind;
  newest: ConfigSnapshot;
  totals?: ChangeTotals;
  /** In dry-run, the plan and every write it would make, per repository (capped). */
  repositories?: RepositoryResult[];
}

export interface ChangeTotals {
  repositories: number;
  repositoriesFailed: number;
  prowJobsCreated: number;
  prowJobsExisting: number;
  statusesWritten: number;
  statusesPlanned: number;
}

/** What one repository's activity reports back; compact (history), with a capped sample of its writes. */
export interface RepositoryResult {
  /** `org/repo`. */
  repo: string;
  prowJobs: TriggeredJob[];
  /** The core's records without their target URLs (history stays small). */
  statusWrites: Omit<StatusWriteRecord, 'targetUrl'>[];
  counts: {
    prowJobsCreated: number;
    prowJobsExisting: number;
    prowJobsPlanned: number;
    statusesWritten: number;
    statusesPlanned: number;
    /** Open PRs whose head statuses were read (those with a retire or migrate on their base branch). */
    pullRequests: number;
    /** Open PRs with a ProwJob or a status write, made or (dry run) planned; absent from older results. */
    pullRequestsAffected?: number;
  };
  /** True when the lists above were cut to keep history small; the counts are always complete. */
  truncated: boolean;
  errors: string[];
}

export interface DiffResult {
  plan: ChangePlan;
  verdict: GuardVerdict;
  /** How many presubmits the change adds, removes and migrates, and how many repositories have work. */
  counts: { added: number; removed: number; migrated: number; repositories: number };
}

export type ChangeRunPhase =
  'loading' | 'diffing' | 'awaiting-approval' | 'reconciling' | 'done' | 'failed' | 'rejected' | 'cancelled';

export interface ChangeRunView {
  phase: ChangeRunPhase;
  baselineRevision?: string;
  newestRevision?: string;
  plan?: ChangePlan;
  verdict?: GuardVerdict;
  decision?: PlanDecision & { approved: boolean; at: string };
  repositoriesDone: number;
  repositoriesFailed: string[];
  /** Per reconciled repository, the open PRs its ProwJobs and status writes touched (made or planned). */
  pullRequestsAffected?: Record<string, number>;
}

export interface ConfigHealth {
  /** False while the newest config cannot be loaded or validated: actuation is halted (fail closed). */
  ok: boolean;
  reason?: string;
  failingSourceRevision?: string;
  since?: string;
  lastGoodRevision?: string;
}

export interface RunRecord {
  workflowId: string;
  from?: string;
  to?: string;
  outcome: ChangeOutcomeKind | 'failed' | 'cancelled' | 'superseded' | 'skipped' | 'recovered';
  at: string;
  detail?: string;
}

export interface ControllerView {
  instance: string;
  lastReconciled?: ConfigSummary;
  /** The newest config a run loaded and validated (reconciled or not): what the load gauge reports. */
  lastLoaded?: ConfigSummary;
  pending?: ChangeRequest;
  running?: { workflowId: string; held: boolean; since: string };
  blocked?: {
    workflowId: string;
    error: string;
    errorType?: string;
    since: string;
    newestRevision?: string;
    /** The run failed loading or validating the config (fail closed), not later. */
    loadFailed?: boolean;
  };
  health: ConfigHealth;
  recent: RunRecord[];
  /** Absent from controllers started before deployment settings existed. */
  deployment?: DeploymentSettingsView;
  /** Messages dropped at the boundary (absent from controllers started before schemas existed). */
  rejected?: MessageRejections;
  /** Failed loads of the config, counted once per run (the workers export it as a counter). */
  loadFailures?: number;
}
