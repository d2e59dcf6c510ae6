/**
 * The controller's state and every decision it takes, as a plain class: which config change runs next
 * (duplicates, coalescing, force), what a run's end does to the baseline, health and the blocked change, when a
 * blocked change is retried, which deployment settings runs use, and what status and the memo show. Nothing
 * here touches Temporal (no workflow APIs, no clock): time comes in as an argument, so every transition is
 * tested as a table row without a server (test/workflows/controller-state.test.ts). The workflow
 * (./controller.ts) keeps only the handlers, the loop, the child runs, the timers and continue-as-new.
 */
import { summaryOf } from './config-summary';
import {
  deploymentSettingsAt,
  nextRegistrationLapseMs,
  registerWorkerSettings,
  type RegisteredWorkers,
  type SettingsByRevision,
  type WorkerRegistrations,
} from './controller-state-settings';
import {
  changeHeldSchema,
  configChangedSchema,
  parse,
  deploymentSettingsSchema,
  retrySchema,
  skipSchema,
  workerSettingsSchema,
  type Schema,
} from './message-schemas';
import type {
  ChangeRequest,
  ChangeRunResult,
  ConfigHealth,
  ConfigSnapshot,
  ControllerView,
  DeploymentSettingsView,
  MessageRejections,
  OperatorAction,
  DeploymentSettings,
  RejectedMessage,
  RunRecord,
} from './types';

/**
 * Durable state of one reconciler instance. Temporal is its only store; it crosses continue-as-new whole.
 * Only parsed values enter it, and nothing in it is a copy of a sender's options: what a run needs is derived
 * from the deployment settings when the run starts (issue 18).
 */
export interface ControllerState {
  lastReconciled?: ConfigSnapshot;
  lastLoaded?: Omit<ConfigSnapshot, 'index'>;
  /** The newest change not yet started; newer requests replace it (coalescing, Q8). */
  pending?: ChangeRequest;
  blocked?: {
    request: ChangeRequest;
    workflowId: string;
    error: string;
    errorType?: string;
    since: string;
    /** The newest config the failed run had validated, so `skip` can adopt it. */
    newest?: ConfigSnapshot;
    loadFailed?: boolean;
  };
  health: ConfigHealth;
  recent: RunRecord[];
  requestCount: number;
  /** The deployment settings each live worker registered, by worker; settings by revision. */
  workers?: RegisteredWorkers;
  settings?: SettingsByRevision;
  rejected?: MessageRejections;
  loadFailures?: number;
}

/** The controller's memo: where `status-reconciler recover` finds the baseline when the controller is stuck. */
export interface ControllerMemo {
  baseline?: { revision: string; sourceRevision?: string };
  pending?: ChangeRequest;
  blocked?: { workflowId: string; request: ChangeRequest };
  /** The change a run is reconciling now. */
  running?: ChangeRequest;
}

/** A change run the controller starts: what it reconciles, from which baseline, under which workflow ID. */
export interface ChangeRun {
  request: ChangeRequest;
  workflowId: string;
  /** The baseline's revision, or `baseline` when there is none yet. */
  from: string;
  /** The request's source revision, or `request-<n>` when it has none. */
  to: string;
  baseline?: ConfigSnapshot;
}

/** A run's failure as the controller records it (./failures.ts reads it off the child's error). */
export interface RunFailure {
  message: string;
  type?: string;
  /** The newest config the run had validated, carried in the failure's details. */
  newest?: ConfigSnapshot;
  cancelled: boolean;
  /** The run's load stage failed, whatever the error's type (issue 12). */
  loadFailed?: boolean;
}

/** How a run ended: a result, superseded by a newer config while held, or a failure. */
export type RunOutcome = { result: ChangeRunResult } | { superseded: true } | { failure: RunFailure };

/** What the main loop waits for before its next decision, and since when. */
export interface LoopWait {
  startedAt: number;
  /** The wait ends after this long even if nothing arrives: a retry falls due or a registration lapses. */
  timeoutMs?: number;
  /** A blocked change is retried once this long has passed (0: never by itself). */
  retryAfterMs: number;
}

/** The next run to start, with the settings it runs under. */
export interface NextRun {
  request: ChangeRequest;
  settings: DeploymentSettings | undefined;
}

const recentRuns = 20;
const recentRejections = 10;
/** Load-failure types of the change run: its load activity failed, whatever the cause (issue 12). */
const loadFailureTypes = ['ConfigInvalidError', 'ConfigInternalError', 'ConfigLoadError'];

export const controllerWorkflowId = (instance: string): string => `status-reconciler/${instance}`;

export class ControllerStateMachine {
  /** The durable state; the workflow carries it across continue-as-new as it is. */
  readonly state: ControllerState & Required<Pick<ControllerState, 'workers' | 'settings' | 'rejected'>>;
  private running?: { workflowId: string; held: boolean; since: string; sourceRevision?: string };
  private operatorAction?: { kind: 'retry' | 'skip'; action: OperatorAction };
  /**
   * Options a request carried before deployment settings existed; only replays of runs recorded before them
   * use them. A carried request's options were already dropped by its schema, so only a signal sets them.
   */
  private legacyOptions?: DeploymentSettings;
  private memoShown = '';

  /**
   * `carried` comes from continue-as-new, `recover` or an older controller: missing parts get their defaults,
   * and requests are read again through their schema. The object is adopted, not copied.
   */
  constructor(
    readonly instance: string,
    carried?: ControllerState,
  ) {
    const state = carried ?? { health: { ok: true }, recent: [], requestCount: 0 };
    if (typeof state.health?.ok !== 'boolean') state.health = { ok: true };
    if (!Array.isArray(state.recent)) state.recent = [];
    if (typeof state.requestCount !== 'number') state.requestCount = 0;
    state.rejected ??= { counts: {}, recent: [] };
    state.workers ??= {};
    state.settings ??= {};
    // Old controllers (before schemas) carried whole requests, options included, in their state.
    if (state.pending) state.pending = parseOr(configChangedSchema, state.pending);
    if (state.blocked)
      state.blocked.request = parseOr(configChangedSchema, state.blocked.request) ?? { reason: 'unknown' };
    this.state = state as ControllerStateMachine['state'];
  }

  // ---- messages: each returns the rejection it recorded, if its payload did not match its schema ----

  /** `configChanged`: a revision already reconciled, or being reconciled, needs no second run unless forced. */
  configChanged(raw: unknown, at: number): RejectedMessage | undefined {
    const { value: request, rejection } = this.accept('configChanged', configChangedSchema, raw, at);
    if (!request) return rejection;
    this.legacyOptions = legacyOptionsOf(raw) ?? this.legacyOptions;
    this.state.requestCount += 1;
    // Every worker's watcher reports the same files; a revision already reconciled needs no second run.
    const known = request.sourceRevision;
    const duplicate =
      !request.force &&
      known !== undefined &&
      (this.running
        ? this.running.sourceRevision === known
        : !this.state.blocked && known === this.state.lastReconciled?.sourceRevision);
    // Coalescing (Q8): the newest request replaces any older one not yet started.
    if (!duplicate) this.state.pending = request;
    return undefined;
  }

  retry(raw: unknown, at: number): RejectedMessage | undefined {
    const { value: action, rejection } = this.accept('retry', retrySchema, raw, at);
    if (action) this.operatorAction = { kind: 'retry', action };
    return rejection;
  }

  skip(raw: unknown, at: number): RejectedMessage | undefined {
    const { value: action, rejection } = this.accept('skip', skipSchema, raw, at);
    if (action) this.operatorAction = { kind: 'skip', action };
    return rejection;
  }

  /** A run held by the blast-radius guard says so; a newer config then supersedes it. */
  changeHeld(raw: unknown, at: number): RejectedMessage | undefined {
    const { value: held, rejection } = this.accept('changeHeld', changeHeldSchema, raw, at);
    if (held && this.running?.workflowId === held.workflowId) this.running.held = true;
    return rejection;
  }

  workerSettings(raw: unknown, at: number): RejectedMessage | undefined {
    const { value: message, rejection } = this.accept('workerSettings', workerSettingsSchema, raw, at);
    if (message) registerWorkerSettings(this.registrations(), message, at);
    return rejection;
  }

  /** Drops a message that does not match its schema: counted and shown on status, never thrown. */
  private accept<T>(
    message: string,
    schema: Schema<T>,
    raw: unknown,
    at: number,
  ): { value?: T; rejection?: RejectedMessage } {
    const parsed = parse(schema, raw);
    if (parsed.ok) return { value: parsed.value };
    const rejected = this.state.rejected;
    const rejection = { message, reason: parsed.reason, at: new Date(at).toISOString() };
    rejected.counts[message] = (rejected.counts[message] ?? 0) + 1;
    rejected.recent = [rejection, ...rejected.recent].slice(0, recentRejections);
    return { rejection };
  }

  // ---- what status, the memo and the settings show ----

  view(at: number): ControllerView {
    const { state, running } = this;
    return {
      instance: this.instance,
      lastReconciled: state.lastReconciled && summaryOf(state.lastReconciled),
      lastLoaded: state.lastLoaded,
      pending: state.pending,
      running: running && { workflowId: running.workflowId, held: running.held, since: running.since },
      blocked: state.blocked && {
        workflowId: state.blocked.workflowId,
        error: state.blocked.error,
        errorType: state.blocked.errorType,
        since: state.blocked.since,
        newestRevision: state.blocked.newest?.revision,
        loadFailed: state.blocked.loadFailed,
      },
      health: state.health,
      recent: state.recent,
      deployment: this.deploymentSettings(at),
      rejected: state.rejected,
      loadFailures: state.loadFailures ?? 0,
    };
  }

  /** The settings runs use at `at`: those every live worker registered; none while they disagree. */
  deploymentSettings(at: number): DeploymentSettingsView {
    return deploymentSettingsAt(this.registrations(), at);
  }

  /**
   * The memo for `recover` (baseline, pending, blocked and running change), or undefined when it is the same as
   * the memo last returned: the workflow upserts only changes.
   */
  memoUpdate(runningRequest?: ChangeRequest): ControllerMemo | undefined {
    const { state } = this;
    const memo: ControllerMemo = {
      running: runningRequest,
      baseline: state.lastReconciled && {
        revision: state.lastReconciled.revision,
        sourceRevision: state.lastReconciled.sourceRevision,
      },
      pending: state.pending,
      blocked: state.blocked && { workflowId: state.blocked.workflowId, request: state.blocked.request },
    };
    const shown = JSON.stringify(memo);
    if (shown === this.memoShown) return undefined;
    this.memoShown = shown;
    return memo;
  }

  // ---- the main loop ----

  /**
   * What the loop waits for from `at`: until a pending change can start or an operator acts (`canProceed`),
   * at most until a blocked change's retry falls due or, while no settings apply, the next registration lapses
   * (a disagreement may end then without any message arriving).
   */
  nextWait(at: number): LoopWait {
    const { state } = this;
    const settings = this.deploymentSettings(at).settings;
    const retryAfterMs = state.blocked ? (settings?.retryBlockedAfterMs ?? 0) : 0;
    const lapse =
      (state.pending || state.blocked) && !settings
        ? nextRegistrationLapseMs(this.registrations(), at)
        : undefined;
    const timeout = Math.min(retryAfterMs > 0 ? retryAfterMs : Infinity, lapse ?? Infinity);
    return { startedAt: at, retryAfterMs, timeoutMs: Number.isFinite(timeout) ? timeout : undefined };
  }

  /** The loop's wait ends: a change is pending and settings apply, or an operator acted. */
  canProceed(at: number): boolean {
    return (
      (Boolean(this.state.pending) && this.deploymentSettings(at).settings !== undefined) ||
      this.operatorAction !== undefined
    );
  }

  /**
   * After the wait: applies the operator's action (skip, retry) or a retry that fell due, and takes the change
   * to run now, if any: the pending one, when settings apply. A retry is the blocked change made pending again.
   */
  nextRun(wait: LoopWait, at: number): NextRun | undefined {
    const { state } = this;
    const action = this.takeOperatorAction();
    if (action?.kind === 'skip') this.skipBlocked(action.action, at);
    const retryDue = wait.retryAfterMs > 0 && at - wait.startedAt >= wait.retryAfterMs;
    if (state.blocked && !state.pending && (action?.kind === 'retry' || retryDue))
      state.pending = state.blocked.request;
    const settings = this.deploymentSettings(at).settings;
    if (!state.pending || !settings) return undefined;
    const request = state.pending;
    state.pending = undefined;
    return { request, settings };
  }

  /** The loop before deployment settings (histories recorded before them): how long it waits. */
  legacyWaitTimeoutMs(): number | undefined {
    const retryAfter = this.legacyOptions?.retryBlockedAfterMs ?? 0;
    return retryAfter > 0 ? retryAfter : undefined;
  }

  legacyCanProceed(): boolean {
    return Boolean(this.state.pending) || this.operatorAction !== undefined;
  }

  /**
   * The loop before deployment settings: a skip, else the pending change, else the blocked one when retried or
   * when the wait timed out (`woke` false), under the request's own options.
   */
  legacyNextRun(woke: boolean, at: number): NextRun | undefined {
    const { state } = this;
    const action = this.takeOperatorAction();
    const settings = (): DeploymentSettings | undefined =>
      this.legacyOptions ?? this.deploymentSettings(at).settings;
    if (action?.kind === 'skip') {
      this.skipBlocked(action.action, at);
      return undefined;
    }
    if (state.pending) {
      const request = state.pending;
      state.pending = undefined;
      return { request, settings: settings() };
    }
    if (state.blocked && (action?.kind === 'retry' || !woke))
      return { request: state.blocked.request, settings: settings() };
    return undefined;
  }

  private takeOperatorAction(): ControllerStateMachine['operatorAction'] {
    const action = this.operatorAction;
    this.operatorAction = undefined;
    return action;
  }

  /** `skip`: the blocked change's newest config becomes the baseline without being reconciled (Q7). */
  private skipBlocked(action: OperatorAction, at: number): void {
    const { state } = this;
    const blocked = state.blocked;
    if (!blocked) return;
    if (blocked.newest) state.lastReconciled = blocked.newest;
    state.blocked = undefined;
    this.record({
      workflowId: blocked.workflowId,
      from: state.lastReconciled?.revision,
      to: blocked.newest?.revision,
      outcome: 'skipped',
      at: new Date(at).toISOString(),
      detail: `skipped by ${action.by}${action.reason ? `: ${action.reason}` : ''}`,
    });
  }

  // ---- runs ----

  /** A run starts, from the last reconciled config to the request's; its ID names both revisions. */
  startRun(request: ChangeRequest, at: number): ChangeRun {
    const baseline = this.state.lastReconciled;
    const from = baseline?.revision ?? 'baseline';
    const to = request.sourceRevision ?? `request-${this.state.requestCount}`;
    const workflowId = `${controllerWorkflowId(this.instance)}/change/${from}..${to}`;
    this.running = {
      workflowId,
      held: false,
      since: new Date(at).toISOString(),
      sourceRevision: request.sourceRevision,
    };
    return { request, workflowId, from, to, baseline };
  }

  /** A plan held for approval is superseded by a newer config: its approval would be for a stale plan. */
  supersedesRun(): boolean {
    return Boolean(this.running?.held && this.state.pending);
  }

  /**
   * A run ends. A result advances the baseline (a dry run only when there was none, Q14) and clears the
   * blocked change and bad health; a superseded run changes nothing but the record; a failure blocks its
   * change, and a failed load (any cause, issue 12) or an invalid config also turns health bad.
   */
  endRun(run: ChangeRun, outcome: RunOutcome, at: number): void {
    const { state } = this;
    const now = new Date(at).toISOString();
    const { request, workflowId, from, to } = run;
    this.running = undefined;
    if ('result' in outcome) {
      const { result } = outcome;
      state.lastLoaded = summaryOf(result.newest);
      if (result.kind !== 'dry-run' || !state.lastReconciled)
        state.lastReconciled = { ...result.newest, sourceRevision: request.sourceRevision };
      state.blocked = undefined;
      state.health = { ok: true, lastGoodRevision: result.newest.revision };
      this.record({ workflowId, from, to: result.newest.revision, outcome: result.kind, at: now });
      return;
    }
    if ('superseded' in outcome) {
      this.record({ workflowId, from, to, outcome: 'superseded', at: now, detail: 'a newer config arrived' });
      return;
    }
    const { failure } = outcome;
    if (failure.newest) state.lastLoaded = summaryOf(failure.newest);
    // Any failed load fails closed and loud, whatever its cause (issue 12): a config error, an unreadable file,
    // a decoder defect. Recorded once per run, however many times the activity retried.
    const loadFailed = failure.loadFailed || loadFailureTypes.includes(failure.type ?? '');
    if (loadFailed) state.loadFailures = (state.loadFailures ?? 0) + 1;
    if (loadFailed || failure.type === 'ConfigInvalidError') {
      state.health = {
        ok: false,
        reason: failure.message,
        failingSourceRevision: request.sourceRevision,
        since: state.health.ok ? now : (state.health.since ?? now),
        lastGoodRevision: state.lastReconciled?.revision ?? state.health.lastGoodRevision,
      };
    }
    state.blocked = {
      request,
      workflowId,
      error: failure.message,
      errorType: failure.type,
      since: now,
      newest: failure.newest,
      loadFailed,
    };
    this.record({
      workflowId,
      from,
      to,
      outcome: failure.cancelled ? 'cancelled' : 'failed',
      at: now,
      detail: failure.message,
    });
  }

  private record(entry: RunRecord): void {
    this.state.recent = [entry, ...this.state.recent].slice(0, recentRuns);
  }

  private registrations(): WorkerRegistrations {
    return { workers: this.state.workers, settings: this.state.settings };
  }
}

/** A value re-read through its schema (state from older controllers); undefined when it no longer fits. */
function parseOr<T>(schema: Schema<T>, value: unknown): T | undefined {
  const parsed = parse(schema, value);
  return parsed.ok ? parsed.value : undefined;
}

/** The options an old worker's request carried, when they are valid; only replays of old runs use them. */
function legacyOptionsOf(raw: unknown): DeploymentSettings | undefined {
  if (typeof raw !== 'object' || raw === null || !('options' in raw)) return undefined;
  return parseOr(deploymentSettingsSchema, (raw as { options: unknown }).options);
}
