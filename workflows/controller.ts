import {
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  isCancellation,
  log,
  ParentClosePolicy,
  patched,
  setHandler,
  startChild,
  allHandlersFinished,
  workflowInfo,
  upsertMemo,
  ChildWorkflowCancellationType,
} from '@temporalio/workflow';
import { BaselineRevision, ConfigRevision, ReconcileState } from './search-attributes';
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
import {
  changeHeldSignal,
  configChangedSignal,
  retrySignal,
  skipSignal,
  statusQuery,
  workerSettingsSignal,
} from './messages';
import { reconcileChange } from './reconcile-change';
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
  workers?: Record<string, { revision: string; lastSeen: string }>;
  settings?: Record<string, DeploymentSettings>;
  rejected?: MessageRejections;
  loadFailures?: number;
}

export interface ControllerInput {
  instance: string;
  state?: ControllerState;
  /** Continue as new after this many history events (default 2,000); tests lower it. */
  maxHistoryEvents?: number;
}

/** The controller's memo: where `status-reconciler recover` finds the baseline when the controller is stuck. */
export interface ControllerMemo {
  baseline?: { revision: string; sourceRevision?: string };
  pending?: ChangeRequest;
  blocked?: { workflowId: string; request: ChangeRequest };
  /** The change a run is reconciling now. */
  running?: ChangeRequest;
}

const recentRuns = 20;
const recentRejections = 10;
/**
 * A worker's registration lapses after this long without a refresh (workers refresh well within it), so a
 * crashed worker of an older deployment stops counting; a stopping worker withdraws its own at once.
 */
export const workerRegistrationTtlMs = 10 * 60_000;
/** Load-failure types of the change run: its load activity failed, whatever the cause (issue 12). */
const loadFailureTypes = ['ConfigInvalidError', 'ConfigInternalError', 'ConfigLoadError'];
/** Continue-as-new well before Temporal's history limits, even if the server never suggests it. */
const defaultMaxHistoryEvents = 2_000;

export const controllerWorkflowId = (instance: string): string => `status-reconciler/${instance}`;

/**
 * One long-lived controller per reconciler deployment. It receives `configChanged` signals, runs one change
 * at a time as a child workflow from the last reconciled config to the newest (never losing a change: prow
 * #848, #871), and advances its baseline only when a change was fully reconciled or an operator skipped it (Q7).
 */
export async function reconcilerController(input: ControllerInput): Promise<void> {
  const state: ControllerState = input.state ?? { health: { ok: true }, recent: [], requestCount: 0 };
  let operatorAction: { kind: 'retry' | 'skip'; action: OperatorAction } | undefined;
  let running: { workflowId: string; held: boolean; since: string; sourceRevision?: string } | undefined;
  const now = (): string => new Date().toISOString();

  const record = (entry: RunRecord): void => {
    state.recent = [entry, ...state.recent].slice(0, recentRuns);
  };

  // Input from continue-as-new, `recover` or an older controller: missing parts get their defaults.
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
  // Only replays of runs recorded before deployment settings use a request's own options.
  let legacyOptions = legacyOptionsOf(input.state?.pending) ?? legacyOptionsOf(input.state?.blocked?.request);

  /** Drops a message that does not match its schema: logged, counted and shown on status, never thrown. */
  const accept = <T>(message: string, schema: Schema<T>, raw: unknown): T | undefined => {
    const parsed = parse(schema, raw);
    if (parsed.ok) return parsed.value;
    const rejected = state.rejected as MessageRejections;
    rejected.counts[message] = (rejected.counts[message] ?? 0) + 1;
    rejected.recent = [{ message, reason: parsed.reason, at: now() }, ...rejected.recent].slice(
      0,
      recentRejections,
    );
    log.warn('message rejected', { workflow: 'controller', message, reason: parsed.reason });
    return undefined;
  };

  setHandler(configChangedSignal, (raw: unknown) => {
    const request = accept('configChanged', configChangedSchema, raw);
    if (!request) return;
    legacyOptions = legacyOptionsOf(raw) ?? legacyOptions;
    state.requestCount += 1;
    // Every worker's watcher reports the same files; a revision already reconciled needs no second run.
    const known = request.sourceRevision;
    const duplicate =
      !request.force &&
      known !== undefined &&
      (running
        ? running.sourceRevision === known
        : !state.blocked && known === state.lastReconciled?.sourceRevision);
    if (!duplicate) state.pending = request;
  });
  setHandler(retrySignal, (raw: unknown) => {
    const action = accept('retry', retrySchema, raw);
    if (action) operatorAction = { kind: 'retry', action };
  });
  setHandler(skipSignal, (raw: unknown) => {
    const action = accept('skip', skipSchema, raw);
    if (action) operatorAction = { kind: 'skip', action };
  });
  setHandler(changeHeldSignal, (raw: unknown) => {
    const held = accept('changeHeld', changeHeldSchema, raw);
    if (held && running?.workflowId === held.workflowId) running.held = true;
  });
  setHandler(workerSettingsSignal, (raw: unknown) => {
    const message = accept('workerSettings', workerSettingsSchema, raw);
    if (!message) return;
    const workers = state.workers as NonNullable<ControllerState['workers']>;
    if (message.leaving) delete workers[message.workerId];
    else if (message.revision && message.settings) {
      workers[message.workerId] = { revision: message.revision, lastSeen: now() };
      (state.settings as Record<string, DeploymentSettings>)[message.revision] = message.settings;
    }
    // Settings no live worker holds any more are dropped, so state stays small.
    const held = new Set(Object.values(workers).map((w) => w.revision));
    for (const revision of Object.keys(state.settings ?? {}))
      if (!held.has(revision)) delete (state.settings as Record<string, DeploymentSettings>)[revision];
  });
  setHandler(statusQuery, (): ControllerView => ({
    instance: input.instance,
    lastReconciled: state.lastReconciled && summary(state.lastReconciled),
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
    deployment: deploymentSettings(),
    rejected: state.rejected,
    loadFailures: state.loadFailures ?? 0,
  }));

  /** The settings runs use: those every live worker registered; none while they disagree (no guessing). */
  const deploymentSettings = (): DeploymentSettingsView => {
    const at = Date.now();
    const workers = Object.entries(state.workers ?? {})
      .filter(([, w]) => at - Date.parse(w.lastSeen) < workerRegistrationTtlMs)
      .map(([workerId, w]) => ({ workerId, revision: w.revision, lastSeen: w.lastSeen }));
    const revisions = [...new Set(workers.map((w) => w.revision))].sort();
    if (revisions.length === 0)
      return { workers, problem: 'no worker has registered its deployment settings yet' };
    if (revisions.length > 1) {
      const groups = revisions.map(
        (r) =>
          `${r} (${workers
            .filter((w) => w.revision === r)
            .map((w) => w.workerId)
            .sort()
            .join(', ')})`,
      );
      return {
        workers,
        conflict: true,
        problem: `workers disagree on the deployment settings: ${groups.join(' vs ')}; no run starts until they agree`,
      };
    }
    const revision = revisions[0] as string;
    return { workers, revision, settings: state.settings?.[revision] };
  };

  /** When the next registration lapses: a disagreement may end then without any message arriving. */
  const nextLapseMs = (): number | undefined => {
    const at = Date.now();
    const lapses = Object.values(state.workers ?? {})
      .map((w) => Date.parse(w.lastSeen) + workerRegistrationTtlMs - at)
      .filter((ms) => ms > 0);
    return lapses.length ? Math.min(...lapses) + 1 : undefined;
  };

  let memoShown = '';
  /** Keeps the memo's baseline and pending change current, for `recover` when the controller is stuck. */
  const syncMemo = (runningRequest?: ChangeRequest): void => {
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
    if (shown === memoShown) return;
    memoShown = shown;
    upsertMemo({ controller: memo });
  };

  const runChange = async (
    request: ChangeRequest,
    options: DeploymentSettings | undefined,
  ): Promise<void> => {
    const from = state.lastReconciled?.revision ?? 'baseline';
    const to = request.sourceRevision ?? `request-${state.requestCount}`;
    const workflowId = `${controllerWorkflowId(input.instance)}/change/${from}..${to}`;
    running = { workflowId, held: false, since: now(), sourceRevision: request.sourceRevision };
    const outcome: { result?: ChangeRunResult; failure?: unknown; superseded?: boolean } = {};
    const childScope = new CancellationScope();
    const childResult = childScope.run(async () => {
      const child = await startChild(reconcileChange, {
        workflowId,
        args: [
          {
            instance: input.instance,
            controllerWorkflowId: workflowInfo().workflowId,
            baseline: state.lastReconciled,
            request,
            options,
          },
        ],
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
        staticSummary: `reconcile ${from} → ${to}`,
        staticDetails: `Config change requested by ${request.requestedBy ?? 'unknown'}: ${request.reason}`,
        typedSearchAttributes: [
          { key: BaselineRevision, value: from },
          { key: ConfigRevision, value: to },
          { key: ReconcileState, value: 'running' },
        ],
      });
      return child.result();
    });
    // A plan held for approval is superseded by a newer config: its approval would be for a stale plan.
    const watchScope = new CancellationScope();
    void watchScope
      .run(() => condition(() => Boolean(running?.held && state.pending)))
      .then(
        () => {
          outcome.superseded = true;
          childScope.cancel();
        },
        () => undefined,
      );
    try {
      outcome.result = await childResult;
    } catch (err) {
      outcome.failure = err;
    } finally {
      watchScope.cancel();
    }
    running = undefined;
    settle(request, workflowId, from, to, outcome);
  };

  const settle = (
    request: ChangeRequest,
    workflowId: string,
    from: string,
    to: string,
    outcome: { result?: ChangeRunResult; failure?: unknown; superseded?: boolean },
  ): void => {
    if (outcome.result) {
      const { result } = outcome;
      state.lastLoaded = summary(result.newest);
      // Q14: a dry run reconciles nothing, so only its very first config becomes a baseline.
      if (result.kind !== 'dry-run' || !state.lastReconciled)
        state.lastReconciled = { ...result.newest, sourceRevision: request.sourceRevision };
      state.blocked = undefined;
      state.health = { ok: true, lastGoodRevision: result.newest.revision };
      record({ workflowId, from, to: result.newest.revision, outcome: result.kind, at: now() });
      return;
    }
    if (outcome.superseded) {
      record({ workflowId, from, to, outcome: 'superseded', at: now(), detail: 'a newer config arrived' });
      return;
    }
    const failure = describeFailure(outcome.failure);
    if (failure.newest) state.lastLoaded = summary(failure.newest);
    // Any failed load fails closed and loud, whatever its cause (issue 12): a config error, an unreadable file,
    // a decoder defect. Recorded once per run, however many times the activity retried.
    const loadFailed = failure.loadFailed || loadFailureTypes.includes(failure.type ?? '');
    if (loadFailed) state.loadFailures = (state.loadFailures ?? 0) + 1;
    if (loadFailed || failure.type === 'ConfigInvalidError') {
      state.health = {
        ok: false,
        reason: failure.message,
        failingSourceRevision: request.sourceRevision,
        since: state.health.ok ? now() : (state.health.since ?? now()),
        lastGoodRevision: state.lastReconciled?.revision ?? state.health.lastGoodRevision,
      };
    }
    state.blocked = {
      request,
      workflowId,
      error: failure.message,
      errorType: failure.type,
      since: now(),
      newest: failure.newest,
      loadFailed,
    };
    record({
      workflowId,
      from,
      to,
      outcome: failure.cancelled ? 'cancelled' : 'failed',
      at: now(),
      detail: failure.message,
    });
  };

  const skipBlocked = (action: OperatorAction): void => {
    const blocked = state.blocked;
    if (!blocked) return;
    if (blocked.newest) state.lastReconciled = blocked.newest;
    state.blocked = undefined;
    record({
      workflowId: blocked.workflowId,
      from: state.lastReconciled?.revision,
      to: blocked.newest?.revision,
      outcome: 'skipped',
      at: now(),
      detail: `skipped by ${action.by}${action.reason ? `: ${action.reason}` : ''}`,
    });
  };

  for (;;) {
    // Deployment settings (issue 13), schemas and the memo: histories recorded before them replay unchanged.
    if (patched('deployment-settings')) {
      syncMemo();
      const settingsNow = (): DeploymentSettings | undefined => deploymentSettings().settings;
      const retryAfter = state.blocked ? (settingsNow()?.retryBlockedAfterMs ?? 0) : 0;
      const waitStart = Date.now();
      const lapse = (state.pending || state.blocked) && !settingsNow() ? nextLapseMs() : undefined;
      const timeout = Math.min(retryAfter > 0 ? retryAfter : Infinity, lapse ?? Infinity);
      await condition(
        () => (Boolean(state.pending) && settingsNow() !== undefined) || operatorAction !== undefined,
        Number.isFinite(timeout) ? timeout : undefined,
      );
      const action = operatorAction;
      operatorAction = undefined;
      if (action?.kind === 'skip') skipBlocked(action.action);
      // A retry, asked for or due, is the blocked change made pending again: it runs once settings allow.
      const retryDue = retryAfter > 0 && Date.now() - waitStart >= retryAfter;
      if (state.blocked && !state.pending && (action?.kind === 'retry' || retryDue))
        state.pending = state.blocked.request;
      const settings = settingsNow();
      if (state.pending && settings) {
        const request = state.pending;
        state.pending = undefined;
        syncMemo(request);
        await runChange(request, settings);
      }
    } else {
      const retryAfter = legacyOptions?.retryBlockedAfterMs ?? 0;
      const woke = await condition(
        () => Boolean(state.pending) || operatorAction !== undefined,
        retryAfter > 0 ? retryAfter : undefined,
      );
      const action = operatorAction;
      operatorAction = undefined;
      if (action?.kind === 'skip') {
        skipBlocked(action.action);
      } else if (state.pending) {
        const request = state.pending;
        state.pending = undefined;
        await runChange(request, legacyOptions ?? deploymentSettings().settings);
      } else if (state.blocked && (action?.kind === 'retry' || !woke)) {
        await runChange(state.blocked.request, legacyOptions ?? deploymentSettings().settings);
      }
    }
    const maxHistoryEvents = input.maxHistoryEvents ?? defaultMaxHistoryEvents;
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > maxHistoryEvents) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof reconcilerController>({ instance: input.instance, state, maxHistoryEvents });
    }
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

function summary(snapshot: ConfigSnapshot): Omit<ConfigSnapshot, 'index'> {
  const { index: _index, ...rest } = snapshot;
  return rest;
}

/** The child's failure as the controller records it; the newest validated config rides in its details. */
function describeFailure(err: unknown): {
  message: string;
  type?: string;
  newest?: ConfigSnapshot;
  cancelled: boolean;
  loadFailed?: boolean;
} {
  if (isCancellation(err)) return { message: 'cancelled by an operator', type: 'Cancelled', cancelled: true };
  const cause = err instanceof ChildWorkflowFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as { newest?: ConfigSnapshot; stage?: string } | undefined;
    return {
      message: cause.message,
      type: cause.type ?? undefined,
      newest: details?.newest,
      cancelled: false,
      loadFailed: details?.stage === 'load',
    };
  }
  if (cause && isCancellation(cause))
    return { message: 'cancelled by an operator', type: 'Cancelled', cancelled: true };
  return { message: cause instanceof Error ? cause.message : String(cause), cancelled: false };
}
