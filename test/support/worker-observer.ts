import type { Server } from 'node:http';
import { silentLogger } from '../../src/log';
import {
  ControllerStateReader,
  type ControllerStateReaderOptions,
} from '../../src/worker/controller-state-reader';
import { serverPort, startHealthServer } from '../../src/worker/health-server';
import { createMetrics, type Metrics } from '../../src/metrics/metrics';
import type { ReconcilerHarness } from './reconciler-harness';

/** A gauge or counter of prom-client, read as a test reads it: its first value. */
interface MetricValues {
  get(): Promise<{ values: { value: number }[] }>;
}

/**
 * What a deployment's worker shows beside its Temporal worker, for integration tests: the reader of the
 * controller's state, the metrics it keeps, and `/healthz` served from them, as src/worker/run-worker.ts wires
 * them. The reader does not poll until a test calls `reader.start()` (every `pollMs`); tests that want a fresh
 * view call `reader.refresh()`.
 */
export class WorkerObserver {
  private constructor(
    readonly reader: ControllerStateReader,
    readonly metrics: Metrics,
    private readonly server: Server,
  ) {}

  static async start(
    harness: ReconcilerHarness,
    opts: { pollMs?: number; reader?: ControllerStateReaderOptions } = {},
  ): Promise<WorkerObserver> {
    const metrics = createMetrics();
    const reader = new ControllerStateReader(
      harness.client,
      harness.options.instance,
      silentLogger,
      metrics,
      opts.pollMs ?? 60_000,
      opts.reader,
    );
    const server = await startHealthServer(
      {
        configHealth: () => reader.current()?.health,
        controllerProblems: () => reader.problems(),
        ready: () => true,
        live: () => true,
      },
      0,
      '127.0.0.1',
    );
    return new WorkerObserver(reader, metrics, server);
  }

  async get(route: string): Promise<{ status: number; body: string }> {
    const res = await fetch(`http://127.0.0.1:${serverPort(this.server)}${route}`);
    return { status: res.status, body: await res.text() };
  }

  healthz(): Promise<{ status: number; body: string }> {
    return this.get('/healthz');
  }

  /** A metric's first value, e.g. `observer.value(observer.metrics.configLastLoadSuccessful)`. */
  async value(metric: MetricValues): Promise<number | undefined> {
    return (await metric.get()).values[0]?.value;
  }

  async close(): Promise<void> {
    await this.reader.stop();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
