import type { Client } from '@temporalio/client';
import { controllerStatus } from '../temporal/controller-client';
import type { ControllerView } from '../../workflows/types';
import type { Logger } from '../log';
import type { Metrics } from './metrics';

/**
 * Reads the controller's state every few seconds, so every worker's `/healthz` and gauges report the same
 * state (the controller's), not only the worker that ran the failed load.
 */
export class ControllerStateReader {
  private view?: ControllerView;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private reading?: Promise<unknown>;

  constructor(
    private readonly client: Client,
    private readonly instance: string,
    private readonly log: Logger,
    private readonly metrics?: Metrics,
    private readonly intervalMs = 3_000,
  ) {}

  start(): void {
    const tick = (): void => {
      this.reading = this.refresh().finally(() => {
        if (this.stopped) return;
        this.timer = setTimeout(tick, this.intervalMs);
        this.timer.unref();
      });
    };
    tick();
  }

  /**
   * Stops reading; resolves once a read in flight has ended, so the Temporal connection can be closed after
   * it (a query still retrying on a closed connection throws from the client's retry timer).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.reading;
  }

  current(): ControllerView | undefined {
    return this.view;
  }

  async refresh(): Promise<ControllerView | undefined> {
    try {
      this.view = await controllerStatus(this.client, this.instance);
      this.publish(this.view);
    } catch (err) {
      // No controller yet (first start) or Temporal unreachable: keep the last known state.
      this.log.debug('controller state not readable', { error: err });
    }
    return this.view;
  }

  private publish(view: ControllerView): void {
    if (!this.metrics) return;
    this.metrics.configLastLoadSuccessful.set(view.health.ok ? 1 : 0);
    this.metrics.changesPending.set(view.pending ? 1 : 0);
    this.metrics.changesBlocked.set(view.blocked ? 1 : 0);
    this.metrics.runsAwaitingApproval.set(view.running?.held ? 1 : 0);
    if (view.lastLoaded) this.metrics.loadedPresubmitCount.set(view.lastLoaded.presubmitCount);
  }
}
