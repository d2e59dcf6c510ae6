import { prng } from '../../sandbox/github/scenario-generator';
import {
  visit,
  Alias,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  Pair,
  parseDocument,
  Scalar,
  YAMLMap,
  YAMLSeq,
  type Document,
  type Node,
} from 'yaml';

/**
 * A seeded generator of mutations of real Prow config files, for the differential tests against Prow's own
 * loader. Each mutation edits one place of a parsed file (a job file or the Prow config): null and empty
 * values at every level and field type, YAML 1.1 scalars, wrong types, bad regexes, duplicate keys,
 * anchors and merge keys, key casing, duplicated jobs, component (V11) settings. Values are written as raw
 * YAML text (through placeholders), so what the loaders see is exactly the YAML under test, not what a
 * JavaScript YAML library would make of it.
 */

/** The scenario generator's mulberry32: the same sequence for the same seed on every machine. */
export const seededRandom = prng;

export type Random = () => number;
const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;

// Raw YAML values, by the class of mutation they exercise.
const NULLS = ['null', '~', '', 'Null', 'NULL'];
const EMPTIES = ['""', "''", '[]', '{}'];
const YAML11 = [
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  'Y',
  'N',
  'Yes',
  'NO',
  'On',
  'OFF',
  'True',
  'FALSE',
  'TRUE',
  '0777',
  '0o17',
  '0x1F',
  '1_000',
  '.inf',
  '-.Inf',
  '.nan',
  '.',
  '=',
  '1e3',
  '+1',
  '-0',
  '2001-12-14',
  '12:30:00',
  '190:20:30',
  '0b101',
  '"yes"',
  "'on'",
  '!!str yes',
  '!!bool "true"',
  '!!int "3"',
  '!!binary aGVsbG8=',
  '!!null ""',
  '!!float 1',
  '!!str',
  '1.0',
  '0.',
  '+.5',
  '0x_1F',
  '1__0',
];
const WRONG_TYPES = [
  '42',
  '3.5',
  'true',
  'false',
  '"text"',
  '[x]',
  '[1, 2]',
  '{a: b}',
  '{name: x}',
  '[[a]]',
  '-1',
  '0',
  '18446744073709551616',
  '9223372036854775807',
  '2147483648',
  '[{}]',
  '[null]',
  '{a: null}',
];
const BAD_REGEXES = [
  '(',
  '[a-',
  'a{1001}',
  '(?=x)',
  '\\1',
  '(?<n>x)',
  '\\p{Foo}',
  '*',
  'a**',
  'x{2,1}',
  '\\C',
  '(?i)ok',
  '\\Q.*\\E',
  '[[:word:]]',
  '\\z',
  '\\Z',
  '(?P<n>x)',
  'a{1000}',
  '^(a|b)$',
  '.*\\.go$',
  '[',
  '\\',
  '(?s).',
  '\\b',
  '(?U)a+',
  'x{,3}',
  '\\8',
  '[z-a]',
  '(?P=n)',
  '\\pN',
  '\\e',
  ')',
  '(?',
  '(?#c)',
  '[[:alpha:]-z]',
  '\\x{110000}',
  '(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\\10',
  '^$',
  '',
  '|',
  '(|a)',
  '\\Q',
  'a{2}{3}',
  '(?i',
  '(?P<>a)',
  '(?P<a>x)(?P<a>y)',
  '[^\\x00-\\x{10FFFF}]',
  '\\pL+',
  'a++',
  'a?+',
];
/** A regex as a YAML single-quoted scalar. */
const quoted = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** Raw values for one field of a job: its own cases, then the generic ones. */
const JOB_FIELDS: Record<string, string[]> = {
  name: ['""', 'a/b', 'UPPER_case.ok-1', 'x'.repeat(64), 'spaces here', '"é"', '"-lead"', '.', '"a:b"'],
  context: ['ctx', '""', 'null', 'pull-kubernetes-e2e-gce', '"with space"', '"a/b"'],
  always_run: ['true', 'false', 'yes', 'off', '"true"', '1', 'null'],
  optional: ['true', 'false', 'on', 'NO', '"false"', '0', 'null'],
  skip_report: ['true', 'false', 'y', '"yes"', 'null'],
  run_if_changed: ['"^docs/"', '""', 'null', ...BAD_REGEXES.slice(0, 12).map(quoted), '[a]'],
  skip_if_only_changed: ['"^docs/"', '""', 'null', ...BAD_REGEXES.slice(12, 24).map(quoted), '{}'],
  branches: [
    '[main]',
    '[]',
    '[master, main]',
    '["^release-.*$"]',
    'main',
    '[(]',
    '[""]',
    '[null]',
    '[~]',
    '[yes]',
  ],
  skip_branches: ['[main]', '[]', '["^release-.*$"]', 'release', '[[]', '[1]', 'null'],
  trigger: ['"(?m)^/test foo"', '"("', '""', '"(?m)^/test( | .* )x,?($|\\\\s.*)"', '".*"'],
  rerun_command: ['"/test foo"', '""', '"/test x"'],
  max_concurrency: ['-1', '0', '1.5', '"3"', '1e2', '4294967296'],
  decorate: ['yes', '"true"', 'null', 'false'],
  cluster: ['""', 'other', 'null'],
  agent: ['tekton-pipeline', 'jenkins', '""', 'bogus', 'kubernetes'],
  namespace: ['other', '""', 'null', 'test-pods'],
  labels: [
    '{"a/b": "c"}',
    '{"bad key!": x}',
    '{preset-dind-enabled: "true"}',
    '{prow.k8s.io/type: x}',
    '{a: [b]}',
    '{a: 1}',
    '{a: null}',
  ],
  annotations: ['{"a/b": "c"}', '{"bad key!": x}', '{a: 1}', '{a: null}'],
  hidden: ['true', 'yes'],
  run_before_merge: ['true', '"true"'],
  job_queue_name: ['nope', '""'],
  clone_uri: ['"::"', '"https://x"', '"%zz"'],
  reporter_config: ['{slack: {channel: x}}', '{slack: {job_states_to_report: [bogus]}}', 'null', '[]'],
  extra_refs: ['[{org: a, repo: b, base_ref: main}]', '[{}]', '{}', '[null]'],
  path_alias: ['k8s.io/x', '""', '[]'],
  spec: [
    'null',
    '{}',
    '{containers: []}',
    '{containers: [{image: x}]}',
    '{containers: [{image: x, command: [a]}, {image: y, command: [b]}]}',
    '[]',
    '{containers: [{}]}',
    '{containers: null}',
  ],
  decoration_config: [
    '{timeout: 1x}',
    '{timeout: 2h}',
    '{grace_period: -1s}',
    'null',
    '{}',
    '[]',
    '{timeout: 5}',
  ],
  error_on_eviction: ['true', '"no"'],
  run_if_changed_and_always_run: [],
};
const FIELD_NAMES = Object.keys(JOB_FIELDS).filter((f) => JOB_FIELDS[f]?.length);
const KEY_CASINGS: [string, string][] = [
  ['always_run', 'AlwaysRun'],
  ['always_run', 'Always_Run'],
  ['always_run', 'ALWAYS_RUN'],
  ['always_run', 'alwaysRun'],
  ['optional', 'Optional'],
  ['name', 'Name'],
  ['name', 'NAME'],
  ['context', 'Context'],
  ['branches', 'Branches'],
  ['skip_report', 'SKIP_REPORT'],
  ['run_if_changed', 'run_If_Changed'],
  ['skip_branches', 'Skip_Branches'],
  ['skip_if_only_changed', 'SkipIfOnlyChanged'],
  ['spec', 'Spec'],
  ['decorate', 'Decorate'],
];

/** Component (V11) settings of the Prow config, with values Prow may refuse. */
const PROW_FIELDS: Record<string, string[]> = {
  prowjob_namespace: ['""', 'null', 'Default', '"a b"', '[]'],
  pod_namespace: ['""', 'null', 'test-pods', '{}'],
  log_level: ['bogus', 'debug', '""', '1'],
  plank: [
    '{max_concurrency: -1}',
    '{pod_pending_timeout: 1x}',
    '{job_queue_capacities: {q: -1}}',
    'null',
    '[]',
    '{default_decoration_config_entries: [{config: {timeout: 1x}}]}',
    '{pod_running_timeout: -1h}',
    '{report_templates: {"*": "{{"}}',
  ],
  sinker: ['{resync_period: bogus}', '{max_pod_age: -1h}', 'null', '{max_prowjob_age: 1d}'],
  tide: [
    '{merge_method: {"a/b": bogus}}',
    '{sync_period: x}',
    '{queries: [{repos: [a/b], labels: [x], missingLabels: [x]}]}',
    '{queries: [{}]}',
    'null',
    '{merge_commit_template: {"a/b": {title: "{{"}}}',
    '{priority: [{labels: []}]}',
    '{context_options: {from-branch-protection: yes}}',
    '{max_goroutines: -1}',
    '{batch_size_limit: {"*": -1}}',
  ],
  deck: [
    '{spyglass: {size_limit: -1}}',
    '{rerun_auth_configs: {"*": {allow_anyone: true, github_users: [x]}}}',
    '{tide_update_period: x}',
    '{spyglass: {lenses: [{lens: {name: ""}}]}}',
    '{spyglass: {gcs_browser_prefixes: {"*": x}, gcs_browser_prefixes_by_bucket: {"*": y}}}',
    'null',
    '{default_rerun_auth_configs: [{}]}',
  ],
  gerrit: ['{tick_interval: x}', '{rate_limit: -1}', '{org_repos_config: [{}]}', 'null'],
  gangway: [
    '{allowed_api_clients: [{gcp: {}}]}',
    '{allowed_api_clients: [{allowed_jobs_filters: []}]}',
    'null',
  ],
  moonraker: ['{client_timeout: x}', '{client_timeout: -1s}', 'null'],
  slack_reporter_configs: [
    '{"*": {job_types_to_report: [bogus]}}',
    '{"*": {channel: ""}}',
    '{"a/b": {report_template: "{{"}}',
    'null',
    '[]',
  ],
  managed_webhooks: [
    '{respect_legacy_global_token: true, org_repo_config: {"a/b": {token_created_after: x}}}',
    '{org_repo_config: {"a/b": {}}}',
    'null',
  ],
  github_reporter: ['{job_types_to_report: [bogus]}', '{job_types_to_report: [presubmit]}', 'null'],
  decorate_all_jobs: ['yes', '"true"', 'null', 'false'],
  in_repo_config: [
    '{enabled: {"*": yes}}',
    '{enabled: {"*": "true"}}',
    '{allowed_clusters: {"*": [default]}}',
    'null',
    '[]',
  ],
  'branch-protection': [
    '{protect: yes}',
    '{orgs: {a: {repos: {b: {protect: "x"}}}}}',
    '{protect: true, orgs: null}',
  ],
  presubmits: [
    '{"a/b": [{name: inline, always_run: true, spec: {containers: [{image: x, command: [y]}]}}]}',
    '{"a/b": null}',
    '[]',
    'null',
  ],
  periodics: [
    '[{name: p, interval: 1h, cron: "* * * * *", spec: {containers: [{image: x, command: [y]}]}}]',
    '[{name: p, spec: {containers: [{image: x, command: [y]}]}}]',
    '[{name: p, cron: "bogus", spec: {containers: [{image: x, command: [y]}]}}]',
    '[{name: p, interval: 1x, spec: {containers: [{image: x, command: [y]}]}}]',
    '[{name: p, minimum_interval: 1h, spec: {containers: [{image: x, command: [y]}]}}]',
    'null',
  ],
  presets: [
    '[{labels: {a: b}, env: [{name: X, value: y}]}]',
    '[{labels: {a: b}}, {labels: {a: b}}]',
    'null',
    '[null]',
  ],
  default_job_timeout: ['1x', '-1h', '2h', 'null'],
  push_gateway: ['{interval: x}', '{endpoint: "::", interval: 1m}', 'null'],
  status_error_link: ['"::"', '""'],
  prowjob_default_entries: ['[{cluster: "*", config: {tenant_id: x}}]', '[{}]', 'null'],
  scheduler: ['{enabled: yes}', '{enabled: "true"}', 'null'],
  jenkins_operators: ['[{label_selector: "=="}]', '[{}]'],
  horologium: ['{tick_interval: x}'],
};

interface Slot {
  /** The collection holding the value, and the value's index in its items. */
  parent: YAMLMap | YAMLSeq;
  index: number;
  path: string;
}

const valueOf = (slot: Slot): unknown => {
  const item = slot.parent.items[slot.index];
  return isPair(item) ? item.value : item;
};

/** Every value below `node` (map values and sequence items), depth first, with its path. */
function slotsBelow(node: unknown, path: string, out: Slot[] = []): Slot[] {
  if (isMap(node))
    node.items.forEach((pair, index) => {
      const key = textOf(pair.key);
      out.push({ parent: node, index, path: `${path}.${key}` });
      slotsBelow(pair.value, `${path}.${key}`, out);
    });
  else if (isSeq(node))
    node.items.forEach((item, index) => {
      out.push({ parent: node, index, path: `${path}[${index}]` });
      slotsBelow(item, `${path}[${index}]`, out);
    });
  return out;
}

const mapsBelow = (node: unknown): YAMLMap[] => {
  const all = [node, ...slotsBelow(node, '').map(valueOf)];
  return all.filter((n): n is YAMLMap => isMap(n));
};

/** One generated variant: the mutated text of one file. */
export interface Variant {
  kind: string;
  /** Where and what was changed, e.g. `presubmits.a/b[3].branches := '('`. */
  change: string;
  text: string;
  /** Re-renders the variant after `shrink` has removed parts of the document. */
  render(): string;
  /** The parts of the document that can be removed while looking for a minimal repro. */
  removableParts(): { remove(): void; restore(): void }[];
}

/**
 * Raw YAML texts, rendered in place of placeholder scalars `RAWVALUE<i>X`. The real files' own plain
 * scalars are placeholders too, so a re-rendered file keeps them verbatim (a YAML library would otherwise
 * rewrite `.` as `.nan`, `0755` as `493`, and so on).
 */
const RAW: string[] = [];
const TOKEN = /RAWVALUE(\d+)X/g;

/** A placeholder scalar that renders as `raw`. */
function rawScalar(raw: string): Scalar {
  RAW.push(raw);
  return new Scalar(`RAWVALUE${RAW.length - 1}X`);
}

/** A scalar's text as written (a placeholder's raw text). */
export function textOf(node: unknown): string {
  const value = isScalar(node) ? node.value : node;
  const match = typeof value === 'string' ? /^RAWVALUE(\d+)X$/.exec(value) : null;
  return match ? (RAW[Number(match[1])] ?? '') : String(value);
}

/** The pair of `map` whose key is written `key`. */
function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return (map.items as Pair[]).find((pair) => textOf(pair.key) === key);
}

/** Sets `key` in `map` to a raw value: replaces the value of an existing key, or adds the key. */
function setRaw(map: YAMLMap, key: string, raw: string): void {
  const pair = pairOf(map, key);
  if (pair) pair.value = rawScalar(raw);
  else map.items.push(new Pair(rawScalar(key), rawScalar(raw)));
}

/** A parsed file whose values can be replaced by raw YAML text. */
class RawDocument {
  constructor(readonly doc: Document) {}

  raw(raw: string): Scalar {
    return rawScalar(raw);
  }

  set(slot: Slot, raw: string): void {
    const item = slot.parent.items[slot.index];
    if (isPair(item)) item.value = rawScalar(raw);
    else (slot.parent as YAMLSeq).items[slot.index] = rawScalar(raw);
  }

  render(): string {
    return this.doc.toString({ lineWidth: 0 }).replace(TOKEN, (_, i: string) => RAW[Number(i)] ?? '');
  }
}

/** Parses a real file, turning its one-line plain scalars (keys and values) into placeholders. */
export function parseYaml(text: string): Document.Parsed {
  const doc = parseDocument(text, { uniqueKeys: false });
  visit(doc, {
    Scalar(_, node) {
      if (node.type !== 'PLAIN' || !node.range) return;
      const source = text.slice(node.range[0], node.range[1]);
      if (source.includes('\n') || source.includes('RAWVALUE')) return;
      RAW.push(source);
      node.value = `RAWVALUE${RAW.length - 1}X`;
    },
  });
  return doc;
}

/** Each real file is parsed once; mutations work on clones. */
const parsed = new Map<string, Document.Parsed>();
function parsedOnce(text: string): Document.Parsed {
  let doc = parsed.get(text);
  if (!doc) parsed.set(text, (doc = parseYaml(text)));
  return doc;
}

/** The job maps of a job file: presubmits, postsubmits (per repo) and periodics, with their paths. */
function jobsOf(doc: Document): { job: YAMLMap; list: YAMLSeq; path: string; type: string }[] {
  const out: { job: YAMLMap; list: YAMLSeq; path: string; type: string }[] = [];
  const root = doc.contents;
  if (!isMap(root)) return out;
  for (const pair of root.items) {
    const type = textOf(pair.key);
    if ((type === 'presubmits' || type === 'postsubmits') && isMap(pair.value)) {
      for (const repo of pair.value.items)
        if (isSeq(repo.value))
          repo.value.items.forEach((job, i) => {
            if (isMap(job))
              out.push({
                job,
                list: repo.value as YAMLSeq,
                path: `${type}.${textOf(repo.key)}[${i}]`,
                type,
              });
          });
    } else if (type === 'periodics' && isSeq(pair.value)) {
      pair.value.items.forEach((job, i) => {
        if (isMap(job)) out.push({ job, list: pair.value as YAMLSeq, path: `periodics[${i}]`, type });
      });
    }
  }
  return out;
}

/** The pairs and list items a shrink may try to remove: jobs in their lists, then top-level keys. */
function removableParts(doc: Document): { remove(): void; restore(): void }[] {
  const parts: { remove(): void; restore(): void }[] = [];
  const removeItem = (list: YAMLMap | YAMLSeq, item: unknown) => ({
    remove: () => {
      const at = (list.items as unknown[]).indexOf(item);
      if (at >= 0) (list.items as unknown[]).splice(at, 1);
      return at;
    },
  });
  const add = (list: YAMLMap | YAMLSeq, item: unknown): void => {
    let at = -1;
    const { remove } = removeItem(list, item);
    parts.push({
      remove: () => {
        at = remove();
      },
      restore: () => {
        if (at >= 0) (list.items as unknown[]).splice(at, 0, item);
      },
    });
  };
  for (const { job, list } of jobsOf(doc)) add(list, job);
  const root = doc.contents;
  if (isMap(root)) {
    for (const pair of root.items) {
      if (isMap(pair.value)) for (const repo of pair.value.items) add(pair.value, repo);
      if (isSeq(pair.value)) for (const item of pair.value.items) add(pair.value, item);
    }
    for (const pair of root.items) add(root, pair);
  }
  return parts;
}

type Mutator = (raw: RawDocument, random: Random) => string | undefined;

const JOB_TYPE_WEIGHTS = ['presubmits', 'presubmits', 'presubmits', 'presubmits', 'postsubmits', 'periodics'];

function pickJob(raw: RawDocument, random: Random): ReturnType<typeof jobsOf>[number] | undefined {
  const jobs = jobsOf(raw.doc);
  if (jobs.length === 0) return undefined;
  const type = pick(random, JOB_TYPE_WEIGHTS);
  const ofType = jobs.filter((j) => j.type === type);
  return pick(random, ofType.length > 0 ? ofType : jobs);
}

/** A value anywhere in a random job (or anywhere in the file when `wholeFile`). */
function pickSlot(raw: RawDocument, random: Random, wholeFile = false): Slot | undefined {
  const job = wholeFile ? undefined : pickJob(raw, random);
  const slots = job ? slotsBelow(job.job, job.path) : slotsBelow(raw.doc.contents, '');
  return slots.length > 0 ? pick(random, slots) : undefined;
}

const setAnywhere =
  (values: readonly string[], wholeFile = false): Mutator =>
  (raw, random) => {
    const slot = pickSlot(raw, random, wholeFile);
    if (!slot) return undefined;
    const value = pick(random, values);
    raw.set(slot, value);
    return `${slot.path} := ${value}`;
  };

const setJobField: Mutator = (raw, random) => {
  const job = pickJob(raw, random);
  if (!job) return undefined;
  const field = pick(random, FIELD_NAMES);
  const value = pick(random, [
    ...(JOB_FIELDS[field] ?? []),
    ...pick(random, [NULLS, EMPTIES, YAML11, WRONG_TYPES]),
  ]);
  setRaw(job.job, field, value);
  return `${job.path}.${field} := ${value}`;
};

const badRegex: Mutator = (raw, random) => {
  const job = pickJob(raw, random);
  if (!job) return undefined;
  const field = pick(random, [
    'run_if_changed',
    'skip_if_only_changed',
    'branches',
    'skip_branches',
    'trigger',
  ]);
  const regex = quoted(pick(random, BAD_REGEXES));
  const existing = pairOf(job.job, field)?.value;
  if ((field === 'branches' || field === 'skip_branches') && isSeq(existing) && existing.items.length > 0) {
    const index = Math.floor(random() * existing.items.length);
    existing.items[index] = raw.raw(regex);
    return `${job.path}.${field}[${index}] := ${regex}`;
  }
  const value = field.endsWith('branches') ? `[${regex}]` : regex;
  setRaw(job.job, field, value);
  return `${job.path}.${field} := ${value}`;
};

const deleteKey: Mutator = (raw, random) => {
  const slots = (() => {
    const job = pickJob(raw, random);
    return (job ? slotsBelow(job.job, job.path) : []).filter((s) => isMap(s.parent));
  })();
  if (slots.length === 0) return undefined;
  const slot = pick(random, slots);
  slot.parent.items.splice(slot.index, 1);
  return `delete ${slot.path}`;
};

const duplicateKey =
  (wholeFile: boolean): Mutator =>
  (raw, random) => {
    const job = wholeFile ? undefined : pickJob(raw, random);
    const maps = mapsBelow(job ? job.job : raw.doc.contents).filter((m) => m.items.length > 0);
    if (maps.length === 0) return undefined;
    const map = pick(random, maps);
    const index = Math.floor(random() * map.items.length);
    const original = map.items[index] as Pair;
    const key = textOf(original.key);
    const value = pick(random, [undefined, ...NULLS, ...YAML11.slice(0, 14), ...WRONG_TYPES.slice(0, 8)]);
    const copy = new Pair(
      raw.raw(key),
      value === undefined ? ((original.value as Node)?.clone?.() ?? null) : raw.raw(value),
    );
    const before = random() < 0.3;
    map.items.splice(before ? index : index + 1, 0, copy);
    return `duplicate key ${key} ${before ? 'before' : 'after'} the original${value === undefined ? ' (same value)' : ` := ${value}`}`;
  };

const keyCasing: Mutator = (raw, random) => {
  const job = pickJob(raw, random);
  if (!job) return undefined;
  const [field, variant] = pick(random, KEY_CASINGS);
  const value = pick(random, [...(JOB_FIELDS[field] ?? ['x']), 'true', 'false']);
  setRaw(job.job, variant, value);
  return `${job.path}.${variant} := ${value}`;
};

let anchorCount = 0;
const anchorName = (): string => `a${anchorCount++}`;

/** A later value becomes an alias of an earlier one (a whole job, a field, a scalar). */
const aliasValue: Mutator = (raw, random) => {
  const slots = slotsBelow(raw.doc.contents, '');
  if (slots.length < 2) return undefined;
  const later = Math.floor(random() * (slots.length - 1)) + 1;
  const target = slots[later] as Slot;
  // Prefer an earlier value of the same kind (a job for a job, a scalar for a scalar).
  const targetValue = valueOf(target);
  const sameKind = slots
    .slice(0, later)
    .filter((s) => isMap(valueOf(s)) === isMap(targetValue) && isSeq(valueOf(s)) === isSeq(targetValue))
    .filter((s) => !target.path.startsWith(s.path));
  const source = sameKind.length > 0 ? pick(random, sameKind) : undefined;
  const node = source && (valueOf(source) as Node | null);
  if (!source || !node || isAlias(node) || typeof node !== 'object') return undefined;
  node.anchor ??= anchorName();
  const alias = new Alias(node.anchor);
  if (isPair(target.parent.items[target.index])) (target.parent.items[target.index] as Pair).value = alias;
  else (target.parent as YAMLSeq).items[target.index] = alias;
  return `${target.path} := *${node.anchor} (${source.path})`;
};

/** `<<: *anchor` (or a list of them, or an inline map, or a bad value) in a job. */
const mergeKey: Mutator = (raw, random) => {
  const jobs = jobsOf(raw.doc);
  if (jobs.length === 0) return undefined;
  const at = Math.floor(random() * jobs.length);
  const target = jobs[at] as ReturnType<typeof jobsOf>[number];
  const earlier = jobs.slice(0, at);
  const style = pick(random, ['job', 'job', 'two', 'inline', 'bad', 'field']);
  let value: Node;
  let what: string;
  if ((style === 'job' || style === 'two') && earlier.length > 0) {
    const a = pick(random, earlier).job;
    a.anchor ??= anchorName();
    if (style === 'two' && earlier.length > 1) {
      const b = pick(random, earlier).job;
      b.anchor ??= anchorName();
      const seq = new YAMLSeq();
      seq.flow = true;
      seq.items.push(new Alias(a.anchor), new Alias(b.anchor));
      value = seq;
      what = `[*${a.anchor}, *${b.anchor}]`;
    } else {
      value = new Alias(a.anchor);
      what = `*${a.anchor}`;
    }
  } else if (style === 'field') {
    const field = pick(random, [
      'always_run',
      'optional',
      'skip_report',
      'context',
      'branches',
      'run_if_changed',
      'name',
    ]);
    const v = pick(random, JOB_FIELDS[field] ?? ['x']);
    what = `{${field}: ${v}}`;
    value = raw.raw(what);
  } else if (style === 'bad') {
    what = pick(random, ['5', '[1]', 'null', 'x', '[{a: b}, 3]', '*undefined_anchor']);
    value = raw.raw(what);
  } else {
    what = pick(random, [
      '{always_run: true}',
      '{optional: yes}',
      '{name: merged}',
      '{context: merged}',
      '{}',
    ]);
    value = raw.raw(what);
  }
  const pair = new Pair(raw.raw('<<'), value);
  if (random() < 0.5) target.job.items.unshift(pair);
  else target.job.items.push(pair);
  return `${target.path}: <<: ${what}`;
};

/** A presubmit copied next to itself, with a change that matters to V8/V9 (names, contexts, branches). */
const duplicateJob: Mutator = (raw, random) => {
  const job = pickJob(raw, random);
  if (!job) return undefined;
  const copy = job.job.clone() as YAMLMap;
  copy.anchor = undefined;
  const change = pick(random, ['same', 'context', 'branches', 'skip_branches', 'name', 'both-branches']);
  if (change === 'context') setRaw(copy, 'name', `${textOf(pairOf(job.job, 'name')?.value)}-copy`);
  if (change === 'branches')
    setRaw(copy, 'branches', pick(random, ['[main]', '[release-1.0]', '[master]', '["release-.*"]']));
  if (change === 'skip_branches')
    setRaw(copy, 'skip_branches', pick(random, ['[main]', '[master]', '["release-.*"]']));
  if (change === 'name') setRaw(copy, 'context', `${textOf(pairOf(job.job, 'name')?.value)}-ctx`);
  if (change === 'both-branches') {
    setRaw(job.job, 'branches', '[main]');
    setRaw(copy, 'branches', pick(random, ['[main]', '[master]', '[main, master]']));
  }
  job.list.items.splice(job.list.items.indexOf(job.job) + 1, 0, copy);
  return `${job.path} duplicated (${change})`;
};

/** The shape of the file itself: top-level sections and repository keys. */
const structure: Mutator = (raw, random) => {
  const root = raw.doc.contents as unknown;
  if (!isMap(root) || root.items.length === 0) return undefined;
  const section = pick(random, root.items as Pair[]);
  const name = textOf(section.key);
  const choice = pick(random, ['section-value', 'repo-key', 'repo-value', 'job-item']);
  if (choice === 'section-value' || !isMap(section.value) || section.value.items.length === 0) {
    const value = pick(random, [...NULLS, ...EMPTIES, '[x]', 'x', '{"a/b": x}', '[{name: x}]']);
    section.value = raw.raw(value);
    return `${name} := ${value}`;
  }
  const repo = pick(random, section.value.items);
  if (choice === 'repo-key') {
    const key = pick(random, [
      'org',
      '""',
      'a/b/c',
      'yes',
      '~',
      '123',
      '"kubernetes/kubernetes"',
      'null',
      '[a]',
    ]);
    repo.key = raw.raw(key);
    return `${name}: repository key := ${key}`;
  }
  if (choice === 'repo-value' || !isSeq(repo.value)) {
    const value = pick(random, [...NULLS, ...EMPTIES, 'x', '{name: x}', '[x]', '[null]', '[[]]']);
    repo.value = raw.raw(value);
    return `${name}.${textOf(repo.key)} := ${value}`;
  }
  const value = pick(random, ['null', '~', '""', 'x', '[]', '{}', '{name: ""}', '{name: x}']);
  repo.value.items.push(raw.raw(value));
  return `${name}.${textOf(repo.key)} += ${value}`;
};

const setProwField: Mutator = (raw, random) => {
  const root = raw.doc.contents;
  if (!isMap(root)) return undefined;
  const field = pick(random, Object.keys(PROW_FIELDS));
  const value = pick(random, PROW_FIELDS[field] ?? []);
  setRaw(root, field, value);
  return `${field} := ${value}`;
};

/** A component setting replaced by a value of another kind, or nulled, below any of its keys. */
const setProwNested: Mutator = (raw, random) => {
  const root = raw.doc.contents;
  if (!isMap(root) || root.items.length === 0) return undefined;
  const section = pick(random, root.items);
  const slots = slotsBelow(section.value, textOf(section.key));
  if (slots.length === 0) return undefined;
  const slot = pick(random, slots);
  const value = pick(random, pick(random, [NULLS, EMPTIES, YAML11, WRONG_TYPES]));
  raw.set(slot, value);
  return `${slot.path} := ${value}`;
};

export const JOB_MUTATIONS: Record<string, Mutator> = {
  null: setAnywhere(NULLS),
  empty: setAnywhere(EMPTIES),
  'yaml 1.1 scalar': setAnywhere(YAML11),
  'wrong type': setAnywhere(WRONG_TYPES),
  'job field': setJobField,
  'bad regex': badRegex,
  'delete key': deleteKey,
  'duplicate key': duplicateKey(false),
  'key casing': keyCasing,
  'anchor alias': aliasValue,
  'merge key': mergeKey,
  'duplicate job': duplicateJob,
  'file structure': structure,
};

export const PROW_MUTATIONS: Record<string, Mutator> = {
  'component setting': setProwField,
  'component value': setProwNested,
  'prow null': setAnywhere(NULLS, true),
  'prow duplicate key': duplicateKey(true),
};

/** Applies one mutation of `kind` to a fresh parse of `text`, or returns undefined when it does not apply. */
export function mutate(text: string, kind: string, random: Random): Variant | undefined {
  const mutator = JOB_MUTATIONS[kind] ?? PROW_MUTATIONS[kind];
  if (!mutator) throw new Error(`unknown mutation ${kind}`);
  const raw = new RawDocument(parsedOnce(text).clone());
  const change = mutator(raw, random);
  if (change === undefined) return undefined;
  let rendered: string;
  try {
    rendered = raw.render();
  } catch {
    return undefined; // e.g. an alias rendered before its anchor: not a variant
  }
  return {
    kind,
    change,
    text: rendered,
    render: () => raw.render(),
    removableParts: () => removableParts(raw.doc),
  };
}

/** A real file rendered back without any mutation (the generator's base: must mean what the file means). */
export function renderUnmutated(text: string): string {
  return new RawDocument(parsedOnce(text).clone()).render();
}
