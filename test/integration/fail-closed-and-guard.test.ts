import path from 'node:path';
import * as operator from '../../src/cli/operator-commands';
import { projectRoot } from '../../src/project-root';
import { loadScenarioFile } from '../../sandbox/github';
import { recordHistory } from '../support/histories';
import { configFixture, ReconcilerHarness, temporalAddress } from '../support/reconciler-harness';
import { cli } from '../support/worker-process';
import { WorkerObserver } from '../support/worker-observer';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { approveUpdate } from '../../workflows/messages';

const scenario = loadScenarioFile(path.join(projectRoot, 'examples', 'github-scenario.yaml'));
const changes = path.join(projectRoot, 'examples', 'changes');
const otherRepoHead = scenario.repos?.find((r) => r.name === 'other-repo')?.pulls?.[0]?.headSha as string;

function operatorContext(harness: ReconcilerHarness, reason: string): operator.OperatorContext {
  return {
    client: harness.client,
    options: harness.options,
    by: 'test-operator',
    reason,
    print: () => undefined,
  };
}

describe('fail closed: a corrupt config halts actuation on every worker, and recovers', () => {
  const config = configFixture();
  let harness: ReconcilerHarness;
  const observers: WorkerObserver[] = [];

  beforeAll(async () => {
    harness = await ReconcilerHarness.start({
      scenario,
      configArgv: config.argv,
      extraArgv: ['--blast-radius-max-removed-fraction=0.2'],
    });
    await harness.startWorker();
    // Two workers' health endpoints, each reading the controller's state as a deployment's workers do.
    for (let i = 0; i < 2; i++) observers.push(await WorkerObserver.start(harness, { pollMs: 200 }));
    await harness.takeBaseline();
    observers.forEach((o) => o.reader.start());
  });
  afterAll(async () => {
    await Promise.all(observers.map((o) => o.close()));
    await harness?.close();
    config.remove();
  });

  it('fails the run with the file and field, writes nothing, keeps the last good revision, and turns /healthz to 503', async () => {
    const baseline = (await harness.status()).lastReconciled?.revision;
    // A broken config that would otherwise read as "my-repo has no presubmits" (kubernetes-sigs/prow#540).
    config.write(
      'jobs/my-org/my-repo/my-repo-presubmits.yaml',
      'presubmits:\n  my-org/my-repo:\n    - name: [unclosed\n',
    );
    await harness.requestChange('corrupt config');
    const view = await harness.waitFor((v) => v.blocked !== undefined);
    expect(view.blocked?.errorType).toBe('ConfigInvalidError');
    expect(view.blocked?.error).toContain('my-repo-presubmits.yaml');
    expect(view.health.ok).toBe(false);
    expect(view.lastReconciled?.revision).toBe(baseline);
    expect(harness.statusWrites()).toBe(0);
    expect(harness.kubernetes.prowJobs()).toHaveLength(0);
    expect(await harness.metrics.configLastLoadSuccessful.get()).toMatchObject({ values: [{ value: 0 }] });

    for (const observer of observers) {
      await observer.reader.refresh();
      const health = await observer.get('/healthz');
      expect(health.status).toBe(503);
      expect(health.body).toContain('actuation halted');
      expect(health.body).toContain('my-repo-presubmits.yaml');
      expect(health.body).toContain(`last good revision: ${baseline}`);
      await recordHistory(harness.client, view.blocked?.workflowId as string, 'change-config-invalid');
      expect(await observer.value(observer.metrics.configLastLoadSuccessful)).toBe(0);
      expect((await observer.get('/livez')).status).toBe(200);
    }
  });

  it('recovers when a good config arrives: reconciles from the last good revision and reports healthy', async () => {
    const before = await harness.status();
    config.applyJobs(path.join(changes, 'rename-retire-add'));
    await harness.requestChange('fixed config');
    const view = await harness.waitForNextRun(before);
    expect(view.recent[0]?.outcome).toBe('reconciled');
    expect(view.health.ok).toBe(true);
    expect(view.blocked).toBeUndefined();
    expect(harness.statusWrites()).toBeGreaterThan(0);
    for (const observer of observers) {
      await observer.reader.refresh();
      expect((await observer.get('/healthz')).status).toBe(200);
      expect(await observer.value(observer.metrics.configLastLoadSuccessful)).toBe(1);
    }
  });
});

describe('blast-radius guard: a change that empties a repository waits for an operator', () => {
  const config = configFixture();
  let harness: ReconcilerHarness;

  beforeAll(async () => {
    harness = await ReconcilerHarness.start({
      scenario,
      configArgv: config.argv,
      extraArgv: ['--approval-timeout=5m'],
    });
    await harness.startWorker();
    await harness.takeBaseline();
  });
  afterAll(async () => {
    await harness?.close();
    config.remove();
  });

  it('holds the plan and writes nothing; a rejection fails the run; a skip adopts the config without writing', async () => {
    config.applyJobs(path.join(changes, 'empty-repo'));
    await harness.requestChange('empty a repository');
    await harness.waitFor((v) => v.running?.held === true);
    const plan = await operator.plan(operatorContext(harness, 'look'));
    expect(plan.phase).toBe('awaiting-approval');
    expect(plan.verdict?.reasons).toContain('my-org/other-repo: all 2 presubmits removed');
    expect(harness.statusWrites()).toBe(0);

    await operator.decide(operatorContext(harness, 'not intended'), false);
    const rejected = await harness.waitFor((v) => v.blocked !== undefined);
    expect(rejected.blocked?.errorType).toBe('PlanRejected');
    expect(rejected.blocked?.error).toContain('test-operator');
    expect(harness.statusWrites()).toBe(0);

    const before = rejected.lastReconciled?.revision;
    await operator.skip(operatorContext(harness, 'accepted without retiring'));
    const skipped = await harness.waitFor((v) => v.recent[0]?.outcome === 'skipped');
    expect(skipped.lastReconciled?.revision).not.toBe(before);
    expect(skipped.lastReconciled?.revision).toBe(rejected.blocked?.newestRevision);
    expect(harness.statusWrites()).toBe(0);
  });

  it('an approval for another transition is refused; the right one proceeds and writes', async () => {
    // Restore other-repo's jobs (no write: additions with nothing to trigger on), then empty it again.
    config.write(
      'jobs/my-org/other-repo/other-repo-presubmits.yaml',
      'presubmits:\n  my-org/other-repo:\n    - {name: pull-other-unit, always_run: true, spec: {containers: [{image: golang}]}}\n',
    );
    const before = await harness.status();
    await harness.requestChange('restore');
    expect((await harness.waitForNextRun(before)).recent[0]?.outcome).toBe('reconciled');
    config.applyJobs(path.join(changes, 'empty-repo'));
    await harness.requestChange('empty again');
    const held = await harness.waitFor((v) => v.running?.held === true);
    const handle = harness.client.workflow.getHandle(held.running?.workflowId as string);
    const refused = await handle
      .executeUpdate(approveUpdate, {
        args: [{ by: 'someone', baselineRevision: 'stale', newestRevision: 'other' }],
      })
      .then(
        () => undefined,
        (err: Error & { cause?: Error }) => err,
      );
    expect(refused?.cause?.message).toMatch(/holds the plan .* not stale → other/);
    expect(harness.statusWrites()).toBe(0);

    // Approved with the command an operator would type.
    const { stdout } = await promisify(execFile)(process.execPath, [
      cli,
      'approve',
      `--temporal-address=${temporalAddress()}`,
      `--instance=${harness.options.instance}`,
      '--by=alice',
      '--reason=repository moved to another Prow',
    ]);
    expect(stdout).toMatch(/^approved status-reconciler\/.+ \([0-9a-f]+ → [0-9a-f]+\)$/m);
    const done = await harness.waitForNextRun(held);
    expect(done.blocked).toBeUndefined();
    await recordHistory(harness.client, held.running?.workflowId as string, 'change-approved');
    await recordHistory(harness.client, `status-reconciler/${harness.options.instance}`, 'controller-guard');
    expect(
      harness.github.latestStatus('my-org', 'other-repo', otherRepoHead, 'pull-other-unit'),
    ).toMatchObject({
      state: 'success',
      description: 'Context retired without replacement.',
    });
  });
});
