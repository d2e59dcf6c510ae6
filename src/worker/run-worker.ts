import type { Server } from 'node:http';
import { createProwJobClientFromFlags } from '../kubernetes/client';
import type { ProwJobCreator } from '../kubernetes/client';
import { githubFromOptions, repositoryGitHub } from '../github/repository-github';
import { workerWriteBudget } from '../github/write-budget';
import { createLogger, type Logger } from '../log';
import type { ProcessOptions } from '../options';
import { connectClient, connectWorker } from '../temporal/connection';
import { ZlibPayloadCodec } from '../temporal/payload-codec';
import { startCodecServer } from '../temporal/payload-codec-server';
import {
  defaultWorkerId,
  registerWorkerSettings,
  requestReconcile,
  withdrawWorkerSettings,
} from '../temporal/controller-client';
import { defaultCacheDir } from '../config/load-cache-file';
import { ConfigWatcher } from './config-watcher';
import { ControllerStateReader } from './controller-state-reader';
import { checkNamespace } from './namespace-check';
import { serverPort, startHealthServer } from './health-server';
import { createMetrics } from '../metrics/metrics';
import { startMetricsServer } from './metrics-server';
import { createReconcilerWorker, installRuntime } from './reconciler-worker';
import { listenError, StartupError, type ListenTarget } from './startup-error';
import { freshPrebuiltBundle } from './workflow-bundle';
import type { Worker } from '@temporalio/worker';

/**
 * `status-reconciler worker`: what a deployment runs. A Temporal worker for both workflows and the activities,
 * the config watcher that signals changes, health (`--health-address`, `--health-port`) and metrics
 * (`--metrics-address`, `--metrics-port`). Before it polls, it checks the Temporal namespace and its search
 * attributes (registering missing ones unless `--register-search-attributes=false`); a check that fails, or a
 * port in use, ends it with exit code 1 and a log line that says what to run or which flag to change.
 * Ends on SIGINT/SIGTERM after draining; resolves with the process exit code.
 */
export async function runWorker(
  options: ProcessOptions,
  log: Logger = createLogger({ component: 'worker' }),
): Promise<number> {
  for (const { flag, why } of options.ignoredFlags)
    log.warn('flag accepted for compatibility but not used', { flag, why });
  const closers: (() => Promise<unknown>)[] = [];
  try {
    return await startAndRun(options, log, closers);
  } catch (err) {
    if (!(err instanceof StartupError)) throw err;
    log.error(`worker cannot start: ${err.message}`, { fix: err.fix });
    return 1;
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  }
}

const listening = async (start: () => Promise<Server>, target: ListenTarget): Promise<Server> => {
  try {
    return await start();
  } catch (err) {
    throw listenError(err, target);
  }
};

async function startAndRun(
  options: ProcessOptions,
  log: Logger,
  closers: (() => Promise<unknown>)[],
): Promise<number> {
  installRuntime({
    temporalMetricsPort: options.temporalMetricsPort,
    temporalMetricsAddress: options.temporalMetricsAddress,
  });
  const metrics = createMetrics();
  // Read by the health server, which starts before the worker exists.
  const current: { worker?: Worker } = {};

  const client = await connectClient(options.temporal);
  closers.push(() => client.connection.close());
  await checkNamespace(client, {
    namespace: options.temporal.namespace,
    register: options.temporal.registerSearchAttributes,
    log,
  });
  // This worker's flags are the deployment's settings: registered with the controller, which runs with them.
  const workerId = defaultWorkerId();
  const controller = new ControllerStateReader(client, options.instance, log, metrics, 3_000, {
    registration: { options, workerId },
  });
  const servers: Server[] = [];
  closers.push(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));
  servers.push(
    await listening(
      () =>
        startHealthServer(
          {
            configHealth: () => controller.current()?.health,
            controllerProblems: () => controller.problems(),
            // Ready only while polling: 503 while starting, stopping or draining.
            ready: () => current.worker?.getState() === 'RUNNING',
            live: () => !current.worker || !['FAILED', 'STOPPED'].includes(current.worker.getState()),
          },
          options.healthPort,
          options.healthAddress,
        ),
      {
        what: 'health',
        host: options.healthAddress,
        port: options.healthPort,
        portFlag: 'health-port',
        addressFlag: 'health-address',
      },
    ),
  );
  servers.push(
    await listening(() => startMetricsServer(metrics.registry, options.metricsPort, options.metricsAddress), {
      what: 'metrics',
      host: options.metricsAddress,
      port: options.metricsPort,
      portFlag: 'metrics-port',
      addressFlag: 'metrics-address',
    }),
  );

  const codecServer = options.codecServer;
  if (codecServer)
    servers.push(
      await listening(
        () =>
          startCodecServer({
            codec: new ZlibPayloadCodec(options.temporal.payloadCompressionThreshold),
            host: codecServer.host,
            port: codecServer.port,
            corsOrigins: options.codecServerCorsOrigins,
            log: log.child({ component: 'codec-server' }),
          }),
        {
          what: 'codec server',
          host: codecServer.host,
          port: codecServer.port,
          portFlag: 'codec-server-address',
          addressFlag: 'codec-server-address',
        },
      ),
    );

  const creators = new Map<string, ProwJobCreator>();
  const connection = await connectWorker(options.temporal);
  closers.push(() => connection.close());
  // Looked up once: the worker loads it and the start-up log says which code runs.
  const prebuiltBundle = freshPrebuiltBundle();
  const worker = await createReconcilerWorker({
    ...(prebuiltBundle ? { workflowBundle: prebuiltBundle } : {}),
    connection,
    namespace: options.temporal.namespace,
    taskQueue: options.temporal.taskQueue,
    maxTaskQueueActivitiesPerSecond: options.temporal.maxActivitiesPerSecond,
    maxConcurrentActivities: options.temporal.maxConcurrentActivities,
    payloadCompressionThreshold: options.temporal.payloadCompressionThreshold,
    activities: {
      configSource: options.config,
      configCacheDir: defaultCacheDir(),
      github: repositoryGitHub(
        githubFromOptions(options.github, log.child({ component: 'github' }), metrics),
        workerWriteBudget(options.github),
        options.github.readApi,
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
    backstopIntervalMs: options.configBackstopIntervalMs,
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
    health: `${options.healthAddress}:${serverPort(servers[0] as Server)}`,
    metrics: `${options.metricsAddress}:${serverPort(servers[1] as Server)}`,
    temporalMetrics: options.temporalMetricsPort
      ? `${options.temporalMetricsAddress}:${options.temporalMetricsPort}`
      : 'off',
    codecServer: servers[2] ? `${codecServer?.host}:${serverPort(servers[2])}` : 'off',
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
    log.info('worker stopped', { exitCode });
  }
  return exitCode;
}
