import type { Client } from '@temporalio/client';
import { controllerHandle, controllerStatus, workerSettingsMessage } from '../temporal/controller-client';
import { workerSettingsSignal } from '../../workflows/messages';
import type { ControllerView } from '../../workflows/types';
import type { Logger } from '../log';
import type { ProcessOptions } from '../options';
import type { Metrics } from '../metrics/metrics';

/** A controller that exists but does not answer `status`: its workflow task keeps failing (a bug), or worse. */
export interface ControllerUnanswering {
  reason: string;
  since: string;
  /** The controller's workflow task attempt, when one is pending: above 1, its task keeps failing. */
  workflowTaskAttempt?: number;
  status: string;
}

export interface ControllerStateReaderOptions {
  /** Registers (and keeps registered) this worker's deployment settings with the controller. */
  registration?: { options: ProcessOptions; workerId: string };
  /** How long a `status` query may take before the controller counts as not answering. */
  queryTimeoutMs?: number;
  /** A registration older than this (the controller's view) is refreshed, well within its TTL. */
  refreshRegistrationMs?: number;
}

/**
 * Reads the controller's state every few seconds, so every worker's `/healthz` and gauges report the same
 * state (the controller's), not only the worker that ran the failed load. It also notices a controller that
 * stops answering (issue 18), and keeps this worker's deployment settings registered (issue 13).
 */
export class ControllerStateReader {
  private view?: ControllerView;
  private unanswering?: ControllerUnanswering;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private reading?: Promise<unknown>;
  /** Cumulative controller counts already added to this process's counters, by key. */
  private readonly counted = new Map<string, number>();
  private lastLoadOk?: boolean;

  constructor(
    private readonly client: Client,
    private readonly instance: string,
    private readonly log: Logger,
    private readonly metrics?: Metrics,
    private readonly intervalMs = 3_000,
    private readonly options: ControllerStateReaderOptions = {},
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

  /** Set while the controller exists but does not answer `status`. */
  notAnswering(): ControllerUnanswering | undefined {
    return this.unanswering;
  }

  /**
   * Why actuation is halted or degraded besides the config's health, one line each, for `/healthz`: a
   * controller that does not answer, workers that disagree on the settings, a failed change that blocks.
   */
  problems(): string[] {
    const problems: string[] = [];
    const stuck = this.unanswering;
    if (stuck)
      problems.push(
        `controller not answering since ${stuck.since} (${stuck.status}${stuck.workflowTaskAttempt ? `, workflow task attempt ${stuck.workflowTaskAttempt}` : ''}): ${stuck.reason}; see "status-reconciler recover"`,
      );
    const view = this.view;
    if (!view || stuck) return problems;
    if (view.deployment?.conflict)
      problems.push(view.deployment.problem ?? 'workers disagree on their settings');
    if (view.blocked && !view.blocked.loadFailed)
      problems.push(
        `a failed change blocks the controller: ${view.blocked.workflowId} (${view.blocked.errorType ?? 'error'}): ${view.blocked.error}; retry, skip or a newer config unblocks it`,
      );
    return problems;
  }

  async refresh(): Promise<ControllerView | undefined> {
    try {
      const deadline = Date.now() + (this.options.queryTimeoutMs ?? 10_000);
      this.view = await this.client.connection.withDeadline(deadline, () =>
        controllerStatus(this.client, this.instance),
      );
      if (this.unanswering) this.log.info('controller answers again', { instance: this.instance });
      this.unanswering = undefined;
      this.publish(this.view);
      await this.keepRegistered(this.view);
    } catch (err) {
      await this.diagnose(err);
    }
    this.metrics?.controllerAnswering.set(this.unanswering ? 0 : 1);
    return this.view;
  }

  /** The query failed: no controller yet, Temporal unreachable, or a controller that cannot answer. */
  private async diagnose(err: unknown): Promise<void> {
    let description;
    try {
      description = await controllerHandle(this.client, this.instance).describe();
    } catch (describeErr) {
      // No controller yet (first start) or Temporal unreachable: keep the last known state.
      this.log.debug('controller state not readable', { error: err, describeError: describeErr });
      return;
    }
    const status = description.status.name;
    const attempt = description.raw.pendingWorkflowTask?.attempt ?? undefined;
    if (status !== 'RUNNING' && status !== 'CONTINUED_AS_NEW') {
      // Closed (terminated by an operator, or failed): nothing answers until a worker or `recover` starts one.
      this.unanswering = undefined;
      this.view = undefined;
      return;
    }
    const reason = err instanceof Error ? err.message : String(err);
    if (!this.unanswering) this.log.error('controller does not answer status', { reason, attempt, status });
    this.unanswering = {
      reason,
      since: this.unanswering?.since ?? new Date().toISOString(),
      workflowTaskAttempt: attempt ?? undefined,
      status,
    };
  }

  /** Registers this worker's settings when the controller lacks them, has another revision, or may lapse them. */
  private async keepRegistered(view: ControllerView): Promise<void> {
    const registration = this.options.registration;
    if (!registration || this.stopped) return;
    const message = workerSettingsMessage(registration.options, registration.workerId);
    const mine = view.deployment?.workers.find((w) => w.workerId === registration.workerId);
    const stale =
      !mine ||
      mine.revision !== message.revision ||
      Date.now() - Date.parse(mine.lastSeen) > (this.options.refreshRegistrationMs ?? 3 * 60_000);
    if (!stale) return;
    try {
      await controllerHandle(this.client, this.instance).signal(workerSettingsSignal, message);
    } catch (err) {
      this.log.warn('could not register the deployment settings', { error: err });
    }
  }

  private publish(view: ControllerView): void {
    const metrics = this.metrics;
    if (!metrics) return;
    // The controller's verdict on the newest load, set when it changes: a load failing on this worker right
    // now (the activity set 0) is not overwritten by a controller that has not heard of it yet.
    if (this.lastLoadOk !== view.health.ok) {
      metrics.configLastLoadSuccessful.set(view.health.ok ? 1 : 0);
      this.lastLoadOk = view.health.ok;
    }
    metrics.changesPending.set(view.pending ? 1 : 0);
    metrics.changesBlocked.set(view.blocked ? 1 : 0);
    metrics.runsAwaitingApproval.set(view.running?.held ? 1 : 0);
    metrics.deploymentSettingsConflict.set(view.deployment?.conflict ? 1 : 0);
    if (view.lastLoaded) metrics.loadedPresubmitCount.set(view.lastLoaded.presubmitCount);
    // Counters that follow the controller's cumulative counts, so every worker reports the same failures.
    this.follow('load-failures', view.loadFailures ?? 0, (n) => metrics.configLoadFailures.inc(n));
    for (const [message, count] of Object.entries(view.rejected?.counts ?? {}))
      this.follow(`rejected/${message}`, count, (n) =>
        metrics.messagesRejected.inc({ workflow: 'controller', message }, n),
      );
  }

  private follow(key: string, total: number, inc: (n: number) => void): void {
    const seen = this.counted.get(key) ?? 0;
    // A lower total is a fresh controller (recovered): count from it on.
    if (total > seen) inc(total - seen);
    this.counted.set(key, total);
  }
}
