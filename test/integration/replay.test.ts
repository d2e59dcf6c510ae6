import { Worker } from '@temporalio/worker';
import { reconcilerDataConverter } from '../../src/temporal/payload-codec';
import { recordedHistories } from '../support/histories';
import { workflowBundle } from '../support/reconciler-harness';

/**
 * Replays recorded histories of every kind of run (baseline, reconciled, invalid config, held then approved,
 * cancelled, retried activities, and the controller across them) against the current workflow code. A change
 * that would make running workflows non-deterministic fails here: guard it with `patched()`.
 */
describe('replay of recorded workflow histories', () => {
  const histories = recordedHistories();

  it('has histories of every kind of run to replay', () => {
    expect(histories.map((h) => h.workflowId)).toEqual(
      expect.arrayContaining([
        'change-baseline',
        'change-reconciled',
        'change-reconciled-run-duration',
        'change-config-invalid',
        'change-approved',
        'change-cancelled',
        'change-retried-activities',
        'controller-e2e',
        'controller-guard',
        'change-deployment-settings',
        'controller-deployment-settings',
        'controller-recovered',
      ]),
    );
  });

  it.each(histories.map((h) => [h.workflowId, h] as const))(
    '%s replays deterministically',
    async (_name, h) => {
      // With the workers' data converter: histories recorded since the payload codec carry binary/zlib payloads.
      await Worker.runReplayHistory(
        { workflowBundle: await workflowBundle(), dataConverter: reconcilerDataConverter() },
        h.history,
        h.workflowId,
      );
    },
  );
});
