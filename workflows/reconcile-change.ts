import {
  ActivityCancellationType,
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  isCancellation,
  CancellationScope,
  patched,
  proxyLocalActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { hasWork, type RepoPlan } from '../src/reconcile/plan';
import { ConfigRevision, ReconcileRepositories, ReconcileState } from './search-attributes';
import { summaryOf } from './config-summary';
import { cancellationDetail, failureMessage, failureType } from './failures';
import { parse, planDecisionSchema, deploymentSettingsSchema } from './message-schemas';
import { approveUpdate, changeHeldSignal, planQuery, rejectUpdate } from './messages';
import type {
  ChangeRunInput,
  ChangeRunResult,
  ChangeRunView,
  ChangeTotals,
  ConfigSnapshot,
  PlanDecision,
  RepositoryResult,
} from './types';

type Activities = ReturnType<typeof createActivities>;

/** Error types an activity must not retry: retrying cannot fix them. */
const nonRetryableErrorTypes = [
  'ConfigInvalidError',
  'ConfigSupersededError',
  'ProwJobInvalidError',
  'StatusRejectedError',
];

const { recordRunOutcome } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10 seconds' });

const { loadAndValidateConfig, diffConfigs } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '30 seconds',
    maximumAttempts: 5,
    nonRetryableErrorTypes,
  },
});

function repositoryActivity(summary: string, heartbeatTimeoutMs: number): Activities['reconcileRepository'] {
  return proxyActivities<Activities>({
    summary,
    // A large repository paced at GitHub's write limits can take a while; heartbeats prove progress, and a
    // worker that dies is noticed after the heartbeat timeout, so another worker resumes its repository.
    startToCloseTimeout: '4 hours',
    // On cancellation, wait for the activity to stop between GitHub calls and report what it did.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    heartbeatTimeout: heartbeatTimeoutMs,
    retry: {
      initialInterval: '5 seconds',
      maximumInterval: '5 minutes',
      maximumAttempts: 8,
      nonRetryableErrorTypes,
    },
  }).reconcileRepository;
}

/**
 * One config change, one run: load and validate (fail closed), diff, hold for approval when the plan crosses
 * the blast-radius guard (Q10), then trigger, retire and migrate per repository. Its ID comes from the two
 * revisions, so operators find, retry and cancel it in the Web UI.
 */
export async function reconcileChange(input: ChangeRunInput): Promise<ChangeRunResult> {
  try {
    const result = await reconcile(input);
    await recordOutcome(result.kind);
    return result;
  } catch (err) {
    await recordOutcome(isCancellation(err) ? 'cancelled' : 'failed');
    throw err;
  }
}

/**
 * The run's duration and outcome, for `status_reconciler_reconcile_run_duration_seconds` (workflow code never
 * touches metrics itself). Added after histories were recorded: `patched` keeps those replaying.
 */
async function recordOutcome(outcome: string): Promise<void> {
  if (!patched('record-run-duration')) return;
  const durationMs = Date.now() - workflowInfo().startTime.getTime();
  await CancellationScope.nonCancellable(() => recordRunOutcome({ outcome, durationMs })).catch(
    () => undefined,
  );
}

async function reconcile(input: ChangeRunInput): Promise<ChangeRunResult> {
  // The deployment's settings as the controller passed them (runs started before them: the request's own).
  const settings = parse(deploymentSettingsSchema, input.options ?? input.request.options);
  if (!settings.ok)
    throw ApplicationFailure.create({
      message: `the run has no valid deployment settings: ${settings.reason}`,
      type: 'SettingsInvalid',
      nonRetryable: true,
    });
  const options = settings.value;
  const view: ChangeRunView = {
    phase: 'loading',
    baselineRevision: input.baseline?.revision,
    repositoriesDone: 0,
    repositoriesFailed: [],
  };
  let decision: (PlanDecision & { approved: boolean }) | undefined;
  setHandler(planQuery, () => view);
  // The validator refuses, with the reason, anything but a well-formed decision for the plan held now.
  const validateDecision = (raw: unknown): void => {
    const parsed = parse(planDecisionSchema, raw);
    if (!parsed.ok) throw new Error(`invalid decision: ${parsed.reason}`);
    const d = parsed.value;
    if (view.phase !== 'awaiting-approval')
      throw new Error(`this run is ${view.phase}, not awaiting approval`);
    if (d.baselineRevision !== view.baselineRevision || d.newestRevision !== view.newestRevision)
      throw new Error(
        `this run holds the plan ${view.baselineRevision} → ${view.newestRevision}, not ${d.baselineRevision} → ${d.newestRevision}`,
      );
  };
  const decide = (approved: boolean) => (raw: PlanDecision) => {
    // Validated above; parsed again so only the declared fields enter the run's state.
    const parsed = parse(planDecisionSchema, raw);
    const d = parsed.ok ? parsed.value : raw;
    decision = { ...d, approved };
    view.decision = { ...d, approved, at: new Date().toISOString() };
    return view;
  };
  setHandler(approveUpdate, decide(true), { validator: validateDecision });
  setHandler(rejectUpdate, decide(false), { validator: validateDecision });

  const enter = (phase: ChangeRunView['phase'], details: string): void => {
    view.phase = phase;
    upsertSearchAttributes([{ key: ReconcileState, value: phase }]);
    setCurrentDetails(details);
  };

  enter('loading', 'Loading and validating the config files.');
  let newest: ConfigSnapshot;
  try {
    newest = await loadAndValidateConfig({ sourceRevision: input.request.sourceRevision });
  } catch (err) {
    enter('failed', `The config is invalid; nothing was done.\n\n${failureMessage(err)}`);
    // `stage: load` tells the controller that loading failed, whatever the error's type (fail closed, issue 12).
    throw ApplicationFailure.create({
      message: failureMessage(err),
      type: failureType(err) ?? 'ConfigLoadError',
      nonRetryable: true,
      details: [{ stage: 'load' }],
    });
  }
  view.newestRevision = newest.revision;
  upsertSearchAttributes([{ key: ConfigRevision, value: newest.revision }]);
  upsertMemo({ newest: summaryOf(newest) });

  const baseline = input.baseline;
  if (!baseline) {
    enter(
      'done',
      `No earlier config: ${newest.revision} (${newest.presubmitCount} presubmits) is the baseline.`,
    );
    return { kind: 'baseline', newest };
  }
  if (baseline.revision === newest.revision) {
    enter('done', `Presubmits unchanged at ${newest.revision}; nothing to reconcile.`);
    return { kind: 'unchanged', newest };
  }

  enter('diffing', `Diffing ${baseline.revision} → ${newest.revision}.`);
  // The newest index stays with the activities (their config cache, or the files): one index per payload.
  const { plan, verdict, counts } = await diffConfigs({ baseline, newestRevision: newest.revision, options });
  view.plan = plan;
  view.verdict = verdict;
  upsertMemo({ plan: counts, guard: verdict });
  upsertSearchAttributes([{ key: ReconcileRepositories, value: repositoriesAttribute(plan.repos) }]);

  if (verdict.held) {
    enter(
      'awaiting-approval',
      `Held by the blast-radius guard; nothing is written until an operator approves.\n\n${verdict.reasons.map((r) => `- ${r}`).join('\n')}`,
    );
    await getExternalWorkflowHandle(input.controllerWorkflowId)
      .signal(changeHeldSignal, { workflowId: workflowInfo().workflowId })
      .catch(() => undefined);
    const decided = await condition(() => decision !== undefined, options.guard.approvalTimeoutMs);
    if (!decided) {
      enter('failed', 'No operator decision arrived in time; nothing was written.');
      throw failure(`no approval within ${options.guard.approvalTimeoutMs} ms`, 'ApprovalTimeout', newest);
    }
    if (!decision?.approved) {
      enter('rejected', `Rejected by ${decision?.by}: ${decision?.reason ?? ''}`);
      throw failure(
        `plan rejected by ${decision?.by}${decision?.reason ? `: ${decision.reason}` : ''}`,
        'PlanRejected',
        newest,
      );
    }
  }

  const work = plan.repos.filter(hasWork);
  const listWrites = listedWritesPerRepository(work.length, options.dryRun);
  enter('reconciling', planDetails(work, counts));
  const results: RepositoryResult[] = [];
  // Keys that are not org/repo (R12, R19) fail the change as in Prow, after the other repositories ran.
  const failures: string[] = [...plan.errors];
  let next = 0;
  let cancelled: unknown;
  const workOn = async (): Promise<void> => {
    while (next < work.length && !cancelled && (options.continueOnError || failures.length === 0)) {
      const repoPlan = work[next++] as RepoPlan;
      try {
        const result = await repositoryActivity(
          activitySummary(repoPlan),
          options.heartbeatTimeoutMs,
        )({
          plan: repoPlan,
          baselineRevision: baseline.revision,
          newestRevision: newest.revision,
          options: { dryRun: options.dryRun, continueOnError: options.continueOnError },
          listWrites,
        });
        results.push(result);
        view.repositoriesDone += 1;
        if (result.counts.pullRequestsAffected !== undefined)
          (view.pullRequestsAffected ??= {})[repoPlan.repo] = result.counts.pullRequestsAffected;
      } catch (err) {
        if (isCancellation(err)) {
          cancelled ??= err;
          // What the repository activity had done when it was cancelled (it reports it in the details).
          const partial = cancellationDetail<RepositoryResult>(err);
          if (partial) results.push(partial);
          return;
        }
        failures.push(`${repoPlan.repo}: ${failureMessage(err)}`);
        view.repositoriesFailed.push(repoPlan.repo);
      }
      setCurrentDetails(progressDetails(view, work.length));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.repoConcurrency) }, workOn));

  const totals = totalsOf(results, failures.length, work.length);
  upsertMemo({ totals });
  if (cancelled) {
    // Report what was done before the cancellation reached the activities, then end as cancelled.
    enter('cancelled', `Cancelled by an operator after ${totalsLine(totals)}.`);
    throw cancelled;
  }
  if (failures.length > 0) {
    enter('failed', `${failures.length} of ${work.length} repositories failed:\n${failures.join('\n')}`);
    throw failure(
      `${failures.length} of ${work.length} repositories failed: ${failures.join('; ')}`,
      'ReconcileFailed',
      newest,
    );
  }
  enter('done', `Reconciled ${baseline.revision} → ${newest.revision}: ${totalsLine(totals)}.`);
  return {
    kind: options.dryRun ? 'dry-run' : 'reconciled',
    newest,
    totals,
    repositories: options.dryRun ? results : undefined,
  };
}

/**
 * Each repository's result lists its writes for the Web UI (the counts are always complete). The lists are
 * most of a repository's history, so a change's share is fixed: ~12,000 listed writes (~2.6 MB) however many
 * repositories it touches, so that a change touching every repository of ten times the Kubernetes config
 * still stays under 10 MB of history. A dry run lists more, as its result is the plan operators read.
 */
export function listedWritesPerRepository(repositories: number, dryRun: boolean): number {
  const budget = dryRun ? 20_000 : 12_000;
  return Math.max(5, Math.min(dryRun ? 1_000 : 50, Math.floor(budget / Math.max(1, repositories))));
}

/**
 * Temporal refuses a search attribute value over 2 KB (`limit.searchAttributesSizeOfValue`, measured on its
 * JSON) and terminates the run that upserts it: the Kubernetes config's 5% change touches 62 repositories
 * (2,192 bytes). The attribute lists the plan's first repositories that fit; the plan has them all.
 */
const maxSearchAttributeValueBytes = 2048;

function repositoriesAttribute(repos: RepoPlan[]): string[] {
  const names: string[] = [];
  let size = 2; // []
  for (const { repo } of repos) {
    size += JSON.stringify(repo).length + (names.length > 0 ? 1 : 0);
    if (size > maxSearchAttributeValueBytes) break;
    names.push(repo);
  }
  return names;
}

function failure(message: string, type: string, newest: ConfigSnapshot): ApplicationFailure {
  return ApplicationFailure.create({ message, type, nonRetryable: true, details: [{ newest }] });
}

function activitySummary(repo: RepoPlan): string {
  const parts = [
    repo.trigger.length ? `trigger ${repo.trigger.length} job${repo.trigger.length === 1 ? '' : 's'}` : '',
    repo.retire.length ? `retire ${repo.retire.length} context${repo.retire.length === 1 ? '' : 's'}` : '',
    repo.migrate.length
      ? `migrate ${repo.migrate.length} context${repo.migrate.length === 1 ? '' : 's'}`
      : '',
  ].filter(Boolean);
  return `${parts.join(', ') || 'nothing'} in ${repo.repo}`;
}

function planDetails(
  repos: RepoPlan[],
  counts: { added: number; removed: number; migrated: number },
): string {
  const lines = repos.slice(0, 50).map((r) => `- ${activitySummary(r)}`);
  if (repos.length > 50) lines.push(`- … and ${repos.length - 50} more repositories`);
  return `Plan: ${counts.added} added, ${counts.removed} removed, ${counts.migrated} migrated presubmits.\n\n${lines.join('\n')}`;
}

function progressDetails(view: ChangeRunView, total: number): string {
  const failed = view.repositoriesFailed.length ? `, failed: ${view.repositoriesFailed.join(', ')}` : '';
  return `Reconciling: ${view.repositoriesDone} of ${total} repositories done${failed}.`;
}

function totalsOf(results: RepositoryResult[], failed: number, repositories: number): ChangeTotals {
  const sum = (pick: (r: RepositoryResult) => number): number => results.reduce((n, r) => n + pick(r), 0);
  return {
    repositories,
    repositoriesFailed: failed,
    prowJobsCreated: sum((r) => r.counts.prowJobsCreated),
    prowJobsExisting: sum((r) => r.counts.prowJobsExisting),
    statusesWritten: sum((r) => r.counts.statusesWritten),
    statusesPlanned: sum((r) => r.counts.statusesPlanned),
  };
}

function totalsLine(t: ChangeTotals): string {
  return `${t.repositories} repositories, ${t.prowJobsCreated} ProwJobs created (${t.prowJobsExisting} already existed), ${t.statusesWritten} statuses written, ${t.statusesPlanned} planned`;
}
