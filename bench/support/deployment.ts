import { sandboxActivityDeps } from '../../sandbox/activity-deps';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities';
import { sourceRevision } from '../../src/config/files/source-revision';
import type { ConfigSource } from '../../src/config/types';
import { silentLogger } from '../../src/log';
import { readOptions, type ProcessOptions } from '../../src/options';
import { startKubernetesDouble, type KubernetesDouble } from '../../sandbox/kubernetes/server';
import {
  controllerStatus,
  registerWorkerSettings,
  requestReconcile,
  waitForController,
} from '../../src/temporal/controller-client';
import { createReconcilerWorker, installRuntime } from '../../src/worker/reconciler-worker';
import { reconcilerDataConverter } from '../../src/temporal/payload-codec';
import { bundleWorkflows } from '../../src/worker/workflow-bundle';
import { controllerWorkflowId } from '../../workflows/controller';
import type { ControllerView } from '../../workflows/types';
import type { DoubleStarted } from './double-protocol';
import { WorkerProcess } from './worker-process';
import type { BenchWorkerSpec } from './worker-spec';

/**
 * A reconciler deployment for a benchmark, as test/support/reconciler-harness.ts builds one for the
 * integration tests: the project's worker (createReconcilerWorker) with the production activities, a GitHub
 * client from the project's factory pointed at the GitHub double, the Kubernetes double, and the controller
 * driven by signal-with-start like the CLI and the config watcher.
 */
export interface BenchDeploymentOptions {
  temporalAddress: string;
  github: Pick<DoubleStarted, 'url' | 'app'>;
  config: ConfigSource;
  /** More reconciler flags (guard, repository concurrency). */
  extraArgv?: string[];
  /** GitHub's write spacing (1000 in production; 0 = unpaced). */
  writeSpacingMs: number;
  namespaces?: string[];
  /** Heartbeat interval of repository activities (the worker's default when absent). */
  heartbeatIntervalMs?: number;
  /** The worker's saved config load cache directory, as production workers keep one (none: no cache). */
  configCacheDir?: string;
}

/** The worker's activity dependencies; each call builds a fresh GitHub client (its own token and cache). */
export function benchActivityDeps(spec: BenchWorkerSpec, options = readOptions(spec.argv, {})): ActivityDeps {
  return sandboxActivityDeps({
    configSource: options.config,
    github: spec.github,
    kubeconfig: spec.kubeconfig,
    writeSpacingMs: spec.writeSpacingMs,
    githubReadApi: options.github.readApi,
    ...(spec.heartbeatIntervalMs ? { heartbeatIntervalMs: spec.heartbeatIntervalMs } : {}),
    ...(spec.configCacheDir ? { configCacheDir: spec.configCacheDir } : {}),
  });
}

export class BenchDeployment {
  worker?: Worker;
  workerProcess?: WorkerProcess;
  private running?: Promise<void>;

  private constructor(
    readonly client: Client,
    readonly connection: NativeConnection,
    readonly kubernetes: KubernetesDouble,
    readonly options: ProcessOptions,
    readonly workerSpec: BenchWorkerSpec,
  ) {}

  static async start(opts: BenchDeploymentOptions): Promise<BenchDeployment> {
    installRuntime({ temporalMetricsPort: 0 });
    const kubernetes = await startKubernetesDouble({
      namespace: opts.namespaces ?? ['prow', 'default'],
      logger: silentLogger,
    });
    const id = randomUUID().slice(0, 8);
    const argv = [
      `--config-path=${opts.config.configPath}`,
      `--job-config-path=${opts.config.jobConfigPath ?? ''}`,
      `--plugin-config=${opts.config.pluginConfigPath ?? ''}`,
      `--temporal-address=${opts.temporalAddress}`,
      `--temporal-task-queue=bench-${id}`,
      `--instance=bench-${id}`,
      '--dry-run=false',
      '--retry-blocked-after=0',
      ...(opts.extraArgv ?? []),
    ];
    const options = readOptions(argv, {});
    const connection = await NativeConnection.connect({ address: opts.temporalAddress });
    const client = new Client({
      connection: await Connection.connect({ address: opts.temporalAddress }),
      dataConverter: reconcilerDataConverter(),
    });
    return new BenchDeployment(client, connection, kubernetes, options, {
      temporalAddress: opts.temporalAddress,
      argv,
      github: opts.github,
      kubeconfig: kubernetes.kubeconfig(),
      writeSpacingMs: opts.writeSpacingMs,
      ...(opts.heartbeatIntervalMs ? { heartbeatIntervalMs: opts.heartbeatIntervalMs } : {}),
      ...(opts.configCacheDir ? { configCacheDir: opts.configCacheDir } : {}),
    });
  }

  get controllerId(): string {
    return controllerWorkflowId(this.options.instance);
  }

  activityDeps(): ActivityDeps {
    return benchActivityDeps(this.workerSpec, this.options);
  }

  /** Starts one worker in this process on the deployment's task queue (bundling the workflows first). */
  async startWorker(): Promise<void> {
    this.worker = await createReconcilerWorker({
      connection: this.connection,
      namespace: 'default',
      taskQueue: this.options.temporal.taskQueue,
      workflowBundle: await bundleWorkflows(),
      activities: this.activityDeps(),
    });
    this.running = this.worker.run();
  }

  /**
   * Starts the worker in a process of its own, as deployed, so its memory is measured alone. It loads the
   * prebuilt workflow bundle when `npm run build` wrote one, as `status-reconciler worker` does.
   */
  async startWorkerProcess(execArgv: string[] = []): Promise<WorkerProcess> {
    this.workerProcess = await WorkerProcess.start(this.workerSpec, execArgv);
    return this.workerProcess;
  }

  /** Signal-with-start of the controller with the config's current content hash, as the watcher sends it. */
  async requestChange(reason: string, force = false): Promise<{ sentAt: number; revision: string }> {
    const { revision } = await sourceRevision(this.options.config);
    // Runs use the deployment settings its workers register (a request carries none): the bench's, here.
    await registerWorkerSettings(this.client, this.options, 'bench');
    const sentAt = Date.now();
    await requestReconcile(this.client, this.options, {
      sourceRevision: revision,
      reason,
      requestedBy: 'bench',
      force,
    });
    return { sentAt, revision };
  }

  status(): Promise<ControllerView> {
    return controllerStatus(this.client, this.options.instance);
  }

  waitFor(
    done: (view: ControllerView) => boolean,
    timeoutMs: number,
    everyMs = 250,
  ): Promise<ControllerView> {
    return waitForController(this.client, this.options.instance, done, { timeoutMs, everyMs });
  }

  async close(): Promise<void> {
    await this.client.workflow
      .getHandle(this.controllerId)
      .terminate('benchmark finished')
      .catch(() => undefined);
    if (this.worker?.getState() === 'RUNNING') this.worker.shutdown();
    await this.running?.catch(() => undefined);
    await this.workerProcess?.close();
    await this.connection.close();
    await this.client.connection.close();
    await this.kubernetes.close();
  }
}
