import { EVENT_ID, parseEvents, getScalarValue, SCALAR_STYLE, YAMLException, type Event } from 'js-yaml';
import { GoYamlError } from './go-yaml-scalar';

/**
 * The node tree go-yaml v2 builds from the YAML event stream (its parser.go), which Prow's decoding then
 * walks (V14). js-yaml's event parser is used for the syntax: its events are libyaml's (go-yaml v2 is a
 * port of libyaml), and it parses the 603 files of the Kubernetes config in about 0.3 s where `yaml`'s
 * composer takes 2 to 5 s on this machine. Everything after the events (scalar resolution, merge keys,
 * duplicate keys, aliases) is done here and in go-json-decode.ts with go-yaml's own rules, because neither
 * JavaScript library reproduces them (`yaml`'s YAML 1.1 schema reads `.` as NaN; both apply `<<` with
 * YAML-spec precedence where go-yaml lets a later merge overwrite earlier keys).
 */

export const NodeKind = { Scalar: 0, Mapping: 1, Sequence: 2, Alias: 3 } as const;

export class ScalarNode {
  readonly kind = NodeKind.Scalar;
  constructor(
    readonly value: string,
    /** The resolved tag (`tag:yaml.org,2002:str`, `!custom`, `!`), undefined when there is none. */
    readonly tag: string | undefined,
    /** A plain (unquoted, non-block) scalar: only these are resolved to booleans, numbers and nulls. */
    readonly plain: boolean,
    readonly offset: number,
  ) {}
}

export class MappingNode {
  readonly kind = NodeKind.Mapping;
  /** Keys and values alternating, in document order. */
  readonly children: YamlNode[] = [];
  constructor(readonly offset: number) {}
}

export class SequenceNode {
  readonly kind = NodeKind.Sequence;
  readonly children: YamlNode[] = [];
  constructor(readonly offset: number) {}
}

export class AliasNode {
  readonly kind = NodeKind.Alias;
  constructor(
    readonly name: string,
    /** An anchor is on a scalar, mapping or sequence, never on an alias. */
    readonly target: AnchoredNode,
    readonly offset: number,
  ) {}
}

export type AnchoredNode = ScalarNode | MappingNode | SequenceNode;
export type YamlNode = AnchoredNode | AliasNode;

/**
 * The same characters in a string that does not keep the file's text alive. V8 represents a substring of 13
 * or more characters as a view into its parent ("sliced string"), and a concatenation as a pair of views
 * ("cons string"), so every value decoded from a file would hold the whole text of the file for as long as
 * the loaded config lives: ~75 MB at ten times the Kubernetes config, and the load's peak with it.
 * Slicing a fresh concatenation makes V8 copy the characters into a new string first.
 */
function detached(value: string): string {
  return value.length < 13 ? value : (' ' + value).slice(1);
}

/**
 * Nesting deeper than this is rejected. go-yaml allows 10000 levels; a Prow config needs about 15, and
 * the limit keeps a hostile file from exhausting the stack of the recursive decoder.
 */
export const MAX_DEPTH = 1000;

const TAG_PREFIX = 'tag:yaml.org,2002:';

function resolveTag(text: string, handles: Map<string, string>): string {
  if (text.startsWith('!<') && text.endsWith('>')) return text.slice(2, -1);
  if (text === '!') return '!';
  const second = text.indexOf('!', 1);
  if (second > 0) {
    const handle = text.slice(0, second + 1);
    const prefix = handles.get(handle) ?? (handle === '!!' ? TAG_PREFIX : undefined);
    if (prefix !== undefined) return prefix + decodeURIComponent(text.slice(second + 1));
    return text;
  }
  const primary = handles.get('!');
  return primary !== undefined ? primary + text.slice(1) : text;
}

/** 1-based line of an offset, for error messages only. */
export function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * Parses the first YAML document of `text` as go-yaml v2 does (`yaml.Unmarshal` reads only the first);
 * undefined when the text holds no document (empty, or only comments), which Prow reads as an empty
 * config. Syntax errors throw GoYamlError `yaml: line N: reason`.
 */
export function parseGoYaml(text: string): YamlNode | undefined {
  let events: Event[];
  try {
    events = parseEvents(text, { maxDepth: MAX_DEPTH });
  } catch (error) {
    if (error instanceof YAMLException) {
      const line = error.mark ? `line ${error.mark.line + 1}: ` : '';
      throw new GoYamlError(`yaml: ${line}${error.reason}`);
    }
    throw error;
  }
  const first = events[0];
  if (!first || first.type !== EVENT_ID.DOCUMENT) return undefined;
  const handles = new Map<string, string>();
  for (const directive of first.directives)
    if (directive.kind === 'tag') handles.set(directive.handle, directive.prefix);

  const anchors = new Map<string, AnchoredNode>();
  const stack: (MappingNode | SequenceNode)[] = [];
  let root: YamlNode | undefined;
  const attach = (node: YamlNode): void => {
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(node);
    else root ??= node;
  };
  const anchor = (start: number, end: number, node: AnchoredNode): void => {
    if (start >= 0) anchors.set(text.slice(start, end), node);
  };

  for (let i = 1; i < events.length; i++) {
    const event = events[i] as Event;
    switch (event.type) {
      case EVENT_ID.SCALAR: {
        const value = detached(
          event.fast ? text.slice(event.valueStart, event.valueEnd) : getScalarValue(text, event),
        );
        const tag =
          event.tagStart >= 0 ? resolveTag(text.slice(event.tagStart, event.tagEnd), handles) : undefined;
        const node = new ScalarNode(
          value,
          tag,
          event.style === SCALAR_STYLE.PLAIN,
          Math.max(event.valueStart, 0),
        );
        anchor(event.anchorStart, event.anchorEnd, node);
        attach(node);
        break;
      }
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE: {
        const node =
          event.type === EVENT_ID.MAPPING ? new MappingNode(event.start) : new SequenceNode(event.start);
        anchor(event.anchorStart, event.anchorEnd, node);
        attach(node);
        stack.push(node);
        break;
      }
      case EVENT_ID.ALIAS: {
        const name = text.slice(event.anchorStart, event.anchorEnd);
        const target = anchors.get(name);
        if (!target)
          throw new GoYamlError(
            `yaml: line ${lineOf(text, event.anchorStart)}: unknown anchor '${name}' referenced`,
          );
        attach(new AliasNode(name, target, event.anchorStart));
        break;
      }
      case EVENT_ID.POP:
        if (stack.length === 0) return root; // end of the first document
        stack.pop();
        break;
      case EVENT_ID.DOCUMENT:
        return root;
    }
  }
  return root;
}
