import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { reconcilerController, controllerWorkflowId } from '../../workflows/controller';
import { configChangedSignal, statusQuery, workerSettingsSignal } from '../../workflows/messages';
import type {
  ChangeRequest,
  ControllerView,
  DeploymentSettings,
  WorkerSettingsMessage,
} from '../../workflows/types';
import type { TemporalOptions } from './temporal-options';

/** Which controller a process talks to: its instance, on the deployment's task queue. */
export interface ControllerAddress {
  instance: string;
  temporal: Pick<TemporalOptions, 'taskQueue'>;
}

/**
 * The deployment settings: the worker flags that decide what a run does (dry run, denylists, guard, ...).
 * Workers register them with the controller; a change request never carries them (issue 13).
 */
export function deploymentSettingsOf(options: DeploymentSettings): DeploymentSettings {
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

/** JSON with sorted keys, so equal settings hash equally whatever order their fields were built in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** The settings' content revision: workers of one deployment agree when theirs are equal. */
export function settingsRevision(settings: DeploymentSettings): string {
  return createHash('sha256').update(canonicalJson(settings)).digest('hex').slice(0, 12);
}

/** How this process names itself to the controller (as Temporal's default worker identity does). */
export function defaultWorkerId(): string {
  return `${process.pid}@${hostname()}`;
}

export function workerSettingsMessage(options: DeploymentSettings, workerId: string): WorkerSettingsMessage {
  const settings = deploymentSettingsOf(options);
  return { workerId, revision: settingsRevision(settings), settings };
}

const startOptions = (options: ControllerAddress) => ({
  workflowId: controllerWorkflowId(options.instance),
  taskQueue: options.temporal.taskQueue,
  args: [{ instance: options.instance }] as Parameters<typeof reconcilerController>,
  staticSummary: `status-reconciler controller "${options.instance}"`,
});

/** Signal-with-start: the first change creates the controller; later ones reach the running one. */
export async function requestReconcile(
  client: Client,
  options: ControllerAddress,
  change: ChangeRequest,
): Promise<WorkflowHandle<typeof reconcilerController>> {
  return client.workflow.signalWithStart(reconcilerController, {
    ...startOptions(options),
    signal: configChangedSignal,
    signalArgs: [change],
  });
}

/** A worker registers its deployment settings (signal-with-start: it may be the first to reach Temporal). */
export async function registerWorkerSettings(
  client: Client,
  options: ControllerAddress & DeploymentSettings,
  workerId: string,
): Promise<void> {
  await client.workflow.signalWithStart(reconcilerController, {
    ...startOptions(options),
    signal: workerSettingsSignal,
    signalArgs: [workerSettingsMessage(options, workerId)],
  });
}

/** A stopping worker withdraws its settings, so a rolling update's old workers stop counting at once. */
export async function withdrawWorkerSettings(
  client: Client,
  instance: string,
  workerId: string,
): Promise<void> {
  await controllerHandle(client, instance).signal(workerSettingsSignal, { workerId, leaving: true });
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
