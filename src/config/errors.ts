import type { ConfigProblem } from './types';

/** One problem on one line: `file: job: field: message`, leaving out the parts that are not known. */
export function formatProblem(problem: ConfigProblem): string {
  return [problem.file, problem.job, problem.field, problem.message].filter((part) => part).join(': ');
}

/**
 * The configuration cannot be used: it is missing, unreadable, malformed or fails Prow's validation
 * (V14, fail closed). Not retryable: the same files give the same problems. `problems` lists every
 * problem found, in the order found; the message has one line per problem.
 */
export class ConfigInvalidError extends Error {
  override name = 'ConfigInvalidError';
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n') || 'invalid configuration');
    this.problems = problems;
  }
}

/**
 * Reading the configuration failed in a way that may pass on retry (EIO, EAGAIN, EMFILE, ETIMEDOUT, …):
 * the caller should retry the load rather than treat the config as invalid (spec §3.1 step 1).
 */
export class ConfigReadError extends Error {
  override name = 'ConfigReadError';
  readonly code: string;
  readonly path: string;

  constructor(path: string, code: string, message: string) {
    super(`${path}: ${message}`);
    this.code = code;
    this.path = path;
  }
}

/**
 * An exception nobody expected while loading (a decoder defect, a TypeError): the load fails closed, as
 * Prow's `config.Load` does with a recovered panic (`panic loading config: …`). Deterministic (the same
 * files fail the same way), so not retryable. The message names the file being read and the original
 * error; the original is kept as `cause` (with its stack) for the logs.
 */
export class ConfigInternalError extends Error {
  override name = 'ConfigInternalError';
  readonly file: string;

  constructor(file: string, cause: unknown) {
    const original = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`internal error loading the config while reading ${file}: ${original}`, { cause });
    this.file = file;
  }
}

/** A load error as it leaves the loader: the typed ones unchanged, anything else as ConfigInternalError. */
export function asLoadError(file: string, error: unknown): Error {
  if (
    error instanceof ConfigInvalidError ||
    error instanceof ConfigReadError ||
    error instanceof ConfigInternalError
  )
    return error;
  return new ConfigInternalError(file, error);
}
