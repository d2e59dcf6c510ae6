/**
 * Types shared by the workflows, the activities and the operator tools. Plain JSON only: every value here
 * crosses Temporal's payload converter and lands in workflow history, so it stays compact.
 */
import type { GuardVerdict } from '../src/reconcile/guard';
import type { ChangePlan } from '../src/reconcile/plan';

/** Prow's flags that shape a reconcile run (spec §16), plus the port's own. */
export interface ReconcileOptions {
  dryRun: boolean;
  continueOnError: boolean;
  denylist: string[];
  denylistAll: string[];
  triggerNewRepos: boolean;
  guard: GuardOptions;
  /** How many repositories one change works on at once. */
  repoConcurrency: number;
  /** A blocked change is attempted again after this long, as Prow's periodic reload would (spec §3.2); 0 = never. */
  retryBlockedAfterMs: number;
  /** A repository activity whose worker stopped heartbeating this long is retried elsewhere. */
  heartbeatTimeoutMs: number;
}

export interface GuardOptions {
  enabled: boolean;
  maxRemovedFraction: number;
  /** Absent in the options of controllers started before it existed: the guard's default then. */
  maxRemovedContexts?: number;
  maxRepoRemovedFraction: number;
  /** How long a held plan waits for `approve` or `reject` before the run fails. */
  approvalTimeoutMs: number;
}

export interface ConfigChangeRequest {
  /** Content hash of the config files as the sender saw them; identifies the change in workflow IDs. */
  sourceRevision?: string;
  /** Prow's ConfigVersionSHA (the VERSION file), for operators. */
  configVersion?: string;
  reason: string;
  requestedBy?: string;
  /** Run even when the files are unchanged since the last run (the CLI's `signal`). */
  force?: boolean;
  options: ReconcileOptions;
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

/** A validated config, as the controller keeps it: the presubmit index, gzip-compressed and base64-encoded. */
export interface ConfigSnapshot {
  revision: string;
  configVersion?: string;
  sourceRevision?: string;
  presubmitCount: number;
  repoCount: number;
  index: string;
}

export type ConfigSummary = Omit<ConfigSnapshot, 'index'>;

export interface ChangeRunInput {
  instance: string;
  controllerWorkflowId: string;
  baseline?: ConfigSnapshot;
  request: ConfigChangeRequest;
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
  repo: string;
  prowJobs: { pr: number; job: string; name: string; result: 'created' | 'exists' | 'planned' }[];
  statusWrites: {
    pr: number;
    sha: string;
    context: string;
    state: string;
    description?: string;
    phase: 'retire' | 'migrate';
    result: 'written' | 'planned';
  }[];
  counts: {
    prowJobsCreated: number;
    prowJobsExisting: number;
    prowJobsPlanned: number;
    statusesWritten: number;
    statusesPlanned: number;
    pullRequests: number;
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
  outcome: ChangeOutcomeKind | 'failed' | 'cancelled' | 'superseded' | 'skipped';
  at: string;
  detail?: string;
}

export interface ControllerView {
  instance: string;
  lastReconciled?: ConfigSummary;
  /** The newest config a run loaded and validated (reconciled or not): what the load gauge reports. */
  lastLoaded?: ConfigSummary;
  pending?: Omit<ConfigChangeRequest, 'options'>;
  running?: { workflowId: string; held: boolean; since: string };
  blocked?: { workflowId: string; error: string; errorType?: string; since: string; newestRevision?: string };
  health: ConfigHealth;
  recent: RunRecord[];
}
