/**
 * GitHub's content-creation limits (80 per minute and 500 per hour per integration, github-api.md §5) bind
 * the whole deployment, not each process. Each worker paces its writes to its share of a deployment-wide
 * budget: `--github-write-budget` divided by `--worker-replicas`. A write waits until every window has room;
 * the repository activity keeps heartbeating meanwhile, so a long wait is not a failure.
 *
 * A write counts from its admission until it is answered, then at the time of its answer: GitHub counts it
 * when it arrives, somewhere in between, so counting the answer time (and in-flight writes as "now") never
 * lets more than the window's limit arrive in any window, whatever the delays before sending.
 */
export interface WriteWindow {
  limit: number;
  windowMs: number;
}

export class WriteBudget {
  /** Answer times of past writes; `undefined` while a write is in flight. */
  private readonly writes: { at?: number }[] = [];
  private admissions: Promise<void> = Promise.resolve();

  constructor(
    readonly windows: readonly WriteWindow[],
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    for (const w of windows)
      if (!(w.limit >= 1) || !(w.windowMs > 0))
        throw new Error(`invalid write budget window ${JSON.stringify(w)}`);
  }

  /** Runs one write within the budget; writes are admitted one at a time, in order. */
  async run<T>(write: () => Promise<T>): Promise<T> {
    const record: { at?: number } = {};
    const admitted = this.admissions.then(() => this.admit(record));
    this.admissions = admitted.catch(() => undefined);
    await admitted;
    try {
      return await write();
    } finally {
      record.at = this.now();
    }
  }

  private async admit(record: { at?: number }): Promise<void> {
    const longest = Math.max(...this.windows.map((w) => w.windowMs));
    for (;;) {
      const now = this.now();
      while (
        this.writes.length > 0 &&
        this.writes[0]?.at !== undefined &&
        (this.writes[0].at as number) <= now - longest
      )
        this.writes.shift();
      const times = this.writes.map((w) => w.at ?? now).sort((a, b) => a - b);
      let waitMs = 0;
      for (const { limit, windowMs } of this.windows) {
        const inWindow = times.filter((t) => t > now - windowMs);
        if (inWindow.length >= limit) {
          const leaves = (inWindow[inWindow.length - limit] as number) + windowMs - now;
          // An in-flight write leaves no sooner than it is answered: check again shortly.
          waitMs = Math.max(waitMs, leaves > 0 ? leaves : 50);
        }
      }
      if (waitMs <= 0) {
        this.writes.push(record);
        return;
      }
      await this.sleep(waitMs);
    }
  }
}

/** This worker's share of the deployment's write budget: every window's count divided by the replicas. */
export function workerWriteBudget(options: {
  writeBudget: readonly WriteWindow[];
  workerReplicas: number;
}): WriteBudget {
  const replicas = Math.max(1, options.workerReplicas);
  return new WriteBudget(
    options.writeBudget.map((w) => ({
      limit: Math.max(1, Math.floor(w.limit / replicas)),
      windowMs: w.windowMs,
    })),
  );
}
