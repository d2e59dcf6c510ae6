import { compileRe2, matchesUnanchored } from './re2';
import { defaultRerunCommandFor, defaultTriggerFor } from './job-defaults';
import type { Brancher, ChangeMatcher } from './types';

/**
 * Prow's regex compilation at load time (V7: `SetPresubmitRegexes`, `setBrancherRegexes`,
 * `setChangeRegexes`), with Go RE2 syntax (Q12). Each function returns the first failure of one job in
 * Prow's order and wording, or undefined.
 */

function compileError(pattern: string): string | undefined {
  try {
    compileRe2(pattern);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export function brancherRegexError(b: Brancher): string | undefined {
  if ((b.branches?.length ?? 0) > 0) {
    const error = compileError((b.branches as string[]).join('|'));
    if (error) return `could not compile positive branch regex: ${error}`;
  }
  if ((b.skip_branches?.length ?? 0) > 0) {
    const error = compileError((b.skip_branches as string[]).join('|'));
    if (error) return `could not compile negative branch regex: ${error}`;
  }
  return undefined;
}

export function changeRegexError(m: ChangeMatcher): string | undefined {
  const [field, pattern] = m.run_if_changed
    ? ['run_if_changed', m.run_if_changed]
    : m.skip_if_only_changed
      ? ['skip_if_only_changed', m.skip_if_only_changed]
      : ['', ''];
  if (!pattern) return undefined;
  const error = compileError(pattern);
  return error ? `could not compile ${field} regex: ${error}` : undefined;
}

/** Branch and change regexes of a job (postsubmits have no trigger). */
export function jobRegexError(name: string, job: Brancher & ChangeMatcher): string | undefined {
  const branch = brancherRegexError(job);
  if (branch) return `could not set branch regexes for ${name}: ${branch}`;
  const change = changeRegexError(job);
  if (change) return `could not set change regexes for ${name}: ${change}`;
  return undefined;
}

const plainName = /^[A-Za-z0-9-._]+$/;

/** A presubmit's trigger, its rerun command against the trigger, then branch and change regexes. */
export function presubmitRegexError(
  name: string,
  job: Brancher & ChangeMatcher & { trigger: string; rerun_command: string },
): string | undefined {
  // The defaults for a name of plain characters always compile and match (a `.` in the name matches
  // itself); skipping them saves compiling one regex per job, which dominates a cold load.
  const defaulted =
    plainName.test(name) &&
    job.trigger === defaultTriggerFor(name) &&
    job.rerun_command === defaultRerunCommandFor(name);
  if (defaulted) return jobRegexError(name, job);
  const trigger = compileError(job.trigger);
  if (trigger) return `could not compile trigger regex for ${name}: ${trigger}`;
  if (!matchesUnanchored(job.trigger, job.rerun_command)) {
    return `for job ${name}, rerun command "${job.rerun_command}" does not match trigger "${job.trigger}"`;
  }
  return jobRegexError(name, job);
}
