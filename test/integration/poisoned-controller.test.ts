import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { busyJobs, busyRepository } from '../support/busy-repository';
import { recordHistory } from '../support/histories';
import { configFixture, ReconcilerHarness, temporalAddress } from '../support/reconciler-harness';
import { cli } from '../support/worker-process';
import { WorkerObserver } from '../support/worker-observer';

const run = promisify(execFile);
const pulls = 4;
const { scenario, sha } = busyRepository(pulls, ['pull-a', 'pull-b', 'pull-c']);
const jobFile = 'jobs/acme/busy/busy-presubmits.yaml';
const retired = 'Context retired without replacement.';

/**
 * Issue 18, item 3: a controller whose workflow task keeps failing (a bug) is shown on /healthz and a metric
 * within one poll, and `status-reconciler recover` replaces it with a fresh run that keeps its baseline and
 * the change it never processed.
 */
describe('a controller whose workflow task keeps failing', () => {
  const config = configFixture();
  let harness: ReconcilerHarness;
  let observer: WorkerObserver;
  const controllerId = (): string => `status-reconciler/${harness.options.instance}`;
  const healthz = (): Promise<{ status: number; body: string }> => observer.healthz();
  const answering = (): Promise<number | undefined> => observer.value(observer.metrics.controllerAnswering);
  const retiredOnce = (context: string): void => {
    for (let n = 1; n <= pulls; n++)
      expect(
        harness.github
          .statusHistory('acme', 'busy', sha(n))
          .filter((s) => s.context === context && s.description === retired),
      ).toHaveLength(1);
  };
  const operatorFlags = (): string[] => [
    `--temporal-address=${temporalAddress()}`,
    `--temporal-task-queue=${harness.options.temporal.taskQueue}`,
    `--instance=${harness.options.instance}`,
  ];

  beforeAll(async () => {
    const quiet = (): void => undefined;
    // The deployment runs workflow code with a bug in a signal handler (test/support/poisoned-workflows.ts).
    const bundle: WorkflowBundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../support/poisoned-workflows'),
      logger: { trace: quiet, debug: quiet, info: quiet, warn: quiet, error: console.error, log: quiet },
    });
    config.write(jobFile, busyJobs(['pull-a', 'pull-b', 'pull-c']));
    harness = await ReconcilerHarness.start({
      scenario,
      configArgv: config.argv,
      // Payloads from 256 bytes compressed, the controller's state included: recover reads it through the codec.
      extraArgv: ['--blast-radius-guard=false', '--payload-compression-threshold=256'],
    });
    await harness.startWorker({}, { bundle });
    // A worker's reader: health, metrics, and its deployment settings kept registered.
    observer = await WorkerObserver.start(harness, {
      reader: { registration: { options: harness.options, workerId: 'test-harness' }, queryTimeoutMs: 3_000 },
    });
    await harness.takeBaseline();
    // A reconciled change, so the baseline to keep is a change run's result, not the first config.
    const before = await harness.status();
    config.write(jobFile, busyJobs(['pull-b', 'pull-c']));
    await harness.requestChange('retire pull-a');
    const view = await harness.waitForNextRun(before);
    expect(view.recent[0]?.outcome).toBe('reconciled');
    retiredOnce('pull-a');
  }, 120_000);
  afterAll(async () => {
    await observer?.close();
    await harness?.close();
    config.remove();
  });

  it('is shown on /healthz and the metric within one poll, and `recover` restores it with its baseline', async () => {
    const baseline = (await harness.status()).lastReconciled?.revision;
    await observer.reader.refresh();
    expect((await healthz()).status).toBe(200);
    expect(await answering()).toBe(1);

    const handle = harness.client.workflow.getHandle(controllerId());
    await handle.signal('poison');
    // Wait for the server to record the failed workflow task: from then on the controller is stuck.
    for (;;) {
      const history = await handle.fetchHistory();
      if (history.events?.some((e) => e.workflowTaskFailedEventAttributes)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // A config change arrives while it is stuck: the signal is recorded, never processed.
    config.write(jobFile, busyJobs(['pull-c']));
    await harness.requestChange('retire pull-b while stuck');
    // The server writes a signal to history once the workflow task in flight (failing) ends: wait for it, so
    // that recover finds it there.
    for (;;) {
      const history = await handle.fetchHistory();
      const failed = history.events?.findIndex((e) => e.workflowTaskFailedEventAttributes) ?? -1;
      const signaled = history.events?.findIndex(
        (e, i) => i > failed && e.workflowExecutionSignaledEventAttributes?.signalName === 'configChanged',
      );
      if (signaled !== undefined && signaled > failed) break;
      await new Promise((r) => setTimeout(r, 100));
    }

    await observer.reader.refresh();
    const down = await healthz();
    expect(down.status).toBe(503);
    expect(down.body).toMatch(/controller not answering since .*see "status-reconciler recover"/);
    expect(observer.reader.notAnswering()?.status).toBe('RUNNING');
    expect(await answering()).toBe(0);

    const stuckRunId = (await handle.describe()).runId;
    // The baseline recover needs is in a compressed payload of the stuck run's history.
    const encodings = ((await handle.fetchHistory()).events ?? []).map((e) =>
      Buffer.from(
        e.childWorkflowExecutionCompletedEventAttributes?.result?.payloads?.[0]?.metadata?.encoding ?? [],
      ).toString(),
    );
    expect(encodings).toContain('binary/zlib');
    // The documented recovery (README, "A controller that does not answer").
    const { stdout } = await run(process.execPath, [
      cli,
      'recover',
      ...operatorFlags(),
      '--by=test-operator',
      '--reason=poisoned by a test',
    ]);
    expect(stdout).toContain(`started with baseline ${baseline}, 1 change(s) sent again`);

    // The fresh run keeps the baseline; the worker re-registers its settings at its next poll, and the change
    // that arrived while the controller was stuck is reconciled from that baseline.
    const recovered = await harness.waitFor((v) => v.recent[0]?.outcome === 'recovered');
    expect(recovered.lastReconciled?.revision).toBe(baseline);
    await observer.reader.refresh();
    const view = await harness.waitFor((v) => v.recent[0]?.outcome === 'reconciled', 60_000);
    expect(view.recent.map((r) => r.outcome)).toEqual(['reconciled', 'recovered']);
    expect(view.recent[0]?.from).toBe(baseline);
    retiredOnce('pull-a');
    retiredOnce('pull-b');
    await observer.reader.refresh();
    expect((await healthz()).status).toBe(200);
    expect(await answering()).toBe(1);
    const stuck = await harness.client.workflow.getHandle(controllerId(), stuckRunId).describe();
    expect(stuck.status.name).toBe('TERMINATED');

    await recordHistory(harness.client, controllerId(), 'controller-recovered');
    // A controller that answers needs no recovery: `recover` refuses and changes nothing.
    await expect(
      run(process.execPath, [cli, 'recover', ...operatorFlags(), '--reason=not needed']),
    ).rejects.toMatchObject({ stderr: expect.stringContaining('answers status: nothing to recover') });
  }, 180_000);
});
