import { RE2JS } from 're2js';

/**
 * Prow compiles branch, file and trigger regexes with Go's RE2 and matches them unanchored (Q12).
 * re2js is a pure JavaScript port of RE2 (Google's RE2/J): the same syntax (`(?i)`, `\z`, `[[:alpha:]]`,
 * `\pL`), the same rejections (no look-around or back-references) and linear-time matching, with no
 * native addon to build, and it is deterministic, so the same code is safe inside workflow code.
 * JavaScript's RegExp would accept patterns Prow rejects and read others differently.
 */
export type Re2 = RE2JS;

const cache = new Map<string, RE2JS>();

/** Compiles a Go RE2 pattern; throws an Error whose message is Go's `error parsing regexp: …` text. */
export function compileRe2(pattern: string): RE2JS {
  let compiled = cache.get(pattern);
  if (!compiled) {
    compiled = RE2JS.compile(pattern);
    cache.set(pattern, compiled);
  }
  return compiled;
}

/** Go's `regexp.MatchString`: true when the pattern matches anywhere in the input (unanchored). */
export function matchesUnanchored(pattern: string, input: string): boolean {
  return compileRe2(pattern).matcher(input).find();
}
