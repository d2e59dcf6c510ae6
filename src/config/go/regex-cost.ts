/**
 * What compiling a Go RE2 expression would cost, found by one pass over its text without building it:
 * the program size by Go's own rule (regexp/syntax `calcSize`: a literal rune is one instruction, `x*`
 * two more than x, `x{n,m}` m copies of x, alternatives one split each, a capture two) and the runes of its
 * character classes (Go's `maxRunes` measure). It errs on the high side: Go factors common prefixes of
 * alternatives and re2js shares nothing more than Go does. Syntax is not checked here; re2js does that
 * (and reports Go's errors) once the cost is known to be affordable.
 */

export interface RegexCost {
  /** Compiled program size, in instructions. */
  instructions: number;
  /** Runes held by character classes (two per range; a Unicode class counted at its largest). */
  classRunes: number;
}

/**
 * Runes of one Unicode class (`\pL`, `\p{Greek}`, `[[:alpha:]]`, and their negations, case folded): Go's
 * largest tables (L, and `(?i)` folding) stay below this, so every such class is counted at it.
 */
const UNICODE_CLASS_RUNES = 4_000;

interface Frame {
  /** Sizes of the finished alternatives of this group. */
  alternatives: number;
  count: number;
  /** Size of the alternative being read. */
  current: number;
  /** Size of the last atom of `current`, the operand of a following repetition. */
  last: number;
  capture: boolean;
}

const newFrame = (capture: boolean): Frame => ({
  alternatives: 0,
  count: 0,
  current: 0,
  last: 0,
  capture,
});

function close(frame: Frame): number {
  const size = frame.alternatives + frame.current + frame.count; // count = splits between alternatives
  return Math.max(1, size + (frame.capture ? 2 : 0));
}

/** `{n}`, `{n,}` or `{n,m}` at `i`: [min, max (-1: unbounded), length], or undefined when `{` is literal. */
function repeatAt(pattern: string, i: number): [number, number, number] | undefined {
  const match = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i, i + 24));
  if (!match) return undefined;
  const min = Number(match[1]);
  const max = match[2] === undefined ? min : match[3] === '' ? -1 : Number(match[3]);
  return [min, max, match[0].length];
}

/** Index just past the character class starting at `i` (`[`), and its runes. */
function classAt(pattern: string, i: number): [number, number] {
  let j = i + 1;
  if (pattern[j] === '^') j++;
  if (pattern[j] === ']') j++; // a leading ] is a literal
  let runes = 0;
  while (j < pattern.length && pattern[j] !== ']') {
    if (pattern.startsWith('[:', j)) {
      const end = pattern.indexOf(':]', j + 2);
      if (end > 0) {
        runes += UNICODE_CLASS_RUNES;
        j = end + 2;
        continue;
      }
    }
    if (pattern[j] === '\\') {
      const next = pattern[j + 1];
      if (next === 'p' || next === 'P') {
        runes += UNICODE_CLASS_RUNES;
        j = pattern[j + 2] === '{' ? pattern.indexOf('}', j) + 1 || pattern.length : j + 3;
        continue;
      }
      runes += 8; // \d, \w, \s and their negations: a few ranges
      j += 2;
      continue;
    }
    runes += 2;
    j++;
  }
  return [Math.min(j + 1, pattern.length), runes * 2]; // case folding can double the ranges
}

export function regexCost(pattern: string): RegexCost {
  const stack: Frame[] = [newFrame(false)];
  let frame = stack[0] as Frame;
  let classRunes = 0;
  const atom = (size: number): void => {
    frame.current += size;
    frame.last = size;
  };
  for (let i = 0; i < pattern.length;) {
    const c = pattern[i] as string;
    switch (c) {
      case '\\': {
        const next = pattern[i + 1];
        if (next === 'Q') {
          const end = pattern.indexOf('\\E', i + 2);
          const stop = end < 0 ? pattern.length : end;
          for (let k = i + 2; k < stop; k++) atom(1);
          i = end < 0 ? stop : end + 2;
          continue;
        }
        if (next === 'p' || next === 'P') {
          classRunes += UNICODE_CLASS_RUNES;
          atom(1);
          i = pattern[i + 2] === '{' ? pattern.indexOf('}', i) + 1 || pattern.length : i + 3;
          continue;
        }
        atom(1);
        i += 2;
        continue;
      }
      case '[': {
        const [end, runes] = classAt(pattern, i);
        classRunes += runes;
        atom(1);
        i = end;
        continue;
      }
      case '(': {
        let capture = true;
        if (pattern[i + 1] === '?') {
          const close = pattern.indexOf(')', i);
          const colon = pattern.indexOf(':', i);
          const named = pattern[i + 2] === 'P' || pattern[i + 2] === '<';
          if (!named && close > 0 && (colon < 0 || close < colon)) {
            i = close + 1; // a flag group: (?i)
            continue;
          }
          capture = named;
        }
        frame = newFrame(capture);
        stack.push(frame);
        i++;
        continue;
      }
      case ')': {
        if (stack.length > 1) {
          const size = close(stack.pop() as Frame);
          frame = stack[stack.length - 1] as Frame;
          atom(size);
        }
        i++;
        continue;
      }
      case '|':
        frame.alternatives += frame.current;
        frame.count++;
        frame.current = 0;
        frame.last = 0;
        i++;
        continue;
      case '*':
      case '+':
      case '?': {
        const grown = c === '*' ? frame.last + 2 : frame.last + 1;
        frame.current += grown - frame.last;
        frame.last = grown;
        i += pattern[i + 1] === '?' ? 2 : 1;
        continue;
      }
      case '{': {
        const repeat = repeatAt(pattern, i);
        if (!repeat) {
          atom(1);
          i++;
          continue;
        }
        const [min, max, length] = repeat;
        const sub = frame.last;
        const grown = max === -1 ? (min === 0 ? 2 + sub : 1 + min * sub) : max * sub + Math.max(0, max - min);
        frame.current += grown - sub;
        frame.last = grown;
        i += length + (pattern[i + length] === '?' ? 1 : 0);
        continue;
      }
      default:
        atom(1);
        i += c.length;
    }
  }
  while (stack.length > 1) {
    const size = close(stack.pop() as Frame);
    frame = stack[stack.length - 1] as Frame;
    atom(size);
  }
  return { instructions: close(frame) + 1, classRunes };
}
