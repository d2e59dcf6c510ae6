import {
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  isCancellation,
  ParentClosePolicy,
  setHandler,
  startChild,
  allHandlersFinished,
  workflowInfo,
  ChildWorkflowCancellationType,
} from '@temporalio/workflow';
import { BaselineRevision, ConfigRevision, ReconcileState } from '../src/temporal/search-attributes';
import { changeHeldSignal, configChangedSignal, retrySignal, skipSignal, statusQuery } from './messages';
import { reconcileChange } from './reconcile-change';
import type {
  ChangeRunResult,
  ConfigChangeRequest,
  ConfigHealth,
  ConfigSnapshot,
  ControllerView,
  OperatorAction,
  RunRecord,
} from './types';

/** Durable state of one reconciler instance. Temporal is its only store; it crosses continue-as-new whole. */
export interface ControllerState {
  lastReconciled?: ConfigSnapshot;
  lastLoaded?: Omit<ConfigSnapshot, 'index'>;
  /** The newest change not yet started; newer requests replace it (coalescing, Q8). */
  pending?: ConfigChangeRequest;
  blocked?: {
    request: ConfigChangeRequest;
    workflowId: string;
    error: string;
    errorType?: string;
    since: string;
    /** The newest config the failed run had validated, so `skip` can adopt it. */
    newest?: ConfigSnapshot;
  };
  health: ConfigHealth;
  recent: RunRecord[];
  requestCount: number;
}

export interface ControllerInput {
  instance: string;
  state?: ControllerState;
  /** Continue as new after this many history events (default 2,000); tests lower it. */
  maxHistoryEvents?: number;
}

const recentRuns = 20;
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

  setHandler(configChangedSignal, (request) => {
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
  setHandler(retrySignal, (action) => {
    operatorAction = { kind: 'retry', action };
  });
  setHandler(skipSignal, (action) => {
    operatorAction = { kind: 'skip', action };
  });
  setHandler(changeHeldSignal, ({ workflowId }) => {
    if (running?.workflowId === workflowId) running.held = true;
  });
  setHandler(statusQuery, (): ControllerView => ({
    instance: input.instance,
    lastReconciled: state.lastReconciled && summary(state.lastReconciled),
    lastLoaded: state.lastLoaded,
    pending: state.pending && withoutOptions(state.pending),
    running: running && { workflowId: running.workflowId, held: running.held, since: running.since },
    blocked: state.blocked && {
      workflowId: state.blocked.workflowId,
      error: state.blocked.error,
      errorType: state.blocked.errorType,
      since: state.blocked.since,
      newestRevision: state.blocked.newest?.revision,
    },
    health: state.health,
    recent: state.recent,
  }));

  const runChange = async (request: ConfigChangeRequest): Promise<void> => {
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
    request: ConfigChangeRequest,
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
    if (failure.type === 'ConfigInvalidError') {
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
    const retryAfter = state.blocked?.request.options.retryBlockedAfterMs ?? 0;
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
      await runChange(request);
    } else if (state.blocked && (action?.kind === 'retry' || !woke)) {
      await runChange(state.blocked.request);
    }
    const maxHistoryEvents = input.maxHistoryEvents ?? defaultMaxHistoryEvents;
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > maxHistoryEvents) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof reconcilerController>({ instance: input.instance, state, maxHistoryEvents });
    }
  }
}

function summary(snapshot: ConfigSnapshot): Omit<ConfigSnapshot, 'index'> {
  const { index: _index, ...rest } = snapshot;
  return rest;
}

function withoutOptions(request: ConfigChangeRequest): Omit<ConfigChangeRequest, 'options'> {
  const { options: _options, ...rest } = request;
  return rest;
}

/** The child's failure as the controller records it; the newest validated config rides in its details. */
function describeFailure(err: unknown): {
  message: string;
  type?: string;
  newest?: ConfigSnapshot;
  cancelled: boolean;
} {
  if (isCancellation(err)) return { message: 'cancelled by an operator', type: 'Cancelled', cancelled: true };
  const cause = err instanceof ChildWorkflowFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as { newest?: ConfigSnapshot } | undefined;
    return {
      message: cause.message,
      type: cause.type ?? undefined,
      newest: details?.newest,
      cancelled: false,
    };
  }
  if (cause && isCancellation(cause))
    return { message: 'cancelled by an operator', type: 'Cancelled', cancelled: true };
  return { message: cause instanceof Error ? cause.message : String(cause), cancelled: false };
}
