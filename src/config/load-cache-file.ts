import { createHash } from 'node:crypto';
import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { silentLogger, type Logger } from '../log';
import { ParseCache, type StoredParseCache } from './files/parse-cache';
import { LoadMemo, type MemoCodec, type StoredMemo } from './load-memo';

/**
 * The parse cache and load memo of the last successful load, saved in one file so that the next process
 * (a worker's restart, the next `check-config`) decodes and re-checks only what changed since (issue 14).
 *
 * Everything in it is content-addressed: a file's entry is found by the SHA-256 of the file's bytes, a list
 * of jobs by the content names of its jobs' files and the settings' (load-memo.ts), so an entry is only ever
 * used for the very bytes it was made from. A file the saved stat (device, inode, size, times) says
 * unchanged is not read again, as within a process (parse-cache.ts). The file itself is never trusted
 * blindly: it carries the version of the code that wrote it (the config loader's own source and its YAML
 * and regex libraries, and Node's serialization format) and a SHA-256 of its body, and a file that is
 * missing, truncated, corrupt or from another version is ignored (and replaced after the next load): the
 * load then decodes and checks everything, as without a cache. Only successful loads are saved.
 *
 * Layout: MAGIC, the body's length (u32, big-endian), the body's SHA-256 (32 bytes), the body: the stored
 * bytes, one after another, then the head (v8.serialize of the version, the files, and each entry's and
 * list's key and stored length) and the head's length (u32). A save makes, hashes and writes the stored
 * bytes one at a time and writes the header last; a restore reads them back as views of the file's bytes,
 * so neither holds them twice.
 */

const MAGIC = Buffer.from('SR-LOAD-CACHE-2\n');
/** One file per kind of memo output (`kind`): a worker's and check-config's keep different things. */
const fileName = (kind: string): string => `config-load-cache.${kind}.bin`;

/** Saved files larger than this are not written (a config far beyond ten times the Kubernetes one). */
export const MAX_CACHE_FILE_BYTES = 256 * 1024 * 1024;

interface Body {
  version: string;
  parse: StoredParseCache;
  memo: StoredMemo;
}

/**
 * The directory of the cache: STATUS_RECONCILER_CACHE_DIR, else $XDG_CACHE_HOME/status-reconciler, else
 * ~/.cache/status-reconciler; undefined (no cache) when STATUS_RECONCILER_CACHE_DIR is `off` or empty.
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env.STATUS_RECONCILER_CACHE_DIR;
  if (explicit !== undefined) return explicit === '' || explicit === 'off' ? undefined : explicit;
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'status-reconciler');
}

let codeVersionMemo: string | undefined;

/**
 * The version of the code a saved cache must have been written by: a hash of the config loader's source
 * (this directory's files, compiled or not), the versions of the libraries it decodes with, and Node's.
 */
export function codeVersion(): string {
  if (codeVersionMemo) return codeVersionMemo;
  const hash = createHash('sha256');
  hash.update(`${process.version} ${process.versions.v8}\n`);
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(js|ts)$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
        hash.update(`${entry.name}\0`).update(readFileSync(full)).update('\0');
    }
  };
  walk(__dirname);
  hash.update(readFileSync(path.join(__dirname, '..', 'packed-json' + path.extname(__filename))));
  for (const library of ['js-yaml', 're2js', 'ignore']) {
    try {
      const manifest = require.resolve(`${library}/package.json`);
      hash.update(
        `${library}@${(JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version}\n`,
      );
    } catch {
      hash.update(`${library}@?\n`);
    }
  }
  return (codeVersionMemo = hash.digest('hex').slice(0, 32));
}

/** A parse cache and load memo backed by a file; `save` after a successful load. */
export interface PersistentLoadCache {
  cache: ParseCache;
  memo: LoadMemo;
  /** Whether a saved cache was found and restored. */
  restored: boolean;
  /** Saves the state of the last successful load; a failure is logged (once), never thrown. */
  save(): Promise<void>;
}

/**
 * Opens the cache file in `dir` (which need not exist): restores what it holds when it is intact and of
 * this code's version, else starts empty. Never throws.
 */
export async function openLoadCache(
  dir: string,
  codec: MemoCodec,
  options: { logger?: Logger; version?: string; kind?: string } = {},
): Promise<PersistentLoadCache> {
  const logger = options.logger ?? silentLogger;
  const version = options.version ?? codeVersion();
  const file = path.join(dir, fileName(options.kind ?? 'worker'));
  const cache = new ParseCache();
  const memo = new LoadMemo();
  const body = await readBody(file, version, logger);
  if (body) {
    cache.restore(body.parse);
    memo.restore(body.memo, codec);
  }
  let saving: Promise<void> | undefined;
  // A directory that cannot be written (a read-only file system) is not tried again after one warning.
  let writable = true;
  // What the file holds: a load that changed nothing (a restart's first load, a forced reconcile) does not
  // write the whole cache again (at ten times the Kubernetes config, a 42 MB file and its transient buffers).
  const digest = (): string => `${cache.stateDigest()} ${memo.stateDigest()}`;
  let savedDigest = body ? digest() : undefined;
  return {
    cache,
    memo,
    restored: body !== undefined,
    save() {
      // One save at a time; a save asked for during one writes the state as it is after it.
      const next = (saving ?? Promise.resolve()).then(async () => {
        const current = digest();
        if (!writable || current === savedDigest) return;
        const body = { version, parse: cache.exportState(), memo: memo.exportState(codec) };
        writable = await writeBody(file, body, logger);
        if (writable) savedDigest = current;
      });
      saving = next;
      return next;
    },
  };
}

async function readBody(file: string, version: string, logger: Logger): Promise<Body | undefined> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      logger.warn('config load cache unreadable, ignored', { file, error });
    return undefined;
  }
  if (isOtherLayout(bytes)) {
    logger.info('config load cache from another version, ignored', { file });
    return undefined;
  }
  const problem = checkFile(bytes);
  if (problem) {
    logger.warn('config load cache ignored', { file, reason: problem });
    return undefined;
  }
  let body: Body;
  try {
    body = decodeBody(bytes.subarray(MAGIC.length + 36));
  } catch (error) {
    logger.warn('config load cache ignored', { file, reason: `cannot be decoded: ${String(error)}` });
    return undefined;
  }
  if (!isBody(body)) {
    logger.warn('config load cache ignored', { file, reason: 'not a cache body' });
    return undefined;
  }
  if (body.version !== version) {
    logger.info('config load cache from another version, ignored', { file });
    return undefined;
  }
  return body;
}

/** A cache file of an earlier (or later) layout: its magic but for the layout's number. */
function isOtherLayout(bytes: Buffer): boolean {
  const prefix = MAGIC.subarray(0, MAGIC.indexOf('-', MAGIC.lastIndexOf('CACHE')) + 1);
  return bytes.subarray(0, prefix.length).equals(prefix) && !bytes.subarray(0, MAGIC.length).equals(MAGIC);
}

/** Why the bytes are not an intact cache file; undefined when they are. */
function checkFile(bytes: Buffer): string | undefined {
  if (bytes.length < MAGIC.length + 36 || !bytes.subarray(0, MAGIC.length).equals(MAGIC))
    return 'not a cache file';
  const length = bytes.readUInt32BE(MAGIC.length);
  const body = bytes.subarray(MAGIC.length + 36);
  if (body.length !== length) return `truncated (${body.length} of ${length} bytes)`;
  const digest = createHash('sha256').update(body).digest();
  if (!digest.equals(bytes.subarray(MAGIC.length + 4, MAGIC.length + 36))) return 'checksum mismatch';
  return undefined;
}

function isBody(value: unknown): value is Body {
  const body = value as Partial<Body> | undefined;
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof body.version === 'string' &&
    Array.isArray(body.parse?.files) &&
    Array.isArray(body.parse?.entries) &&
    Array.isArray(body.memo?.lists)
  );
}

interface Head {
  version: string;
  files: StoredParseCache['files'];
  /** Each entry's key and stored length, in the order of the stored bytes. */
  entries: [string, number][];
  settings: string | undefined;
  /** Each list's name, key and stored length (-1: none), after the entries' bytes. */
  lists: [string, string, number][];
}

function u32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value, 0);
  return out;
}

/**
 * The body as pieces to write one after another: each entry's and list's stored bytes as the body's
 * iterables make them, then the head, made once their lengths are known, and its length.
 */
function* bodyPieces(body: Body): Generator<Buffer> {
  const entries: Head['entries'] = [];
  for (const [key, bytes] of body.parse.entries) {
    entries.push([key, bytes.length]);
    yield bytes;
  }
  const lists: Head['lists'] = [];
  for (const [name, key, bytes] of body.memo.lists) {
    lists.push([name, key, bytes ? bytes.length : -1]);
    if (bytes) yield bytes;
  }
  const head: Head = {
    version: body.version,
    files: body.parse.files,
    entries,
    settings: body.memo.settings,
    lists,
  };
  const headBytes = serialize(head);
  yield headBytes;
  yield u32(headBytes.length);
}

/** The body from its bytes (checked already), its stored bytes as views of them. */
function decodeBody(bytes: Buffer): Body {
  if (bytes.length < 4) throw new Error('no head length');
  const headLength = bytes.readUInt32BE(bytes.length - 4);
  const headStart = bytes.length - 4 - headLength;
  if (headStart < 0) throw new Error('head longer than the body');
  const head = deserialize(bytes.subarray(headStart, bytes.length - 4)) as Head;
  let offset = 0;
  const take = (length: number): Buffer => {
    if (offset + length > headStart) throw new Error('stored bytes past the head');
    const out = bytes.subarray(offset, offset + length);
    offset += length;
    return out;
  };
  const entries = head.entries.map(([key, length]): [string, Buffer] => [key, take(length)]);
  const lists = head.lists.map(([name, key, length]): [string, string, Buffer | undefined] => [
    name,
    key,
    length < 0 ? undefined : take(length),
  ]);
  return {
    version: head.version,
    parse: { files: head.files, entries },
    memo: { settings: head.settings, lists },
  };
}

/**
 * Writes the file and renames it into place, so a reader never sees half of one. The body is written as it
 * is made, a piece at a time, and hashed on the way; the header (the body's length and hash) is written
 * last, in the space left for it.
 */
async function writeBody(file: string, body: Body, logger: Logger): Promise<boolean> {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    const hash = createHash('sha256');
    let length = 0;
    const handle = await fs.open(temporary, 'w');
    try {
      // Pieces go out in batches of about WRITE_BATCH_BYTES, so a save holds little more than one batch.
      let batch: Buffer[] = [];
      let batchBytes = 0;
      const write = async (pieces: Buffer[], position?: number): Promise<void> => {
        const { bytesWritten } = await handle.writev(pieces, position);
        const expected = pieces.reduce((n, piece) => n + piece.length, 0);
        // A short write leaves a file the next reader refuses (truncated); say so now.
        if (bytesWritten !== expected) throw new Error(`short write: ${bytesWritten} of ${expected} bytes`);
      };
      const flush = async (): Promise<void> => {
        if (batch.length > 0) await write(batch);
        batch = [];
        batchBytes = 0;
      };
      batch.push(MAGIC, Buffer.alloc(36));
      for (const piece of bodyPieces(body)) {
        length += piece.length;
        if (length > MAX_CACHE_FILE_BYTES) break;
        hash.update(piece);
        batch.push(piece);
        batchBytes += piece.length;
        if (batchBytes >= WRITE_BATCH_BYTES || batch.length >= WRITE_BATCH_PIECES) await flush();
      }
      await flush();
      if (length <= MAX_CACHE_FILE_BYTES) {
        const header = Buffer.alloc(36);
        header.writeUInt32BE(length, 0);
        hash.digest().copy(header, 4);
        await write([header], MAGIC.length);
      }
    } finally {
      await handle.close();
    }
    if (length > MAX_CACHE_FILE_BYTES) {
      await fs.rm(temporary, { force: true });
      logger.info('config load cache not saved: too large', {
        file,
        bytes: `more than ${MAX_CACHE_FILE_BYTES}`,
      });
      return true;
    }
    await fs.rename(temporary, file);
    return true;
  } catch (error) {
    await fs.rm(temporary, { force: true }).catch(() => undefined);
    logger.warn('config load cache not saved; not tried again by this process', { file, error });
    return false;
  }
}

/** A write batch's bytes and pieces (below the system's IOV_MAX). */
const WRITE_BATCH_BYTES = 1 << 20;
const WRITE_BATCH_PIECES = 256;
