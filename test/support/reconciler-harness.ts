import { sandboxActivityDeps } from '../../sandbox/activity-deps';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker, type WorkflowBundle } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities';
import type { WriteBudget } from '../../src/github/write-budget';
import type { ProcessOptions } from '../../src/options';
import { readOptions } from '../../src/options';
import { projectRoot } from '../../src/project-root';
import { startGitHubDouble, type GitHubDouble, type GitHubScenario } from '../../sandbox/github';
import type { GitHubDoubleLimits } from '../../sandbox/github';
import { startKubernetesDouble, type KubernetesDouble } from '../../sandbox/kubernetes/server';
import {
  controllerStatus,
  registerWorkerSettings,
  requestReconcile,
  waitForController,
} from '../../src/temporal/controller-client';
import { createMetrics, type Metrics } from '../../src/metrics/metrics';
import { createReconcilerWorker, installRuntime } from '../../src/worker/reconciler-worker';
import { reconcilerDataConverter } from '../../src/temporal/payload-codec';
import { bundleWorkflows } from '../../src/worker/workflow-bundle';
import { sourceRevision } from '../../src/config/files/source-revision';
import type { ControllerView } from '../../workflows/types';

/** Bundles the workflows once per test file (the slow part of starting a worker). */
let bundle: Promise<WorkflowBundle> | undefined;
export function workflowBundle(): Promise<WorkflowBundle> {
  bundle ??= bundleWorkflows();
  return bundle;
}

export function temporalAddress(): string {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address || address === 'none')
    throw new Error('TEMPORAL_ADDRESS is not set: run the tests through Jest global setup');
  return address;
}

/** A writable copy of a config tree (examples/config by default) in a temp dir. */
export function configFixture(from = path.join(projectRoot, 'examples', 'config')): {
  dir: string;
  write(relative: string, content: string): void;
  /** Copies a job-config change (like examples/changes/<name>) over the fixture's jobs/. */
  applyJobs(dir: string): void;
  remove(): void;
  argv: string[];
} {
  const dir = mkdtempSync(path.join(tmpdir(), 'status-reconciler-config-'));
  cpSync(from, dir, { recursive: true });
  return {
    dir,
    write: (relative, content) => {
      mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
      writeFileSync(path.join(dir, relative), content);
    },
    applyJobs: (src) => cpSync(src, path.join(dir, 'jobs'), { recursive: true }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
    argv: [
      `--config-path=${path.join(dir, 'prow', 'config.yaml')}`,
      `--job-config-path=${path.join(dir, 'jobs')}`,
      `--plugin-config=${path.join(dir, 'prow', 'plugins.yaml')}`,
    ],
  };
}

export interface HarnessOptions {
  scenario: GitHubScenario;
  configArgv: string[];
  extraArgv?: string[];
  githubLimits?: GitHubDoubleLimits;
  /** Keep the GitHub double across workers (worker restarts). */
  github?: GitHubDouble;
  kubernetes?: KubernetesDouble;
}

/** A reconciler deployment on the test Temporal server, against the GitHub and Kubernetes doubles. */
export class ReconcilerHarness {
  workers: { worker: Worker; running: Promise<void> }[] = [];
  workerFailures: unknown[] = [];
  private constructor(
    readonly client: Client,
    readonly connection: NativeConnection,
    readonly github: GitHubDouble,
    readonly kubernetes: KubernetesDouble,
    readonly options: ProcessOptions,
    readonly metrics: Metrics,
    private readonly ownsDoubles: boolean,
  ) {}

  static async start(opts: HarnessOptions): Promise<ReconcilerHarness> {
    const address = temporalAddress();
    installRuntime({ temporalMetricsPort: 0 });
    const github =
      opts.github ??
      (await startGitHubDouble({
        scenario: opts.scenario,
        limits: opts.githubLimits ?? { primary: false, secondary: false },
      }));
    const kubernetes = opts.kubernetes ?? (await startKubernetesDouble({ namespace: 'prow' }));
    const id = randomUUID().slice(0, 8);
    const options = readOptions([
      ...opts.configArgv,
      `--temporal-address=${address}`,
      `--temporal-task-queue=test-${id}`,
      `--instance=test-${id}`,
      '--dry-run=false',
      '--retry-blocked-after=0',
      ...(opts.extraArgv ?? []),
    ]);
    const connection = await NativeConnection.connect({ address });
    // The worker's payload codec: results it compressed are read as the JSON they are.
    const client = new Client({
      connection: await Connection.connect({ address }),
      dataConverter: reconcilerDataConverter(),
    });
    return new ReconcilerHarness(
      client,
      connection,
      github,
      kubernetes,
      options,
      createMetrics(),
      !opts.github,
    );
  }

  /** A harness with one worker running, and with the current config as the baseline when `baseline` is set. */
  static async startWithWorker(opts: HarnessOptions & { baseline?: boolean }): Promise<ReconcilerHarness> {
    const harness = await ReconcilerHarness.start(opts);
    await harness.startWorker();
    if (opts.baseline) await harness.takeBaseline();
    return harness;
  }

  activityDeps(writeBudget?: WriteBudget): ActivityDeps {
    return sandboxActivityDeps({
      configSource: this.options.config,
      github: this.github,
      kubeconfig: this.kubernetes.kubeconfig(),
      writeSpacingMs: 0,
      ...(writeBudget ? { writeBudget } : {}),
      metrics: this.metrics,
      heartbeatIntervalMs: 200,
    });
  }

  /** Starts one more worker on the harness's task queue. */
  async startWorker(
    overrides: Partial<ActivityDeps> = {},
    worker: {
      identity?: string;
      writeBudget?: WriteBudget;
      maxConcurrentActivities?: number;
      /** Other workflow code (a test's deliberately broken controller). */
      bundle?: WorkflowBundle;
    } = {},
  ): Promise<Worker> {
    const created = await createReconcilerWorker({
      connection: this.connection,
      namespace: 'default',
      taskQueue: this.options.temporal.taskQueue,
      workflowBundle: worker.bundle ?? (await workflowBundle()),
      activities: { ...this.activityDeps(worker.writeBudget), ...overrides },
      identity: worker.identity,
      buildId: worker.identity,
      maxConcurrentActivities: worker.maxConcurrentActivities,
      payloadCompressionThreshold: this.options.temporal.payloadCompressionThreshold,
    });
    // Observed at once: a worker that fails must fail its test, not surface later as an unhandled rejection.
    const running = created.run().catch((err: unknown) => {
      this.workerFailures.push(err);
    });
    this.workers.push({ worker: created, running });
    return created;
  }

  /**
   * Registers the harness's deployment settings with the controller, as a deployment's workers do (runs use
   * them; a change request carries none). Under one worker ID for the harness's in-process workers.
   */
  async registerSettings(workerId = 'test-harness'): Promise<void> {
    await registerWorkerSettings(this.client, this.options, workerId);
  }

  async requestChange(reason = 'test', force = false): Promise<void> {
    const current = await sourceRevision(this.options.config);
    await this.registerSettings();
    await requestReconcile(this.client, this.options, {
      sourceRevision: current.revision,
      reason,
      requestedBy: 'test',
      force,
    });
  }

  /** Makes the current config the controller's baseline (its first change, R35) and waits for it. */
  async takeBaseline(): Promise<ControllerView> {
    await this.requestChange('baseline');
    return this.waitFor((v) => v.lastReconciled !== undefined);
  }

  status(): Promise<ControllerView> {
    return controllerStatus(this.client, this.options.instance);
  }

  /** Polls the controller until `done` holds (or fails after `timeoutMs`). */
  waitFor(done: (view: ControllerView) => boolean, timeoutMs = 45_000): Promise<ControllerView> {
    return waitForController(this.client, this.options.instance, done, { timeoutMs, everyMs: 200 });
  }

  /** Waits for the next run to end: a new entry at the head of the controller's recent runs. */
  async waitForNextRun(before: ControllerView, timeoutMs = 45_000): Promise<ControllerView> {
    const last = before.recent[0];
    return this.waitFor(
      (v) =>
        !v.running &&
        v.recent[0] !== undefined &&
        (v.recent[0].at !== last?.at || v.recent[0].workflowId !== last?.workflowId),
      timeoutMs,
    );
  }

  /** Status writes the double recorded (POST create-commit-status with 201). */
  statusWrites(): number {
    return this.github.requests.count('repos/create-commit-status', 201);
  }

  async stopWorkers(): Promise<void> {
    for (const { worker } of this.workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    await Promise.allSettled(this.workers.map((w) => w.running));
    this.workers = [];
  }

  async close(): Promise<void> {
    await this.client.workflow
      .getHandle(`status-reconciler/${this.options.instance}`)
      .terminate('test finished')
      .catch(() => undefined);
    await this.stopWorkers();
    await this.connection.close();
    await this.client.connection.close();
    if (this.ownsDoubles) {
      await this.github.close();
      await this.kubernetes.close();
    }
  }
}
