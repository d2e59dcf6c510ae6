import { type ChildProcess, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startGitHubDouble, type GitHubDouble } from '../../sandbox/github';
import { busyJobs, busyRepository } from '../support/busy-repository';
import { startKubernetesDouble, type KubernetesDouble } from '../../sandbox/kubernetes/server';
import { freeLoopbackPort } from '../../src/temporal/dev-server';
import { configFixture, ReconcilerHarness, temporalAddress } from '../support/reconciler-harness';
import { cli, startWorkerProcess, workerProcessArgs } from '../support/worker-process';

/**
 * The real `status-reconciler worker` command as a process: killed with SIGKILL in the middle of a
 * repository, then restarted; the run completes with no duplicate ProwJobs and no duplicate writes.
 */
const pulls = 12;
const { scenario, sha } = busyRepository(pulls, ['pull-old']);

describe('the worker command as a process', () => {
  const config = configFixture();
  let github: GitHubDouble;
  let kubernetes: KubernetesDouble;
  let harness: ReconcilerHarness;
  let workerArgs: string[];
  let healthPort: number;
  let metricsPort: number;
  const children: ChildProcess[] = [];

  const start = (): ChildProcess => {
    const child = startWorkerProcess(workerArgs);
    children.push(child);
    return child;
  };

  beforeAll(async () => {
    config.write('jobs/acme/busy/busy-presubmits.yaml', busyJobs(['pull-keep', 'pull-old']));
    github = await startGitHubDouble({ scenario, limits: { primary: false, secondary: false } });
    kubernetes = await startKubernetesDouble({ namespace: 'prow' });
    healthPort = await freeLoopbackPort();
    metricsPort = await freeLoopbackPort();
    harness = await ReconcilerHarness.start({
      scenario,
      configArgv: config.argv,
      github,
      kubernetes,
      extraArgv: ['--blast-radius-guard=false'],
    });
    workerArgs = workerProcessArgs(harness, config.dir, [
      '--blast-radius-guard=false',
      `--health-port=${healthPort}`,
      `--metrics-port=${metricsPort}`,
      '--config-poll-interval=500ms',
      '--activity-heartbeat-timeout=3s',
    ]);
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await harness?.close();
    await github?.close();
    await kubernetes?.close();
    config.remove();
  });

  it('takes the baseline from its own config watcher', async () => {
    start();
    await harness.waitFor((v) => v.lastReconciled !== undefined, 60_000);
  });

  it('survives SIGKILL mid-repository: the restarted worker finishes with no duplicate jobs or writes', async () => {
    const before = await harness.status();
    config.write('jobs/acme/busy/busy-presubmits.yaml', busyJobs(['pull-keep', 'pull-new']));
    // GitHub's pacing (1 s between writes) makes the repository take several seconds: kill it midway.
    const deadline = Date.now() + 60_000;
    while (harness.statusWrites() < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(harness.statusWrites()).toBeGreaterThanOrEqual(3);
    expect(harness.statusWrites()).toBeLessThan(pulls);
    children[0]?.kill('SIGKILL');

    start();
    const view = await harness.waitForNextRun(before, 90_000);
    expect(view.recent[0]?.outcome).toBe('reconciled');

    const created = kubernetes.prowJobs().filter((j) => j.spec?.job === 'pull-new');
    expect(created).toHaveLength(pulls);
    expect(new Set(created.map((j) => j.metadata?.name)).size).toBe(pulls);
    for (let n = 1; n <= pulls; n++) {
      const retirements = github
        .statusHistory('acme', 'busy', sha(n))
        .filter((s) => s.context === 'pull-old' && s.description === 'Context retired without replacement.');
      expect(retirements).toHaveLength(1);
    }
    expect(harness.statusWrites()).toBe(pulls);
    expect(github.violations).toEqual([]);
  });

  it('serves health, metrics and answers the operator CLI', async () => {
    expect((await fetch(`http://127.0.0.1:${healthPort}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${healthPort}/livez`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${healthPort}/healthz/ready`)).status).toBe(200);
    // The gauges follow the controller's state, which each worker reads every few seconds.
    let metrics = '';
    for (let i = 0; i < 50 && !/^status_reconciler_loaded_presubmit_count 11$/m.test(metrics); i++) {
      if (i) await new Promise((r) => setTimeout(r, 200));
      metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    }
    expect(metrics).toMatch(/^status_reconciler_contexts_retired_total\{org="acme",repo="busy"\} 1$/m);
    expect(metrics).toMatch(/^status_reconciler_loaded_presubmit_count 11$/m);
    expect(metrics).toMatch(/^status_reconciler_config_last_load_successful 1$/m);
    expect(metrics).toMatch(
      /^status_reconciler_statuses_written_total\{org="acme",repo="busy",kind="retire"\} \d+$/m,
    );
    expect(metrics).toMatch(
      /^status_reconciler_github_requests_total\{endpoint="POST \/repos\/\{owner\}\/\{repo\}\/statuses\/\{sha\}",outcome="201"\} \d+$/m,
    );
    expect(metrics).toMatch(/^status_reconciler_github_rate_limit_remaining\{resource="core"\} \d+$/m);
    // The restarted worker finished the run, so it observed the run's duration.
    expect(metrics).toMatch(
      /^status_reconciler_reconcile_run_duration_seconds_count\{outcome="reconciled"\} 1$/m,
    );
    for (const name of [
      'status_reconciler_config_last_load_success_timestamp_seconds',
      'status_reconciler_config_load_failures_total',
      // Counted by the worker that created them: the killed one may have triggered every job.
      'status_reconciler_prowjobs_created_total',
      'status_reconciler_repository_reconcile_duration_seconds_bucket',
      'status_reconciler_changes_pending',
      'status_reconciler_changes_blocked',
      'status_reconciler_runs_awaiting_approval',
      'process_resident_memory_bytes',
    ])
      expect(metrics).toContain(name);

    const { stdout } = await promisify(execFile)(process.execPath, [
      cli,
      'status',
      '-o',
      'json',
      `--temporal-address=${temporalAddress()}`,
      `--instance=${harness.options.instance}`,
    ]);
    const status = JSON.parse(stdout) as {
      lastReconciled?: { presubmitCount: number };
      health: { ok: boolean };
    };
    // The example config's 9 presubmits and this test's 2.
    expect(status.lastReconciled?.presubmitCount).toBe(11);
    expect(status.health.ok).toBe(true);
  });
});
