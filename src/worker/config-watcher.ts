import { lstatSync, statSync, watch } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { SourceScanner } from '../config/files/source-revision';
import type { ConfigSource } from '../config/types';
import type { Logger } from '../log';

/** A directory's file-event subscription; `close` ends it. */
export interface DirectoryWatch {
  close(): void;
}

/**
 * Subscribes to one directory's file events (non-recursive). Throws when the watch cannot be established
 * (ENOSPC: the inotify limit; EPERM; a filesystem without notifications); `onError` reports a watch that broke
 * later. The seam lets tests stand in a watch that never fires or one that fails.
 */
export type WatchDirectory = (
  dir: string,
  onEvent: (event: string, filename: string | null) => void,
  onError: (error: Error) => void,
) => DirectoryWatch;

const watchDirectory: WatchDirectory = (dir, onEvent, onError) => {
  // Not persistent: the watches alone never keep a stopping worker alive.
  const watcher = watch(dir, { persistent: false }, (event, filename) => onEvent(event, filename));
  watcher.on('error', onError);
  return watcher;
};

export interface ConfigWatcherOptions {
  source: ConfigSource;
  /** The full-scan cadence while file events cannot be relied on (a watch failed): as before events. */
  pollIntervalMs: number;
  /** The full-scan cadence while every directory is watched: a backstop for anything events missed. */
  backstopIntervalMs?: number;
  /** Quiet time after a file event before the files are hashed, so a burst counts once. */
  debounceMs?: number;
  /** Delivers the newest revision; throws when it could not (Temporal unreachable): it is retried. */
  notify(change: { revision: string; configVersion?: string }): Promise<void>;
  log: Logger;
  /** Test seam; fs.watch by default. */
  watchDirectory?: WatchDirectory;
}

/** Prow reloads its config unconditionally every ten minutes at most; events make a minute ample here. */
export const DEFAULT_BACKSTOP_INTERVAL_MS = 60_000;

/**
 * Watches the config files and notifies on every content change, newest first: while delivery fails it keeps
 * retrying with the newest revision, so the latest change is never dropped.
 *
 * Every directory the scan walks is watched for file events (fs.watch, non-recursive), and so are the config
 * and plugin files' directories and the directory holding any symbolic link on the way to a root (git-sync's
 * link swap): a change wakes a scan at once (events within `debounceMs` make one scan; an event during a scan
 * makes another after it). While every watch holds, the full scan runs only every `backstopIntervalMs` and the
 * watcher does nothing in between. When a watch cannot be established or breaks (the inotify limit, a
 * filesystem without notifications), or the kernel reports an overflow (an event without a name), events can
 * no longer be trusted: it scans every `pollIntervalMs` from then on, and logs that once.
 *
 * A scan stats every file and reads only those whose stat changed (source-revision.ts); a file that cannot be
 * read is a change too (the load then fails closed on it).
 */
export class ConfigWatcher {
  private delivered?: string;
  private stopped = false;
  private wake?: () => void;
  /** An event arrived since the last scan started: the next sleep ends at once. */
  private pending = false;
  /** Why events are not trusted any more, once they are not; then scans run every poll interval. */
  private degraded?: string;
  private readonly watches = new Map<string, { watch: DirectoryWatch; dev: number; ino: number }>();
  private loop?: Promise<void>;
  private readonly scanner: SourceScanner;
  private readonly watchDirectory: WatchDirectory;

  constructor(private readonly options: ConfigWatcherOptions) {
    this.scanner = new SourceScanner(options.source);
    this.watchDirectory = options.watchDirectory ?? watchDirectory;
  }

  start(): void {
    this.loop = this.run();
  }

  /** Check now (a file event, or a test). */
  poke(): void {
    this.pending = true;
    this.wake?.();
  }

  /** The directories watched now, for tests and the benchmark. */
  watchedDirectories(): string[] {
    return [...this.watches.keys()].sort();
  }

  /** `events` while every directory is watched (backstop scans), `polling` once a watch failed. */
  get mode(): 'events' | 'polling' {
    return this.degraded === undefined ? 'events' : 'polling';
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const { watch: w } of this.watches.values()) w.close();
    this.watches.clear();
    this.poke();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      let nextWaitMs: number;
      try {
        let current = await this.scan();
        // A directory watched only now may have changed between its listing and its watch: look once more.
        if (this.syncWatches() && !this.stopped) {
          current = await this.scan();
          this.syncWatches();
        }
        if (current.revision !== this.delivered) {
          await this.options.notify(current);
          this.options.log.info('config change delivered', {
            revision: current.revision,
            configVersion: current.configVersion,
          });
          this.delivered = current.revision;
        }
        failures = 0;
        nextWaitMs = this.interval();
      } catch (err) {
        failures += 1;
        nextWaitMs = Math.min(this.options.pollIntervalMs, 500 * 2 ** Math.min(failures, 6));
        this.options.log.warn('config change not delivered yet; retrying', { error: err, attempt: failures });
      }
      await this.sleep(nextWaitMs);
    }
  }

  private scan(): ReturnType<SourceScanner['scan']> {
    // Events from here on may postdate what this scan reads: they make another scan.
    this.pending = false;
    return this.scanner.scan();
  }

  private interval(): number {
    return this.degraded === undefined
      ? (this.options.backstopIntervalMs ?? DEFAULT_BACKSTOP_INTERVAL_MS)
      : this.options.pollIntervalMs;
  }

  /**
   * Watches the directories the latest scan walked (and those holding the roots), drops watches of those it no
   * longer walked, and watches again a directory replaced in place (another inode at the same path). Returns
   * whether a watch was added.
   */
  private syncWatches(): boolean {
    if (this.stopped) return false;
    const wanted = this.scanner.directories();
    for (const dir of this.rootDirectories()) {
      if (wanted.has(dir)) continue;
      try {
        const stat = statSync(dir);
        if (stat.isDirectory()) wanted.set(dir, { dev: stat.dev, ino: stat.ino });
      } catch {
        // Gone or unreadable: the scan reports the file itself; nothing to watch.
      }
    }
    for (const [dir, held] of this.watches) {
      const want = wanted.get(dir);
      if (!want || want.ino !== held.ino || want.dev !== held.dev) {
        held.watch.close();
        this.watches.delete(dir);
      }
    }
    let added = false;
    for (const [dir, id] of wanted) {
      if (this.watches.has(dir)) continue;
      // Once events are not trusted, a failing watch is not retried on every scan (the inotify limit stays).
      if (this.degraded !== undefined) continue;
      try {
        const handle = this.watchDirectory(
          dir,
          (event, filename) => this.onEvent(dir, event, filename),
          (error) => this.degrade(`watch of ${dir} failed`, error),
        );
        this.watches.set(dir, { watch: handle, ...id });
        added = true;
      } catch (error) {
        this.degrade(`cannot watch ${dir}`, error);
      }
    }
    return added;
  }

  /** The directories holding the config and plugin files, and those holding links on the way to any root. */
  private rootDirectories(): Set<string> {
    const { source } = this.options;
    const roots = [
      source.configPath,
      source.jobConfigPath,
      source.pluginConfigPath,
      ...(source.supplementalProwConfigDirs ?? []),
      ...(source.supplementalPluginConfigDirs ?? []),
    ].filter((p): p is string => Boolean(p));
    const dirs = new Set<string>();
    for (const root of roots) {
      const resolved = path.resolve(root);
      dirs.add(path.dirname(resolved));
      for (let p = resolved; path.dirname(p) !== p; p = path.dirname(p)) {
        try {
          if (lstatSync(p).isSymbolicLink()) dirs.add(path.dirname(p));
        } catch {
          // A missing component: the scan reports the root as unreadable.
        }
      }
    }
    return dirs;
  }

  private onEvent(dir: string, event: string, filename: string | null): void {
    // An event without a name says events were lost (where the platform reports an overflow at all: libuv
    // drops Linux's queue overflow, which the backstop covers) or cannot be attributed: trust them no more.
    if (filename === null) this.degrade(`file events for ${dir} overflowed`);
    else if (event !== 'change' && event !== 'rename')
      this.degrade(`unexpected file event ${event} in ${dir}`);
    else if (event === 'rename' && filename === path.basename(dir)) {
      // The watched directory itself was removed or moved (or an entry of the same name was): its watch may be
      // dead even if a directory with the same inode appears there, so the next scan makes it anew.
      this.watches.get(dir)?.watch.close();
      this.watches.delete(dir);
    }
    this.poke();
  }

  private degrade(reason: string, error?: unknown): void {
    if (this.stopped) return;
    if (this.degraded === undefined) {
      this.degraded = reason;
      this.options.log.warn('config file events unavailable; scanning every poll interval', {
        reason,
        error: error instanceof Error ? error : undefined,
        code: (error as NodeJS.ErrnoException | undefined)?.code,
        pollIntervalMs: this.options.pollIntervalMs,
      });
    }
    // The current sleep may be a backstop's: shorten it.
    this.poke();
  }

  private async sleep(ms: number): Promise<void> {
    if (!this.pending && !this.stopped)
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
