import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseConfigText, type DocumentKind, type ParsedDocument } from './config-document';
import { decodeConfigText, FileProblemError, fsFailure, readConfigBytes } from './config-file';
import { decodeThread, OFF_THREAD_BYTES } from './decode-thread';
import { asLoadError, ConfigInternalError, ConfigReadError } from '../errors';
import { JobBudget } from './job-budget';
import { eventLoopTurns } from '../event-loop-turns';
import type { ParseCache } from './parse-cache';
import type { ConfigProblem } from '../types';

/** Files read ahead of the one being decoded: enough to hide read latency, few enough to bound memory. */
const READ_AHEAD = 16;

/**
 * The most problems one load lists. A hostile file can hold one problem per few bytes (a list of 100,000
 * wrongly typed values); the load fails on the first, and listing more only costs memory and log lines.
 */
export const MAX_LISTED_PROBLEMS = 1_000;
/**
 * Problem messages are cut at this length: a message quotes the value it is about (a 4 MB label key), and
 * the load's failure is logged and recorded in the run's Temporal history, whose payloads are limited.
 */
export const MAX_PROBLEM_LENGTH = 1_000;

export interface DocumentOptions {
  /** Decompress gzip content (the Prow and job configs, V2). */
  gzip?: boolean;
  /** An empty file, or one without a YAML document, is a problem. */
  required?: boolean;
}

/**
 * Reads and decodes config files for one load, collecting every problem with its file (V12: all errors
 * together). Transient I/O errors are thrown as ConfigReadError and end the load.
 */
export class ConfigReader {
  readonly problems: ConfigProblem[] = [];
  /** The file being read or whose content is being processed: an unexpected exception names it. */
  current: string | undefined;
  private readonly jobBudget = new JobBudget();

  constructor(private readonly cache?: ParseCache) {}

  /** Records a problem; beyond MAX_LISTED_PROBLEMS only that there were more. */
  add(problem: ConfigProblem): void {
    const cut = (text: string): string =>
      text.length > MAX_PROBLEM_LENGTH
        ? `${text.slice(0, MAX_PROBLEM_LENGTH)}… (${text.length} characters)`
        : text;
    if (problem.message.length > MAX_PROBLEM_LENGTH || (problem.field?.length ?? 0) > MAX_PROBLEM_LENGTH) {
      problem = {
        ...problem,
        message: cut(problem.message),
        ...(problem.field ? { field: cut(problem.field) } : {}),
      };
    }
    if (this.problems.length < MAX_LISTED_PROBLEMS) this.problems.push(problem);
    else if (this.problems.length === MAX_LISTED_PROBLEMS) {
      this.problems.push({
        message: `more than ${MAX_LISTED_PROBLEMS} problems: the rest are not listed`,
      });
    }
  }

  /** Records a FileProblemError; rethrows anything else. */
  fail(error: unknown): void {
    if (error instanceof FileProblemError) this.add(error.problem);
    else throw error;
  }

  /** Reads and decodes a file; undefined when it could not be read (the problem is recorded). */
  async document(
    file: string,
    kind: DocumentKind,
    options: DocumentOptions = {},
  ): Promise<ParsedDocument | undefined> {
    const known = this.cache?.unchanged(file, kind);
    if (known) return this.accept(file, known, options, kind);
    const bytes = await this.bytes(file, options);
    return bytes && this.decodeLarge(file, bytes, kind, options);
  }

  /** `decode`, off the event loop for a large file (decode-thread.ts). */
  private async decodeLarge(
    file: string,
    bytes: Buffer,
    kind: DocumentKind,
    options: DocumentOptions,
  ): Promise<ParsedDocument | undefined> {
    if (bytes.length < OFF_THREAD_BYTES || !decodeThread.available)
      return this.decode(file, bytes, kind, options);
    this.current = file;
    try {
      return this.accept(file, await decodeThread.decode(file, bytes, kind), options, kind);
    } catch (error) {
      if (error instanceof FileProblemError) this.fail(error);
      else throw asLoadError(file, error); // a decoder defect: fail closed, naming the file
      return undefined;
    }
  }

  /**
   * Reads and decodes files, handing each document to `use` in the files' order (undefined for a file that
   * could not be read). Reads run a few files ahead and each file's bytes are dropped once decoded, so a
   * load holds a window of files, not all of them (~70 MB at ten times the Kubernetes config); long runs of
   * decoding give the event loop a turn, so the worker keeps heartbeating and answering Temporal.
   */
  async eachDocument(
    files: readonly string[],
    kind: DocumentKind,
    options: DocumentOptions,
    use: (file: string, doc: ParsedDocument | undefined) => void,
  ): Promise<void> {
    const reads: (Promise<() => Buffer | ParsedDocument | undefined> | undefined)[] = [];
    let nextRead = 0;
    const readAhead = (): void => {
      if (nextRead >= files.length) return;
      const file = files[nextRead] as string;
      // A file the parse cache knows unchanged (same stat) is not read again.
      const known = this.cache?.unchanged(file, kind);
      // Reads finish in any order; what they found is recorded in the files' order, when taken below.
      reads[nextRead++] = known ? Promise.resolve(() => known) : this.deferredBytes(file, options);
    };
    for (let i = 0; i < READ_AHEAD; i++) readAhead();
    const turn = eventLoopTurns();
    for (let i = 0; i < files.length; i++) {
      const bytes = (await reads[i])?.();
      reads[i] = undefined;
      readAhead();
      const file = files[i] as string;
      const doc =
        bytes && !Buffer.isBuffer(bytes)
          ? this.accept(file, bytes, options, kind)
          : bytes && (await this.decodeLarge(file, bytes, kind, options));
      this.current = file;
      try {
        use(file, doc);
      } catch (error) {
        throw asLoadError(file, error);
      }
      await turn();
    }
  }

  private async bytes(file: string, options: DocumentOptions): Promise<Buffer | undefined> {
    return (await this.deferredBytes(file, options))();
  }

  /**
   * Reads a file; the result is a function that records what the read found (a problem, or the bytes) when
   * called, so that concurrent reads report their problems in the files' order, not in the order they end.
   */
  private async deferredBytes(file: string, options: DocumentOptions): Promise<() => Buffer | undefined> {
    try {
      const bytes = await readConfigBytes(file, { gzip: options.gzip });
      if (options.required && bytes.toString('utf8').trim() === '') {
        // Prow loads an empty file as an empty config; a required file that is empty is more likely a
        // truncated or missing mount, so the port refuses it (fail closed).
        return () => {
          this.add({ file, message: `${file} is empty` });
          return undefined;
        };
      }
      return () => bytes;
    } catch (error) {
      return () => {
        this.current = file;
        this.fail(error);
        return undefined;
      };
    }
  }

  private decode(
    file: string,
    bytes: Buffer,
    kind: DocumentKind,
    options: DocumentOptions,
  ): ParsedDocument | undefined {
    let parsed: ParsedDocument;
    this.current = file;
    try {
      parsed = this.cache
        ? this.cache.parse(file, bytes, kind)
        : parseConfigText(decodeConfigText(file, bytes), kind);
    } catch (error) {
      if (error instanceof FileProblemError) this.fail(error);
      else throw new ConfigInternalError(file, error); // a decoder defect: fail closed, naming the file
      return undefined;
    }
    return this.accept(file, parsed, options, kind);
  }

  /**
   * Records a decoded file's problems; undefined (the file's jobs are not merged) once the config holds
   * more jobs than the budget allows.
   */
  private accept(
    file: string,
    parsed: ParsedDocument,
    options: DocumentOptions,
    kind: DocumentKind,
  ): ParsedDocument | undefined {
    if ((kind === 'job' || kind === 'prow') && !this.jobBudget.admit(file, parsed.value, this))
      return undefined;
    for (const problem of parsed.problems) this.add({ file, ...problem });
    if (options.required && parsed.value === undefined && parsed.problems.length === 0) {
      this.add({ file, message: `${file} is empty` });
    }
    return parsed;
  }

  /** `os.Stat` as Prow does it before reading a path (following links); undefined when missing. */
  async stat(file: string): Promise<import('node:fs').Stats | undefined> {
    this.current = file;
    try {
      return await fs.stat(file);
    } catch (error) {
      this.fail(fsFailure('stat', file, error));
      return undefined;
    }
  }

  /**
   * Files below `dir` whose path ends with `suffix`, walked as Prow walks supplemental config directories
   * (V3): lexical order, `..` names skipped, links not followed, every walk error collected.
   */
  async supplementalFiles(dir: string, suffix: string): Promise<string[]> {
    const files: string[] = [];
    const walk = async (current: string, isRoot: boolean): Promise<void> => {
      let stat: import('node:fs').Stats;
      try {
        stat = await fs.lstat(current);
      } catch (error) {
        this.fail(fsFailure('lstat', current, error));
        return;
      }
      const name = path.basename(current);
      if (!isRoot && name.startsWith('..')) return;
      if (stat.isSymbolicLink() && isRoot) stat = await fs.stat(current).catch(() => stat); // Q15, as for the job config
      if (!stat.isDirectory()) {
        if (current.endsWith(suffix)) files.push(current);
        return;
      }
      let names: string[];
      try {
        names = await fs.readdir(current);
      } catch (error) {
        this.fail(fsFailure('open', current, error));
        return;
      }
      for (const child of names.sort()) await walk(path.join(current, child), false);
    };
    try {
      await walk(dir, true);
    } catch (error) {
      if (error instanceof ConfigReadError) throw error;
      this.fail(error);
    }
    return files;
  }
}
