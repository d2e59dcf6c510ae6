import { reconcilerController, controllerWorkflowId } from '../../workflows/controller';
import { configChangedSignal } from '../../workflows/messages';
import { deploymentSettingsOf } from '../../src/temporal/controller-client';
import { busyJobs, busyRepository } from '../support/busy-repository';
import { configFixture, ReconcilerHarness } from '../support/reconciler-harness';
import { sourceRevision } from '../../src/config/files/source-revision';
import type { ChangeRequest } from '../../workflows/types';

/** The controller continues as new before its history grows large, carrying its whole state across. */
describe('controller continue-as-new', () => {
  const config = configFixture();
  const { scenario } = busyRepository(2, ['pull-old']);
  const jobFile = 'jobs/acme/busy/busy-presubmits.yaml';
  let harness: ReconcilerHarness;

  beforeAll(async () => {
    config.write(jobFile, busyJobs(['pull-keep']));
    harness = await ReconcilerHarness.start({
      scenario,
      configArgv: config.argv,
      extraArgv: ['--blast-radius-guard=false'],
    });
    await harness.startWorker();
  });
  afterAll(async () => {
    await harness?.close();
    config.remove();
  });

  it('keeps the baseline, recent runs and health across runs of the controller', async () => {
    const workflowId = controllerWorkflowId(harness.options.instance);
    const change = async (jobs: string[]): Promise<void> => {
      config.write(jobFile, busyJobs(jobs));
      const { revision } = await sourceRevision(harness.options.config);
      await harness.client.workflow.signalWithStart(reconcilerController, {
        workflowId,
        taskQueue: harness.options.temporal.taskQueue,
        args: [{ instance: harness.options.instance, maxHistoryEvents: 20 }],
        signal: configChangedSignal,
        // A payload as workers sent it before deployment settings: accepted, its options ignored.
        signalArgs: [
          {
            sourceRevision: revision,
            reason: 'test',
            options: deploymentSettingsOf(harness.options),
          } as ChangeRequest,
        ],
      });
    };
    await change(['pull-keep']);
    await harness.registerSettings();
    await harness.waitFor((v) => v.recent.length === 1);
    const firstRun = (await harness.client.workflow.getHandle(workflowId).describe()).runId;
    await change(['pull-keep', 'pull-a']);
    await harness.waitFor((v) => v.recent.length === 2);
    await change(['pull-keep', 'pull-a', 'pull-b']);
    const view = await harness.waitFor((v) => v.recent.length === 3);

    const handle = harness.client.workflow.getHandle(workflowId);
    expect((await handle.describe()).runId).not.toBe(firstRun);
    expect(view.recent.map((r) => r.outcome)).toEqual(['reconciled', 'reconciled', 'baseline']);
    expect(view.lastReconciled?.presubmitCount).toBe(12);
    expect(view.health.ok).toBe(true);
    expect(
      harness.kubernetes
        .prowJobs()
        .map((j) => j.spec?.job)
        .sort(),
    ).toEqual(['pull-a', 'pull-a', 'pull-b', 'pull-b']);
  });
});
