import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import {
  reconcilerController,
  controllerWorkflowId,
  type ControllerInput,
  type ControllerMemo,
  type ControllerState,
} from '../../workflows/controller';
import { configChangedSchema, parse } from '../../workflows/message-schemas';
import { configChangedSignal } from '../../workflows/messages';
import type { ChangeRequest, ChangeRunResult, ConfigSnapshot } from '../../workflows/types';
import { controllerStatus, type ControllerAddress } from './controller-client';
import { ZlibPayloadCodec } from './payload-codec';

export class RecoveryError extends Error {
  override name = 'RecoveryError';
}

export interface RecoveryReport {
  /** The run that was terminated. */
  stuckRunId: string;
  newRunId: string;
  baselineRevision?: string;
  /** The changes sent again to the fresh controller: the pending one and the blocked one. */
  resent: ChangeRequest[];
}

type Payload = temporal.api.common.v1.IPayload;
type Failure = temporal.api.failure.v1.IFailure;

/** The history's raw payloads, as the workers' data converter reads them: the payload codec, then JSON. */
const codec = new ZlibPayloadCodec();
const decode = async <T>(payload: Payload | null | undefined): Promise<T | undefined> => {
  if (!payload) return undefined;
  const [decoded] = await codec.decode([
    payload as Parameters<typeof defaultPayloadConverter.fromPayload>[0],
  ]);
  return decoded ? defaultPayloadConverter.fromPayload<T>(decoded) : undefined;
};

/** The `newest` snapshot a failed change run put in its failure's details (for `skip`), at any cause depth. */
async function snapshotInFailure(failure: Failure | null | undefined): Promise<ConfigSnapshot | undefined> {
  for (let f = failure; f; f = f.cause) {
    const details = await decode<{ newest?: ConfigSnapshot }>(
      f.applicationFailureInfo?.details?.payloads?.[0],
    );
    if (details?.newest) return details.newest;
  }
  return undefined;
}

/**
 * Every config snapshot the controller's current run holds in its own history, oldest first: the state it
 * started with (continue-as-new carries it) and each change run's result or failure. The controller's own
 * history is kept while it runs, so this does not depend on the change runs' retention.
 */
async function snapshotsIn(history: temporal.api.history.v1.IHistory): Promise<ConfigSnapshot[]> {
  const found: ConfigSnapshot[] = [];
  for (const event of history.events ?? []) {
    const started = event.workflowExecutionStartedEventAttributes;
    if (started) {
      const input = await decode<ControllerInput>(started.input?.payloads?.[0]);
      if (input?.state?.lastReconciled) found.push(input.state.lastReconciled);
    }
    const completed = event.childWorkflowExecutionCompletedEventAttributes;
    if (completed) {
      const result = await decode<ChangeRunResult>(completed.result?.payloads?.[0]);
      if (result?.newest) found.push({ ...result.newest });
    }
    const failed = event.childWorkflowExecutionFailedEventAttributes;
    if (failed) {
      const newest = await snapshotInFailure(failed.failure);
      if (newest) found.push(newest);
    }
  }
  return found;
}

/**
 * The config changes the stuck run received but never processed: signals after its last completed workflow
 * task. Only well-formed `configChanged` requests are sent again (never the message that may have poisoned it).
 */
async function unprocessedChanges(history: temporal.api.history.v1.IHistory): Promise<ChangeRequest[]> {
  const events = history.events ?? [];
  let lastCompleted = -1;
  events.forEach((event, i) => {
    if (event.workflowTaskCompletedEventAttributes) lastCompleted = i;
  });
  const changes: ChangeRequest[] = [];
  for (const event of events.slice(lastCompleted + 1)) {
    const signaled = event.workflowExecutionSignaledEventAttributes;
    if (signaled?.signalName !== 'configChanged') continue;
    const parsed = parse(configChangedSchema, await decode(signaled.input?.payloads?.[0]));
    if (parsed.ok) changes.push(parsed.value);
  }
  return changes;
}

/**
 * `status-reconciler recover`: replaces a controller whose workflow task keeps failing (a bug: it answers no
 * query and handles no signal) with a fresh run that carries its last reconciled baseline, and sends its
 * pending and blocked changes again. The baseline comes from the controller's memo (its revision, kept current
 * by the controller) and the controller's own history (the snapshot with that revision).
 *
 * Refuses a controller that answers `status` unless `force` is set: a healthy controller needs no recovery.
 */
export async function recoverController(
  client: Client,
  options: ControllerAddress,
  {
    by,
    reason,
    force = false,
    queryTimeoutMs = 5_000,
  }: { by: string; reason: string; force?: boolean; queryTimeoutMs?: number },
): Promise<RecoveryReport> {
  const workflowId = controllerWorkflowId(options.instance);
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe().catch((err: unknown) => {
    throw new RecoveryError(`no controller ${workflowId} to recover: ${(err as Error).message}`);
  });
  if (!force) {
    const answers = await client.connection
      .withDeadline(Date.now() + queryTimeoutMs, () => controllerStatus(client, options.instance))
      .then(
        () => true,
        () => false,
      );
    if (answers)
      throw new RecoveryError(
        `controller ${workflowId} answers status: nothing to recover (--force restarts it anyway)`,
      );
  }

  const memo = (description.memo?.controller ?? undefined) as ControllerMemo | undefined;
  if (!memo)
    throw new RecoveryError(
      `controller ${workflowId} (run ${description.runId}) has no recovery memo (it predates it): reset it instead, ` +
        `e.g. temporal workflow reset --workflow-id ${workflowId} --type LastWorkflowTask`,
    );
  let baseline: ConfigSnapshot | undefined;
  const history = await client.workflow.getHandle(workflowId, description.runId).fetchHistory();
  if (memo.baseline) {
    baseline = (await snapshotsIn(history))
      .reverse()
      .find((s) => s.revision === memo.baseline?.revision && s.index !== undefined);
    if (!baseline)
      throw new RecoveryError(
        `the baseline ${memo.baseline.revision} named in the memo of ${workflowId} is not in its history; nothing was changed`,
      );
    baseline = { ...baseline, sourceRevision: memo.baseline.sourceRevision };
  }

  const at = new Date().toISOString();
  const state: ControllerState = {
    lastReconciled: baseline,
    health: { ok: true, lastGoodRevision: baseline?.revision },
    recent: [
      {
        workflowId: `${workflowId} run ${description.runId}`,
        to: baseline?.revision,
        outcome: 'recovered',
        at,
        detail: `stuck run terminated and replaced by ${by}: ${reason}`,
      },
    ],
    requestCount: 0,
  };
  await handle.terminate(`recovered by ${by}: ${reason}`).catch(() => undefined);
  // Terminates a run a worker may have started in between (its first signal-with-start), so this one wins.
  const started = await client.workflow.start(reconcilerController, {
    workflowId,
    taskQueue: options.temporal.taskQueue,
    args: [{ instance: options.instance, state }],
    workflowIdConflictPolicy: 'TERMINATE_EXISTING',
    staticSummary: `status-reconciler controller "${options.instance}" (recovered)`,
  });
  const resent = [
    memo.blocked?.request,
    memo.running,
    memo.pending,
    ...(await unprocessedChanges(history)),
  ].filter((r): r is ChangeRequest => r !== undefined);
  // Oldest first: the blocked change, the one running, the pending one, those never processed; they coalesce (Q8).
  for (const request of resent)
    await started.signal(configChangedSignal, {
      ...request,
      reason: `${request.reason} (sent again by recover)`.slice(0, 1_000),
      force: true,
    });
  return {
    stuckRunId: description.runId,
    newRunId: started.firstExecutionRunId,
    baselineRevision: baseline?.revision,
    resent,
  };
}
