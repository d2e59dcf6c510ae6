/**
 * Scalars as Prow reads them (V14): `sigs.k8s.io/yaml` decodes YAML with go-yaml v2, whose resolver
 * (resolve.go) implements YAML 1.1 plain scalars, and then coerces numbers and booleans to text wherever the
 * Go field is a string. Both steps are reproduced here exactly, because JavaScript YAML libraries differ
 * on real configs: `yaml`'s YAML 1.1 schema reads a plain `.` as NaN, go-yaml reads the string ".", and 82
 * presubmits of the Kubernetes config pass `.` as an argument.
 */

export const STR_TAG = 'tag:yaml.org,2002:str';
export const BOOL_TAG = 'tag:yaml.org,2002:bool';
export const INT_TAG = 'tag:yaml.org,2002:int';
export const FLOAT_TAG = 'tag:yaml.org,2002:float';
export const NULL_TAG = 'tag:yaml.org,2002:null';
export const TIMESTAMP_TAG = 'tag:yaml.org,2002:timestamp';
export const BINARY_TAG = 'tag:yaml.org,2002:binary';
export const MERGE_TAG = 'tag:yaml.org,2002:merge';

/** A resolved scalar, with Go's dynamic type: what `yaml.Unmarshal` into `interface{}` yields. */
export type GoScalar =
  | { kind: 'null' }
  | { kind: 'bool'; value: boolean }
  /** int, int64 or uint64; `text` is the exact decimal value (JavaScript numbers lose digits past 2^53). */
  | { kind: 'int'; value: number; text: string }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string };

/**
 * An error of the YAML to JSON step of sigs.k8s.io/yaml (go-yaml's `yaml: ...` errors, unsupported keys and
 * values); it fails the whole file, before any field is decoded.
 */
export class GoYamlError extends Error {
  override name = 'GoYamlError';
}

const NULL: GoScalar = { kind: 'null' };
const TRUE: GoScalar = { kind: 'bool', value: true };
const FALSE: GoScalar = { kind: 'bool', value: false };

// go-yaml v2 resolveMapList: the only plain scalars that are booleans, nulls, infinities and NaN.
const resolveMap = new Map<string, GoScalar>();
for (const s of ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'])
  resolveMap.set(s, TRUE);
for (const s of ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'])
  resolveMap.set(s, FALSE);
for (const s of ['', '~', 'null', 'Null', 'NULL']) resolveMap.set(s, NULL);
for (const s of ['.nan', '.NaN', '.NAN']) resolveMap.set(s, { kind: 'float', value: NaN });
for (const s of ['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'])
  resolveMap.set(s, { kind: 'float', value: Infinity });
for (const s of ['-.inf', '-.Inf', '-.INF']) resolveMap.set(s, { kind: 'float', value: -Infinity });

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** Go's `strconv.ParseInt(s, 0, 64)` (then ParseUint for positive values past int64), or undefined. */
function parseGoInt(s: string): bigint | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const sign = m[1] ?? '';
  const body = m[2] as string;
  let magnitude: bigint;
  if (/^0[xXbBoO]/.test(body)) magnitude = BigInt(body.slice(0, 2).toLowerCase() + body.slice(2));
  else if (body.length > 1 && body.startsWith('0')) magnitude = BigInt('0o' + body.slice(1));
  else magnitude = BigInt(body);
  const value = sign === '-' ? -magnitude : magnitude;
  if (value >= INT64_MIN && value <= INT64_MAX) return value;
  // ParseUint rejects any sign.
  if (sign === '' && value <= UINT64_MAX) return value;
  return undefined;
}

function intScalar(value: bigint): GoScalar {
  return { kind: 'int', value: Number(value), text: value.toString() };
}

const yamlStyleFloat = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

/** Go's ParseFloat for the syntax yamlStyleFloat admits: an out-of-range value is an error there. */
function parseGoFloat(s: string): number | undefined {
  const value = Number(s);
  return Number.isFinite(value) ? value : undefined;
}

/** go-yaml v2 parseTimestamp: the value stays a string when decoded into interface{}, as Prow does. */
const timestampLike =
  /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]| )[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2})?)?$/;

/** go-yaml v2 `resolve` for a plain (untagged, unquoted) scalar. */
export function resolvePlain(value: string): GoScalar {
  const mapped = resolveMap.get(value);
  if (mapped) return mapped;
  const first = value.charCodeAt(0);
  if (first === 0x2e /* . */) {
    if (/^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(value)) {
      const f = parseGoFloat(value);
      if (f !== undefined) return { kind: 'float', value: f };
    }
    return { kind: 'string', value };
  }
  const isDigit = first >= 0x30 && first <= 0x39;
  if (!isDigit && first !== 0x2b /* + */ && first !== 0x2d /* - */) return { kind: 'string', value };
  const plain = value.includes('_') ? value.replace(/_/g, '') : value;
  const int = parseGoInt(plain);
  if (int !== undefined) return intScalar(int);
  if (yamlStyleFloat.test(plain)) {
    const f = parseGoFloat(plain);
    if (f !== undefined) return { kind: 'float', value: f };
  }
  if (plain.startsWith('0b') || plain.startsWith('-0b')) {
    const neg = plain.startsWith('-');
    const digits = plain.slice(neg ? 3 : 2);
    if (/^[01]+$/.test(digits)) {
      const v = neg ? -BigInt('0b' + digits) : BigInt('0b' + digits);
      if ((v >= INT64_MIN && v <= INT64_MAX) || (!neg && v <= UINT64_MAX)) return intScalar(v);
    }
  }
  return { kind: 'string', value };
}

function shortTag(tag: string): string {
  return tag.startsWith('tag:yaml.org,2002:') ? '!!' + tag.slice('tag:yaml.org,2002:'.length) : tag;
}

function tagOf(s: GoScalar, original: string): string {
  switch (s.kind) {
    case 'null':
      return NULL_TAG;
    case 'bool':
      return BOOL_TAG;
    case 'int':
      return INT_TAG;
    case 'float':
      return FLOAT_TAG;
    case 'string':
      return timestampLike.test(original) ? TIMESTAMP_TAG : STR_TAG;
  }
}

/**
 * go-yaml v2 scalar decoding into interface{}: quoted and block scalars are strings; plain scalars are
 * resolved; an explicit standard tag must agree with the value (`cannot decode !!str `x` as a !!int`);
 * any other tag, custom or non-specific, leaves the text as a string.
 */
export function resolveScalar(value: string, tag: string | undefined, plain: boolean): GoScalar {
  if (tag === undefined) return plain ? resolvePlain(value) : { kind: 'string', value };
  switch (tag) {
    case STR_TAG:
      return { kind: 'string', value };
    case BINARY_TAG:
      return { kind: 'string', value: Buffer.from(value, 'base64').toString('utf8') };
    case BOOL_TAG:
    case INT_TAG:
    case FLOAT_TAG:
    case NULL_TAG:
    case TIMESTAMP_TAG: {
      const resolved = resolvePlain(value);
      const rtag = tagOf(resolved, value);
      if (rtag === tag) return resolved;
      if (tag === FLOAT_TAG && resolved.kind === 'int') return { kind: 'float', value: resolved.value };
      if (tag === TIMESTAMP_TAG && resolved.kind === 'string' && rtag === TIMESTAMP_TAG) return resolved;
      throw new GoYamlError(`yaml: cannot decode ${shortTag(rtag)} \`${value}\` as a ${shortTag(tag)}`);
    }
    default:
      return { kind: 'string', value };
  }
}

/**
 * Go's `strconv.FormatFloat(f, 'g', -1, 32)`: the shortest decimal that reads back as the same float32,
 * in %e form when the exponent is below -4 or at least 6. sigs.k8s.io/yaml uses it to turn a float into
 * a string field's text (so `name: 1.10` is "1.1" and `1234567.0` is "1.234567e+06").
 */
export function formatGoFloat32(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  const target = Math.fround(f);
  if (target === 0) return Object.is(target, -0) ? '-0' : '0';
  if (!Number.isFinite(target)) return target > 0 ? '+Inf' : '-Inf';
  let repr = '';
  for (let precision = 1; precision <= 9; precision++) {
    repr = Math.abs(target).toExponential(precision - 1);
    if (Math.fround(Number(repr)) === Math.abs(target)) break;
  }
  const [mantissa, expText] = repr.split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const exp = Number(expText);
  const sign = target < 0 ? '-' : '';
  if (exp < -4 || exp >= 6) {
    const frac = digits.slice(1);
    const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
    return `${sign}${digits[0]}${frac ? '.' + frac : ''}e${exp < 0 ? '-' : '+'}${e}`;
  }
  const pointPos = exp + 1;
  if (pointPos <= 0) return `${sign}0.${'0'.repeat(-pointPos)}${digits}`;
  if (pointPos >= digits.length) return `${sign}${digits}${'0'.repeat(pointPos - digits.length)}`;
  return `${sign}${digits.slice(0, pointPos)}.${digits.slice(pointPos)}`;
}

/** sigs.k8s.io/yaml: the text a number or boolean becomes when the Go field it lands in is a string. */
export function goScalarText(s: GoScalar): string | undefined {
  switch (s.kind) {
    case 'string':
      return s.value;
    case 'bool':
      return s.value ? 'true' : 'false';
    case 'int':
      return s.text;
    case 'float':
      return formatGoFloat32(s.value);
    case 'null':
      return undefined;
  }
}

/**
 * sigs.k8s.io/yaml's conversion of a YAML map key to a JSON object key: a scalar's text as for a string field,
 * except that the float specials keep their YAML spelling and a null key is refused.
 */
export function goMapKey(s: GoScalar): string {
  if (s.kind === 'null') throw new GoYamlError('unsupported map key of type: <nil>');
  const text = goScalarText(s) as string;
  if (s.kind !== 'float') return text;
  return text === '+Inf' ? '.inf' : text === '-Inf' ? '-.inf' : text === 'NaN' ? '.nan' : text;
}

/** Go's encoding/json text of a number (the `number 1.5` of an UnmarshalTypeError). */
export function goJsonNumberText(s: Extract<GoScalar, { kind: 'int' | 'float' }>): string {
  return s.kind === 'int' ? s.text : String(s.value);
}
