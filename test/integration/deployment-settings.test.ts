import { execFile } from 'node:child_process';
import { rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { readOptions } from '../../src/options';
import { registerWorkerSettings, withdrawWorkerSettings } from '../../src/temporal/controller-client';
import { temporalCliPath } from '../../src/temporal/dev-server';
import * as operator from '../../src/cli/operator-commands';
import { busyJobs, busyRepository } from '../support/busy-repository';
import { recordHistory } from '../support/histories';
import { configFixture, ReconcilerHarness, temporalAddress } from '../support/reconciler-harness';
import type { Metrics } from '../../src/metrics/metrics';
import { cli } from '../support/worker-process';
import { WorkerObserver } from '../support/worker-observer';

const run = promisify(execFile);
const pulls = 4;
const { scenario, sha } = busyRepository(pulls, ['pull-a', 'pull-b', 'pull-c', 'pull-d']);
const jobFile = 'jobs/acme/busy/busy-presubmits.yaml';
const retired = 'Context retired without replacement.';

/**
 * Issue 13: what a run does comes from the workers' flags (the deployment settings they register), never from
 * a signal; workers that disagree halt runs visibly. Issue 18: `temporal workflow signal` with a payload
 * without options, on a blocked controller. Issue 12: any failed load shows on health, status and metrics.
 */
describe('deployment settings: a run uses the workers settings, whoever signals', () => {
  const config = configFixture();
  let harness: ReconcilerHarness;
  let observer: WorkerObserver;
  const workflowId = (): string => `status-reconciler/${harness.options.instance}`;
  const healthz = (): Promise<{ status: number; body: string }> => observer.healthz();
  const retiredEverywhere = (context: string): void => {
    for (let n = 1; n <= pulls; n++)
      expect(
        harness.github
          .statusHistory('acme', 'busy', sha(n))
          .filter((s) => s.context === context && s.description === retired),
      ).toHaveLength(1);
  };

  beforeAll(async () => {
    config.write(jobFile, busyJobs(['pull-a', 'pull-b', 'pull-c', 'pull-d']));
    harness = await ReconcilerHarness.startWithWorker({
      scenario,
      configArgv: config.argv,
      extraArgv: ['--blast-radius-guard=false'],
      baseline: true,
    });
    observer = await WorkerObserver.start(harness);
  });
  afterAll(async () => {
    await observer?.close();
    await harness?.close();
    config.remove();
  });

  it('`status-reconciler signal` without option flags reconciles with the workers settings (no dry run)', async () => {
    const before = await harness.status();
    config.write(jobFile, busyJobs(['pull-b', 'pull-c', 'pull-d']));
    // The operator's flags: where Temporal and the instance are, nothing else (so --dry-run is its default, true).
    await run(process.execPath, [
      cli,
      'signal',
      ...config.argv,
      `--temporal-address=${temporalAddress()}`,
      `--temporal-task-queue=${harness.options.temporal.taskQueue}`,
      `--instance=${harness.options.instance}`,
      '--reason=cli test',
    ]);
    const view = await harness.waitForNextRun(before);
    expect(view.recent[0]?.outcome).toBe('reconciled');
    retiredEverywhere('pull-a');
    expect(view.deployment?.settings?.dryRun).toBe(false);
  });

  it('fails closed and loud on an unreadable job file; `temporal workflow signal` without options then recovers', async () => {
    const before = await harness.status();
    // A dangling symlink: not a config error, whatever the loader makes of it, and still a failed load.
    symlinkSync(path.join(config.dir, 'nowhere.yaml'), path.join(config.dir, 'jobs', 'dangling.yaml'));
    // Forced: whether the files' revision notices the dangling link is the watcher's side (issue 12, loadperf).
    await harness.requestChange('unreadable job file', true);
    const blocked = await harness.waitFor((v) => v.blocked !== undefined, 90_000);
    expect(blocked.blocked?.loadFailed).toBe(true);
    expect(blocked.health.ok).toBe(false);
    expect(blocked.loadFailures).toBe(1);
    expect(blocked.lastReconciled?.revision).toBe(before.lastReconciled?.revision);
    await observer.reader.refresh();
    const down = await healthz();
    expect(down.status).toBe(503);
    expect(down.body).toContain('actuation halted');
    expect(down.body).toContain(`last good revision: ${before.lastReconciled?.revision}`);
    expect(await observer.value(observer.metrics.configLastLoadSuccessful)).toBe(0);
    expect(await observer.value(observer.metrics.configLoadFailures)).toBe(1);
    expect(await observer.value(observer.metrics.changesBlocked)).toBe(1);

    // Issue 18: this payload without options made every later workflow task of a blocked controller fail.
    rmSync(path.join(config.dir, 'jobs', 'dangling.yaml'));
    config.write(jobFile, busyJobs(['pull-c', 'pull-d']));
    const temporal = temporalCliPath();
    const signal = (input: string) =>
      run(temporal, [
        'workflow',
        'signal',
        `--address=${temporalAddress()}`,
        `--workflow-id=${workflowId()}`,
        '--name=configChanged',
        `--input=${input}`,
      ]);
    await signal('{"requestedBy":"me"}');
    await signal('{"reason":"x","requestedBy":"me","force":true}');
    const view = await harness.waitForNextRun(blocked, 60_000);
    expect(view.recent[0]?.outcome).toBe('reconciled');
    expect(view.blocked).toBeUndefined();
    expect(view.health.ok).toBe(true);
    expect(view.rejected?.counts).toEqual({ configChanged: 1 });
    expect(view.rejected?.recent[0]?.reason).toBe('reason: required');
    retiredEverywhere('pull-b');
    await observer.reader.refresh();
    expect((await healthz()).status).toBe(200);
    expect(await observer.value(observer.metrics.configLastLoadSuccessful)).toBe(1);
    expect(
      (await observer.metrics.messagesRejected.get()).values.find(
        (v) => v.labels.workflow === 'controller' && v.labels.message === 'configChanged',
      )?.value,
    ).toBe(1);
  }, 180_000);

  it('workers that disagree on the settings are shown, and no run starts until they agree', async () => {
    const before = await harness.status();
    const dryRunWorker = readOptions([
      ...config.argv,
      `--temporal-address=${temporalAddress()}`,
      `--instance=${harness.options.instance}`,
      `--temporal-task-queue=${harness.options.temporal.taskQueue}`,
    ]);
    await registerWorkerSettings(harness.client, dryRunWorker, 'dry-run-worker');
    config.write(jobFile, busyJobs(['pull-d']));
    await harness.requestChange('while workers disagree');
    const conflict = await harness.waitFor((v) => v.deployment?.conflict === true && v.pending !== undefined);
    expect(conflict.deployment?.problem).toMatch(
      /workers disagree on the deployment settings: .*dry-run-worker/,
    );
    await observer.reader.refresh();
    const down = await healthz();
    expect(down.status).toBe(503);
    expect(down.body).toContain('workers disagree on the deployment settings');
    expect(await observer.value(observer.metrics.deploymentSettingsConflict)).toBe(1);
    // The controller does not guess: the change waits.
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await harness.status()).running).toBeUndefined();
    expect(
      harness.github
        .statusHistory('acme', 'busy', sha(1))
        .filter((s) => s.context === 'pull-c' && s.description === retired),
    ).toHaveLength(0);

    await withdrawWorkerSettings(harness.client, harness.options.instance, 'dry-run-worker');
    const view = await harness.waitForNextRun(before);
    expect(view.recent[0]?.outcome).toBe('reconciled');
    retiredEverywhere('pull-c');
    await observer.reader.refresh();
    expect((await healthz()).status).toBe(200);
    expect(await observer.value(observer.metrics.deploymentSettingsConflict)).toBe(0);
    // The shapes deployment settings brought: a change run given the settings, a controller registering them.
    await recordHistory(harness.client, view.recent[0]?.workflowId as string, 'change-deployment-settings');
    await recordHistory(harness.client, workflowId(), 'controller-deployment-settings');
  });

  it('an exception nobody expected in the load (a TypeError) fails closed and loud too (issue 12)', async () => {
    const before = await harness.status();
    // A worker whose load activity has a defect past the loader's own error handling: a TypeError, retried
    // as any unexpected error is, and then the run fails.
    await harness.stopWorkers();
    const defect = new TypeError("Cannot read properties of undefined (reading 'presubmits')");
    await harness.startWorker({
      metrics: {
        ...harness.metrics,
        loadedPresubmitCount: {
          set: () => {
            throw defect;
          },
        },
      } as unknown as Metrics,
    });
    await harness.requestChange('a loader defect', true);
    const blocked = await harness.waitFor((v) => v.blocked !== undefined, 90_000);
    expect(blocked.blocked).toMatchObject({ loadFailed: true, errorType: 'TypeError' });
    expect(blocked.health).toMatchObject({ ok: false, lastGoodRevision: before.lastReconciled?.revision });
    expect(blocked.loadFailures).toBe((before.loadFailures ?? 0) + 1);
    await observer.reader.refresh();
    const down = await healthz();
    expect(down.status).toBe(503);
    expect(down.body).toContain('actuation halted, the newest config cannot be loaded or validated');
    expect(await observer.value(observer.metrics.configLastLoadSuccessful)).toBe(0);
    expect(await observer.value(observer.metrics.configLoadFailures)).toBe(blocked.loadFailures);

    await harness.stopWorkers();
    await harness.startWorker();
    await operator.retry({
      client: harness.client,
      options: harness.options,
      by: 'test',
      print: () => undefined,
    });
    const view = await harness.waitForNextRun(blocked);
    expect(view.health.ok).toBe(true);
    expect(view.blocked).toBeUndefined();
    await observer.reader.refresh();
    expect((await healthz()).status).toBe(200);
    expect(await observer.value(observer.metrics.configLastLoadSuccessful)).toBe(1);
  }, 180_000);
});
