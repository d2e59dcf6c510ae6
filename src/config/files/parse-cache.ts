import { createHash } from 'node:crypto';
import { statSync, type Stats } from 'node:fs';
import { parseConfigText, type DocumentKind, type ParsedDocument } from './config-document';
import { decodeConfigText } from './config-file';
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
  private sources = 0;
  /** Tells this cache's content names from another's, should a memo outlive its cache. */
  private readonly id = ++caches;
  hits = 0;
  misses = 0;

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
    const entry = known && this.lookup(known.key);
    if (entry && known.trusted && known.signature === signature) {
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
    return this.used.get(key) ?? this.entries.get(key);
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
    this.files = new Map([...this.usedFiles].filter(([, file]) => file.key !== ''));
    this.usedFiles = new Map();
    this.heldBytes = 0;
    for (const entry of this.entries.values()) this.heldBytes += entry.heldBytes;
  }

  get size(): number {
    return this.entries.size;
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
    // A short name for the content (unique while the entry lives): load-memo.ts compares lists of them.
    const name = `#${this.id}.${++this.sources}`;
    const source = hold ? heldJobs(name, deepFreeze(jobs)) : packedJobs(name, jobs);
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
    };
  }
}

let caches = 0;

/** Files changed this recently (ms) when read are read again next time. */
const RACY_MS = 1_000;

interface FileState {
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

/**
 * A file's jobs compressed. The decompressed jobs are kept weakly: the jobs of one file are read one after
 * another, and the garbage collector may drop them after.
 */
function packedJobs(key: string, jobs: FileJobs): JobFileSource {
  const bytes = packJson(jobs);
  let unpacked: WeakRef<FileJobs> | undefined;
  return {
    key,
    jobs() {
      let out = unpacked?.deref();
      if (!out) {
        out = unpackJson<FileJobs>(bytes);
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
