import { goDurationError } from './go-duration';
import { goList } from './kubernetes-names';

/**
 * Prow's check of a periodic's `cron` (V11): robfig/cron v3's parser with Prow's options (an optional
 * seconds field, five standard fields, descriptors such as `@daily` and `@every 1h`, a `TZ=` or
 * `CRON_TZ=` prefix). Returns the parser's error text, or undefined when the expression parses. Only
 * the syntax is checked: the reconciler never schedules periodics.
 */

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const SECONDS: Bounds = { min: 0, max: 59 };
const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = {
  min: 1,
  max: 12,
  names: {
    jan: 1,
    feb: 2,
    mar: 3,
    apr: 4,
    may: 5,
    jun: 6,
    jul: 7,
    aug: 8,
    sep: 9,
    oct: 10,
    nov: 11,
    dec: 12,
  },
};
const DOW: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };
const FIELDS = [SECONDS, MINUTES, HOURS, DOM, MONTHS, DOW];

const INT64_MAX = 2n ** 63n - 1n;

/** strconv.Atoi's result or its error text. */
function atoi(s: string): number | string {
  const error = (reason: string): string => `strconv.Atoi: parsing ${JSON.stringify(s)}: ${reason}`;
  if (!/^[+-]?[0-9]+$/.test(s)) return error('invalid syntax');
  const big = BigInt(s);
  if (big > INT64_MAX || big < -INT64_MAX - 1n) return error('value out of range');
  return Number(big);
}

function mustParseInt(expr: string): number | string {
  const num = atoi(expr);
  if (typeof num === 'string') return `failed to parse int from ${expr}: ${num}`;
  if (num < 0) return `negative number (${num}) not allowed: ${expr}`;
  return num;
}

function parseIntOrName(expr: string, names: Record<string, number> | undefined): number | string {
  const named = names?.[expr.toLowerCase()];
  return named !== undefined && Object.prototype.hasOwnProperty.call(names, expr.toLowerCase())
    ? named
    : mustParseInt(expr);
}

/** getRange's error, or undefined. */
function rangeError(expr: string, r: Bounds): string | undefined {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = (rangeAndStep[0] as string).split('-');
  const singleDigit = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = r.min;
    end = r.max;
  } else {
    const low = parseIntOrName(lowAndHigh[0] as string, r.names);
    if (typeof low === 'string') return low;
    start = low;
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) {
      const high = parseIntOrName(lowAndHigh[1] as string, r.names);
      if (typeof high === 'string') return high;
      end = high;
    } else return `too many hyphens: ${expr}`;
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    const parsed = mustParseInt(rangeAndStep[1] as string);
    if (typeof parsed === 'string') return parsed;
    step = parsed;
    if (singleDigit) end = r.max;
  } else if (rangeAndStep.length > 2) return `too many slashes: ${expr}`;
  if (start < r.min) return `beginning of range (${start}) below minimum (${r.min}): ${expr}`;
  if (end > r.max) return `end of range (${end}) above maximum (${r.max}): ${expr}`;
  if (start > end) return `beginning of range (${start}) beyond end of range (${end}): ${expr}`;
  if (step === 0) return `step of range should be a positive number: ${expr}`;
  return undefined;
}

function descriptorError(descriptor: string): string | undefined {
  const known = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
  if (known.includes(descriptor)) return undefined;
  const every = '@every ';
  if (descriptor.startsWith(every)) {
    const error = goDurationError(descriptor.slice(every.length));
    return error && `failed to parse duration ${descriptor}: ${error}`;
  }
  return `unrecognized descriptor: ${descriptor}`;
}

function timeZoneKnown(name: string): boolean {
  if (name === '' || name === 'UTC' || name === 'Local') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * robfig/cron v3 `Parser.Parse` with Prow's options: its error, or a panic (which Prow's Load recovers as
 * the load's error, `panic loading config: …`), or undefined when the expression parses.
 */
export function cronError(spec: string): { error: string } | { panic: string } | undefined {
  const parsed = parse(spec);
  return parsed === undefined || typeof parsed !== 'string' ? parsed : { error: parsed };
}

function parse(spec: string): string | { panic: string } | undefined {
  if (spec.length === 0) return 'empty spec string';
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const space = spec.indexOf(' ');
    const eq = spec.indexOf('=');
    // Without a space Go slices spec[eq+1:-1], which panics.
    if (space < 0) return { panic: 'panic loading config: runtime error: slice bounds out of range [:-1]' };
    const zone = spec.slice(eq + 1, space);
    if (!timeZoneKnown(zone)) return `provided bad location ${zone}: unknown time zone ${zone}`;
    spec = spec.slice(space).trim();
  }
  if (spec.startsWith('@')) return descriptorError(spec);
  const fields = spec.split(/\s+/).filter((f) => f !== '');
  if (fields.length < 5 || fields.length > 6)
    return `expected 5 to 6 fields, found ${fields.length}: ${goList(fields)}`;
  if (fields.length === 5) fields.unshift('0');
  for (const [i, field] of fields.entries()) {
    for (const expr of field.split(',').filter((e) => e !== '')) {
      const error = rangeError(expr, FIELDS[i] as Bounds);
      if (error) return error;
    }
  }
  return undefined;
}
