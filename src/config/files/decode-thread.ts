import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DocumentKind, ParsedDocument } from './config-document';
import { FileProblemError } from './config-file';
import { putPiece, type DecodedPiece } from './decoded-pieces';
import type { ConfigProblem } from '../types';

/**
 * Decoding a large config file off the event loop, in a heap of its own (issue 17).
 *
 * Decoding is synchronous and takes about a second per MB of YAML on a loaded core, and a decoded file
 * takes 40 to 120 times its text in heap while it is built. On the worker's thread that would stall the
 * health server, the activities' heartbeats and the Temporal worker for seconds, and a file of a few MB
 * of small nodes could exhaust the worker's 256 MB heap and crash it, again on every restart. Files of
 * OFF_THREAD_BYTES or more are therefore decoded on a worker thread whose heap is capped at
 * DECODE_THREAD_HEAP_MB: a file that needs more fails closed with a problem naming it and the limit, and
 * the process lives on. Smaller files (all 603 of the Kubernetes config) are decoded in place, through the
 * parse cache, as a thread's start and the copy of its result would cost them more than they take.
 *
 * The thread runs the compiled decode-thread-main.js; where it does not exist (Jest runs the TypeScript
 * sources) every file is decoded in place.
 */

export const OFF_THREAD_BYTES = 256 * 1024;
export const DECODE_THREAD_HEAP_MB = 160;
/** The thread is stopped after this long without work, so its heap does not stay resident. */
const IDLE_MS = 2_000;

type Reply =
  | { parsed: ParsedDocument; pieces: number }
  | { piece: DecodedPiece }
  | { problem: ConfigProblem }
  | { error: string };

const entry = path.join(__dirname, 'decode-thread-main.js');

class DecodeThread {
  private worker?: Worker;
  private queue: Promise<unknown> = Promise.resolve();
  private idle?: NodeJS.Timeout;
  readonly available = existsSync(entry);

  /** Decodes one file on the thread (one file at a time); throws FileProblemError for a file over budget. */
  decode(file: string, bytes: Uint8Array, kind: DocumentKind): Promise<ParsedDocument> {
    const run = this.queue.then(() => this.run(file, bytes, kind));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private start(): Worker {
    const worker = new Worker(entry, {
      resourceLimits: { maxOldGenerationSizeMb: DECODE_THREAD_HEAP_MB },
      // The worker's NODE_OPTIONS heap flag is the main thread's; the limit above is the thread's.
      execArgv: [],
    });
    worker.on('error', () => undefined); // each request listens for its own outcome
    return worker;
  }

  private run(file: string, bytes: Uint8Array, kind: DocumentKind): Promise<ParsedDocument> {
    clearTimeout(this.idle);
    const worker = (this.worker ??= this.start());
    worker.ref();
    return new Promise<ParsedDocument>((resolve, reject) => {
      const done = (): void => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        worker.unref();
        this.idle = setTimeout(() => this.stop(), IDLE_MS).unref();
      };
      // The result's long lists come a piece per request, each request after a turn of the event loop, so
      // copying them never blocks it for long (decoded-pieces.ts).
      let parsed: ParsedDocument | undefined;
      let missing = 0;
      const askNext = (): void => {
        setImmediate(() => worker.postMessage({ next: true }));
      };
      const onMessage = (reply: Reply): void => {
        if ('parsed' in reply || 'piece' in reply) {
          if ('parsed' in reply) ({ parsed, pieces: missing } = reply);
          else {
            try {
              putPiece(parsed?.value, reply.piece);
            } catch (error) {
              done();
              reject(error as Error);
              return;
            }
            missing--;
          }
          if (missing > 0) return askNext();
          done();
          resolve(parsed as ParsedDocument);
          return;
        }
        done();
        if ('problem' in reply) reject(new FileProblemError(reply.problem));
        else reject(new Error(`decoding ${file}: ${reply.error}`));
      };
      const lost = (reason: string): void => {
        done();
        if (this.worker === worker) this.worker = undefined;
        reject(new FileProblemError({ file, message: reason }));
      };
      const onError = (error: Error & { code?: string }): void =>
        lost(
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? `error reading ${file}: decoding it needs more than the ${DECODE_THREAD_HEAP_MB} MB of memory one config file may take`
            : `error reading ${file}: the decode thread failed: ${error.message}`,
        );
      const onExit = (code: number): void =>
        lost(`error reading ${file}: the decode thread stopped (exit code ${code})`);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage({ file, bytes, kind });
    });
  }

  private stop(): void {
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
  }
}

/** The process's decode thread, started on first use. */
export const decodeThread = new DecodeThread();
