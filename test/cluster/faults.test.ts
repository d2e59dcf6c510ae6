import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { temporal } from '@temporalio/proto';
import path from 'node:path';
import { LocalCluster } from '../../scripts/cluster/cluster';
import { clusterWorkerFlags, waitReady, WorkerProcesses } from '../../scripts/cluster/workers';
import { sourceRevision } from '../../src/config/files/source-revision';
import { requestReconcile } from '../../src/temporal/controller-client';
import { projectRoot } from '../../src/project-root';
import { startGitHubDouble, type GitHubDouble } from '../../sandbox/github';
import { startKubernetesDouble, type KubernetesDouble } from '../../sandbox/kubernetes/server';
import { freeLoopbackPort } from '../../src/temporal/dev-server';
import type { ControllerView } from '../../workflows/types';
import { configFixture, ReconcilerHarness } from '../support/reconciler-harness';
import {
  clusterBinariesMissing,
  contexts,
  headSha,
  jobFile,
  jobsYaml,
  org,
  repoCount,
  repos,
  retiredDescription,
  scenario,
} from './support/fleet';

/**
 * The reconciler on docker-compose.yml's topology, built without containers (scripts/cluster/): the Temporal
 * server 1.29.1 on PostgreSQL with SQL visibility, and three `status-reconciler worker` processes with
 * compose's worker flags, sharing the deployment's GitHub write budget (--worker-replicas=3) against a GitHub
 * double that enforces GitHub's real secondary limits (80 writes a minute, 500 an hour). One deployment
 * lives through a sequence of 64-repository changes, each under one fault; after each, the doubles' state is
 * checked exactly: every expected ProwJob and status once, nothing lost, the controller's baseline the
 * config on disk. The counts are printed at the end and written to .data/cluster-faults.json.
 *
 * Needs the server binaries (scripts/build-temporal-server.sh) and PostgreSQL: skipped when they are
 * missing, unless CLUSTER_TESTS_REQUIRED=1 (CI), where missing binaries fail.
 */
const missing = clusterBinariesMissing();
const required = process.env.CLUSTER_TESTS_REQUIRED === '1';
const suite = missing && !required ? describe.skip : describe;
const title =
  missing && !required ? `local production cluster (skipped: ${missing})` : 'local production cluster';

const workerCount = 3;
/** How many status writes into a change a fault is injected. */
const faultAfterWrites = 8;
const changeTimeoutMs = 6 * 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface ChangeReport {
  change: string;
  fault: string;
  seconds: number;
  statusWrites: number;
  prowJobs: number;
  expectedWrites: number;
  expectedProwJobs: number;
  duplicates: number;
  lost: number;
  rateLimited: number;
  runs: number;
  workerRestarts: number;
  notes: string[];
}

suite(title, () => {
  const reports: ChangeReport[] = [];
  const config = configFixture();
  let cluster: LocalCluster;
  let github: GitHubDouble;
  let kubernetes: KubernetesDouble;
  let harness: ReconcilerHarness;
  let workers: WorkerProcesses;
  let workerDir: string;
  let nextWorker = 1;
  const baseFlags: { value: string[] } = { value: [] };
  /** From spawning a worker process to its /healthz/ready answering 200 (the readiness probe). */
  const workerReadySeconds: number[] = [];

  const startWorker = async (): Promise<string> => {
    const name = `worker-${nextWorker++}`;
    const ports = {
      health: await freeLoopbackPort(),
      metrics: await freeLoopbackPort(),
      temporalMetrics: await freeLoopbackPort(),
    };
    workers.start(name, [
      ...baseFlags.value.map((flag) =>
        flag
          .replace(/^--health-port=.*/, `--health-port=${ports.health}`)
          .replace(/^--metrics-port=.*/, `--metrics-port=${ports.metrics}`)
          .replace(/^--temporal-metrics-port=.*/, `--temporal-metrics-port=${ports.temporalMetrics}`),
      ),
      // The deployment's write budget, shared by its three workers (compose runs two: --worker-replicas=2).
      `--worker-replicas=${workerCount}`,
    ]);
    const spawned = Date.now();
    await waitReady(ports.health);
    workerReadySeconds.push((Date.now() - spawned) / 1000);
    return name;
  };

  const statusWrites = () => github.requests.count('repos/create-commit-status', 201);
  const rateLimited = () =>
    github.requests.entries.filter((e) => e.status === 403 || e.status === 429).length;
  /** The deployment's busiest minute of status writes, as GitHub's secondary limit counts them. */
  const mostWritesInAMinute = (): number => {
    const times = github.requests.entries
      .filter((e) => e.operationId === 'repos/create-commit-status' && e.status === 201)
      .map((e) => e.startedAt)
      .sort((a, b) => a - b);
    let most = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while ((times[i] as number) - (times[j] as number) >= 60_000) j++;
      most = Math.max(most, i - j + 1);
    }
    return most;
  };
  const retirements = (repo: string, context: string) =>
    github
      .statusHistory(org, repo, headSha(repo))
      .filter((s) => s.context === context && s.description === retiredDescription).length;
  const prowJobsOf = (repo: string, job: string) =>
    kubernetes.prowJobs().filter((j) => j.spec?.job === job && j.spec?.refs?.repo === repo).length;
  const tally = (counts: number[]) => ({
    lost: counts.filter((c) => c === 0).length,
    duplicates: counts.reduce((sum, c) => sum + Math.max(0, c - 1), 0),
  });

  /** A worker running one of the current run's repository activities (else any running worker). */
  const busyWorker = async (): Promise<string> => {
    const running = (await harness.status()).running?.workflowId;
    if (running) {
      const { raw } = await harness.client.workflow.getHandle(running).describe();
      for (const activity of raw.pendingActivities ?? []) {
        if (activity.state !== temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED)
          continue;
        const name = workers.nameOfPid(Number(activity.lastWorkerIdentity?.split('@')[0]));
        if (name) return name;
      }
    }
    return workers.running()[0] as string;
  };

  /** Runs that ended between two controller views (its recent list is newest first). */
  const newRuns = (before: ControllerView, after: ControllerView): number => {
    const last = before.recent[0];
    const index = after.recent.findIndex((r) => r.at === last?.at && r.workflowId === last?.workflowId);
    return index === -1 ? after.recent.length : index;
  };

  /**
   * What the runs' histories say about retries: repository activities whose recorded attempt is not the first
   * (a retry is recorded only with its last attempt), and how many of those followed a heartbeat timeout
   * (their worker died, or their result was lost while the server or its database was down).
   */
  const retriesIn = async (before: ControllerView, view: ControllerView): Promise<string> => {
    let retried = 0;
    let afterHeartbeatTimeout = 0;
    for (const run of view.recent.slice(0, newRuns(before, view))) {
      const history = await harness.client.workflow.getHandle(run.workflowId).fetchHistory();
      for (const event of history.events ?? []) {
        const started = event.activityTaskStartedEventAttributes;
        if (!started || (started.attempt ?? 1) <= 1) continue;
        retried++;
        if (started.lastFailure?.timeoutFailureInfo) afterHeartbeatTimeout++;
      }
    }
    return `activities retried ${retried} (after a timeout: ${afterHeartbeatTimeout})`;
  };

  /**
   * The change's runs, oldest first, with the reason of those that did not reconcile. The newest config was
   * reconciled by one of them; a run after it may find nothing left to do (`unchanged`).
   */
  const runsOf = (before: ControllerView, view: ControllerView) =>
    view.recent.slice(0, newRuns(before, view)).reverse();
  function expectReconciled(before: ControllerView, view: ControllerView): void {
    const runs = runsOf(before, view);
    const last = runs.findLastIndex((r) => r.outcome === 'reconciled');
    expect({
      runs,
      reconciledThenNothingToDo: last !== -1 && runs.slice(last + 1).every((r) => r.outcome === 'unchanged'),
    }).toMatchObject({
      reconciledThenNothingToDo: true,
    });
  }

  /** Writes a job config, waits for the controller to reconcile exactly it, and checks the doubles. */
  async function change(
    name: string,
    jobs: string[],
    expect_: { retired: string; triggered: string },
    fault?: { name: string; inject: () => Promise<string[]> },
  ): Promise<ChangeReport> {
    const before = await harness.status();
    const writesBefore = statusWrites();
    const jobsBefore = kubernetes.prowJobs().length;
    const limitedBefore = rateLimited();
    const restartsBefore = workers.restarts();
    const started = Date.now();
    config.write(jobFile, jobsYaml(jobs));
    const { revision } = await sourceRevision(harness.options.config);
    const notes: string[] = [];
    if (fault) {
      const deadline = Date.now() + changeTimeoutMs;
      while (statusWrites() - writesBefore < faultAfterWrites && Date.now() < deadline) await sleep(100);
      expect(statusWrites() - writesBefore).toBeLessThan(repoCount);
      notes.push(`fault at ${statusWrites() - writesBefore} writes`, ...(await fault.inject()));
    }
    const view = await harness.waitFor(
      (v) => v.lastReconciled?.sourceRevision === revision && !v.running && !v.pending,
      changeTimeoutMs,
    );
    notes.push(await retriesIn(before, view));
    const report = finish(name, fault?.name ?? 'none', started, before, view, {
      writesBefore,
      jobsBefore,
      limitedBefore,
      restartsBefore,
      notes,
      expected: { writes: repoCount, prowJobs: repoCount },
      retired: repos.map((repo) => retirements(repo, expect_.retired)),
      triggered: repos.map((repo) => prowJobsOf(repo, expect_.triggered)),
    });
    expectReconciled(before, view);
    return report;
  }

  function finish(
    name: string,
    fault: string,
    started: number,
    before: ControllerView,
    view: ControllerView,
    c: {
      writesBefore: number;
      jobsBefore: number;
      limitedBefore: number;
      restartsBefore: number;
      notes: string[];
      expected: { writes: number; prowJobs: number };
      retired: number[];
      triggered: number[];
    },
  ): ChangeReport {
    const retired = tally(c.retired);
    const triggered = tally(c.triggered);
    c.notes.push(
      `runs: ${runsOf(before, view)
        .map((r) => (r.outcome === 'reconciled' ? r.outcome : `${r.outcome} (${r.detail ?? ''})`))
        .join(', ')}`,
    );
    const report: ChangeReport = {
      change: name,
      fault,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      statusWrites: statusWrites() - c.writesBefore,
      prowJobs: kubernetes.prowJobs().length - c.jobsBefore,
      expectedWrites: c.expected.writes,
      expectedProwJobs: c.expected.prowJobs,
      duplicates: retired.duplicates + triggered.duplicates,
      lost: retired.lost + triggered.lost,
      rateLimited: rateLimited() - c.limitedBefore,
      runs: newRuns(before, view),
      workerRestarts: workers.restarts() - c.restartsBefore,
      notes: c.notes,
    };
    reports.push(report);
    process.stderr.write(`cluster fault test: ${JSON.stringify(report)}\n`);
    // Exactly once each, nothing else written or created, no rate limit answered.
    expect({
      lost: report.lost,
      duplicates: report.duplicates,
      statusWrites: report.statusWrites,
      prowJobs: report.prowJobs,
      rateLimited: report.rateLimited,
    }).toEqual({
      lost: 0,
      duplicates: 0,
      statusWrites: c.expected.writes,
      prowJobs: c.expected.prowJobs,
      rateLimited: 0,
    });
    expect(github.violations).toEqual([]);
    return report;
  }

  beforeAll(async () => {
    cluster = await LocalCluster.start({ keep: process.env.CLUSTER_KEEP === '1' });
    rmSync(path.join(config.dir, 'jobs', 'my-org'), { recursive: true, force: true });
    config.write(jobFile, jobsYaml(['pull-keep', ...contexts]));
    github = await startGitHubDouble({ scenario, limits: {} });
    kubernetes = await startKubernetesDouble({ namespace: 'prow' });
    process.env.TEMPORAL_ADDRESS = cluster.address;
    // The harness reads the controller of compose's instance and task queue (the defaults).
    harness = await ReconcilerHarness.start({
      scenario,
      configArgv: config.argv,
      github,
      kubernetes,
      extraArgv: ['--instance=default', '--temporal-task-queue=status-reconciler'],
    });
    workerDir = path.join(cluster.dir, 'workers');
    mkdirSync(workerDir, { recursive: true });
    workers = new WorkerProcesses(workerDir, { restart: true });
    const key = path.join(workerDir, 'github-app.pem');
    writeFileSync(key, github.app.privateKeyPem, { mode: 0o600 });
    baseFlags.value = clusterWorkerFlags({
      configDir: config.dir,
      temporalAddress: cluster.address,
      githubUrl: github.url,
      githubAppId: github.app.appId,
      githubPrivateKeyPath: key,
      kubeconfigPath: kubernetes.writeKubeconfig(path.join(workerDir, 'kubeconfig')),
    });
    for (let i = 0; i < workerCount; i++) await startWorker();
    // The workers' config watchers take the baseline on their own, as in compose.
    await harness.waitFor((v) => v.lastReconciled !== undefined, 120_000);
  }, 8 * 60_000);

  afterAll(async () => {
    await workers?.stopAll(10_000);
    await harness?.close();
    await github?.close();
    await kubernetes?.close();
    await cluster?.stop();
    config.remove();
    if (reports.length > 0) {
      mkdirSync(path.join(projectRoot, '.data'), { recursive: true });
      writeFileSync(path.join(projectRoot, '.data', 'cluster-faults.json'), JSON.stringify(reports, null, 2));
      const total = reports.reduce(
        (t, r) => ({
          writes: t.writes + r.statusWrites,
          prowJobs: t.prowJobs + r.prowJobs,
          duplicates: t.duplicates + r.duplicates,
          lost: t.lost + r.lost,
          rateLimited: t.rateLimited + r.rateLimited,
        }),
        { writes: 0, prowJobs: 0, duplicates: 0, lost: 0, rateLimited: 0 },
      );
      console.log(
        [
          'local production cluster (PostgreSQL, Temporal 1.29.1, 3 workers): one change per row',
          ...reports.map(
            (r) =>
              `  ${r.change.padEnd(28)} fault ${r.fault.padEnd(34)} ${String(r.seconds).padStart(6)} s  writes ${r.statusWrites}/${r.expectedWrites}  ProwJobs ${r.prowJobs}/${r.expectedProwJobs}  duplicates ${r.duplicates}  lost ${r.lost}  rate-limited ${r.rateLimited}  runs ${r.runs}  worker restarts ${r.workerRestarts}${r.notes.length ? `  (${r.notes.join('; ')})` : ''}`,
          ),
          `  total: writes ${total.writes}, ProwJobs ${total.prowJobs}, duplicates ${total.duplicates}, lost ${total.lost}, rate-limited ${total.rateLimited}`,
          `  most status writes in any 60 s (GitHub allows 80; the budget 70): ${mostWritesInAMinute()}`,
          `  cluster start-up (s): ${JSON.stringify(cluster?.timings ?? {})}`,
          `  worker process start to ready (s): ${workerReadySeconds.map((s) => s.toFixed(1)).join(', ')}`,
        ].join('\n'),
      );
    }
  }, 2 * 60_000);

  it('registered the search attributes on SQL visibility as the README says', async () => {
    const { stdout } = await cluster.temporal(['operator', 'search-attribute', 'list', '--output', 'json']);
    const listed = JSON.parse(stdout) as { customAttributes?: Record<string, string> };
    expect(listed.customAttributes).toMatchObject({
      ConfigRevision: 'INDEXED_VALUE_TYPE_KEYWORD',
      BaselineRevision: 'INDEXED_VALUE_TYPE_KEYWORD',
      ReconcileState: 'INDEXED_VALUE_TYPE_KEYWORD',
      ReconcileRepositories: 'INDEXED_VALUE_TYPE_KEYWORD_LIST',
    });
  });

  it(
    `reconciles a change of ${repoCount} repositories with no fault, findable by every search attribute`,
    async () => {
      await change('1: retire ctx-1, add new-1', ['pull-keep', ...contexts.slice(1), 'new-1'], {
        retired: 'ctx-1',
        triggered: 'new-1',
      });
      const view = await harness.status();
      const run = view.recent[0];
      if (!run?.from || !run.to) throw new Error(`no reconciled run: ${JSON.stringify(view.recent)}`);
      const description = await harness.client.workflow.getHandle(run.workflowId).describe();
      const listed = description.searchAttributes.ReconcileRepositories as string[];
      // 64 names of ~60 bytes do not fit the 2 KB of one search attribute value: the run lists the first ones.
      expect(listed.length).toBeGreaterThan(20);
      expect(listed.length).toBeLessThan(repoCount);
      expect(JSON.stringify(listed).length).toBeLessThanOrEqual(2048);
      const queries = [
        `ConfigRevision = '${run.to}'`,
        `BaselineRevision = '${run.from}'`,
        `ReconcileState = 'done' AND ConfigRevision = '${run.to}'`,
        `ReconcileRepositories = '${listed[0]}'`,
        `ReconcileRepositories = '${listed[listed.length - 1]}' AND ReconcileState = 'done'`,
        `ReconcileRepositories IN ('${listed[1]}', 'not/a-repo')`,
      ];
      for (const query of queries) {
        // SQL visibility is written asynchronously: a run can take a moment to appear.
        let found: string[] = [];
        for (let i = 0; i < 60 && !found.includes(run.workflowId); i++) {
          if (i) await sleep(500);
          found = [];
          for await (const w of harness.client.workflow.list({ query })) found.push(w.workflowId);
        }
        expect({ query, found: found.includes(run.workflowId) }).toEqual({ query, found: true });
      }
    },
    changeTimeoutMs + 60_000,
  );

  it(
    `loses nothing when a worker is SIGKILLed in the middle of a ${repoCount}-repository change and another starts`,
    async () => {
      await change(
        '2: retire ctx-2, add new-2',
        ['pull-keep', ...contexts.slice(2), 'new-1', 'new-2'],
        { retired: 'ctx-2', triggered: 'new-2' },
        {
          name: 'worker SIGKILL + new worker',
          inject: async () => {
            const victim = await busyWorker();
            await workers.stop(victim, 'SIGKILL');
            const replacement = await startWorker();
            return [`killed ${victim}, started ${replacement}`];
          },
        },
      );
    },
    changeTimeoutMs + 60_000,
  );

  it(
    'loses nothing when the Temporal server is killed and restarted mid-change',
    async () => {
      await change(
        '3: retire ctx-3, add new-3',
        ['pull-keep', ...contexts.slice(3), 'new-1', 'new-2', 'new-3'],
        { retired: 'ctx-3', triggered: 'new-3' },
        {
          name: 'Temporal server SIGKILL + restart',
          inject: async () => {
            const down = Date.now();
            await cluster.restartServer(2_000);
            return [`server back in ${((Date.now() - down) / 1000).toFixed(1)} s`];
          },
        },
      );
    },
    changeTimeoutMs + 60_000,
  );

  it(
    'loses nothing when PostgreSQL is restarted mid-change (the server reconnects)',
    async () => {
      await change(
        '4: retire ctx-4, add new-4',
        ['pull-keep', ...contexts.slice(4), 'new-1', 'new-2', 'new-3', 'new-4'],
        { retired: 'ctx-4', triggered: 'new-4' },
        {
          name: 'PostgreSQL immediate stop + start',
          inject: async () => {
            const down = Date.now();
            await cluster.restartPostgres(2_000);
            return [`PostgreSQL back in ${((Date.now() - down) / 1000).toFixed(1)} s`];
          },
        },
      );
    },
    changeTimeoutMs + 60_000,
  );

  it(
    'coalesces a config storm (20 changes in 10 s) to the newest while a worker dies and the server restarts',
    async () => {
      // How many PRs got a ProwJob of each storm version. A run reconciling an intermediate version may be
      // superseded part-way, so an earlier version can be on some PRs only; none may be on a PR twice.
      const stormJobCounts = (): Map<number, number[]> =>
        new Map(
          Array.from({ length: 20 }, (_, i) => [
            i + 1,
            repos.map((repo) => prowJobsOf(repo, `storm-${i + 1}`)),
          ]),
        );
      const stormJobs = (s: number) => [
        'pull-keep',
        'ctx-6',
        'new-1',
        'new-2',
        'new-3',
        'new-4',
        `storm-${s}`,
      ];
      const before = await harness.status();
      const writesBefore = statusWrites();
      const jobsBefore = kubernetes.prowJobs().length;
      const limitedBefore = rateLimited();
      const restartsBefore = workers.restarts();
      const started = Date.now();
      const notes: string[] = [];
      let signalsRetried = 0;
      const faults = (async () => {
        await sleep(3_000);
        const victim = await busyWorker();
        await workers.stop(victim, 'SIGKILL');
        notes.push(`killed ${victim} at 3 s, started ${await startWorker()}`);
        await sleep(Math.max(0, 6_000 - (Date.now() - started)));
        const down = Date.now();
        await cluster.restartServer(1_000);
        notes.push(
          `server restarted at ${((down - started) / 1000).toFixed(1)} s, back in ${((Date.now() - down) / 1000).toFixed(1)} s`,
        );
      })();
      // Each version is written to disk (the workers' watchers see it) and also signalled, as the CLI's
      // `reconcile` would; a signal refused while the server is down is sent again.
      for (let s = 1; s <= 20; s++) {
        config.write(jobFile, jobsYaml(stormJobs(s)));
        for (;;) {
          try {
            // As `status-reconciler reconcile` sends it: a request only. (The harness's requestChange would
            // also register its own deployment settings, which differ from the workers', and the controller
            // starts no run while a deployment's settings disagree.)
            await requestReconcile(harness.client, harness.options, {
              sourceRevision: (await sourceRevision(harness.options.config)).revision,
              reason: `storm ${s}`,
              requestedBy: 'test',
            });
            break;
          } catch {
            signalsRetried++;
            await sleep(250);
          }
        }
        await sleep(Math.max(0, s * 500 - (Date.now() - started)));
      }
      notes.push(`20 versions written in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      if (signalsRetried) notes.push(`${signalsRetried} signals retried while the server was down`);
      await faults;
      const { revision } = await sourceRevision(harness.options.config);
      const view = await harness.waitFor(
        (v) => v.lastReconciled?.sourceRevision === revision && !v.running && !v.pending,
        changeTimeoutMs,
      );
      notes.push(await retriesIn(before, view));
      const earlier = [...stormJobCounts()].filter(
        ([version, counts]) => version < 20 && counts.some((c) => c > 0),
      );
      for (const [version, counts] of earlier)
        expect({ version, most: Math.max(...counts) }).toEqual({ version, most: 1 });
      notes.push(
        `earlier versions triggered: ${earlier.map(([v, counts]) => `storm-${v} on ${counts.filter((c) => c > 0).length} PRs`).join(', ') || 'none'}`,
      );
      // Coalesced: far fewer runs than versions, and the last one reconciled the newest.
      const report = finish(
        '5: config storm (20 versions)',
        'storm + worker SIGKILL + server restart',
        started,
        before,
        view,
        {
          writesBefore,
          jobsBefore,
          limitedBefore,
          restartsBefore,
          notes,
          // ctx-5 retired once; storm-20 triggered once per PR; nothing but storm jobs created.
          expected: {
            writes: repoCount,
            prowJobs: [...stormJobCounts().values()].flat().reduce((sum, c) => sum + c, 0),
          },
          retired: repos.map((repo) => retirements(repo, 'ctx-5')),
          triggered: repos.map((repo) => prowJobsOf(repo, 'storm-20')),
        },
      );
      expect(report.runs).toBeGreaterThanOrEqual(1);
      expect(report.runs).toBeLessThan(20);
      expectReconciled(before, view);
    },
    changeTimeoutMs + 60_000,
  );

  it('ended with every context retired once and every job triggered once over all changes', () => {
    for (const repo of repos) {
      expect(contexts.slice(0, 5).map((c) => retirements(repo, c))).toEqual([1, 1, 1, 1, 1]);
      expect(retirements(repo, 'ctx-6')).toBe(0);
      expect(['new-1', 'new-2', 'new-3', 'new-4', 'storm-20'].map((j) => prowJobsOf(repo, j))).toEqual([
        1, 1, 1, 1, 1,
      ]);
    }
    const names = kubernetes.prowJobs().map((j) => j.metadata?.name);
    expect(new Set(names).size).toBe(names.length);
    // Three workers sharing the deployment's budget never wrote more than GitHub's secondary limit allows.
    expect(mostWritesInAMinute()).toBeLessThanOrEqual(80);
  });
});
