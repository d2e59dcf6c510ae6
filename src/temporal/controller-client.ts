import type { Client, WorkflowHandle } from '@temporalio/client';
import type { ReconcilerOptions } from '../options';
import { reconcilerController, controllerWorkflowId } from '../../workflows/controller';
import { configChangedSignal, statusQuery } from '../../workflows/messages';
import type { ConfigChangeRequest, ControllerView, ReconcileOptions } from '../../workflows/types';

/** The run-shaping options a change request carries, so a redeploy with new flags applies to the next change. */
export function reconcileOptionsOf(options: ReconcilerOptions): ReconcileOptions {
  return {
    dryRun: options.dryRun,
    continueOnError: options.continueOnError,
    denylist: options.denylist,
    denylistAll: options.denylistAll,
    triggerNewRepos: options.triggerNewRepos,
    guard: options.guard,
    repoConcurrency: options.repoConcurrency,
    retryBlockedAfterMs: options.retryBlockedAfterMs,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs,
  };
}

/** Signal-with-start: the first change creates the controller; later ones reach the running one. */
export async function requestReconcile(
  client: Client,
  options: ReconcilerOptions,
  change: Omit<ConfigChangeRequest, 'options'>,
): Promise<WorkflowHandle<typeof reconcilerController>> {
  return client.workflow.signalWithStart(reconcilerController, {
    workflowId: controllerWorkflowId(options.instance),
    taskQueue: options.temporal.taskQueue,
    args: [{ instance: options.instance }],
    signal: configChangedSignal,
    signalArgs: [{ ...change, options: reconcileOptionsOf(options) }],
    staticSummary: `status-reconciler controller "${options.instance}"`,
  });
}

export function controllerHandle(
  client: Client,
  instance: string,
): WorkflowHandle<typeof reconcilerController> {
  return client.workflow.getHandle(controllerWorkflowId(instance));
}

export function controllerStatus(client: Client, instance: string): Promise<ControllerView> {
  return controllerHandle(client, instance).query(statusQuery);
}

/**
 * Polls the controller's `status` query every `everyMs` until `done` holds; fails after `timeoutMs` showing
 * the last state seen. A controller that does not exist yet is waited for.
 */
export async function waitForController(
  client: Client,
  instance: string,
  done: (view: ControllerView) => boolean,
  { timeoutMs, everyMs = 250 }: { timeoutMs: number; everyMs?: number },
): Promise<ControllerView> {
  const deadline = Date.now() + timeoutMs;
  let last: ControllerView | undefined;
  while (Date.now() < deadline) {
    try {
      last = await controllerStatus(client, instance);
      if (done(last)) return last;
    } catch {
      // the controller may not exist yet
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms; controller: ${JSON.stringify(last, null, 2)}`);
}
