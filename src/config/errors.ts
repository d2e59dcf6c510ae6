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
