// The workflow bundle's entry point: everything a worker registers.
export { reconcilerController } from './controller';
export { reconcileChange } from './reconcile-change';
