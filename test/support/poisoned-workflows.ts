/**
 * The reconciler's workflows with a deliberate bug, for the recovery test (issue 18): the controller's `poison`
 * signal handler throws a TypeError, which fails the workflow task, and every task after it (each replays the
 * signal). The stuck controller answers no query and handles no signal, as a real bug would leave it.
 */
import { defineSignal, setHandler } from '@temporalio/workflow';
import { reconcilerController as controller, type ControllerInput } from '../../workflows/controller';

export { reconcileChange } from '../../workflows/reconcile-change';

export const poisonSignal = defineSignal('poison');

export async function reconcilerController(input: ControllerInput): Promise<void> {
  setHandler(poisonSignal, () => {
    throw new TypeError("Cannot read properties of undefined (reading 'retryBlockedAfterMs')");
  });
  return controller(input);
}
