import { branchListPattern, compileRe2, matchesUnanchored, RegexBudgetError } from '../go/re2';
import { defaultRerunCommandFor, defaultTriggerFor } from './job-defaults';
import type { Brancher, ChangeMatcher } from '../types';

/**
 * Prow's regex compilation at load time (V7: `SetPresubmitRegexes`, `setBrancherRegexes`,
 * `setChangeRegexes`), with Go RE2 syntax (Q12). Each function returns the first failure of one job in
 * Prow's order and wording, or undefined. A failure of the port's regex budget (re2.ts) also names the
 * field, as `field`.
 */

export interface RegexProblem {
  message: string;
  /** The job's field, for an expression over the port's budget. */
  field?: string;
}

function compileError(pattern: string, field: string): RegexProblem | undefined {
  try {
    compileRe2(pattern);
    return undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return error instanceof RegexBudgetError ? { message, field } : { message };
  }
}

const within = (prefix: string, problem: RegexProblem | undefined): RegexProblem | undefined =>
  problem && { ...problem, message: `${prefix}${problem.message}` };

function brancherProblem(b: Brancher): RegexProblem | undefined {
  if ((b.branches?.length ?? 0) > 0) {
    const error = compileError(branchListPattern(b.branches as string[]), 'branches');
    if (error) return within('could not compile positive branch regex: ', error);
  }
  if ((b.skip_branches?.length ?? 0) > 0) {
    const error = compileError(branchListPattern(b.skip_branches as string[]), 'skip_branches');
    if (error) return within('could not compile negative branch regex: ', error);
  }
  return undefined;
}

function changeProblem(m: ChangeMatcher): RegexProblem | undefined {
  const [field, pattern] = m.run_if_changed
    ? ['run_if_changed', m.run_if_changed]
    : m.skip_if_only_changed
      ? ['skip_if_only_changed', m.skip_if_only_changed]
      : ['', ''];
  if (!pattern) return undefined;
  return within(`could not compile ${field} regex: `, compileError(pattern, field));
}

export function brancherRegexError(b: Brancher): string | undefined {
  return brancherProblem(b)?.message;
}

export function changeRegexError(m: ChangeMatcher): string | undefined {
  return changeProblem(m)?.message;
}

/** Branch and change regexes of a job (postsubmits have no trigger). */
export function jobRegexProblem(name: string, job: Brancher & ChangeMatcher): RegexProblem | undefined {
  return (
    within(`could not set branch regexes for ${name}: `, brancherProblem(job)) ??
    within(`could not set change regexes for ${name}: `, changeProblem(job))
  );
}

export function jobRegexError(name: string, job: Brancher & ChangeMatcher): string | undefined {
  return jobRegexProblem(name, job)?.message;
}

const plainName = /^[A-Za-z0-9-._]+$/;

/** A presubmit's trigger, its rerun command against the trigger, then branch and change regexes. */
export function presubmitRegexProblem(
  name: string,
  job: Brancher & ChangeMatcher & { trigger: string; rerun_command: string },
): RegexProblem | undefined {
  // The defaults for a name of plain characters always compile and match (a `.` in the name matches
  // itself); skipping them saves compiling one regex per job, which dominates a cold load.
  const defaulted =
    plainName.test(name) &&
    job.trigger === defaultTriggerFor(name) &&
    job.rerun_command === defaultRerunCommandFor(name);
  if (defaulted) return jobRegexProblem(name, job);
  const trigger = within(
    `could not compile trigger regex for ${name}: `,
    compileError(job.trigger, 'trigger'),
  );
  if (trigger) return trigger;
  if (!matchesUnanchored(job.trigger, job.rerun_command)) {
    return {
      message: `for job ${name}, rerun command "${job.rerun_command}" does not match trigger "${job.trigger}"`,
    };
  }
  return jobRegexProblem(name, job);
}

export function presubmitRegexError(
  name: string,
  job: Brancher & ChangeMatcher & { trigger: string; rerun_command: string },
): string | undefined {
  return presubmitRegexProblem(name, job)?.message;
}
