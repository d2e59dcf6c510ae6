import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { SourceScanner } from '../config/files/source-revision';
import type { ConfigSource } from '../config/types';
import type { Logger } from '../log';

export interface ConfigWatcherOptions {
  source: ConfigSource;
  pollIntervalMs: number;
  /** Quiet time after the last file event before the files are hashed, so a burst counts once. */
  debounceMs?: number;
  /** Delivers the newest revision; throws when it could not (Temporal unreachable): it is retried. */
  notify(change: { revision: string; configVersion?: string }): Promise<void>;
  log: Logger;
}

/**
 * Watches the config files (polling plus file events) and notifies on every content change, newest first:
 * while delivery fails it keeps retrying with the newest revision, so the latest change is never dropped.
 * A poll stats every file and reads only those whose stat changed (source-revision.ts), so an idle watcher
 * costs a directory walk per interval; a file that cannot be read is a change too (the load then fails
 * closed on it).
 */
export class ConfigWatcher {
  private delivered?: string;
  private stopped = false;
  private wake?: () => void;
  private watchers: FSWatcher[] = [];
  private loop?: Promise<void>;
  private readonly scanner: SourceScanner;

  constructor(private readonly options: ConfigWatcherOptions) {
    this.scanner = new SourceScanner(options.source);
  }

  start(): void {
    const { source } = this.options;
    const dirs = new Set(
      [source.configPath, source.jobConfigPath, source.pluginConfigPath]
        .filter((p): p is string => Boolean(p))
        .map((p) => path.dirname(p)),
    );
    for (const dir of dirs) {
      try {
        this.watchers.push(watch(dir, { persistent: false }, () => this.poke()));
      } catch {
        // Polling alone still finds every change.
      }
    }
    this.loop = this.run();
  }

  /** Check now (a file event, or a test). */
  poke(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.watchers) w.close();
    this.poke();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      let nextWaitMs = this.options.pollIntervalMs;
      try {
        const current = await this.scanner.scan();
        if (current.revision !== this.delivered) {
          await this.options.notify(current);
          this.options.log.info('config change delivered', {
            revision: current.revision,
            configVersion: current.configVersion,
          });
          this.delivered = current.revision;
        }
        failures = 0;
      } catch (err) {
        failures += 1;
        nextWaitMs = Math.min(this.options.pollIntervalMs, 500 * 2 ** Math.min(failures, 6));
        this.options.log.warn('config change not delivered yet; retrying', { error: err, attempt: failures });
      }
      await this.sleep(nextWaitMs);
    }
  }

  private async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = undefined;
    if (!this.stopped) await delay(this.options.debounceMs ?? 300);
  }
}
