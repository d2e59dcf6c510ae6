/**
 * The benchmark's worker process (forked by worker-process.ts; not run by hand): the project's worker with the
 * production activities, pointed at the deployment's GitHub and Kubernetes doubles. It loads the prebuilt
 * workflow bundle when it is fresh, as `status-reconciler worker` does.
 */
import { NativeConnection } from '@temporalio/worker';
import { readOptions } from '../../src/options';
import { createReconcilerWorker, installRuntime } from '../../src/worker/reconciler-worker';
import { freshPrebuiltBundle } from '../../src/worker/workflow-bundle';
import { benchActivityDeps } from './deployment';
import type { BenchWorkerSpec } from './worker-spec';
import type { WorkerChildMessage } from './worker-process';

type Request =
  { op: 'start'; spec: BenchWorkerSpec } | { op: 'memory' } | { op: 'reset-peaks' } | { op: 'close' };

const answer = (message: WorkerChildMessage): void => void process.send?.(message);

let stop: (() => Promise<void>) | undefined;

/** The most of each part of the process's memory, sampled every 100 ms (where the resident set went). */
let peaks = { heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
setInterval(() => {
  const m = process.memoryUsage();
  peaks = {
    heapTotal: Math.max(peaks.heapTotal, m.heapTotal),
    heapUsed: Math.max(peaks.heapUsed, m.heapUsed),
    external: Math.max(peaks.external, m.external),
    arrayBuffers: Math.max(peaks.arrayBuffers, m.arrayBuffers),
  };
}, 100).unref();

async function start(spec: BenchWorkerSpec): Promise<void> {
  installRuntime({ temporalMetricsPort: 0 });
  const options = readOptions(spec.argv, {});
  const connection = await NativeConnection.connect({ address: spec.temporalAddress });
  const prebuiltBundle = freshPrebuiltBundle();
  const worker = await createReconcilerWorker({
    ...(prebuiltBundle ? { workflowBundle: prebuiltBundle } : {}),
    connection,
    namespace: 'default',
    taskQueue: options.temporal.taskQueue,
    activities: benchActivityDeps(spec, options),
  });
  const running = worker.run();
  stop = async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running.catch(() => undefined);
    await connection.close();
  };
  answer({ kind: 'ready', prebuiltBundle: prebuiltBundle !== undefined });
}

function memory(): void {
  const heapUsed = process.memoryUsage().heapUsed;
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const after = process.memoryUsage();
  answer({ kind: 'memory', heapUsed, rssAfterGc: after.rss, heapAfterGc: after.heapUsed, peaks });
}

process.on('message', (request: Request) => {
  if (request.op === 'start')
    start(request.spec).catch((err: unknown) => {
      answer({ kind: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      process.exit(1);
    });
  else if (request.op === 'memory') memory();
  else if (request.op === 'reset-peaks') peaks = { heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  else void (stop?.() ?? Promise.resolve()).finally(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
