import { WorkflowNotFoundError } from '@temporalio/client';
import * as operator from '../../src/cli/operator-commands';
import { planQuery } from '../../workflows/messages';
import { busyJobs, busyRepository } from '../support/busy-repository';
import { recordHistory } from '../support/histories';
import { configFixture, ReconcilerHarness } from '../support/reconciler-harness';

const retired = 'Context retired without replacement.';
const moved = 'Context retired. Status moved to "ci/new".';
const pulls = 20;
// Every PR's head carries pull-keep too, so the coalescing test can see v3's removal of it retired.
const { scenario, sha } = busyRepository(pulls, ['pull-keep', 'pull-old', 'ci/old']);
const jobFile = 'jobs/acme/busy/busy-presubmits.yaml';

async function start(config: ReturnType<typeof configFixture>): Promise<ReconcilerHarness> {
  config.write(jobFile, busyJobs(['pull-keep', 'pull-old', 'pull-move:ci/old']));
  const harness = await ReconcilerHarness.startWithWorker({
    scenario,
    configArgv: config.argv,
    extraArgv: ['--blast-radius-guard=false'],
    baseline: true,
  });
  return harness;
}

/** A harness for one describe block: started before its tests, closed after them. */
function deployment(): { config: ReturnType<typeof configFixture>; harness: () => ReconcilerHarness } {
  const config = configFixture();
  let harness: ReconcilerHarness | undefined;
  beforeAll(async () => (harness = await start(config)));
  afterAll(async () => {
    await harness?.close();
    config.remove();
  });
  return { config, harness: () => harness as ReconcilerHarness };
}

/** Each PR got exactly one retire of pull-old and one move of ci/old: nothing lost, nothing written twice. */
function expectReconciledOnce(harness: ReconcilerHarness, keepRetired = false): void {
  for (let n = 1; n <= pulls; n++) {
    const history = harness.github.statusHistory('acme', 'busy', sha(n));
    // pull-keep stays in the config until the coalescing test removes it: untouched before then.
    if (!keepRetired)
      expect(history.filter((s) => s.context === 'pull-keep' && s.description === retired)).toEqual([]);
    expect(history.filter((s) => s.context === 'pull-old' && s.description === retired)).toHaveLength(1);
    expect(history.filter((s) => s.context === 'ci/new')).toHaveLength(1);
    expect(history.filter((s) => s.context === 'ci/old' && s.description === moved)).toHaveLength(1);
  }
  expect(harness.github.violations).toEqual([]);
}

describe('GitHub faults in the middle of a run', () => {
  const { config, harness: current } = deployment();

  it('retries 5xx, dropped connections and rate limits; loses nothing and writes nothing twice', async () => {
    const harness = current();
    const { faults } = harness.github;
    // Repositories are read over GraphQL (--github-read-api's default): PRs and statuses come from POST /graphql.
    faults.add({ match: { operationId: 'graphql' }, action: { kind: 'status', status: 502 }, times: 3 });
    faults.add({ match: { operationId: 'repos/create-commit-status' }, action: { kind: 'drop' }, times: 1 });
    faults.add({
      match: { operationId: 'repos/create-commit-status' },
      action: { kind: 'status', status: 500 },
      times: 2,
    });
    faults.add({
      match: { operationId: 'repos/create-commit-status' },
      action: { kind: 'secondary-limit', retryAfterSeconds: 1 },
      times: 1,
    });
    faults.add({
      match: { operationId: 'repos/create-commit-status' },
      action: { kind: 'primary-limit', resetInSeconds: 1 },
    });
    // More 503s than the client retries: the activity fails and Temporal retries it, resuming its progress.
    faults.add({ match: { operationId: 'graphql' }, action: { kind: 'status', status: 503 }, times: 5 });

    const before = await harness.status();
    config.write(jobFile, busyJobs(['pull-keep', 'pull-move:ci/new']));
    await harness.requestChange('change under faults');
    const view = await harness.waitForNextRun(before, 90_000);
    expect(view.recent[0]?.outcome).toBe('reconciled');
    expect(faults.list().every((f) => f.remaining === 0)).toBe(true);
    await recordHistory(harness.client, view.recent[0]?.workflowId as string, 'change-retried-activities');
    expectReconciledOnce(harness);
  });
});

describe('cancelling a run', () => {
  const { config, harness: current } = deployment();

  it('stops between GitHub calls, reports what it did, and a retry finishes the change without duplicates', async () => {
    const harness = current();
    harness.github.faults.add({
      match: { operationId: 'repos/create-commit-status' },
      action: { kind: 'delay', ms: 150 },
      times: Infinity,
    });
    config.write(jobFile, busyJobs(['pull-keep', 'pull-move:ci/new']));
    await harness.requestChange('change to cancel');
    const running = await harness.waitFor((v) => v.running !== undefined);
    while (harness.statusWrites() < 4) await new Promise((r) => setTimeout(r, 50));
    await operator.cancel({
      client: harness.client,
      options: harness.options,
      by: 'test',
      print: () => undefined,
    });
    const view = await harness.waitFor((v) => v.blocked !== undefined);
    expect(view.blocked?.errorType).toBe('Cancelled');
    expect(view.recent[0]?.outcome).toBe('cancelled');
    const writesAtCancel = harness.statusWrites();
    expect(writesAtCancel).toBeLessThan(pulls * 3);
    await new Promise((r) => setTimeout(r, 1000));
    expect(harness.statusWrites()).toBe(writesAtCancel);

    const description = await harness.client.workflow
      .getHandle(running.running?.workflowId as string)
      .describe();
    expect(description.status.name).toBe('CANCELLED');
    const memo = description.memo as { totals?: { statusesWritten: number } };
    expect(memo.totals?.statusesWritten).toBeGreaterThan(0);
    await recordHistory(harness.client, running.running?.workflowId as string, 'change-cancelled');

    harness.github.faults.clear();
    await operator.retry({
      client: harness.client,
      options: harness.options,
      by: 'test',
      print: () => undefined,
    });
    const done = await harness.waitForNextRun(view, 60_000);
    expect(done.recent[0]?.outcome).toBe('reconciled');
    expectReconciledOnce(harness);
  });
});

describe('changes arriving while a run is in progress', () => {
  const { config, harness: current } = deployment();

  it('coalesce into one follow-up run from the last reconciled config to the newest (Q8)', async () => {
    const harness = current();
    harness.github.faults.add({
      match: { operationId: 'repos/create-commit-status' },
      action: { kind: 'delay', ms: 50 },
      times: Infinity,
    });
    const baseline = await harness.status();
    // v1: rename ci/old. While it runs: v2 adds pull-added, v3 removes pull-keep, v4 also adds pull-late.
    config.write(jobFile, busyJobs(['pull-keep', 'pull-move:ci/new']));
    await harness.requestChange('v1');
    const first = await harness.waitFor((v) => v.running !== undefined);
    // Let v1's run load its config before the next versions land, so they must arrive as pending changes.
    const firstRun = harness.client.workflow.getHandle(first.running?.workflowId as string);
    // The controller shows the run as soon as it asks for it; the server may not have started it yet.
    const phase = () =>
      firstRun.query(planQuery).then(
        (plan) => plan.phase,
        (error: unknown) => {
          if (error instanceof WorkflowNotFoundError) return 'not started';
          throw error;
        },
      );
    while ((await phase()) !== 'reconciling') await new Promise((r) => setTimeout(r, 50));
    config.write(jobFile, busyJobs(['pull-keep', 'pull-move:ci/new', 'pull-added']));
    await harness.requestChange('v2');
    config.write(jobFile, busyJobs(['pull-move:ci/new', 'pull-added']));
    await harness.requestChange('v3');
    config.write(jobFile, busyJobs(['pull-move:ci/new', 'pull-added', 'pull-late']));
    await harness.requestChange('v4');

    const view = await harness.waitFor((v) => !v.running && !v.pending && v.recent.length >= 3, 90_000);
    expect(view.recent.map((r) => r.outcome)).toEqual(['reconciled', 'reconciled', 'baseline']);
    expect(view.recent[1]?.from).toBe(baseline.lastReconciled?.revision);
    expect(view.recent[0]?.from).toBe(view.recent[1]?.to);
    expect(view.lastReconciled?.revision).toBe(view.recent[0]?.to);
    // v2's job, never reconciled on its own, is still triggered; v3's removal is still retired.
    const jobs = harness.kubernetes.prowJobs().map((j) => j.spec?.job);
    expect(jobs.filter((j) => j === 'pull-added')).toHaveLength(pulls);
    expect(jobs.filter((j) => j === 'pull-late')).toHaveLength(pulls);
    for (let n = 1; n <= pulls; n++) {
      const keep = harness.github
        .statusHistory('acme', 'busy', sha(n))
        .filter((s) => s.context === 'pull-keep');
      expect(keep.filter((s) => s.description === retired)).toHaveLength(1);
      expect(harness.github.latestStatus('acme', 'busy', sha(n), 'pull-keep')).toMatchObject({
        state: 'success',
        description: retired,
      });
    }
    expectReconciledOnce(harness, true);
  });
});
