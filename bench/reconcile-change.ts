/**
 * Issue 5's benchmark: one config change retiring 5 contexts and migrating 1 across 50 repositories with
 * 200 open PRs each (every PR's head SHA carries all 6 old contexts), reconciled end to end on a real
 * Temporal dev server by one worker against the GitHub double (limits off, writes unpaced). Run compiled:
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/reconcile-change.js
 *
 * Environment: BENCH_REPOS (50), BENCH_PRS (200), BENCH_REPO_CONCURRENCY (4, the reconciler's default),
 * BENCH_DIRECT (0; both, before or after: also run the change without Temporal, method B),
 * BENCH_TIMEOUT_MIN (45), TEMPORAL_ADDRESS (use a running server instead of starting a dev server).
 *
 * It prints GitHub requests by operation, writes, reads per repository against ⌈PRs/100⌉ + PRs (and Prow's
 * count), redundant writes (a forced second run of the same transition; writes equal to the latest status),
 * wall time, Temporal's overhead by two methods, history sizes and the largest payload.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../activities';
import type { ConfigSource } from '../src/config/types';
import { hasWork, type RepoPlan } from '../src/reconcile/plan';
import { deploymentSettingsOf } from '../src/temporal/controller-client';
import type { reconcileChange } from '../workflows/reconcile-change';
import type { ChangeRunInput, ChangeRunResult, ConfigSnapshot, RunRecord } from '../workflows/types';
import { BenchDeployment } from './support/deployment';
import { DoubleProcess } from './support/double-process';
import type { RequestStats, StatusAudit } from './support/double-protocol';
import {
  activitySpans,
  describeHistory,
  eventTimeMs,
  historyStats,
  outcomeRecordedAt,
  unionMs,
  zeroLatencyWallMs,
  type HistoryStats,
} from './support/history';
import { benchTemporal } from './support/temporal-env';

const repos = Number(process.env.BENCH_REPOS ?? 50);
const prsPerRepo = Number(process.env.BENCH_PRS ?? 200);
const concurrency = Number(process.env.BENCH_REPO_CONCURRENCY ?? 4);
/**
 * Method B runs the whole change again without Temporal: before the Temporal run and after it (`both`: the
 * order matters, the first pass in a process is the slower), only `before` or `after`, or not at all (`0`,
 * the default: each pass takes as long as the Temporal run, ~14 minutes at full size).
 */
const directMode = ({ '0': 'off', before: 'before', after: 'after', both: 'both' } as const)[
  process.env.BENCH_DIRECT ?? '0'
];
if (!directMode) throw new Error('BENCH_DIRECT must be both, before, after or 0');
const contexts = 6;
const retired = 5;
const org = 'sandbox-org';
/**
 * Bound on each wait. The full-size change makes 70,000 status writes, which the GitHub client serializes
 * (one write in flight per client, as GitHub asks): about 20 minutes on two cores.
 */
const runTimeoutMs = Number(process.env.BENCH_TIMEOUT_MIN ?? 45) * 60_000;

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const pct = (part: number, whole: number): string => `${((100 * part) / whole).toFixed(1)}%`;
const out = (line = ''): void => void process.stdout.write(`${line}\n`);

/** The config: every repository has the 6 presubmits whose contexts the generated PRs carry. */
function writeConfig(dir: string, stage: 'before' | 'after'): ConfigSource {
  mkdirSync(path.join(dir, 'prow'), { recursive: true });
  writeFileSync(path.join(dir, 'prow', 'config.yaml'), 'prowjob_namespace: prow\npod_namespace: test-pods\n');
  writeFileSync(path.join(dir, 'prow', 'plugins.yaml'), `triggers:\n  - repos: [${org}]\n`);
  const jobs = path.join(dir, 'jobs');
  rmSync(jobs, { recursive: true, force: true });
  mkdirSync(jobs, { recursive: true });
  for (let r = 0; r < repos; r++) {
    const name = `repo-${r}`;
    // The double's generator names contexts pull-<repo>-job-<k>; the job name is the context (Prow's default).
    const lines = [`presubmits:`, `  ${org}/${name}:`];
    for (let k = 0; k < contexts; k++) {
      const job = `pull-${name}-job-${k}`;
      if (stage === 'after' && k < retired) continue;
      lines.push(`    - name: ${job}`, `      always_run: true`);
      // The sixth job keeps its name and gets a new context: a migration (R9).
      if (stage === 'after') lines.push(`      context: ${job}-v2`);
      lines.push(`      spec:`, `        containers:`, `          - image: golang:1.22`);
    }
    writeFileSync(path.join(jobs, `${name}.yaml`), `${lines.join('\n')}\n`);
  }
  return {
    configPath: path.join(dir, 'prow', 'config.yaml'),
    jobConfigPath: jobs,
    pluginConfigPath: path.join(dir, 'prow', 'plugins.yaml'),
  };
}

function printRequests(label: string, s: RequestStats): void {
  out(`${label}: ${s.total} requests, ${s.writes} status writes, ${s.reads} reads`);
  for (const [op, n] of Object.entries(s.byOperation).sort((a, b) => b[1] - a[1]))
    out(`  ${op.padEnd(42)} ${String(n).padStart(7)}`);
  out(
    `  HTTP statuses: ${JSON.stringify(s.byStatus)}; schema violations ${s.violations}; unknown routes ${s.unknown}`,
  );
}

/** The same activities, same data and same concurrency, called directly: no Temporal at all. */
async function runWithoutTemporal(
  deployment: BenchDeployment,
  baseline: ConfigSnapshot,
): Promise<{ wallMs: number; written: number; repos: number; cpuMs: number }> {
  const acts = createActivities(deployment.activityDeps());
  const cpu = process.cpuUsage();
  const inActivity = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> =>
    new MockActivityEnvironment().run(fn, ...args);
  const options = deploymentSettingsOf(deployment.options);
  const started = performance.now();
  const newest = await inActivity(acts.loadAndValidateConfig, { sourceRevision: undefined });
  const { plan } = await inActivity(acts.diffConfigs, { baseline, newestRevision: newest.revision, options });
  const work = plan.repos.filter(hasWork);
  let next = 0;
  let written = 0;
  const slot = async (): Promise<void> => {
    while (next < work.length) {
      const repo = work[next++] as RepoPlan;
      const result = await inActivity(acts.reconcileRepository, {
        repo,
        baselineRevision: baseline.revision,
        newestRevision: newest.revision,
        options,
      });
      written += result.counts.statusesWritten;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, slot));
  const used = process.cpuUsage(cpu);
  return {
    wallMs: performance.now() - started,
    written,
    repos: work.length,
    cpuMs: (used.user + used.system) / 1000,
  };
}

async function main(): Promise<void> {
  out(
    `reconcile-change benchmark: ${repos} repositories x ${prsPerRepo} open PRs, ${contexts} contexts per PR; ` +
      `change retires ${retired} and migrates 1; repository concurrency ${concurrency}; writes unpaced`,
  );
  const temporal = await benchTemporal('reconcile-change');
  const configDir = mkdtempSync(path.join(tmpdir(), 'bench-reconcile-change-config-'));
  let double: DoubleProcess | undefined;
  let deployment: BenchDeployment | undefined;
  try {
    const started = await DoubleProcess.start({
      kind: 'generated',
      options: { repos, prsPerRepo, contextsPerPr: contexts, seed: 5, org },
    });
    double = started.double;
    out(
      `temporal ${temporal.address}${temporal.logFile ? ` (dev server, log ${temporal.logFile})` : ''}; ` +
        `github double ${started.started.url} (pid ${double.pid}): ${started.started.pulls} PRs, ` +
        `${started.started.statuses} statuses, limits off`,
    );
    const source = writeConfig(configDir, 'before');
    deployment = await BenchDeployment.start({
      temporalAddress: temporal.address,
      github: started.started,
      config: source,
      // Retiring 5 of 6 presubmits everywhere is exactly what the blast-radius guard holds; the benchmark
      // measures the reconcile, so the guard is off.
      extraArgv: ['--blast-radius-guard=false', `--repo-concurrency=${concurrency}`],
      writeSpacingMs: 0,
    });
    await deployment.startWorker();

    // 1. The first config is the baseline (R35): nothing is written.
    await deployment.requestChange('baseline');
    const base = await deployment.waitFor((v) => v.lastReconciled !== undefined, runTimeoutMs);
    const baselineRun = base.recent[0] as RunRecord;
    const baseline = (
      await deployment.client.workflow.getHandle<typeof reconcileChange>(baselineRun.workflowId).result()
    ).newest;

    // 2. The change, from the request to the controller recording `reconciled`.
    writeConfig(configDir, 'after');
    const directRuns: {
      when: string;
      run: Awaited<ReturnType<typeof runWithoutTemporal>>;
      stats: RequestStats;
    }[] = [];
    const runDirect = async (when: string): Promise<void> => {
      const directMark = (await double?.ask({ op: 'mark' })) ?? 0;
      const run = await runWithoutTemporal(deployment as BenchDeployment, baseline);
      const stats = (await double?.ask({ op: 'stats', since: directMark })) as RequestStats;
      directRuns.push({ when, run, stats });
      await double?.ask({ op: 'reseed' });
    };
    if (directMode === 'before' || directMode === 'both') await runDirect('before');
    const mark = await double.ask({ op: 'mark' });
    const cpuBefore = { worker: process.cpuUsage(), double: (await double.ask({ op: 'memory' })).cpuMs };
    const request = await deployment.requestChange('retire 5 contexts, migrate 1');
    const view = await deployment.waitFor(
      (v) => v.recent[0]?.workflowId !== baselineRun.workflowId && v.running === undefined,
      runTimeoutMs,
      100,
    );
    const polledAt = Date.now();
    const run = view.recent[0] as RunRecord;
    if (run.outcome !== 'reconciled')
      throw new Error(`the change was not reconciled: ${JSON.stringify(view)}`);
    const workerCpu = process.cpuUsage(cpuBefore.worker);
    const doubleCpuMs = (await double.ask({ op: 'memory' })).cpuMs - cpuBefore.double;
    const firstStats = await double.ask({ op: 'stats', since: mark });
    const firstAudit = await double.ask({ op: 'audit' });
    const changeHistory = await historyStats(deployment.client, run.workflowId);
    const controllerHistory = await historyStats(deployment.client, deployment.controllerId);

    // Wall time from history: the controller's first workflow task completed after the child closed.
    const signaled = controllerHistory.events_
      .filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'configChanged')
      .pop();
    const recordedAt = outcomeRecordedAt(controllerHistory.events_, run.workflowId) ?? polledAt;
    const wallMs = recordedAt - request.sentAt;

    // 3. The same transition forced again, as its own run: it must write nothing.
    const rerunMark = await double.ask({ op: 'mark' });
    const rerunStarted = performance.now();
    const rerun: ChangeRunResult = await deployment.client.workflow.execute<typeof reconcileChange>(
      'reconcileChange',
      {
        taskQueue: deployment.options.temporal.taskQueue,
        workflowId: `${run.workflowId}/forced-rerun`,
        args: [
          {
            instance: deployment.options.instance,
            controllerWorkflowId: deployment.controllerId,
            baseline,
            request: {
              sourceRevision: request.revision,
              reason: 'benchmark: forced rerun of the same transition',
              requestedBy: 'bench',
              force: true,
              options: deploymentSettingsOf(deployment.options),
            },
          } satisfies ChangeRunInput,
        ],
      },
    );
    const rerunMs = performance.now() - rerunStarted;
    const rerunStats = await double.ask({ op: 'stats', since: rerunMark });
    const rerunAudit: StatusAudit = await double.ask({ op: 'audit' });
    const rerunHistory = await historyStats(deployment.client, `${run.workflowId}/forced-rerun`);

    // 4. The same work without Temporal, on the double reseeded with the same scenario.
    if (directMode === 'after' || directMode === 'both') {
      await double.ask({ op: 'reseed' });
      await runDirect('after');
    }
    const doubleMemory = await double.ask({ op: 'memory' });

    // ---- report ----
    out();
    out('== change run ==');
    out(`run ${run.workflowId}`);
    out(
      `wall time: ${seconds(wallMs)} (request sent → controller's workflow task recording "reconciled"; ` +
        `the status poll saw it at ${seconds(polledAt - request.sentAt)})`,
    );
    if (signaled)
      out(`  signal recorded by the server ${seconds(eventTimeMs(signaled) - request.sentAt)} after sending`);
    printRequests('GitHub requests', firstStats);
    out(
      `  rate: ${((1000 * firstStats.total) / wallMs).toFixed(0)} requests/s, ` +
        `${((1000 * firstStats.writes) / wallMs).toFixed(0)} writes/s over the wall time; ` +
        `CPU during the run: worker process ${seconds((workerCpu.user + workerCpu.system) / 1000)}, ` +
        `GitHub double process ${seconds(doubleCpuMs)}`,
    );
    const goal = Math.ceil(prsPerRepo / 100) + prsPerRepo;
    const prow = contexts * goal;
    out(
      `reads per repository: min ${firstStats.readsPerRepo.min}, max ${firstStats.readsPerRepo.max}, ` +
        `mean ${firstStats.readsPerRepo.mean.toFixed(1)} over ${firstStats.readsPerRepo.repos} repositories; ` +
        `goal ⌈${prsPerRepo}/100⌉ + ${prsPerRepo} = ${goal}; ` +
        `Prow: ${contexts} contexts x (${Math.ceil(prsPerRepo / 100)} list pages + ${prsPerRepo} status reads) = ${prow}`,
    );
    if (firstStats.sampleRepo)
      out(`  ${firstStats.sampleRepo.repo}: ${JSON.stringify(firstStats.sampleRepo.byOperation)}`);
    const expectedWrites = repos * prsPerRepo * (retired + 2);
    out(
      `status writes: ${firstStats.writes} (expected ${repos} x ${prsPerRepo} x (${retired} retire + copy + retire) = ` +
        `${expectedWrites}); writes equal to the latest status: ${firstAudit.equalToLatest}`,
    );
    out(`  latest status of written contexts: ${JSON.stringify(firstAudit.latestByDescription)}`);

    out();
    out('== forced rerun of the same transition (baseline → newest, force) ==');
    out(
      `result: ${rerun.kind}, statuses written ${rerun.totals?.statusesWritten}; GitHub status writes ` +
        `${rerunStats.writes} (goal 0); reads ${rerunStats.reads}; ${seconds(rerunMs)}`,
    );
    out(
      `writes equal to the latest status, all runs: ${rerunAudit.equalToLatest} of ${rerunAudit.written} (goal 0)`,
    );
    out(
      `  (Prow would write again: R20.6 retires without checking, ${repos * prsPerRepo * retired} writes; ` +
        `its migrate skips PRs where the new context exists)`,
    );

    out();
    out('== Temporal overhead ==');
    const spans = activitySpans(changeHistory.events_);
    const repoSpans = spans.filter((s) => s.type === 'reconcileRepository');
    const activityMs = spans.reduce((n, s) => n + (s.closed - s.started), 0);
    const busyMs = unionMs(spans.map((s) => [s.started, s.closed]));
    const idealMs = zeroLatencyWallMs(spans, concurrency);
    const dispatch = spans.map((s) => s.started - s.scheduled).sort((a, b) => a - b);
    const byType = (type: string): string => {
      const list = spans.filter((s) => s.type === type).map((s) => s.closed - s.started);
      return `${list.length} x mean ${(list.reduce((a, b) => a + b, 0) / Math.max(1, list.length)).toFixed(0)} ms`;
    };
    out(
      `activities: loadAndValidateConfig ${byType('loadAndValidateConfig')}, diffConfigs ${byType('diffConfigs')}, ` +
        `reconcileRepository ${byType('reconcileRepository')} (attempts > 1: ${spans.filter((s) => s.attempt > 1).length})`,
    );
    out(
      `sum of activity execution times ${seconds(activityMs)} = ${seconds(activityMs / concurrency)} per slot ` +
        `at concurrency ${concurrency}; wall ${seconds(wallMs)}`,
    );
    out(
      `time with no activity running: ${seconds(wallMs - busyMs)} (${pct(wallMs - busyMs, wallMs)} of wall); ` +
        `schedule-to-start latency: median ${dispatch[Math.floor(dispatch.length / 2)] ?? 0} ms, ` +
        `max ${dispatch[dispatch.length - 1] ?? 0} ms`,
    );
    out(
      `method A, zero-latency replay: the measured activity durations scheduled as the workflow does ` +
        `(load, diff, ${repoSpans.length} repositories through ${concurrency} slots) take ${seconds(idealMs)}; ` +
        `overhead = wall - replay = ${seconds(wallMs - idealMs)} = ${pct(wallMs - idealMs, wallMs)} of wall`,
    );
    const workerCpuMs = (workerCpu.user + workerCpu.system) / 1000;
    for (const { when, run: direct, stats } of directRuns)
      out(
        `method B, without Temporal (${when} the Temporal run): the same activity functions called directly ` +
          `(MockActivityEnvironment, same data, ${concurrency} at a time) take ${seconds(direct.wallMs)} for ` +
          `${direct.repos} repositories, ${direct.written} writes (${stats.total} requests); ` +
          `overhead = ${seconds(wallMs - direct.wallMs)} = ${pct(wallMs - direct.wallMs, wallMs)} of wall; ` +
          `process CPU ${seconds(direct.cpuMs)} vs ${seconds(workerCpuMs)} with Temporal ` +
          `(+${pct(workerCpuMs - direct.cpuMs, direct.cpuMs)})`,
      );
    if (directRuns.length === 0) out('method B not run (BENCH_DIRECT=both to run it)');
    out(`goal: under 10% of wall time`);

    out();
    out('== workflow histories ==');
    const show = (label: string, h: HistoryStats): void => describeHistory(label, h).forEach((l) => out(l));
    show('change run', changeHistory);
    show('forced rerun', rerunHistory);
    show('controller (current run)', controllerHistory);
    out(`  change run event types: ${JSON.stringify(changeHistory.eventTypes)}`);
    out();
    out(
      `GitHub double process: rss ${(doubleMemory.rss / 1048576).toFixed(0)} MB; ` +
        `bench+worker process peak rss ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
    );
  } finally {
    await deployment?.close().catch((e: unknown) => console.error('closing deployment:', e));
    await double?.close();
    await temporal.stop();
    rmSync(configDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
