import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  ControllerView,
  ChangeRunView,
  ConfigChangeRequest,
  OperatorAction,
  PlanDecision,
} from './types';

/** A config change: the watcher, the CLI's `signal` or `temporal workflow signal` sends it; signal-with-start. */
export const configChangedSignal = defineSignal<[ConfigChangeRequest]>('configChanged');
/** Run the blocked change again (controller). A signal, so the Web UI's "Send a Signal" can do it too. */
export const retrySignal = defineSignal<[OperatorAction]>('retry');
/** Accept the blocked change without reconciling it (Q7): the baseline advances to its newest config. */
export const skipSignal = defineSignal<[OperatorAction]>('skip');
export const statusQuery = defineQuery<ControllerView>('status');

/** A change run held by the blast-radius guard tells its controller, so a newer config can supersede it. */
export const changeHeldSignal = defineSignal<[{ workflowId: string }]>('changeHeld');

/** Operator decisions on a held plan (change run). Validators reject a decision meant for another plan. */
export const approveUpdate = defineUpdate<ChangeRunView, [PlanDecision]>('approve');
export const rejectUpdate = defineUpdate<ChangeRunView, [PlanDecision]>('reject');
export const planQuery = defineQuery<ChangeRunView>('plan');
