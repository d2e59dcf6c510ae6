import {
  MAX_DEPTH,
  NodeKind,
  type AnchoredNode,
  type MappingNode,
  type SequenceNode,
  type YamlNode,
} from './go-yaml-document';
import {
  GoYamlError,
  MERGE_TAG,
  goJsonNumberText,
  goMapKey,
  goScalarText,
  resolveScalar,
  type GoScalar,
} from './go-yaml-scalar';

/**
 * Decoding a YAML node tree into Go types as Prow does (V14): sigs.k8s.io/yaml turns the go-yaml value
 * into JSON, coercing numbers and booleans to text where the target field is a string, and encoding/json
 * fills the structs: JSON keys match field names exactly or case-insensitively, unknown keys are dropped,
 * and a value of the wrong JSON type is an UnmarshalTypeError
 * (`json: cannot unmarshal string into Go struct field Presubmit.presubmits.always_run of type bool`)
 * after which decoding goes on. go-yaml's own rules apply first: a repeated key keeps the last value, and
 * a merge key `<<` sets the merged keys at its position, overwriting keys that came before it.
 *
 * Null (`null`, `~`, an empty value, an empty document) is decoded once, here, as encoding/json does, so
 * consumers never see it where Go has a typed value: a null struct field is left unset (absent: the zero
 * value, or nil for a slice, map or pointer; a null after a case-insensitive duplicate key clears it), and
 * a null or mistyped element of a slice or map is the element's zero value, with a nil slice or map as an
 * empty one (`presubmits: {org/repo: null}` is a repository with no jobs). Null stays null only inside
 * untyped (`raw`) JSON.
 *
 * Only the fields the reconciler models are typed; everything else is decoded generically (`raw`), so a
 * YAML-level error anywhere in the file still fails it, as in Prow.
 */
export type GoType =
  | { kind: 'string' }
  | { kind: 'bool' }
  /** `name` is Go's type name in messages: int, int32, int64. */
  | { kind: 'int'; name: string }
  /**
   * A type whose UnmarshalJSON takes a Go duration string (v1.Duration, metav1.Duration); Prow's own
   * v1.Duration also takes an integer, in nanoseconds (`nanoseconds`).
   */
  | { kind: 'duration'; nanoseconds?: boolean }
  | { kind: 'slice'; elem: GoType }
  | { kind: 'map'; elem: GoType }
  | GoStruct
  /** Anything the port does not type: kept as plain JSON. */
  | { kind: 'raw' };

export interface GoStruct {
  kind: 'struct';
  /** Go's qualified type name, e.g. `config.Presubmit`. */
  name: string;
  /** The struct's own fields by JSON name. */
  fields: Record<string, GoType>;
  /**
   * Embedded structs (`JobBase` in `Presubmit`, `JobConfig` and `ProwConfig` in `Config`), by Go field
   * name: encoding/json promotes their fields, and error messages name them in the field path.
   */
  embedded?: { name: string; type: GoStruct }[];
  /** Keep keys the port does not model (a partially modeled Kubernetes type) instead of dropping them. */
  open?: boolean;
}

/** A field as encoding/json finds it: its type and the embedded structs it is promoted through. */
interface FoundField {
  name: string;
  type: GoType;
  /** Go names of the embedded structs from the outer struct to the field's, e.g. ['JobBase']. */
  via: string[];
}

/** One UnmarshalTypeError (or a rejected duration), located by its path in the decoded value. */
export interface DecodeProblem {
  /** Keys and indexes from the document root, e.g. ['presubmits', 'org/repo', 3, 'always_run']. */
  location: (string | number)[];
  message: string;
}

export function goTypeName(t: GoType): string {
  switch (t.kind) {
    case 'string':
    case 'bool':
      return t.kind;
    case 'int':
      return t.name;
    case 'duration':
      return 'v1.Duration';
    case 'slice':
      return `[]${goTypeName(t.elem)}`;
    case 'map':
      return `map[string]${goTypeName(t.elem)}`;
    case 'struct':
      return t.name;
    case 'raw':
      return 'interface {}';
  }
}

const INT_RANGES: Record<string, [bigint, bigint]> = {
  int: [-(2n ** 63n), 2n ** 63n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
};

// Go's time.ParseDuration syntax.
const goDuration = /^[-+]?(?:0|(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+)$/;

// go-yaml v2's alias-expansion guard against "billion laughs" documents (decode.go allowedAliasRatio).
function allowedAliasRatio(decodeCount: number): number {
  if (decodeCount <= 400_000) return 0.99;
  if (decodeCount >= 4_000_000) return 0.1;
  return 0.99 - 0.89 * ((decodeCount - 400_000) / 3_600_000);
}

interface FieldIndex {
  exact: Map<string, FoundField>;
  folded: Map<string, FoundField>;
}
const fieldIndexes = new WeakMap<GoStruct, FieldIndex>();

/**
 * The fields of a struct with its embedded structs' fields promoted, as encoding/json sees them: a
 * shallower field hides a deeper one of the same name. Matched exactly, else case-insensitively.
 */
function fieldFor(t: GoStruct, key: string): FoundField | undefined {
  let index = fieldIndexes.get(t);
  if (!index) {
    index = { exact: new Map(), folded: new Map() };
    let level: { type: GoStruct; via: string[] }[] = [{ type: t, via: [] }];
    while (level.length > 0) {
      const next: typeof level = [];
      for (const { type, via } of level) {
        for (const [name, fieldType] of Object.entries(type.fields)) {
          if (index.exact.has(name)) continue;
          const found = { name, type: fieldType, via };
          index.exact.set(name, found);
          if (!index.folded.has(name.toLowerCase())) index.folded.set(name.toLowerCase(), found);
        }
        for (const e of type.embedded ?? []) next.push({ type: e.type, via: [...via, e.name] });
      }
      level = next;
    }
    fieldIndexes.set(t, index);
  }
  return index.exact.get(key) ?? index.folded.get(key.toLowerCase());
}

/**
 * The type sigs.k8s.io/yaml converts a value against (its `jsonTarget`), which decides whether a number or
 * boolean becomes a string: only where the target is a string. For a field promoted from an embedded
 * struct it takes `t.Field(f.index[0])`, the embedded struct rather than the field, so below a promoted
 * field (`name`, `labels`, `spec` of a job; every section of config.yaml) nothing is converted, and a
 * number in a string field is a type error, as in Prow. Types with their own UnmarshalJSON have none.
 */
function conversionTarget(target: GoType | undefined, key: string): GoType | undefined {
  if (target?.kind === 'map') return target.elem;
  if (target?.kind !== 'struct') return undefined;
  const field = fieldFor(target, key);
  if (!field) return undefined;
  if (field.via.length === 0) return field.type;
  return (target.embedded ?? []).find((e) => e.name === field.via[0])?.type;
}

/** Sets a key on a plain object; `__proto__` becomes an ordinary own property. */
function setKey(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function describe(s: GoScalar): string {
  return s.kind === 'string' ? 'string' : s.kind === 'bool' ? 'bool' : 'number';
}

function checkMarshalable(s: GoScalar): void {
  if (s.kind === 'float' && !Number.isFinite(s.value)) {
    throw new GoYamlError(
      `json: unsupported value: ${Number.isNaN(s.value) ? 'NaN' : s.value > 0 ? '+Inf' : '-Inf'}`,
    );
  }
}

class Decoder {
  readonly problems: DecodeProblem[] = [];
  private decodeCount = 0;
  private aliasCount = 0;
  private aliasDepth = 0;
  private readonly expanding = new Set<YamlNode>();
  /** Aliases being expanded, innermost last (for the depth error). */
  private readonly aliases: string[] = [];
  /** Mappings and sequences open in the expanded tree. */
  private depth = 0;
  private structName = '';
  private readonly fieldStack: string[] = [];
  private readonly location: (string | number)[] = [];

  private count(): void {
    this.decodeCount++;
    if (this.aliasDepth > 0) this.aliasCount++;
    if (
      this.aliasCount > 100 &&
      this.decodeCount > 1000 &&
      this.aliasCount / this.decodeCount > allowedAliasRatio(this.decodeCount)
    ) {
      throw new GoYamlError('yaml: document contains excessive aliasing');
    }
  }

  /** Follows an alias with go-yaml's self-reference check, running `fn` on the anchored node. */
  private throughAlias<T>(node: YamlNode, fn: (target: AnchoredNode) => T): T {
    if (node.kind !== NodeKind.Alias) return fn(node);
    if (this.expanding.has(node.target))
      throw new GoYamlError(`yaml: anchor '${node.name}' value contains itself`);
    this.expanding.add(node.target);
    this.aliases.push(node.name);
    this.aliasDepth++;
    try {
      this.count();
      return fn(node.target);
    } finally {
      this.aliasDepth--;
      this.aliases.pop();
      this.expanding.delete(node.target);
    }
  }

  /**
   * Enters one level of the expanded tree. The parser bounds the nesting of the text; aliases nest
   * anchored trees inside each other, so the expanded tree is bounded here too: the decoder is recursive
   * and must not run out of stack (30 anchors each aliasing the last inside 900 levels nest 27,000 deep).
   * Callers leave with `this.depth--` in a finally block (no closure: each frame counts).
   */
  private enter(): void {
    if (++this.depth > MAX_DEPTH) {
      this.depth--;
      const alias = this.aliases[this.aliases.length - 1];
      throw new GoYamlError(
        `yaml: nesting exceeded maxDepth (${MAX_DEPTH})${alias === undefined ? '' : ` while expanding alias '${alias}'`}`,
      );
    }
  }

  private typeError(value: string, t: GoType): void {
    const target = goTypeName(t);
    const message =
      this.structName || this.fieldStack.length > 0
        ? `json: cannot unmarshal ${value} into Go struct field ${this.structName}.${this.fieldStack.join('.')} of type ${target}`
        : `json: cannot unmarshal ${value} into Go value of type ${target}`;
    this.problems.push({ location: [...this.location], message });
  }

  /** Decodes `node` into `t`; `target` is sigs.k8s.io/yaml's conversion target (see conversionTarget). */
  decode(node: YamlNode | undefined, t: GoType, target: GoType | undefined): unknown {
    if (!node) return undefined;
    this.count();
    if (node.kind !== NodeKind.Alias) return this.value(node, t, target);
    return this.throughAlias(node, (n) => this.value(n, t, target));
  }

  private value(n: AnchoredNode, t: GoType, target: GoType | undefined): unknown {
    if (n.kind === NodeKind.Scalar)
      return this.scalar(resolveScalar(n.value, n.tag, n.plain), t, target?.kind === 'string');
    this.enter();
    try {
      if (n.kind === NodeKind.Sequence) return this.sequence(n, t, target);
      if (t.kind === 'struct') return this.struct(n, t, target);
      if (t.kind === 'map') return this.map(n, t.elem, target);
      if (t.kind === 'raw') return this.map(n, t, undefined);
      this.typeError('object', t);
      this.map(n, { kind: 'raw' }, undefined);
      return undefined;
    } finally {
      this.depth--;
    }
  }

  private sequence(n: SequenceNode, t: GoType, target: GoType | undefined): unknown {
    if (t.kind !== 'slice' && t.kind !== 'raw') {
      this.typeError('array', t);
      for (const child of n.children) this.decode(child, { kind: 'raw' }, undefined);
      return undefined;
    }
    const elem: GoType = t.kind === 'slice' ? t.elem : t;
    const elemTarget = target?.kind === 'slice' ? target.elem : undefined;
    return n.children.map((child, index) => {
      this.location.push(index);
      const value = this.decode(child, elem, elemTarget);
      this.location.pop();
      // A null (or mistyped) element of a slice is the element's zero value.
      return value === undefined ? zeroValue(elem) : value;
    });
  }

  /** A node that sigs.k8s.io/yaml turns into JSON null (`null`, `~`, an empty value), through aliases. */
  private isNull(node: YamlNode): boolean {
    const target = node.kind === NodeKind.Alias ? node.target : node;
    return (
      target.kind === NodeKind.Scalar && resolveScalar(target.value, target.tag, target.plain).kind === 'null'
    );
  }

  /** `convert`: sigs.k8s.io/yaml turns a number or boolean into a string here (its target is a string). */
  private scalar(s: GoScalar, t: GoType, convert: boolean): unknown {
    if (s.kind === 'null') return t.kind === 'raw' ? null : undefined;
    if (t.kind === 'string') {
      if (s.kind === 'string' || convert) return goScalarText(s);
      checkMarshalable(s);
      this.typeError(describe(s), t);
      return undefined;
    }
    checkMarshalable(s);
    switch (t.kind) {
      case 'raw':
        return s.kind === 'int' ? Number(s.text) : s.value;
      case 'bool':
        if (s.kind === 'bool') return s.value;
        break;
      case 'int': {
        if (s.kind !== 'int' && s.kind !== 'float') break;
        const text = goJsonNumberText(s);
        const [min, max] = INT_RANGES[t.name] ?? (INT_RANGES.int as [bigint, bigint]);
        if (/^-?[0-9]+$/.test(text) && BigInt(text) >= min && BigInt(text) <= max) return Number(text);
        this.typeError(`number ${text}`, t);
        return undefined;
      }
      case 'duration':
        if (t.nanoseconds && s.kind === 'int') {
          const text = goJsonNumberText(s);
          const [min, max] = INT_RANGES.int64 as [bigint, bigint];
          if (/^-?[0-9]+$/.test(text) && BigInt(text) >= min && BigInt(text) <= max) return `${text}ns`;
        }
        if (s.kind !== 'string') {
          this.problems.push({
            location: [...this.location],
            message: `json: cannot unmarshal ${describe(s)} into Go value of type string`,
          });
          return undefined;
        }
        if (!goDuration.test(s.value)) {
          this.problems.push({
            location: [...this.location],
            message: `time: invalid duration ${JSON.stringify(s.value)}`,
          });
          return undefined;
        }
        return s.value;
    }
    this.typeError(describe(s), t);
    return undefined;
  }

  /** The mapping's keys and values after go-yaml's duplicate-key and merge-key rules. */
  private entries(node: MappingNode): Map<string, YamlNode> {
    const entries = new Map<string, YamlNode>();
    this.mergeInto(entries, node);
    return entries;
  }

  private mergeInto(entries: Map<string, YamlNode>, node: MappingNode): void {
    const children = node.children;
    for (let i = 0; i + 1 < children.length; i += 2) {
      const key = children[i] as YamlNode;
      const value = children[i + 1] as YamlNode;
      if (
        key.kind === NodeKind.Scalar &&
        key.value === '<<' &&
        ((key.plain && key.tag === undefined) || key.tag === MERGE_TAG)
      ) {
        this.merge(entries, value);
        continue;
      }
      this.count();
      const text = this.throughAlias(key, (k) => {
        if (k.kind !== NodeKind.Scalar)
          throw new GoYamlError('yaml: invalid map key: a key must be a scalar');
        return goMapKey(resolveScalar(k.value, k.tag, k.plain));
      });
      entries.delete(text); // a repeated key keeps the last value
      entries.set(text, value);
    }
  }

  private merge(entries: Map<string, YamlNode>, value: YamlNode): void {
    // Merged maps may merge others in turn, one anchor inside the next: bounded like nesting.
    this.enter();
    try {
      this.mergeValue(entries, value);
    } finally {
      this.depth--;
    }
  }

  private mergeValue(entries: Map<string, YamlNode>, value: YamlNode): void {
    const wantMap = (): never => {
      throw new GoYamlError('yaml: map merge requires map or sequence of maps as the value');
    };
    this.count();
    if (value.kind === NodeKind.Sequence) {
      // go-yaml steps backwards so that earlier maps take precedence.
      for (let i = value.children.length - 1; i >= 0; i--) {
        const item = value.children[i] as YamlNode;
        this.count();
        this.throughAlias(item, (m) =>
          m.kind === NodeKind.Mapping ? this.mergeInto(entries, m) : wantMap(),
        );
      }
      return;
    }
    this.throughAlias(value, (m) => (m.kind === NodeKind.Mapping ? this.mergeInto(entries, m) : wantMap()));
  }

  private sortedEntries(node: MappingNode): [string, YamlNode][] {
    // encoding/json sees the keys in the order json.Marshal wrote them: sorted.
    return [...this.entries(node)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  private map(node: MappingNode, elem: GoType, target: GoType | undefined): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    // Document order: Go sorts the keys, but a map's keys are distinct, so the order changes nothing.
    for (const [key, value] of this.entries(node)) {
      this.location.push(key);
      const decoded = this.decode(value, elem, conversionTarget(target, key));
      this.location.pop();
      // A null (or mistyped) value is stored as the element's zero value: the key stays, as in Go.
      setKey(out, key, decoded === undefined ? zeroValue(elem) : decoded);
    }
    return out;
  }

  private struct(node: MappingNode, t: GoStruct, target: GoType | undefined): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of this.sortedEntries(node)) {
      const field = fieldFor(t, key);
      this.location.push(field?.name ?? key);
      if (field === undefined) {
        const raw = this.decode(value, { kind: 'raw' }, undefined);
        // An unmodeled field of an open struct is a pointer, slice or map in Go: null leaves it unset.
        if (t.open && raw !== null) setKey(out, key, raw);
      } else {
        const savedStruct = this.structName;
        this.structName = t.name.slice(t.name.indexOf('.') + 1);
        this.fieldStack.push(...field.via, field.name);
        const decoded = this.decode(value, field.type, conversionTarget(target, key));
        this.fieldStack.length -= field.via.length + 1;
        this.structName = savedStruct;
        if (decoded !== undefined && decoded !== null) out[field.name] = decoded;
        // encoding/json: null sets a slice, map, pointer or interface to nil (undoing an earlier key that
        // matched the same field case-insensitively) and leaves a scalar or struct as it was.
        else if (nilable(field.type) && this.isNull(value)) delete out[field.name];
      }
      this.location.pop();
    }
    return out;
  }
}

/**
 * The value Go leaves for a null or mistyped element of a slice or map, as consumers see it: a nil slice
 * or map is an empty one (Go ranges over both alike, so `presubmits: {org/repo: null}` is a repository
 * without jobs), a nil interface is null, a duration (a nil *Duration) is unset.
 */
function zeroValue(t: GoType): unknown {
  switch (t.kind) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'int':
      return 0;
    case 'struct':
    case 'map':
      return {};
    case 'slice':
      return [];
    case 'duration':
      return undefined;
    case 'raw':
      return null;
  }
}

/** Go kinds that JSON null sets to nil rather than leaving alone. */
function nilable(t: GoType): boolean {
  return t.kind === 'slice' || t.kind === 'map' || t.kind === 'raw' || t.kind === 'duration';
}

export interface DecodedDocument<T> {
  /** Undefined for a file with no document, which Prow reads as empty. */
  value: T | undefined;
  problems: DecodeProblem[];
}

/**
 * Decodes a parsed document into `t`. Throws GoYamlError (with sigs.k8s.io/yaml's `error converting YAML
 * to JSON: ` prefix) when the YAML to JSON step fails; type errors are collected in `problems`.
 */
export function decodeDocument<T>(root: YamlNode | undefined, t: GoType): DecodedDocument<T> {
  const decoder = new Decoder();
  try {
    const value = decoder.decode(root, t, t) as T | undefined;
    return { value, problems: decoder.problems };
  } catch (error) {
    if (error instanceof GoYamlError)
      throw new GoYamlError(`error converting YAML to JSON: ${error.message}`);
    throw error;
  }
}
