/**
 * Issue 7's scale benchmark: the Kubernetes project's real Prow config (../shared/data/kubernetes-prow-config,
 * 2,261 presubmits in 159 repositories) as the before state, 30 open PRs per repository in the GitHub double,
 * and a change removing 5% of the presubmits; then the same at ten times the size (the config's job files
 * replicated ×10 with renamed orgs). Run compiled:
 *
 *   npm run build && node dist/bench/scale.js
 *
 * Without arguments it starts one Temporal dev server (unless TEMPORAL_ADDRESS is set) and runs each size in a
 * process of its own (a fresh driver, GitHub double and worker process for each):
 *
 *   BENCH_SCALE_SIZES=1,10   sizes to run (default 1,10)
 *   BENCH_SCALE_WIDE=1       also run the widest 10x change: one presubmit removed from every repository
 *   BENCH_SCALE_PACED=0      skip the slice run with GitHub's real 1 s write spacing (1x, 3 presubmits removed)
 *   BENCH_TIMEOUT_MIN=30     cap of each wait for a run
 *   BENCH_WORKER_HEAP_MB=N   run the worker process with --max-old-space-size=N (does the worker fit?)
 *
 * One size: node dist/bench/scale.js --size=10 [--remove-count=N | --one-per-repository] [--write-spacing-ms=1000]
 *   [--prs=30]
 *
 * The GitHub double and the worker run in processes of their own (GitHub is remote; the worker is deployed
 * alone); the worker's memory is its process's resident set, peak from the kernel's high-water mark.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../src/project-root';
import type { reconcileChange } from '../workflows/reconcile-change';
import type { ChangeRunResult, ControllerView, RunRecord } from '../workflows/types';
import { BenchDeployment } from './support/deployment';
import { DoubleProcess } from './support/double-process';
import {
  activitySpans,
  describeHistory,
  historyStats,
  kb,
  mb,
  outcomeRecordedAt,
  zeroLatencyWallMs,
  type HistoryStats,
} from './support/history';
import { benchTemporal } from './support/temporal-env';

const sourceDir = path.join(projectRoot, '..', 'shared', 'data', 'kubernetes-prow-config', 'config');
const timeoutMs = Number(process.env.BENCH_TIMEOUT_MIN ?? 30) * 60_000;
const payloadGoal = 512 * 1024;
const historyGoal = 10 * 1024 * 1024;
const memoryGoal = 500 * 1024 * 1024;

const out = (line = ''): void => void process.stdout.write(`${line}\n`);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

interface RunSummary {
  label: string;
  presubmits: number;
  repos: number;
  prs: number;
  removed: number;
  outcome: string;
  wallMs: number;
  requests: number;
  reads: number;
  writes: number;
  pacingFloorMs: number;
  changeEvents: number;
  changeBytes: number;
  controllerBytes: number;
  largestPayload: number;
  peakRss: number;
  controllerState: number;
}

/** Why a run did not finish: the failures its history recorded. */
async function diagnose(deployment: BenchDeployment, workflowId: string): Promise<void> {
  const h = await historyStats(deployment.client, workflowId).catch(() => undefined);
  if (!h) return out(`  no history for ${workflowId}`);
  out(`  ${workflowId}: ${h.events} events ${JSON.stringify(h.eventTypes)}`);
  const failures = h.events_.filter(
    (e) => e.workflowTaskFailedEventAttributes || e.activityTaskFailedEventAttributes,
  );
  for (const e of failures.slice(-3)) {
    const f = e.workflowTaskFailedEventAttributes?.failure ?? e.activityTaskFailedEventAttributes?.failure;
    out(`  event ${String(e.eventId)}: ${f?.message ?? '?'}`);
  }
}

/**
 * Waits for the controller to record the change's outcome. Stops early when the change run's workflow tasks
 * keep failing (the run would retry them until the cap), and shows why.
 */
async function waitForOutcome(
  deployment: BenchDeployment,
  previousRun: string,
): Promise<ControllerView | undefined> {
  const deadline = Date.now() + timeoutMs;
  let lastCheck = Date.now();
  let lastEvents: number | undefined;
  while (Date.now() < deadline) {
    const view = await deployment.status().catch(() => undefined);
    if (view && view.recent[0]?.workflowId !== previousRun && view.running === undefined) return view;
    if (view?.running && Date.now() - lastCheck > 15_000) {
      lastCheck = Date.now();
      const h = await historyStats(deployment.client, view.running.workflowId).catch(() => undefined);
      // Repeated workflow-task failures are recorded once; a failure and no new event since the last look
      // means the run is stuck retrying it.
      const stuck = (h?.eventTypes.WORKFLOW_TASK_FAILED ?? 0) > 0 && h?.events === lastEvents;
      lastEvents = h?.events;
      if (stuck) {
        out(`the change run's workflow tasks keep failing; stopping the wait`);
        await diagnose(deployment, view.running.workflowId);
        return undefined;
      }
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  out(`the change did not finish within ${seconds(timeoutMs)}`);
  const running = (await deployment.status().catch(() => undefined))?.running;
  if (running) await diagnose(deployment, running.workflowId);
  return undefined;
}

async function runOne(opts: {
  size: number;
  removeCount?: number;
  onePerRepository?: boolean;
  writeSpacingMs: number;
  prsPerRepo: number;
}): Promise<RunSummary | undefined> {
  const label = `${opts.size}x${opts.removeCount !== undefined ? `, ${opts.removeCount} removed` : ''}${
    opts.onePerRepository ? ', one per repository' : ''
  }${opts.writeSpacingMs > 0 ? `, writes paced ${opts.writeSpacingMs} ms` : ', writes unpaced'}`;
  out(`=== scale run: ${label} ===`);
  const temporal = await benchTemporal('scale');
  const workDir = mkdtempSync(path.join(tmpdir(), 'bench-scale-'));
  let double: DoubleProcess | undefined;
  let deployment: BenchDeployment | undefined;
  try {
    const { double: d, started } = await DoubleProcess.start({
      kind: 'scale',
      sourceDir,
      workDir,
      copies: opts.size,
      removeFraction: 0.05,
      ...(opts.removeCount !== undefined ? { removeCount: opts.removeCount } : {}),
      ...(opts.onePerRepository ? { removeOnePerRepository: true } : {}),
      prsPerRepo: opts.prsPerRepo,
      seed: 7,
    });
    double = d;
    const fixture = started.fixture;
    if (!fixture) throw new Error('no fixture');
    out(
      `config: ${fixture.jobFiles} job files, ${fixture.before.presubmits} presubmits in ${fixture.before.repos} repositories; ` +
        `change removes ${fixture.removed.presubmits} presubmits in ${fixture.removed.repos} repositories ` +
        `(every ${(fixture.removed.candidates / fixture.removed.presubmits).toFixed(1)}th of ${fixture.removed.candidates} ` +
        `removable ones; verified: diff ${JSON.stringify(fixture.diff)}); e.g. ${fixture.removed.sample.slice(0, 2).join(', ')}`,
    );
    out(
      `github double (pid ${double.pid}): ${started.repos} repositories, ${started.pulls} open PRs, ` +
        `${started.statuses} statuses, limits off; fixture and scenario built in ${seconds(started.setupMs)}`,
    );

    const withCache = process.env.BENCH_WORKER_CACHE !== 'off';
    // The worker saves its cache once no repository has been reconciled for 10 s (activities/quiet-save.ts):
    // each run's peak is read after that, so the save is counted.
    const settleForCacheSave = (): Promise<void> =>
      withCache ? new Promise((resolve) => setTimeout(resolve, 12_000)) : Promise.resolve();
    deployment = await BenchDeployment.start({
      temporalAddress: temporal.address,
      github: started,
      config: fixture.source,
      // The global 10% limit stays; one repository losing more than half its presubmits, or more than 500
      // contexts retired (the ten-times change retires 1,131), would hold the change for approval, so those
      // two limits are relaxed.
      extraArgv: ['--blast-radius-max-repo-removed-fraction=1', '--blast-radius-max-removed-contexts=0'],
      writeSpacingMs: opts.writeSpacingMs,
      namespaces: [fixture.prowjobNamespace],
      // A newly deployed worker: an empty cache directory, which its first load fills (memory counted);
      // BENCH_WORKER_CACHE=off: a worker without one (STATUS_RECONCILER_CACHE_DIR=off).
      ...(withCache ? { configCacheDir: path.join(workDir, 'worker-cache') } : {}),
    });
    const heapMb = process.env.BENCH_WORKER_HEAP_MB;
    const worker = await deployment.startWorkerProcess(heapMb ? [`--max-old-space-size=${heapMb}`] : []);
    const rssAfterStart = worker.rss();

    // Baseline: the real config (×N) becomes the controller's state.
    const baseRequest = await deployment.requestChange('baseline');
    let view: ControllerView;
    view = await deployment.waitFor((v) => v.lastReconciled !== undefined, timeoutMs, 500);
    const baselineRun = view.recent[0] as RunRecord;
    const baselineWall = Date.parse(baselineRun.at) - baseRequest.sentAt;
    await settleForCacheSave();
    const peakBaseline = worker.peak();

    // The change.
    renameSync(fixture.source.jobConfigPath as string, fixture.beforeJobsDir);
    renameSync(fixture.afterJobsDir, fixture.source.jobConfigPath as string);
    worker.resetPeak();
    const mark = await double.ask({ op: 'mark' });
    const request = await deployment.requestChange('remove 5% of presubmits');
    const finished = await waitForOutcome(deployment, baselineRun.workflowId);
    if (!finished) return undefined;
    view = finished;
    await settleForCacheSave();
    const peakChange = worker.peak();
    const run = view.recent[0] as RunRecord;
    const stats = await double.ask({ op: 'stats', since: mark });
    const audit = await double.ask({ op: 'audit' });
    const doubleMemory = await double.ask({ op: 'memory' });
    const change = await historyStats(deployment.client, run.workflowId);
    const baselineHistory = await historyStats(deployment.client, baselineRun.workflowId);
    const controller = await historyStats(deployment.client, deployment.controllerId);
    const wallMs =
      (outcomeRecordedAt(controller.events_, run.workflowId) ?? Date.parse(run.at)) - request.sentAt;

    out();
    out(`change run ${run.workflowId}: ${run.outcome}${run.detail ? ` (${run.detail})` : ''}`);
    if (run.outcome !== 'reconciled') await diagnose(deployment, run.workflowId);
    const description = await deployment.client.workflow.getHandle(run.workflowId).describe();
    out(`  memo: ${JSON.stringify(description.memo)}`);
    out(
      `wall time: ${seconds(wallMs)} from the change request to the controller recording the outcome ` +
        `(baseline run: ${seconds(baselineWall)})`,
    );
    const spans = activitySpans(change.events_);
    const typeMs = (type: string): string => {
      const list = spans.filter((s) => s.type === type).map((s) => s.closed - s.started);
      const total = list.reduce((a, b) => a + b, 0);
      return `${list.length} x ${seconds(total / Math.max(1, list.length))}`;
    };
    out(
      `  activities: loadAndValidateConfig ${typeMs('loadAndValidateConfig')}, diffConfigs ${typeMs('diffConfigs')}, ` +
        `reconcileRepository ${typeMs('reconcileRepository')} (mean); zero-latency replay of the measured ` +
        `activity times ${seconds(zeroLatencyWallMs(spans, deployment.options.repoConcurrency))} ` +
        `(concurrency ${deployment.options.repoConcurrency})`,
    );
    out(
      `GitHub: ${stats.total} requests (${stats.reads} reads, ${stats.writes} status writes); ` +
        `by operation ${JSON.stringify(stats.byOperation)}; statuses ${JSON.stringify(stats.byStatus)}; ` +
        `schema violations ${stats.violations}`,
    );
    const graphqlQueries = stats.byOperation.graphql ?? 0;
    out(
      `  REST reads per repository read by REST: mean ${stats.readsPerRepo.mean.toFixed(1)} (min ${stats.readsPerRepo.min}, ` +
        `max ${stats.readsPerRepo.max}) over ${stats.readsPerRepo.repos}; GraphQL queries ${graphqlQueries} for ` +
        `${fixture.removed.repos} repositories touched; writes equal to the latest status: ${audit.equalToLatest} of ${audit.written}`,
    );
    const floorMs = stats.writes * 1000;
    if (opts.writeSpacingMs > 0)
      out(
        `pacing: ${stats.writes} writes x ${opts.writeSpacingMs} ms = ${seconds(stats.writes * opts.writeSpacingMs)} ` +
          `of the ${seconds(wallMs)} wall time (${((100 * stats.writes * opts.writeSpacingMs) / wallMs).toFixed(0)}%)`,
      );
    else
      out(
        `pacing floor at GitHub's 1 write/s: ${stats.writes} writes x 1 s = ${seconds(floorMs)}; ` +
          `this unpaced run took ${seconds(wallMs)} = ${((100 * wallMs) / Math.max(1, floorMs)).toFixed(1)}% of it`,
      );

    const show = (l: string, h: HistoryStats): void => describeHistory(l, h).forEach((x) => out(x));
    show('history, change run', change);
    show('history, baseline run', baselineHistory);
    show('history, controller', controller);
    const result: ChangeRunResult = await deployment.client.workflow
      .getHandle<typeof reconcileChange>(run.workflowId)
      .result();
    // The controller's durable state (what continue-as-new carries): its last reconciled snapshot and records.
    const state = {
      lastReconciled: { ...result.newest, sourceRevision: request.revision },
      health: view.health,
      recent: view.recent,
      requestCount: 2,
    };
    const stateBytes = Buffer.byteLength(JSON.stringify(state));
    out(
      `controller state: ${kb(stateBytes)} as JSON, of which the presubmit index ` +
        `${kb(Buffer.byteLength(JSON.stringify(result.newest.index)))} (the payload codec compresses it on the wire)`,
    );
    const largest = Math.max(
      ...[change, baselineHistory, controller].map((h) => h.largestPayloads[0]?.bytes ?? 0),
    );
    const retained = await worker.memory();
    out(
      `worker process memory (pid ${worker.pid}, the worker alone, as \`status-reconciler worker\` runs; kernel ` +
        `high-water mark of its resident set; workflow bundle ${worker.prebuiltBundle ? 'prebuilt' : 'built at start'}` +
        `${heapMb ? `, --max-old-space-size=${heapMb}` : ''}): after start ${mb(rssAfterStart)}, ` +
        `peak in baseline run ${mb(peakBaseline)}, peak in change run ${mb(peakChange)}; after the change run ` +
        `heap used ${mb(retained.heapUsed)}, after a full GC heap ${mb(retained.heapAfterGc)}, rss ${mb(retained.rssAfterGc)}`,
    );
    out(
      `  change run peaks (sampled every 100 ms): V8 heap used ${mb(retained.peaks.heapUsed)} of ` +
        `${mb(retained.peaks.heapTotal)} reserved, external ${mb(retained.peaks.external)} ` +
        `(array buffers ${mb(retained.peaks.arrayBuffers)}); the rest of the resident set is the workflow ` +
        `thread's V8 isolate, the SDK's Rust core and Node itself`,
    );
    out(
      `other processes: GitHub double rss ${mb(doubleMemory.rss)}; benchmark driver + Kubernetes double maxRSS ${mb(process.resourceUsage().maxRSS * 1024)}`,
    );
    const peak = Math.max(peakBaseline, peakChange);
    out(
      `goals: largest payload ${kb(largest)} ${largest <= payloadGoal ? '≤' : '>'} 512 KB; ` +
        `largest run history ${mb(Math.max(change.bytes, baselineHistory.bytes, controller.bytes))} ` +
        `${Math.max(change.bytes, baselineHistory.bytes, controller.bytes) <= historyGoal ? '≤' : '>'} 10 MB; ` +
        `worker peak rss ${mb(peak)} ${peak <= memoryGoal ? '≤' : '>'} 500 MB`,
    );
    return {
      label,
      presubmits: fixture.before.presubmits,
      repos: fixture.before.repos,
      prs: started.pulls,
      removed: fixture.removed.presubmits,
      outcome: run.outcome,
      wallMs,
      requests: stats.total,
      reads: stats.reads,
      writes: stats.writes,
      pacingFloorMs: floorMs,
      changeEvents: change.events,
      changeBytes: change.bytes,
      controllerBytes: controller.bytes,
      largestPayload: largest,
      peakRss: peak,
      controllerState: stateBytes,
    };
  } finally {
    await deployment?.close().catch((e: unknown) => console.error('closing deployment:', e));
    await double?.close();
    await temporal.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** Runs each size in its own process against one dev server, then prints a summary table. */
async function orchestrate(): Promise<void> {
  const sizes = (process.env.BENCH_SCALE_SIZES ?? '1,10').split(',').map(Number);
  const runs: string[][] = sizes.map((s) => [`--size=${s}`]);
  if (process.env.BENCH_SCALE_WIDE === '1') runs.push(['--size=10', '--one-per-repository']);
  if (process.env.BENCH_SCALE_PACED !== '0')
    runs.push(['--size=1', '--remove-count=3', '--write-spacing-ms=1000']);
  const temporal = await benchTemporal('scale');
  const summaries: RunSummary[] = [];
  try {
    for (const args of runs) {
      const child = spawn(process.execPath, [__filename, ...args], {
        env: { ...process.env, TEMPORAL_ADDRESS: temporal.address },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        process.stdout.write(chunk);
      });
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      const line = text.split('\n').find((l) => l.startsWith('RESULT '));
      if (line) summaries.push(JSON.parse(line.slice('RESULT '.length)) as RunSummary);
      else out(`run ${args.join(' ')} ended with ${code} and no result`);
      out();
    }
  } finally {
    await temporal.stop();
  }
  out('=== summary ===');
  out(
    'run                                  presubmits repos   PRs removed outcome     wall    requests  writes  ' +
      'floor@1/s  events history   ctl hist  max payload  peak rss  ctl state',
  );
  for (const s of summaries)
    out(
      [
        s.label.padEnd(36),
        String(s.presubmits).padStart(10),
        String(s.repos).padStart(5),
        String(s.prs).padStart(6),
        String(s.removed).padStart(7),
        s.outcome.padEnd(10),
        seconds(s.wallMs).padStart(8),
        String(s.requests).padStart(10),
        String(s.writes).padStart(7),
        seconds(s.pacingFloorMs).padStart(10),
        String(s.changeEvents).padStart(7),
        mb(s.changeBytes).padStart(9),
        mb(s.controllerBytes).padStart(9),
        kb(s.largestPayload).padStart(12),
        mb(s.peakRss).padStart(9),
        kb(s.controllerState).padStart(10),
      ].join(' '),
    );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      size: { type: 'string' },
      'remove-count': { type: 'string' },
      'one-per-repository': { type: 'boolean', default: false },
      'write-spacing-ms': { type: 'string', default: '0' },
      prs: { type: 'string', default: '30' },
    },
  });
  if (values.size === undefined) return orchestrate();
  const summary = await runOne({
    size: Number(values.size),
    ...(values['remove-count'] !== undefined ? { removeCount: Number(values['remove-count']) } : {}),
    onePerRepository: values['one-per-repository'],
    writeSpacingMs: Number(values['write-spacing-ms']),
    prsPerRepo: Number(values.prs),
  });
  if (summary) out(`RESULT ${JSON.stringify(summary)}`);
  else process.exitCode = 1;
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
