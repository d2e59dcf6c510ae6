import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  ControllerView,
  ChangeRunView,
  ChangeRequest,
  OperatorAction,
  PlanDecision,
  WorkerSettingsMessage,
} from './types';

// Every input below is parsed against its schema in ./message-schemas before it touches state: a bad signal is
// dropped and recorded on `status`, a bad update is refused by its validator with the reason.

/** A config change: the watcher, the CLI's `signal` or `temporal workflow signal` sends it; signal-with-start. */
export const configChangedSignal = defineSignal<[ChangeRequest]>('configChanged');
/** A worker's deployment settings (its run-shaping flags), at start and when the controller lacks them. */
export const workerSettingsSignal = defineSignal<[WorkerSettingsMessage]>('workerSettings');
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
