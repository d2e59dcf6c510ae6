import {
  DefaultLogger,
  Runtime,
  Worker,
  type NativeConnection,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities';
import { reconcilerDataConverter } from '../temporal/payload-codec';
import { StartupError } from './startup-error';
import { freshPrebuiltBundle, workflowsPath } from './workflow-bundle';

export interface ReconcilerWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: ActivityDeps;
  /**
   * The workflow code (tests bundle once per file). Without it: the bundle `npm run build` wrote, or, when
   * there is none as new as the compiled code, `workflowsPath` bundled at start.
   */
  workflowBundle?: WorkflowBundleOption;
  /**
   * Task-queue-wide activity start rate, enforced by the Temporal server for all workers together: with N
   * workers, GitHub's write budget holds for the deployment, not per process.
   */
  maxTaskQueueActivitiesPerSecond?: number;
  /** Activities this worker runs at once; with several workers, the rest are picked up by the others. */
  maxConcurrentActivities?: number;
  identity?: string;
  /**
   * Build ID reported by the worker (no versioning). Core refuses two workers of one process on the same task
   * queue and build ID; tests that run several workers in one process give each its own.
   */
  buildId?: string;
  /** Payloads from this many bytes are stored compressed (`--payload-compression-threshold`). */
  payloadCompressionThreshold?: number;
}

/** The Temporal worker of the reconciler: both workflows and the activities built from their dependencies. */
export function createReconcilerWorker(options: ReconcilerWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...workflowCode(options.workflowBundle),
    activities: createActivities(options.activities),
    // Large payloads (the presubmit index) are compressed on the wire; workflow code sees plain JSON.
    dataConverter: reconcilerDataConverter(options.payloadCompressionThreshold),
    ...(options.maxTaskQueueActivitiesPerSecond
      ? { maxTaskQueueActivitiesPerSecond: options.maxTaskQueueActivitiesPerSecond }
      : {}),
    ...(options.maxConcurrentActivities
      ? { maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities }
      : {}),
    ...(options.identity ? { identity: options.identity } : {}),
    ...(options.buildId ? { buildId: options.buildId } : {}),
    // Repository activities may wait on GitHub's pacing; give them time to record progress on shutdown.
    shutdownGraceTime: '20 seconds',
    // Cancellation reaches an activity only with a heartbeat sent to the server: keep that under 2 s, so a
    // cancelled run stops within a few GitHub calls, not after Core's default throttle of up to a minute.
    maxHeartbeatThrottleInterval: '2 seconds',
    defaultHeartbeatThrottleInterval: '2 seconds',
  });
}

function workflowCode(
  given: WorkflowBundleOption | undefined,
): { workflowBundle: WorkflowBundleOption } | { workflowsPath: string } {
  const bundle = given ?? freshPrebuiltBundle();
  return bundle ? { workflowBundle: bundle } : { workflowsPath };
}

let runtimeInstalled = false;

/**
 * Installs the SDK runtime once per process: JSON logs through our logger, and the SDK's Prometheus exporter
 * (its own HTTP server) on `temporalMetricsAddress:temporalMetricsPort` (default 0.0.0.0). A port in use is a
 * StartupError naming `--temporal-metrics-port`.
 */
export function installRuntime(options: {
  temporalMetricsPort: number;
  temporalMetricsAddress?: string;
  logLevel?: 'INFO' | 'WARN';
}): void {
  if (runtimeInstalled) return;
  const bindAddress = `${options.temporalMetricsAddress ?? '0.0.0.0'}:${options.temporalMetricsPort}`;
  try {
    install(options, bindAddress);
  } catch (err) {
    // The SDK reports its exporter's bind failure as a plain Error with the OS's words.
    const message = err instanceof Error ? err.message : String(err);
    if (/address already in use/i.test(message))
      throw new StartupError(
        `the Temporal SDK metrics address ${bindAddress} is already in use (another worker on this host?)`,
        'choose another port with --temporal-metrics-port (0 turns these metrics off)',
      );
    if (/prometheus|bind|address/i.test(message))
      throw new StartupError(
        `the Temporal SDK metrics exporter cannot listen on ${bindAddress} (${message})`,
        'set --temporal-metrics-address to an address of this host, or --temporal-metrics-port',
      );
    throw err;
  }
  runtimeInstalled = true;
}

function install(
  options: { temporalMetricsPort: number; logLevel?: 'INFO' | 'WARN' },
  bindAddress: string,
): void {
  Runtime.install({
    logger: new DefaultLogger(options.logLevel ?? 'WARN', (entry) => {
      process.stderr.write(
        JSON.stringify({
          time: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString(),
          level: entry.level.toLowerCase(),
          msg: entry.message,
          component: 'temporal-sdk',
          ...entry.meta,
        }) + '\n',
      );
    }),
    telemetryOptions: options.temporalMetricsPort
      ? {
          metrics: {
            prometheus: { bindAddress },
            metricPrefix: 'temporal_',
          },
        }
      : undefined,
  });
}
