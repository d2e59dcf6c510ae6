/**
 * Go's time.ParseDuration, for its error text: `time: invalid duration "x"`, `time: missing unit in
 * duration "1"` or `time: unknown unit "x" in duration "1x"`. Undefined when the text parses.
 */

const UNITS = new Map<string, number>([
  ['ns', 1],
  ['us', 1e3],
  ['µs', 1e3], // U+00B5 micro sign
  ['μs', 1e3], // U+03BC Greek mu
  ['ms', 1e6],
  ['s', 1e9],
  ['m', 60e9],
  ['h', 3600e9],
]);
const MAX_NANOSECONDS = 2 ** 63;

export function goDurationError(orig: string): string | undefined {
  const invalid = `time: invalid duration ${JSON.stringify(orig)}`;
  let s = orig;
  if (s.startsWith('-') || s.startsWith('+')) s = s.slice(1);
  if (s === '0') return undefined;
  if (s === '') return invalid;
  let total = 0;
  while (s !== '') {
    if (!/^[0-9.]/.test(s)) return invalid;
    const number = /^([0-9]*)(?:\.([0-9]*))?/.exec(s) as RegExpExecArray;
    const [whole, pre = '', post] = number;
    if (pre === '' && (post === undefined || post === '')) return invalid;
    s = s.slice(whole.length);
    const unitMatch = /^[^0-9.]*/.exec(s) as RegExpExecArray;
    const unit = unitMatch[0];
    if (unit === '') return `time: missing unit in duration ${JSON.stringify(orig)}`;
    const scale = UNITS.get(unit);
    if (scale === undefined)
      return `time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(orig)}`;
    s = s.slice(unit.length);
    total += Number(`${pre || '0'}.${post ?? ''}0`) * scale;
    if (total > MAX_NANOSECONDS) return invalid;
  }
  return undefined;
}
