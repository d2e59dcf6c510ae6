import { createHash } from 'node:crypto';
import { parseConfigText, type DocumentKind, type ParsedDocument } from './config-document';
import { decodeConfigText } from './config-file';

/**
 * Decoded config files keyed by the SHA-256 of their bytes, so that a reload decodes only the files a
 * change touched (a typical change touches 1 to 3 of the 603 files of the Kubernetes config). Results are
 * deep-frozen: defaulting copies what it changes, and nobody can alter a cached file by accident.
 *
 * Entries not used by the latest load are dropped when it finishes (`sweep`), so deleted and edited files
 * do not accumulate. The cache holds at most `maxBytes` of file text's worth of documents (a decoded file
 * takes about as much heap as its text): the whole Kubernetes config (6.9 MB) by default, but not ten times
 * it, where the worker's memory matters more than a reload's seconds.
 */
export class ParseCache {
  private entries = new Map<string, ParsedDocument>();
  private used = new Map<string, ParsedDocument>();
  private usedBytes = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly maxBytes = 16 * 1024 * 1024) {}

  /** The decoded document for `bytes`, from the cache or freshly decoded. */
  parse(path: string, bytes: Uint8Array, kind: DocumentKind): ParsedDocument {
    const key = `${kind}:${createHash('sha256').update(bytes).digest('hex')}`;
    let parsed = this.used.get(key) ?? this.entries.get(key);
    if (parsed) this.hits++;
    else {
      this.misses++;
      parsed = deepFreeze(parseConfigText(decodeConfigText(path, bytes), kind));
    }
    if (!this.used.has(key) && this.usedBytes + bytes.length <= this.maxBytes) {
      this.used.set(key, parsed);
      this.usedBytes += bytes.length;
    }
    return parsed;
  }

  /** Keeps only the entries used since the previous sweep. */
  sweep(): void {
    this.entries = this.used;
    this.used = new Map();
    this.usedBytes = 0;
  }

  get size(): number {
    return this.entries.size;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
