import {
  CancellationScope,
  condition,
  continueAsNew,
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
  ControllerStateMachine,
  type ChangeRun,
  type ControllerState,
  type NextRun,
  type RunOutcome,
} from './controller-state';
import { describeRunFailure } from './failures';
import {
  changeHeldSignal,
  configChangedSignal,
  retrySignal,
  skipSignal,
  statusQuery,
  workerSettingsSignal,
} from './messages';
import { reconcileChange } from './reconcile-change';
import type { ChangeRequest, ChangeRunResult, ControllerView, RejectedMessage } from './types';

export { controllerWorkflowId, type ControllerMemo, type ControllerState } from './controller-state';
export { workerRegistrationTtlMs } from './controller-state-settings';

export interface ControllerInput {
  instance: string;
  state?: ControllerState;
  /** Continue as new after this many history events (default 2,000); tests lower it. */
  maxHistoryEvents?: number;
}

/** Continue-as-new well before Temporal's history limits, even if the server never suggests it. */
const defaultMaxHistoryEvents = 2_000;

/**
 * One long-lived controller per reconciler deployment. It receives `configChanged` signals, runs one change
 * at a time as a child workflow from the last reconciled config to the newest (never losing a change: prow
 * #848, #871), and advances its baseline only when a change was fully reconciled or an operator skipped it (Q7).
 * Every decision is the state machine's (./controller-state.ts); this function only wires messages to it,
 * waits, starts and awaits the runs, and continues as new.
 */
export async function reconcilerController(input: ControllerInput): Promise<void> {
  const machine = new ControllerStateMachine(input.instance, input.state);

  /** A message dropped for not matching its schema is logged; the machine already counted it. */
  const warnIfRejected = (rejection: RejectedMessage | undefined): void => {
    if (rejection)
      log.warn('message rejected', {
        workflow: 'controller',
        message: rejection.message,
        reason: rejection.reason,
      });
  };
  setHandler(configChangedSignal, (raw: unknown) => warnIfRejected(machine.configChanged(raw, Date.now())));
  setHandler(retrySignal, (raw: unknown) => warnIfRejected(machine.retry(raw, Date.now())));
  setHandler(skipSignal, (raw: unknown) => warnIfRejected(machine.skip(raw, Date.now())));
  setHandler(changeHeldSignal, (raw: unknown) => warnIfRejected(machine.changeHeld(raw, Date.now())));
  setHandler(workerSettingsSignal, (raw: unknown) => warnIfRejected(machine.workerSettings(raw, Date.now())));
  setHandler(statusQuery, (): ControllerView => machine.view(Date.now()));

  /** Keeps the memo's baseline and pending change current, for `recover` when the controller is stuck. */
  const syncMemo = (runningRequest?: ChangeRequest): void => {
    const memo = machine.memoUpdate(runningRequest);
    if (memo) upsertMemo({ controller: memo });
  };

  const runChange = async ({ request, settings }: NextRun): Promise<void> => {
    const run: ChangeRun = machine.startRun(request, Date.now());
    const { workflowId, from, to } = run;
    const childScope = new CancellationScope();
    const childResult = childScope.run(async () => {
      const child = await startChild(reconcileChange, {
        workflowId,
        args: [
          {
            instance: input.instance,
            controllerWorkflowId: workflowInfo().workflowId,
            baseline: run.baseline,
            request,
            options: settings,
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
    // A held plan that a newer config supersedes is cancelled (the machine decides when).
    let superseded = false;
    const watchScope = new CancellationScope();
    void watchScope
      .run(() => condition(() => machine.supersedesRun()))
      .then(
        () => {
          superseded = true;
          childScope.cancel();
        },
        () => undefined,
      );
    let outcome: RunOutcome;
    try {
      outcome = { result: (await childResult) as ChangeRunResult };
    } catch (err) {
      outcome = superseded ? { superseded: true } : { failure: describeRunFailure(err) };
    } finally {
      watchScope.cancel();
    }
    machine.endRun(run, outcome, Date.now());
  };

  for (;;) {
    // Deployment settings (issue 13), schemas and the memo: histories recorded before them replay unchanged.
    if (patched('deployment-settings')) {
      syncMemo();
      const wait = machine.nextWait(Date.now());
      await condition(() => machine.canProceed(Date.now()), wait.timeoutMs);
      const next = machine.nextRun(wait, Date.now());
      if (next) {
        syncMemo(next.request);
        await runChange(next);
      }
    } else {
      // Without a timeout, condition resolves to nothing: read as "not woken", as this loop always did.
      const woke = await condition(() => machine.legacyCanProceed(), machine.legacyWaitTimeoutMs());
      const next = machine.legacyNextRun(Boolean(woke), Date.now());
      if (next) await runChange(next);
    }
    const maxHistoryEvents = input.maxHistoryEvents ?? defaultMaxHistoryEvents;
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > maxHistoryEvents) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof reconcilerController>({
        instance: input.instance,
        state: machine.state,
        maxHistoryEvents,
      });
    }
  }
}
