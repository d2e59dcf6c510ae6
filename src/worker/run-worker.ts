import type { Server } from 'node:http';
import { createProwJobClientFromFlags } from '../kubernetes/client';
import type { ProwJobCreator } from '../kubernetes/client';
import { githubFromOptions, repositoryGitHub } from '../github/repository-github';
import { workerWriteBudget } from '../github/write-budget';
import { createLogger, type Logger } from '../log';
import type { ReconcilerOptions } from '../options';
import { connectClient, connectWorker } from '../temporal/connection';
import {
  defaultWorkerId,
  registerWorkerSettings,
  requestReconcile,
  withdrawWorkerSettings,
} from '../temporal/controller-client';
import { ConfigWatcher } from './config-watcher';
import { ControllerStateReader } from './controller-state-reader';
import { startHealthServer } from './health-server';
import { createMetrics } from './metrics';
import { startMetricsServer } from './metrics-server';
import { createReconcilerWorker, installRuntime } from './reconciler-worker';
import { freshPrebuiltBundle } from './workflow-bundle';
import type { Worker } from '@temporalio/worker';

/**
 * `status-reconciler worker`: what a deployment runs. A Temporal worker for both workflows and the activities,
 * the config watcher that signals changes, health (`--health-port`) and metrics (`--metrics-port`).
 * Ends on SIGINT/SIGTERM after draining; resolves with the process exit code.
 */
export async function runWorker(
  options: ReconcilerOptions,
  log: Logger = createLogger({ component: 'worker' }),
): Promise<number> {
  for (const { flag, why } of options.ignoredFlags)
    log.warn('flag accepted for compatibility but not used', { flag, why });
  installRuntime({ temporalMetricsPort: options.temporalMetricsPort });
  const metrics = createMetrics();
  const servers: Server[] = [];
  // Read by the health server, which starts before the worker exists.
  const current: { worker?: Worker } = {};

  const client = await connectClient(options.temporal);
  // This worker's flags are the deployment's settings: registered with the controller, which runs with them.
  const workerId = defaultWorkerId();
  const controller = new ControllerStateReader(client, options.instance, log, metrics, 3_000, {
    registration: { options, workerId },
  });
  servers.push(
    await startHealthServer(
      {
        configHealth: () => controller.current()?.health,
        controllerProblems: () => controller.problems(),
        // Ready only while polling: 503 while starting, stopping or draining.
        ready: () => current.worker?.getState() === 'RUNNING',
        live: () => !current.worker || !['FAILED', 'STOPPED'].includes(current.worker.getState()),
      },
      options.healthPort,
    ),
    await startMetricsServer(metrics.registry, options.metricsPort),
  );

  const creators = new Map<string, ProwJobCreator>();
  const connection = await connectWorker(options.temporal);
  // Looked up once: the worker loads it and the start-up log says which code runs.
  const prebuiltBundle = freshPrebuiltBundle();
  const worker = await createReconcilerWorker({
    ...(prebuiltBundle ? { workflowBundle: prebuiltBundle } : {}),
    connection,
    namespace: options.temporal.namespace,
    taskQueue: options.temporal.taskQueue,
    maxTaskQueueActivitiesPerSecond: options.temporal.maxActivitiesPerSecond,
    maxConcurrentActivities: options.temporal.maxConcurrentActivities,
    activities: {
      configSource: options.config,
      github: repositoryGitHub(
        githubFromOptions(options.github, log.child({ component: 'github' }), metrics),
        workerWriteBudget(options.github),
      ),
      prowJobs: (namespace) => {
        let creator = creators.get(namespace);
        if (!creator) {
          creator = createProwJobClientFromFlags(options.kubernetes, {
            namespace,
            logger: log.child({ component: 'kubernetes' }),
          });
          creators.set(namespace, creator);
        }
        return creator;
      },
      githubHost: options.github.host,
      log: log.child({ component: 'activities' }),
      metrics,
    },
  });

  const watcher = new ConfigWatcher({
    source: options.config,
    pollIntervalMs: options.configPollIntervalMs,
    log: log.child({ component: 'config-watcher' }),
    notify: async (change) => {
      await requestReconcile(client, options, {
        sourceRevision: change.revision,
        configVersion: change.configVersion,
        reason: 'config files changed',
        requestedBy: 'config-watcher',
      });
    },
  });

  await registerWorkerSettings(client, options, workerId);
  current.worker = worker;
  const running = worker.run();
  controller.start();
  watcher.start();
  log.info('worker running', {
    taskQueue: options.temporal.taskQueue,
    namespace: options.temporal.namespace,
    instance: options.instance,
    healthPort: options.healthPort,
    metricsPort: options.metricsPort,
    dryRun: options.dryRun,
    workflowCode: prebuiltBundle ? 'prebuilt bundle' : 'bundled at start (no fresh `npm run build` bundle)',
  });

  let exitCode = 0;
  try {
    await running;
  } catch (err) {
    exitCode = 1;
    log.error('worker failed', { error: err });
  } finally {
    await watcher.stop();
    await controller.stop();
    await withdrawWorkerSettings(client, options.instance, workerId).catch((err: unknown) =>
      log.warn('could not withdraw the deployment settings', { error: err }),
    );
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    await connection.close();
    await client.connection.close();
    log.info('worker stopped', { exitCode });
  }
  return exitCode;
}
