import { RE2JS } from 're2js';
import { regexCost } from './regex-cost';

/**
 * Prow compiles branch, file and trigger regexes with Go's RE2 and matches them unanchored (Q12).
 * re2js is a pure JavaScript port of RE2 (Google's RE2/J): the same syntax (`(?i)`, `\z`, `[[:alpha:]]`,
 * `\pL`), the same rejections (no look-around or back-references) and linear-time matching, with no
 * native addon to build, and it is deterministic, so the same code is safe inside workflow code.
 * JavaScript's RegExp would accept patterns Prow rejects and read others differently.
 *
 * Budgets (issue 17). Go refuses an expression whose compiled program would exceed 3,355,443 instructions
 * (`expression too large`), but compiles anything below, at up to 2 GB for a 4 MB branch list. re2js
 * takes about 150 bytes of heap per instruction and a second per 150,000, so a 1.3 KB pattern such as
 * `(a…a){1000}` would take 200 MB of a worker's 256 MB heap. Every expression is therefore costed before
 * re2js sees it (regex-cost.ts, Go's own size rule) and refused above MAX_REGEX_PROGRAM_SIZE instructions or
 * MAX_REGEX_CLASS_RUNES character-class runes: a port deviation, 200 times the largest expression of the
 * Kubernetes config. The cache of compiled expressions is bounded by the same measure.
 */
export type Re2 = RE2JS;

/** The largest compiled program of one expression, in RE2 instructions (Go's limit: 3,355,443). */
export const MAX_REGEX_PROGRAM_SIZE = 50_000;
/** The most character-class runes in one expression (Go's limit: 33,554,432; `\pL` alone is 1,292). */
export const MAX_REGEX_CLASS_RUNES = 100_000;
/** The compiled expressions kept for reuse, by total program size (about 30 MB of heap). */
export const REGEX_CACHE_PROGRAM_SIZE = 200_000;

/** An expression over the port's budget; the message says which limit. */
export class RegexBudgetError extends Error {
  override name = 'RegexBudgetError';
}

/** At most `max` characters of an expression, for a message. */
export function abbreviated(pattern: string, max = 80): string {
  return pattern.length <= max ? pattern : `${pattern.slice(0, max)}…`;
}

/** Throws RegexBudgetError when the expression is over a budget; returns its program size. */
export function checkRegexBudget(pattern: string): number {
  const cost = regexCost(pattern);
  const what = `\`${abbreviated(pattern)}\` (${pattern.length} characters)`;
  if (cost.instructions > MAX_REGEX_PROGRAM_SIZE) {
    throw new RegexBudgetError(
      `error parsing regexp: expression too large: ${what} compiles to about ${cost.instructions} instructions, over the limit of ${MAX_REGEX_PROGRAM_SIZE} for one expression`,
    );
  }
  if (cost.classRunes > MAX_REGEX_CLASS_RUNES) {
    throw new RegexBudgetError(
      `error parsing regexp: expression too large: ${what} has about ${cost.classRunes} character-class runes, over the limit of ${MAX_REGEX_CLASS_RUNES} for one expression`,
    );
  }
  return cost.instructions;
}

/** Least recently used first; the total program size of the entries stays under the cache's budget. */
const cache = new Map<string, { compiled: RE2JS; size: number }>();
let cachedSize = 0;

/**
 * Compiles a Go RE2 pattern; throws an Error whose message is Go's `error parsing regexp: …` text, or a
 * RegexBudgetError for an expression over the port's budget.
 */
export function compileRe2(pattern: string): RE2JS {
  const hit = cache.get(pattern);
  if (hit) {
    cache.delete(pattern);
    cache.set(pattern, hit);
    return hit.compiled;
  }
  const size = checkRegexBudget(pattern);
  const compiled = compileGo(pattern);
  cache.set(pattern, { compiled, size });
  cachedSize += size;
  for (const [key, entry] of cache) {
    if (cachedSize <= REGEX_CACHE_PROGRAM_SIZE || key === pattern) break;
    cache.delete(key);
    cachedSize -= entry.size;
  }
  return compiled;
}

/**
 * RE2JS.compile, but like Go's regexp since Go 1.22 a capture group name may repeat (`(?P<a>x)(?P<a>y)`):
 * re2js refuses that, so the pattern is compiled again with the names dropped, which changes no match.
 * (Found by the differential tests against Prow's own loader.)
 */
function compileGo(pattern: string): RE2JS {
  try {
    return RE2JS.compile(pattern);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.includes('duplicate capture group name')) throw error;
    try {
      return RE2JS.compile(pattern.replace(/(?<!\\)\(\?P?<[A-Za-z0-9_]+>/g, '('));
    } catch {
      throw error;
    }
  }
}

/** The number of compiled expressions cached and their total program size (tests, benchmarks). */
export function regexCacheStats(): { entries: number; programSize: number } {
  return { entries: cache.size, programSize: cachedSize };
}

/** Go's `regexp.MatchString`: true when the pattern matches anywhere in the input (unanchored). */
export function matchesUnanchored(pattern: string, input: string): boolean {
  return compileRe2(pattern).matcher(input).find();
}

/**
 * Characters that cannot change how a neighbouring alternative parses: a branch made only of these is a
 * sequence of literals, `.`, anchors and repetitions, so `x|x` matches exactly what `x` matches.
 */
const SELF_CONTAINED = /^[^\\()[\]{}|*+?][^\\()[\]{}|]*$/;

/**
 * The expression Prow compiles for a branch list (`strings.Join(branches, "|")`, setBrancherRegexes), with
 * repeated self-contained branches listed once: YAML aliases make a list of 200 copies of a 10,000-character
 * name out of 11 KB of text, which Go compiles in 30 MB (its parser factors the copies) and re2js would
 * take 400 MB for. Dropping a repeated plain alternative changes neither what matches nor whether it
 * compiles; branches that are not self-contained (a group, a class, an escape, a flag) are kept as written,
 * since `(?i)` or `(` in one branch changes how the next one reads.
 */
export function branchListPattern(branches: readonly string[]): string {
  if (branches.length < 2) return branches.join('|');
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const branch of branches) {
    if (SELF_CONTAINED.test(branch)) {
      if (seen.has(branch)) continue;
      seen.add(branch);
    }
    kept.push(branch);
  }
  return kept.join('|');
}
