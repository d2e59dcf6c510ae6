import { createHash } from 'node:crypto';
import { statSync, type Stats } from 'node:fs';
import { deserialize, serialize } from 'node:v8';
import { parseConfigText, type DocumentKind, type ParsedDocument } from './config-document';
import { decodeConfigText } from './config-file';
import { DirListings } from './dir-listings';
import type { DecodedJobConfig } from '../prow/decoded-config';
import type { FileJobs, JobFileSource } from './job-file-source';
import { packJson, unpackJson } from '../../packed-json';

/**
 * Decoded config files keyed by the SHA-256 of their bytes, so that a reload decodes only the files a
 * change touched (a typical change touches 1 to 3 of the 603 files of the Kubernetes config). Results are
 * deep-frozen: defaulting copies what it changes, and nobody can alter a cached file by accident.
 *
 * A job file is handed out as its shape (presets, and how many jobs each repository has) with its jobs
 * behind `jobs`: a reload whose load memo (load-memo.ts) reuses a repository's results never reads them.
 * The cache holds up to `maxBytes` of file text's worth of job files as objects (a decoded file takes a few
 * times its text in heap): the whole Kubernetes config (6.9 MB) by default. Past that, files are kept as
 * compressed JSON (~1/12 of the text), decompressed when a reload re-checks one of their repositories, so
 * at ten times the Kubernetes config every file stays cached in ~20 MB of heap instead of ~200 MB.
 *
 * A reload does not even read a file whose `stat` (device, inode, size, modification and change times) is
 * the one it had when it was last read, as git and make trust theirs: a ConfigMap or git-sync swap gives
 * every file a new inode, an edit a new change time. A file changed less than a second before it was read
 * is read again next time (its time may not tell a second write in the same clock tick).
 *
 * Entries not used by the latest load are dropped when it finishes (`sweep`), so deleted and edited files
 * do not accumulate.
 *
 * The cache can be saved (`exportState`) and restored in another process (`restore`, load-cache-file.ts):
 * restored entries are decoded from their stored bytes only when a load asks for their content key, and a
 * restored job file's jobs only when a list of its jobs is re-checked.
 */
export class ParseCache {
  private entries = new Map<string, Entry>();
  private used = new Map<string, Entry>();
  private heldBytes = 0;
  private readonly keys = new WeakMap<object, string>();
  /** By kind and path: the stat of the file when it was last read, and its content key. */
  private files = new Map<string, FileState>();
  private usedFiles = new Map<string, FileState>();
  private readonly maxBytes: number;
  /** Entries restored from a saved cache and not yet used: their stored bytes, by content key. */
  private stored = new Map<string, Buffer>();
  /** Job config directory listings, kept as long as the directories' stats are unchanged. */
  readonly listings = new DirListings();
  hits = 0;
  misses = 0;
  /** Hits on restored entries. */
  restoredHits = 0;

  constructor(maxBytes = 16 * 1024 * 1024) {
    this.maxBytes = maxBytes;
  }

  /**
   * The document last decoded from `path` when a stat shows the file unchanged since it was read; undefined
   * when it must be read (and `parse` then remembers the stat taken here).
   */
  unchanged(path: string, kind: DocumentKind): ParsedDocument | undefined {
    const pathKey = `${kind}\0${path}`;
    let stat: Stats;
    const now = Date.now();
    try {
      stat = statSync(path);
    } catch {
      return undefined; // the read reports it
    }
    const signature = `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
    const known = this.usedFiles.get(pathKey) ?? this.files.get(pathKey);
    const entry = known?.trusted && known.signature === signature ? this.lookup(known.key) : undefined;
    if (known && entry) {
      this.hits++;
      this.use(known.key, entry);
      this.usedFiles.set(pathKey, known);
      return entry.parsed;
    }
    const settled = stat.mtimeMs < now - RACY_MS && stat.ctimeMs < now - RACY_MS;
    this.usedFiles.set(pathKey, { signature, trusted: settled && stat.isFile(), key: '' });
    return undefined;
  }

  /** The decoded document for `bytes`, from the cache or freshly decoded. */
  parse(path: string, bytes: Uint8Array, kind: DocumentKind): ParsedDocument {
    const key = `${kind}:${createHash('sha256').update(bytes).digest('hex')}`;
    const file = this.usedFiles.get(`${kind}\0${path}`);
    if (file && file.key === '') file.key = key;
    let entry = this.lookup(key);
    if (entry) this.hits++;
    else {
      this.misses++;
      entry = this.decode(key, path, bytes, kind);
    }
    this.use(key, entry);
    return entry.parsed;
  }

  private lookup(key: string): Entry | undefined {
    const entry = this.used.get(key) ?? this.entries.get(key);
    if (entry) return entry;
    const stored = this.stored.get(key);
    if (!stored) return undefined;
    this.stored.delete(key);
    this.restoredHits++;
    const revived = revive(key, stored, this.keys);
    this.entries.set(key, revived);
    return revived;
  }

  private use(key: string, entry: Entry): void {
    this.used.set(key, entry);
  }

  /** The content key of a document value this cache handed out (undefined for anything else). */
  keyOf(value: object | undefined): string | undefined {
    return value ? this.keys.get(value) : undefined;
  }

  /** Keeps only the entries used since the previous sweep. */
  sweep(): void {
    this.entries = this.used;
    this.used = new Map();
    this.stored = new Map();
    this.listings.sweep();
    this.files = new Map([...this.usedFiles].filter(([, file]) => file.key !== ''));
    this.usedFiles = new Map();
    this.heldBytes = 0;
    for (const entry of this.entries.values()) this.heldBytes += entry.heldBytes;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * What `restore` needs to rebuild this cache as the latest load left it (call after `sweep`). The entries'
   * stored bytes are made one at a time as they are iterated and not kept: a save holds one entry's at once,
   * and the cache never holds a second copy of what it decoded (at ten times the Kubernetes config, ~40 MB).
   */
  exportState(): StoredParseCache {
    const entries = [...this.entries];
    function* stored(): Generator<[string, Buffer]> {
      for (const [key, entry] of entries) yield [key, store(entry)];
    }
    return { files: [...this.files], entries: stored() };
  }

  /**
   * A digest of what `exportState` would save, without storing anything: the files (path, stat, trust,
   * content key) and the content keys of the entries, restored ones not yet used included. Equal digests
   * mean an equal saved cache, since an entry's stored bytes follow from its content key.
   */
  stateDigest(): string {
    const hash = createHash('sha256');
    for (const [path, file] of [...this.files].sort(([a], [b]) => (a < b ? -1 : 1)))
      hash.update(`${path}\0${file.signature}\0${file.trusted}\0${file.key}\n`);
    for (const key of [...this.entries.keys(), ...this.stored.keys()].sort()) hash.update(`${key}\n`);
    return hash.digest('hex');
  }

  /** Takes over a saved cache's files and entries (an empty cache's first step, before any load). */
  restore(state: StoredParseCache): void {
    this.files = new Map(state.files);
    this.stored = new Map(state.entries);
  }

  private decode(key: string, path: string, bytes: Uint8Array, kind: DocumentKind): Entry {
    const parsed = parseConfigText(decodeConfigText(path, bytes), kind);
    if (kind !== 'job' || !parsed.value) {
      deepFreeze(parsed);
      if (parsed.value) this.keys.set(parsed.value, key);
      return { parsed, heldBytes: 0 };
    }
    const value = parsed.value as DecodedJobConfig;
    const jobs: FileJobs = {
      presubmits: value.presubmits,
      postsubmits: value.postsubmits,
      periodics: value.periodics,
    };
    const hold = this.heldBytes + bytes.length <= this.maxBytes;
    const name = contentName(key);
    const packed = hold ? undefined : ({ bytes: packJson(jobs), format: 'json-deflate' } as const);
    const source = packed ? compactJobs(name, packed) : heldJobs(name, deepFreeze(jobs));
    if (hold) this.heldBytes += bytes.length;
    const shape = deepFreeze(shapeOf(value));
    this.keys.set(shape, key);
    return {
      parsed: {
        value: shape as Record<string, unknown>,
        problems: deepFreeze(parsed.problems),
        jobs: source,
      },
      heldBytes: hold ? bytes.length : 0,
      ...(packed ? { compact: packed } : {}),
    };
  }
}

/**
 * A short name for a content key, for load-memo.ts, which compares lists of them: 96 bits of the content's
 * SHA-256, the same in every process (a saved memo compares with a restored cache's names).
 */
function contentName(key: string): string {
  return `#${key.slice(key.indexOf(':') + 1, key.indexOf(':') + 25)}`;
}

/** A cache's state as saved between processes (load-cache-file.ts). */
export interface StoredParseCache {
  /** By kind and path: the stat of the file when it was last read, and its content key. */
  files: [string, FileState][];
  /** By content key: the entry's stored bytes (`store`). */
  entries: Iterable<[string, Buffer]>;
}

/**
 * A job file's jobs as bytes: v8.serialize's (`v8`), or packJson's (`json-deflate`, what the cache keeps
 * for files past its byte budget).
 */
interface CompactJobs {
  bytes: Buffer;
  format: 'v8' | 'json-deflate';
}

/** An entry as stored: its value and problems, and a job file's jobs apart (decoded when read). */
interface StoredEntry {
  value: Record<string, unknown> | undefined;
  problems: ParsedDocument['problems'];
  jobs?: CompactJobs;
}

/**
 * An entry's stored bytes. A job file's jobs are stored as the entry keeps them: the compact bytes it
 * already holds (files past the byte budget, and restored ones), as they are, so saving them costs no
 * decoding and no second copy; held jobs (within the budget) serialized, uncompressed, as compressing
 * would cost a cold load more than it saves.
 */
function store(entry: Entry): Buffer {
  const { parsed } = entry;
  const stored: StoredEntry = { value: parsed.value, problems: parsed.problems };
  if (parsed.jobs) stored.jobs = entry.compact ?? { bytes: serialize(parsed.jobs.jobs()), format: 'v8' };
  return serialize(stored);
}

/** An entry from its stored bytes, as `decode` would have made it from the file's. */
function revive(key: string, bytes: Buffer, keys: WeakMap<object, string>): Entry {
  const stored = deserialize(bytes) as StoredEntry;
  const parsed: ParsedDocument = {
    value: deepFreeze(stored.value),
    problems: deepFreeze(stored.problems),
  };
  if (parsed.value) keys.set(parsed.value, key);
  if (!stored.jobs) return { parsed, heldBytes: 0 };
  // A copy: deserialize may hand out a view of the saved file's bytes, which would keep the whole file alive.
  const compact: CompactJobs = { bytes: Buffer.from(stored.jobs.bytes), format: stored.jobs.format };
  parsed.jobs = compactJobs(contentName(key), compact);
  return { parsed, heldBytes: 0, compact };
}

/** A job file's jobs from their compact bytes, decoded when first asked and kept weakly. */
function compactJobs(key: string, compact: CompactJobs): JobFileSource {
  const { bytes, format } = compact;
  return weaklyUnpacked(key, () =>
    format === 'v8' ? deepFreeze(deserialize(bytes) as FileJobs) : unpackJson<FileJobs>(bytes),
  );
}

/** Files changed this recently (ms) when read are read again next time. */
const RACY_MS = 1_000;

export interface FileState {
  signature: string;
  /** Old enough when read that an unchanged stat means unchanged bytes. */
  trusted: boolean;
  /** The content key of what was read ('' until decoded). */
  key: string;
}

interface Entry {
  parsed: ParsedDocument;
  /** Bytes of file text whose jobs this entry holds as objects (0 when compressed). */
  heldBytes: number;
  /** The jobs' compact bytes, when the entry keeps them so (past the byte budget, or restored). */
  compact?: CompactJobs;
}

/** What merging a job file reads before defaulting: the presets and each repository's job count. */
function shapeOf(value: DecodedJobConfig): DecodedJobConfig {
  const counts = <J>(byRepo: Record<string, J[]> | undefined): Record<string, J[]> | undefined => {
    if (!byRepo) return undefined;
    const out: Record<string, J[]> = {};
    for (const [repo, list] of Object.entries(byRepo)) out[repo] = new Array<J>(list.length);
    return out;
  };
  const shape: DecodedJobConfig = {};
  if (value.presets) shape.presets = value.presets;
  if (value.presubmits) shape.presubmits = counts(value.presubmits);
  if (value.postsubmits) shape.postsubmits = counts(value.postsubmits);
  if (value.periodics) shape.periodics = new Array(value.periodics.length);
  return shape;
}

function heldJobs(key: string, jobs: FileJobs): JobFileSource {
  return { key, jobs: () => jobs };
}

function weaklyUnpacked(key: string, unpack: () => FileJobs): JobFileSource {
  let unpacked: WeakRef<FileJobs> | undefined;
  return {
    key,
    jobs() {
      let out = unpacked?.deref();
      if (!out) {
        out = unpack();
        unpacked = new WeakRef(out);
      }
      return out;
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
