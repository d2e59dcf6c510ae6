import path from 'node:path';
import { projectRoot } from '../../src/project-root';
import { loadScenarioFile } from '../../sandbox/github';
import { recordHistory } from '../support/histories';
import { configFixture, ReconcilerHarness } from '../support/reconciler-harness';

const scenario = loadScenarioFile(path.join(projectRoot, 'examples', 'github-scenario.yaml'));
const exampleChange = path.join(projectRoot, 'examples', 'changes', 'rename-retire-add');

const retired = 'Context retired without replacement.';

describe('a config change reconciled end to end on the dev server', () => {
  const config = configFixture();
  let harness: ReconcilerHarness;

  beforeAll(async () => {
    // The example change removes 1 of 9 presubmits: over the guard's default 10%, so the guard would hold it.
    harness = await ReconcilerHarness.startWithWorker({
      scenario,
      configArgv: config.argv,
      extraArgv: ['--blast-radius-max-removed-fraction=0.2'],
    });
  });
  afterAll(async () => {
    await harness?.close();
    config.remove();
  });

  it('takes the first config as the baseline and writes nothing (R35)', async () => {
    await harness.requestChange('first start');
    const view = await harness.waitFor((v) => v.lastReconciled !== undefined);
    expect(view.recent[0]?.outcome).toBe('baseline');
    expect(view.health.ok).toBe(true);
    expect(harness.statusWrites()).toBe(0);
    expect(harness.kubernetes.prowJobs()).toHaveLength(0);
  });

  it('triggers added jobs, retires a removed context and migrates a renamed one across PRs', async () => {
    const baseline = (await harness.status()).lastReconciled?.revision;
    config.applyJobs(exampleChange);
    await harness.requestChange('example change');
    const view = await harness.waitFor(
      (v) => v.recent[0]?.outcome === 'reconciled' || v.blocked !== undefined,
    );
    expect(view.blocked).toBeUndefined();
    expect(view.lastReconciled?.revision).not.toBe(baseline);

    const sha = (repo: string, n: number): string =>
      scenario.repos?.find((r) => r.name === repo)?.pulls?.find((p) => p.number === n)?.headSha as string;
    const latest = (n: number, context: string) =>
      harness.github.latestStatus('my-org', 'my-repo', sha('my-repo', n), context);

    // Retire (R20): every open PR carrying pull-old, drafts and untrusted authors included.
    for (const n of [1, 2, 3, 4, 5]) {
      expect(latest(n, 'pull-old')).toMatchObject({ state: 'success', description: retired });
    }
    // Migrate (R22): ci/legacy moved to ci/legacy-v2 where present, then retired with the move message.
    for (const n of [1, 2, 5]) {
      const before = scenario.repos?.[0]?.statuses?.[sha('my-repo', n)]?.find(
        (s) => s.context === 'ci/legacy',
      );
      expect(latest(n, 'ci/legacy-v2')).toMatchObject({
        state: before?.state,
        description: before?.description,
      });
      expect(latest(n, 'ci/legacy')).toMatchObject({
        state: 'success',
        description: 'Context retired. Status moved to "ci/legacy-v2".',
      });
    }
    expect(latest(3, 'ci/legacy-v2')).toBeUndefined();
    // A second repository in the same change: pull-other-e2e's context renamed to ci/e2e on its main branch.
    expect(harness.github.latestStatus('my-org', 'other-repo', sha('other-repo', 1), 'ci/e2e')).toMatchObject(
      {
        state: 'failure',
      },
    );
    expect(
      harness.github.latestStatus('my-org', 'other-repo', sha('other-repo', 1), 'pull-other-e2e'),
    ).toMatchObject({
      state: 'success',
      description: 'Context retired. Status moved to "ci/e2e".',
    });

    // Trigger (R15–R18): trusted, non-draft PRs whose branch and files match; deterministic names.
    const jobs = harness.kubernetes
      .prowJobs()
      .map((j) => `${j.spec?.refs?.pulls?.[0]?.number}:${j.spec?.job}`)
      .sort();
    expect(jobs).toEqual(
      [
        '1:pull-docs',
        '1:pull-integration',
        '1:pull-manual',
        '1:pull-shadow',
        '2:pull-e2e',
        '2:pull-integration',
        '2:pull-manual',
        '2:pull-shadow',
        '5:pull-docs',
        '5:pull-manual',
        '5:pull-shadow',
      ].sort(),
    );
    expect(harness.github.violations).toEqual([]);
  });

  it('makes no writes when the same change is requested again', async () => {
    const writes = harness.statusWrites();
    const jobs = harness.kubernetes.prowJobs().length;
    await harness.requestChange('again', true);
    await harness.waitFor((v) => v.recent[0]?.outcome === 'unchanged');
    expect(harness.statusWrites()).toBe(writes);
    expect(harness.kubernetes.prowJobs()).toHaveLength(jobs);

    const view = await harness.status();
    await recordHistory(harness.client, view.recent[1]?.workflowId as string, 'change-reconciled');
    // Recorded after `patched('record-run-duration')`: the run-duration marker and local activity.
    await recordHistory(
      harness.client,
      view.recent[1]?.workflowId as string,
      'change-reconciled-run-duration',
    );
    await recordHistory(harness.client, view.recent[2]?.workflowId as string, 'change-baseline');
    await recordHistory(harness.client, `status-reconciler/${harness.options.instance}`, 'controller-e2e');
  });
});

describe('dry run (Q14)', () => {
  const config = configFixture();
  let harness: ReconcilerHarness;

  beforeAll(async () => {
    harness = await ReconcilerHarness.startWithWorker({
      scenario,
      configArgv: config.argv,
      extraArgv: ['--dry-run=true', '--blast-radius-max-removed-fraction=0.2'],
      baseline: true,
    });
  });
  afterAll(async () => {
    await harness?.close();
    config.remove();
  });

  it('computes the full plan with every write it would make, writes nothing, and keeps the baseline', async () => {
    const before = await harness.status();
    config.applyJobs(exampleChange);
    await harness.requestChange('dry run of the example change');
    const view = await harness.waitForNextRun(before);
    expect(view.recent[0]?.outcome).toBe('dry-run');
    expect(view.lastReconciled?.revision).toBe(before.lastReconciled?.revision);

    const result = await harness.client.workflow.getHandle(view.recent[0]?.workflowId as string).result();
    const myRepo = result.repositories?.find((r: { repo: string }) => r.repo === 'my-org/my-repo');
    expect(myRepo?.counts).toMatchObject({ prowJobsPlanned: 11, statusesPlanned: 11, statusesWritten: 0 });
    expect(myRepo?.statusWrites).toContainEqual(
      expect.objectContaining({
        pr: 1,
        context: 'pull-old',
        state: 'success',
        description: retired,
        result: 'planned',
      }),
    );
    expect(myRepo?.prowJobs).toContainEqual(
      expect.objectContaining({ pr: 2, job: 'pull-e2e', result: 'planned' }),
    );
    expect(
      // Reads are GETs and GraphQL POSTs; a write is anything else.
      harness.github.requests.entries.filter((e) => e.write && !e.path.startsWith('/app/')),
    ).toEqual([]);
    expect(harness.kubernetes.prowJobs()).toHaveLength(0);
    expect(harness.kubernetes.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });
});
