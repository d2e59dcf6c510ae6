import type { ChildProcess } from 'node:child_process';
import { temporal } from '@temporalio/proto';
import type { GitHubScenario } from '../../sandbox/github';
import { startWorkerProcess, workerProcessArgs } from '../support/worker-process';
import { WriteBudget } from '../../src/github/write-budget';
import { configFixture, ReconcilerHarness } from '../support/reconciler-harness';

/**
 * Two workers on one task queue share one change's repositories, and GitHub's write limits hold for the
 * deployment as a whole: each worker paces its writes to its share of the budget, so the double, with its
 * content-creation limit on (scaled down to seconds), answers no secondary-limit response.
 */
const repos = ['alpha', 'beta', 'gamma', 'delta'];
const pullsPerRepo = 3;
const sha = (repo: string, n: number): string => `${repos.indexOf(repo) + 1}${n}`.padEnd(40, 'e');
const scenario: GitHubScenario = {
  app: { id: 9200, slug: 'reconciler-test', installationId: 51, installationAccount: 'acme' },
  orgs: [{ login: 'acme', members: ['dev'] }],
  repos: repos.map((name) => ({
    owner: 'acme',
    name,
    branches: { main: 'f'.repeat(40) },
    pulls: Array.from({ length: pullsPerRepo }, (_, i) => ({
      number: i + 1,
      author: 'dev',
      baseRef: 'main',
      headSha: sha(name, i + 1),
    })),
    statuses: Object.fromEntries(
      Array.from({ length: pullsPerRepo }, (_, i) => [
        sha(name, i + 1),
        [{ context: 'pull-old', state: 'failure' as const }],
      ]),
    ),
  })),
};
const jobs = (withOld: boolean): string =>
  `presubmits:\n${repos
    .map(
      (name) =>
        `  acme/${name}:\n    - {name: pull-keep, always_run: true, spec: {containers: [{image: golang}]}}\n` +
        (withOld ? `    - {name: pull-old, always_run: true, spec: {containers: [{image: golang}]}}\n` : ''),
    )
    .join('')}`;

// GitHub's 80 writes per minute, scaled to 5 per 3 seconds; the deployment's budget is 4 per 3 s, 2 per worker.
const githubWindow = { limit: 5, windowMs: 3_000 };
const workerShare = { limit: 2, windowMs: 3_000 };

/** Waits until this many workers poll the task queue for activities. */
async function waitForPollers(harness: ReconcilerHarness, count: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const { pollers } = await harness.client.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: harness.options.temporal.taskQueue },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    });
    if ((pollers?.length ?? 0) >= count) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`fewer than ${count} workers poll ${harness.options.temporal.taskQueue}`);
}

describe('several workers', () => {
  const config = configFixture();
  let harness: ReconcilerHarness;
  let other: ChildProcess | undefined;

  beforeAll(async () => {
    config.write('jobs/acme/repos.yaml', jobs(true));
    harness = await ReconcilerHarness.start({
      scenario,
      configArgv: config.argv,
      extraArgv: ['--blast-radius-guard=false', '--repo-concurrency=4'],
      githubLimits: {
        primary: false,
        secondary: { maxConcurrent: 100, writes: [githubWindow], retryAfterSeconds: 3 },
      },
    });
    // One worker in this process, one as a `status-reconciler worker` process with the deployment's flags.
    await harness.startWorker(
      {},
      { identity: 'worker-a', writeBudget: new WriteBudget([workerShare]), maxConcurrentActivities: 2 },
    );
    other = startWorkerProcess(
      workerProcessArgs(harness, config.dir, [
        '--blast-radius-guard=false',
        `--github-write-budget=${workerShare.limit * 2}/${workerShare.windowMs / 1000}s`,
        '--worker-replicas=2',
        '--config-poll-interval=1h',
        '--worker-max-concurrent-activities=2',
      ]),
    );
    await waitForPollers(harness, 2);
    await harness.takeBaseline();
  });
  afterAll(async () => {
    other?.kill('SIGTERM');
    await harness?.close();
    config.remove();
  });

  it("share one change's repositories and stay within GitHub's write limit together", async () => {
    const before = await harness.status();
    config.write('jobs/acme/repos.yaml', jobs(false));
    await harness.requestChange('retire pull-old everywhere');
    const view = await harness.waitForNextRun(before, 60_000);
    expect(view.recent[0]?.outcome).toBe('reconciled');

    expect(harness.statusWrites()).toBe(repos.length * pullsPerRepo);
    expect(harness.github.requests.entries.filter((e) => e.status === 403 || e.status === 429)).toEqual([]);

    const history = await harness.client.workflow
      .getHandle(view.recent[0]?.workflowId as string)
      .fetchHistory();
    const identities = new Set(
      (history.events ?? [])
        .map((e) => e.activityTaskStartedEventAttributes?.identity)
        .filter((identity): identity is string => Boolean(identity)),
    );
    expect(identities.size).toBe(2);
    expect(identities).toContain('worker-a');
  });
});
