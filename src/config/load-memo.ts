import { createHash } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import type { DecodedPeriodic } from './prow/decoded-config';
import type { Sourced } from './prow/job-config';

/**
 * What lets a reload re-check only what a change touched. Defaulting and validating a list of jobs (one
 * repository's presubmits or postsubmits, or all periodics) depends only on the settings (the Prow config
 * and every preset) and on the list's jobs, in order, with their files. When the parse cache hands out the
 * jobs, each has a content key (its file's SHA-256 and its position there), so a list's inputs have a key
 * too; a list whose key is the one it had in the last successful load is valid again, and its outputs (what
 * the load keeps of the list) are those of that load. Results are therefore those of a full load by
 * construction; test/config/incremental-load.test.ts compares the two on a generated sequence of changes.
 *
 * Only successful loads are remembered (so a reused list never had a problem): a failed load leaves the
 * memo as it was, and the next load reuses from the last good one.
 */
export class LoadMemo {
  private committed = new Map<string, Remembered>();
  private pending = new Map<string, Remembered>();
  private committedSettings?: string;
  private settings?: string;
  private codec?: MemoCodec;
  reused = 0;
  rechecked = 0;

  /** Starts a load; `settingsKey` undefined when the settings are not content-keyed (nothing is reused). */
  begin(settingsKey: string | undefined): void {
    this.pending = new Map();
    this.settings = settingsKey;
    this.reused = 0;
    this.rechecked = 0;
  }

  /**
   * True when the list is unchanged since the last successful load: its outputs carry over (`output`). Else
   * false, and the caller computes the list and records its outputs with `record`.
   */
  unchanged(name: string, jobs: readonly Sourced<unknown>[]): boolean {
    const key = this.settings === undefined ? undefined : listKey(jobs);
    const previous = this.committed.get(name);
    if (key !== undefined && previous?.key === key && this.settings === this.committedSettings) {
      this.pending.set(name, previous);
      this.reused++;
      return true;
    }
    this.rechecked++;
    if (key !== undefined) this.pending.set(name, { key, output: undefined });
    return false;
  }

  /** What the last successful load kept of an unchanged list. */
  output<T>(name: string): T | undefined {
    const entry = this.pending.get(name);
    if (entry?.stored && entry.output === undefined) {
      entry.output = this.codec?.decode(name, deserialize(entry.stored));
      entry.stored = undefined;
    }
    return entry?.output as T | undefined;
  }

  /**
   * The last successful load's lists, to be restored in another process (load-cache-file.ts); `codec`
   * turns outputs into plain data (v8.serialize) and back.
   */
  exportState(codec: MemoCodec): StoredMemo {
    const committed = [...this.committed];
    // Encoded one at a time as they are iterated, so a save holds one list's bytes at once.
    function* lists(): Generator<[string, string, Buffer | undefined]> {
      for (const [name, entry] of committed) {
        const stored =
          entry.stored ??
          (entry.output === undefined ? undefined : serialize(codec.encode(name, entry.output)));
        yield [name, entry.key, stored];
      }
    }
    return { settings: this.committedSettings, lists: lists() };
  }

  /**
   * A digest of what `exportState` would save: the settings and each list's name, key and whether it has
   * an output. Equal digests mean an equal saved memo, since a list's output follows from its key and the
   * settings.
   */
  stateDigest(): string {
    const hash = createHash('sha256').update(`${this.committedSettings ?? '\0'}\n`);
    for (const [name, entry] of [...this.committed].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const kept = entry.output !== undefined || entry.stored !== undefined;
      hash.update(`${name}\0${entry.key}\0${kept}\n`);
    }
    return hash.digest('hex');
  }

  /** Takes over a saved memo: its lists are the reference of the next load (before any load). */
  restore(state: StoredMemo, codec: MemoCodec): void {
    this.codec = codec;
    this.committedSettings = state.settings;
    this.committed = new Map(
      Array.from(state.lists, ([name, key, stored]) => [
        name,
        // A copy: the saved file's bytes are not kept for a list whose output is never asked for.
        stored ? { key, output: undefined, stored: Buffer.from(stored) } : { key, output: undefined },
      ]),
    );
  }

  /** Keeps `output` for a recomputed list. */
  record(name: string, output: unknown): void {
    const entry = this.pending.get(name);
    if (entry) entry.output = output;
  }

  /** The load succeeded: its lists are what the next load compares with. */
  commit(): void {
    this.committed = this.pending;
    this.committedSettings = this.settings;
    this.pending = new Map();
  }

  /** The load failed: the last successful one stays the reference. */
  abort(): void {
    this.pending = new Map();
  }
}

interface Remembered {
  key: string;
  output: unknown;
  /** A restored list's output as saved, until it is asked for. */
  stored?: Buffer;
}

/** How a memo's outputs are saved: as plain data for v8.serialize, and back. */
export interface MemoCodec {
  encode(name: string, output: unknown): unknown;
  decode(name: string, stored: unknown): unknown;
}

/** A memo's state as saved between processes. */
export interface StoredMemo {
  settings: string | undefined;
  /** Each list's name, key, and output as saved (none for a list whose output is undefined). */
  lists: Iterable<[string, string, Buffer | undefined]>;
}

/**
 * The inputs of a list: each job's content key, in order; undefined if a job has no key. Files are left
 * out: a successful list's outputs do not name them (only problems do, and a list with problems is never
 * reused), and a file moved elsewhere in the walk order moves its jobs in the list.
 */
function listKey(jobs: readonly Sourced<unknown>[]): string | undefined {
  let key = '';
  for (const job of jobs) {
    if (job.key === undefined) return undefined;
    key += `${job.key},`;
  }
  return key;
}

/** The settings' key: the Prow config's content and every preset's; undefined if one is not content-keyed. */
export function settingsKey(
  prowConfigKey: string | undefined,
  presets: readonly Sourced<unknown>[],
): string | undefined {
  if (prowConfigKey === undefined) return undefined;
  const parts = [prowConfigKey];
  for (const preset of presets) {
    if (preset.key === undefined) return undefined;
    parts.push(preset.key);
  }
  return parts.join('\n');
}

/**
 * The periodics a load need not check again: those of the files whose periodics (and the settings) are
 * those of the last successful load. Periodics are checked one by one except for Prow's duplicate-name
 * rule across all of them: when any name repeats, none is skipped, so that the full check reports it in
 * Prow's order. A file's periodics are contiguous in the list (files are read one after another).
 */
export function unchangedPeriodics(
  memo: LoadMemo,
  periodics: readonly Sourced<DecodedPeriodic>[],
): Set<number> {
  const skip = new Set<number>();
  const names = new Set<string>();
  let repeated = false;
  for (let start = 0; start < periodics.length;) {
    const file = (periodics[start] as Sourced<DecodedPeriodic>).file;
    let end = start + 1;
    while (end < periodics.length && (periodics[end] as Sourced<DecodedPeriodic>).file === file) end++;
    const run = periodics.slice(start, end);
    const list = `periodics ${file}`;
    let runNames: string[];
    if (memo.unchanged(list, run)) {
      runNames = memo.output<string[]>(list) ?? [];
      for (let i = start; i < end; i++) skip.add(i);
    } else {
      runNames = run.map((p) => p.job.name ?? '');
      memo.record(list, runNames);
    }
    for (const name of runNames) {
      if (names.has(name)) repeated = true;
      names.add(name);
    }
    start = end;
  }
  return repeated ? new Set() : skip;
}
