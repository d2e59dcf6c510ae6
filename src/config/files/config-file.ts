import {
  closeSync,
  constants as fsConstants,
  fstatSync,
  openSync,
  promises as fs,
  readSync,
  statSync,
  type Stats,
} from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { ConfigReadError } from '../errors';
import type { ConfigProblem } from '../types';

/**
 * Reading one config file the way Prow's ReadFileMaybeGZIP does (V2), with the port's fail-closed
 * additions (V14): a size cap, strict UTF-8, and transient I/O errors told apart from invalid files.
 */

/**
 * Files (and gzip contents) over this size are refused (issue 17). The largest file of the Kubernetes
 * config is 208 KiB and a ConfigMap, how job configs are usually mounted, holds at most 1 MiB (8 MiB leaves
 * room for gzipped ones). A decoded file takes 40 to 120 times its text in heap while it is built, so a file
 * of more than 256 KiB is decoded on a thread with a heap of its own (decode-thread.ts), and this cap keeps
 * the bytes read ahead of decoding (16 files) within 128 MB.
 */
export const MAX_CONFIG_FILE_BYTES = 8 * 1024 * 1024;

/** I/O errors that may pass on retry: the load fails with ConfigReadError, not ConfigInvalidError. */
const TRANSIENT = new Set([
  'EIO',
  'EAGAIN',
  'EWOULDBLOCK',
  'EMFILE',
  'ENFILE',
  'ETIMEDOUT',
  'EBUSY',
  'EINTR',
  'ESTALE',
]);

// Go's texts for the errno values a config read meets (syscall.Errno.Error()).
const GO_ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EIO: 'input/output error',
  EAGAIN: 'resource temporarily unavailable',
  EWOULDBLOCK: 'resource temporarily unavailable',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in system',
  ETIMEDOUT: 'connection timed out',
  EBUSY: 'device or resource busy',
  EINTR: 'interrupted system call',
  ESTALE: 'stale NFS file handle',
};

/** A failed file operation, as a problem: Go's `op path: reason` text. */
export class FileProblemError extends Error {
  constructor(readonly problem: ConfigProblem) {
    super(problem.message);
  }
}

/**
 * Go's PathError text (`stat /etc/job-config: no such file or directory`) for a Node.js fs error, or a
 * ConfigReadError when the error may be transient.
 */
export function fsFailure(op: string, path: string, error: unknown): FileProblemError | ConfigReadError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  const reason = GO_ERRNO_TEXT[code] ?? (error instanceof Error ? error.message : String(error));
  if (TRANSIENT.has(code)) return new ConfigReadError(path, code, `${op} ${path}: ${reason}`);
  return new FileProblemError({ file: path, message: `${op} ${path}: ${reason}` });
}

/** Byte offset of the first byte that does not start a valid UTF-8 sequence. */
function invalidUtf8Offset(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i] as number;
    const need =
      b < 0x80
        ? 0
        : b >= 0xc2 && b <= 0xdf
          ? 1
          : b >= 0xe0 && b <= 0xef
            ? 2
            : b >= 0xf0 && b <= 0xf4
              ? 3
              : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    i += need + 1;
  }
  return -1;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The text of a file's bytes, as libyaml reads it: UTF-8, or UTF-16 with a byte order mark. */
export function decodeConfigText(path: string, bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  try {
    return utf8.decode(bytes); // strips a UTF-8 byte order mark
  } catch {
    throw new FileProblemError({
      file: path,
      message: `error converting YAML to JSON: yaml: invalid UTF-8 at byte ${invalidUtf8Offset(bytes)}`,
    });
  }
}

export interface ReadOptions {
  /** Decompress content starting with the gzip magic bytes 1F 8B (the Prow and job configs, not plugins). */
  gzip?: boolean;
  maxBytes?: number;
}

/** What a path that is not a regular file is, for the error. */
function fileKind(stat: Stats): string {
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isFIFO()) return 'a named pipe (FIFO)';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

function notRegular(path: string, stat: Stats): FileProblemError {
  return new FileProblemError({
    file: path,
    message: `read ${path}: is ${fileKind(stat)}: a config file must be a regular file`,
  });
}

/**
 * Reads a config file's bytes (decompressed when gzipped). Throws FileProblemError or ConfigReadError.
 *
 * Only regular files are read (links to them are followed, as Prow's ReadFile does): a link to /dev/zero
 * would never end and a FIFO would block. The file is opened non-blocking (a FIFO's open returns at once)
 * and its type checked on the descriptor before anything is read. The size cap counts the bytes actually
 * read, never the size `stat` reports (0 for a device, stale for a file being written).
 */
export async function readConfigBytes(path: string, options: ReadOptions = {}): Promise<Buffer> {
  const maxBytes = options.maxBytes ?? MAX_CONFIG_FILE_BYTES;
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (error) {
    throw openFailure(path, await fs.stat(path).catch(() => undefined), error);
  }
  let bytes: Buffer;
  try {
    const opened = await handle.stat();
    checkOpened(path, opened, maxBytes);
    bytes = await readAtMost(handle, maxBytes, opened.size);
    checkRead(path, opened, bytes, maxBytes);
  } catch (error) {
    if (error instanceof FileProblemError) throw error;
    throw fsFailure('read', path, error);
  } finally {
    await handle.close().catch(() => undefined);
  }
  return options.gzip ? gunzipped(path, bytes, maxBytes) : bytes;
}

/** Why a file could not be opened; `stat`, the path's if it could be taken. */
function openFailure(path: string, stat: Stats | undefined, error: unknown): Error {
  // A socket cannot be opened (ENXIO): say what it is.
  if (stat && !stat.isFile() && !stat.isDirectory()) return notRegular(path, stat);
  return fsFailure('open', path, error);
}

/** What the opened file must be before it is read: a regular file within the size limit. */
function checkOpened(path: string, opened: Stats, maxBytes: number): void {
  if (opened.isDirectory())
    throw new FileProblemError({ file: path, message: `read ${path}: is a directory` });
  if (!opened.isFile()) throw notRegular(path, opened);
  if (opened.size > maxBytes) throw tooLarge(path, opened.size, maxBytes);
}

/** A file that grew past the limit while it was read is refused too. */
function checkRead(path: string, opened: Stats, bytes: Buffer, maxBytes: number): void {
  if (bytes.length > maxBytes) throw tooLarge(path, Math.max(opened.size, bytes.length), maxBytes);
}

/** The bytes decompressed when they start with gzip's magic bytes (V2), else as they are. */
function gunzipped(path: string, bytes: Buffer, maxBytes: number): Buffer {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes, { maxOutputLength: maxBytes });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new FileProblemError({
          file: path,
          message: `error reading ${path}: decompressed content is larger than the ${maxBytes}-byte limit`,
        });
      }
      throw new FileProblemError({
        file: path,
        message: `error reading ${path}: gzip: ${(error as Error).message}`,
      });
    }
  }
  return bytes;
}

/**
 * readConfigBytes with synchronous calls, for a process with nothing else to do meanwhile (check-config):
 * the same checks, errors and result, at a tenth of the cost (a promise-based open, stat, read and close per
 * file cost ~0.2 ms of the main thread each; the Kubernetes config's 603 files took ~120 ms to read).
 */
export function readConfigBytesSync(path: string, options: ReadOptions = {}): Buffer {
  const maxBytes = options.maxBytes ?? MAX_CONFIG_FILE_BYTES;
  let fd: number;
  try {
    fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (error) {
    let stat: Stats | undefined;
    try {
      stat = statSync(path);
    } catch {
      stat = undefined;
    }
    throw openFailure(path, stat, error);
  }
  let bytes: Buffer;
  try {
    const opened = fstatSync(fd);
    checkOpened(path, opened, maxBytes);
    bytes = readAtMostSync(fd, maxBytes, opened.size);
    checkRead(path, opened, bytes, maxBytes);
  } catch (error) {
    if (error instanceof FileProblemError) throw error;
    throw fsFailure('read', path, error);
  } finally {
    try {
      closeSync(fd);
    } catch {
      // as readConfigBytes: a failed close loses nothing read
    }
  }
  return options.gzip ? gunzipped(path, bytes, maxBytes) : bytes;
}

function readAtMostSync(fd: number, maxBytes: number, sizeHint: number): Buffer {
  const into = new BoundedReadBuffer(maxBytes, sizeHint);
  for (let slot = into.next(); slot; slot = into.next()) {
    const bytesRead = readSync(fd, slot.buffer, slot.offset, slot.length, null);
    if (bytesRead === 0) break;
    into.advance(bytesRead);
  }
  return into.bytes();
}

/** Up to `maxBytes + 1` bytes of the file (one more than allowed tells that it is too large). */
async function readAtMost(handle: fs.FileHandle, maxBytes: number, sizeHint: number): Promise<Buffer> {
  const into = new BoundedReadBuffer(maxBytes, sizeHint);
  for (let slot = into.next(); slot; slot = into.next()) {
    const { bytesRead } = await handle.read(slot.buffer, slot.offset, slot.length, null);
    if (bytesRead === 0) break;
    into.advance(bytesRead);
  }
  return into.bytes();
}

/**
 * A read buffer that grows as a file turns out larger than its size said, up to `maxBytes + 1` bytes: one
 * more than allowed tells that the file is too large without reading all of it.
 */
class BoundedReadBuffer {
  private buffer: Buffer;
  private length = 0;

  constructor(
    private readonly maxBytes: number,
    sizeHint: number,
  ) {
    this.buffer = Buffer.allocUnsafe(Math.min(maxBytes, sizeHint > 0 ? sizeHint : 64 * 1024) + 1);
  }

  /** Where the next read goes; undefined once `maxBytes + 1` bytes are held. */
  next(): { buffer: Buffer; offset: number; length: number } | undefined {
    if (this.length === this.buffer.length) {
      if (this.length > this.maxBytes) return undefined;
      const grown = Buffer.allocUnsafe(Math.min(this.maxBytes + 1, this.buffer.length * 2));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    return { buffer: this.buffer, offset: this.length, length: this.buffer.length - this.length };
  }

  advance(bytesRead: number): void {
    this.length += bytesRead;
  }

  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

function tooLarge(path: string, size: number, maxBytes: number): FileProblemError {
  return new FileProblemError({
    file: path,
    message: `error reading ${path}: file is ${size} bytes, over the ${maxBytes}-byte limit for a config file`,
  });
}
