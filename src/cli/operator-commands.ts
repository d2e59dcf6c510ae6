import type { Client } from '@temporalio/client';
import { sourceRevision } from '../config/files/source-revision';
import type { ProcessOptions } from '../options';
import { controllerHandle, controllerStatus, requestReconcile } from '../temporal/controller-client';
import { recoverController } from '../temporal/controller-recovery';
import { approveUpdate, planQuery, rejectUpdate, retrySignal, skipSignal } from '../../workflows/messages';
import type { ChangeRunView, ControllerView } from '../../workflows/types';
import { planTable } from './plan-view';
import { statusTable } from './status-view';

/** What an operator command needs: a Temporal client, the options, who is acting and why, and an output. */
export interface OperatorContext {
  client: Client;
  options: ProcessOptions;
  by: string;
  reason?: string;
  /** `plan --workflow-id`: the run whose plan to show, instead of the running one. */
  workflowId?: string;
  print(line: string): void;
  /**
   * Prints a result in the chosen output format: `table(value)` for people, the value as JSON or YAML.
   * Without it, the value is printed as JSON.
   */
  show?<T>(value: T, table: (value: T) => string): Promise<void>;
}

export class OperatorError extends Error {
  override name = 'OperatorError';
}

async function show<T>(ctx: OperatorContext, value: T, table: (value: T) => string): Promise<void> {
  if (ctx.show) await ctx.show(value, table);
  else ctx.print(JSON.stringify(value, null, 2));
}

export async function status(ctx: OperatorContext): Promise<ControllerView> {
  const view = await controllerStatus(ctx.client, ctx.options.instance);
  await show(ctx, view, statusTable);
  return view;
}

async function runningChange(ctx: OperatorContext): Promise<{ workflowId: string; view: ChangeRunView }> {
  const controller = await controllerStatus(ctx.client, ctx.options.instance);
  if (!controller.running)
    throw new OperatorError(`no change is running on instance "${ctx.options.instance}"`);
  const workflowId = controller.running.workflowId;
  const view = await ctx.client.workflow.getHandle(workflowId).query(planQuery);
  return { workflowId, view };
}

export async function plan(ctx: OperatorContext): Promise<ChangeRunView> {
  const given = ctx.workflowId;
  const { workflowId, view } = given
    ? { workflowId: given, view: await ctx.client.workflow.getHandle(given).query(planQuery) }
    : await runningChange(ctx);
  await show(ctx, { workflowId, ...view }, planTable);
  return view;
}

export async function decide(ctx: OperatorContext, approved: boolean): Promise<ChangeRunView> {
  const { workflowId, view } = await runningChange(ctx);
  if (view.phase !== 'awaiting-approval')
    throw new OperatorError(`${workflowId} is ${view.phase}, not awaiting approval`);
  const decision = {
    by: ctx.by,
    reason: ctx.reason,
    baselineRevision: view.baselineRevision ?? '',
    newestRevision: view.newestRevision ?? '',
  };
  const handle = ctx.client.workflow.getHandle(workflowId);
  const result = await handle.executeUpdate(approved ? approveUpdate : rejectUpdate, { args: [decision] });
  ctx.print(
    `${approved ? 'approved' : 'rejected'} ${workflowId} (${decision.baselineRevision} → ${decision.newestRevision})`,
  );
  return result;
}

/** `retry` and `skip` act on the change blocking the controller: there must be one. */
async function signalBlockedChange(
  ctx: OperatorContext,
  signal: typeof retrySignal | typeof skipSignal,
  verb: 'retry' | 'skip',
): Promise<void> {
  const view = await controllerStatus(ctx.client, ctx.options.instance);
  if (!view.blocked)
    throw new OperatorError(`no failed change is blocking the controller; nothing to ${verb}`);
  await controllerHandle(ctx.client, ctx.options.instance).signal(signal, { by: ctx.by, reason: ctx.reason });
  ctx.print(`${verb} of ${view.blocked.workflowId} requested`);
}

export async function retry(ctx: OperatorContext): Promise<void> {
  await signalBlockedChange(ctx, retrySignal, 'retry');
}

export async function skip(ctx: OperatorContext): Promise<void> {
  // Checked before the controller is asked: skipping leaves PRs unreconciled, so it needs a recorded reason.
  if (!ctx.reason)
    throw new OperatorError('skip needs --reason: skipping a change leaves its PRs unreconciled');
  await signalBlockedChange(ctx, skipSignal, 'skip');
}

export async function cancel(ctx: OperatorContext): Promise<void> {
  const controller = await controllerStatus(ctx.client, ctx.options.instance);
  if (!controller.running)
    throw new OperatorError(`no change is running on instance "${ctx.options.instance}"`);
  await ctx.client.workflow.getHandle(controller.running.workflowId).cancel();
  ctx.print(`cancellation of ${controller.running.workflowId} requested`);
}

/**
 * Replaces a controller whose workflow task keeps failing with a fresh run that keeps its baseline and gets its
 * pending and blocked changes again (README, "A controller that does not answer").
 */
export async function recover(ctx: OperatorContext): Promise<void> {
  const report = await recoverController(ctx.client, ctx.options, {
    by: ctx.by,
    reason: ctx.reason ?? 'recovered from the CLI',
  });
  ctx.print(
    `controller of instance "${ctx.options.instance}" recovered: run ${report.stuckRunId} terminated, run ${report.newRunId} started with baseline ${report.baselineRevision ?? 'none'}, ${report.resent.length} change(s) sent again`,
  );
}

/**
 * Reconcile the current files now, even if the watcher saw no change. The request says which files, why and
 * who: what the run does comes from the workers' deployment settings, not from this command's flags.
 */
export async function signal(ctx: OperatorContext): Promise<void> {
  const current = await sourceRevision(ctx.options.config);
  await requestReconcile(ctx.client, ctx.options, {
    sourceRevision: current.revision,
    configVersion: current.configVersion,
    reason: ctx.reason ?? 'requested from the CLI',
    requestedBy: ctx.by,
    force: true,
  });
  ctx.print(`reconcile of config ${current.revision} requested on instance "${ctx.options.instance}"`);
}
