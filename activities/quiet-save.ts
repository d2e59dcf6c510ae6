/**
 * Saves the config load cache once the worker has been quiet: no repository being reconciled, and none for
 * `quietMs`. A save makes tens of megabytes of short-lived buffers at ten times the Kubernetes config; made
 * beside a change run's reads and writes they add to the worker's peak memory (bench/scale.ts: ~60 MB).
 * Requests coalesce: one save writes the state as it is when it runs. A save still waiting when the worker
 * stops is not made, and the next start reloads what changed since the last save.
 */
export class QuietSave {
  private busy = 0;
  private wanted = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly save: () => Promise<void>,
    private readonly quietMs: number,
  ) {}

  /** A load succeeded: save once quiet. */
  request(): void {
    this.wanted = true;
    this.arm();
  }

  /** Runs work during which no save starts (and after which the quiet period starts again). */
  async during<T>(work: () => Promise<T>): Promise<T> {
    this.busy++;
    try {
      return await work();
    } finally {
      this.busy--;
      if (this.wanted) this.arm();
    }
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fire(), this.quietMs);
    this.timer.unref();
  }

  private fire(): void {
    // Busy: the work's end arms the timer again.
    if (!this.wanted || this.busy > 0) return;
    this.wanted = false;
    void this.save(); // it logs its own failures
  }
}
