import { ApplicationFailure } from '@temporalio/activity';
import { loadFailure } from '../../activities/index';
import { parseConfigText, type DocumentKind } from '../../src/config/files/config-document';
import {
  ConfigInternalError,
  ConfigInvalidError,
  ConfigReadError,
  formatProblem,
} from '../../src/config/errors';
import { loadConfig } from '../../src/config/load';
import { ParseCache } from '../../src/config/files/parse-cache';
import type { ConfigSource } from '../../src/config/types';
import { checkConfig } from '../../src/config/check-config';
import { configTree, MINIMAL_PROW_CONFIG, validJob, type ConfigTree } from './config-tree';

/**
 * Null and empty values decode as Prow decodes them (sigs.k8s.io/yaml, then encoding/json), checked
 * against a Go program using sigs.k8s.io/yaml v1.6.0 (Prow's version): null into a slice, map, pointer or
 * interface is nil; into a string, number, bool or struct it changes nothing; an empty document is JSON
 * null. Consumers see a nil slice or map inside a map or slice as an empty one, and an unset struct field
 * as absent.
 */

interface Case {
  name: string;
  kind: DocumentKind;
  yaml: string;
  value: unknown;
  problems?: string[];
}

const cases: Case[] = [
  // Whole sections.
  { name: 'a null section', kind: 'job', yaml: 'presubmits: null\nperiodics: ~\npresets:\n', value: {} },
  { name: 'an empty file', kind: 'job', yaml: '', value: undefined },
  { name: 'a file of comments', kind: 'job', yaml: '# nothing yet\n', value: undefined },
  { name: 'a null document', kind: 'job', yaml: '~\n', value: undefined },
  { name: 'an empty document marker', kind: 'job', yaml: '---\n', value: undefined },
  // A repository's job list (the Kubernetes config had this for two months).
  {
    name: 'a repository with nothing below it',
    kind: 'job',
    yaml: 'presubmits:\n  org/repo:\npostsubmits:\n  org/repo: ~\n',
    value: { presubmits: { 'org/repo': [] }, postsubmits: { 'org/repo': [] } },
  },
  {
    name: 'a repository whose job list is mistyped keeps the key with no jobs',
    kind: 'job',
    yaml: 'presubmits: {org/repo: "x"}\n',
    value: { presubmits: { 'org/repo': [] } },
    problems: [
      'presubmits.org/repo: json: cannot unmarshal string into Go struct field JobConfig.presubmits of type []config.Presubmit',
    ],
  },
  // A job.
  {
    name: 'a null job is a zero job',
    kind: 'job',
    yaml: 'presubmits:\n  org/repo:\n  - null\n  - ~\nperiodics: [null]\n',
    value: { presubmits: { 'org/repo': [{}, {}] }, periodics: [{}] },
  },
  // Fields of every kind.
  {
    name: 'null fields of every kind are unset',
    kind: 'job',
    yaml: [
      'presubmits:',
      '  org/repo:',
      '  - name: ~',
      '    always_run: null',
      '    max_concurrency:',
      '    branches: null',
      '    labels: ~',
      '    spec: null',
      '    decoration_config: {timeout: null, utility_images: null, ssh_key_secrets: ~}',
      '    reporter_config: null',
      '    pipeline_run_spec: ~',
    ].join('\n'),
    value: { presubmits: { 'org/repo': [{ decoration_config: {} }] } },
  },
  {
    name: 'null elements of lists and maps are zero values',
    kind: 'job',
    yaml: [
      'presubmits:',
      '  org/repo:',
      '  - name: a',
      '    branches: [null, ~, main]',
      '    labels: {a: null}',
      '    rerun_auth_config: {github_team_ids: [null, 3]}',
      '    spec:',
      '      containers: [null]',
      '      tolerations: [~]',
      '      nodeSelector: {zone: ~}',
    ].join('\n'),
    value: {
      presubmits: {
        'org/repo': [
          {
            name: 'a',
            branches: ['', '', 'main'],
            labels: { a: '' },
            rerun_auth_config: { github_team_ids: [0, 3] },
            spec: { containers: [{}], tolerations: [{}], nodeSelector: { zone: '' } },
          },
        ],
      },
    },
  },
  {
    name: 'null keeps a list of maps and a map of lists as empty collections',
    kind: 'prow',
    yaml: 'plank:\n  default_decoration_config_entries: [null]\n  job_queue_capacities: {q: ~}\n',
    value: { plank: { default_decoration_config_entries: [{}], job_queue_capacities: { q: 0 } } },
  },
  {
    name: 'null inside an untyped value stays null',
    kind: 'job',
    yaml: 'presubmits:\n  org/repo:\n  - name: a\n    reporter_config: {slack: {channel: ~}}\n',
    value: { presubmits: { 'org/repo': [{ name: 'a', reporter_config: { slack: { channel: null } } }] } },
  },
  {
    name: 'an unmodeled null field of a pod spec is dropped (a nil pointer in Go)',
    kind: 'job',
    yaml: 'presubmits:\n  org/repo:\n  - name: a\n    spec: {affinity: null, containers: [{name: c, lifecycle: ~}]}\n',
    value: { presubmits: { 'org/repo': [{ name: 'a', spec: { containers: [{ name: 'c' }] } }] } },
  },
  {
    name: 'null after a case-insensitive duplicate clears a list (encoding/json sets it to nil)',
    kind: 'job',
    yaml: 'Presubmits: {org/repo: [{name: a}]}\npresubmits: null\n',
    value: {},
  },
  {
    name: 'null after a case-insensitive duplicate leaves a scalar as it was',
    kind: 'job',
    yaml: 'Decorate_All_Jobs: true\ndecorate_all_jobs: null\n',
    value: { decorate_all_jobs: true },
  },
  // Presets.
  {
    name: 'null presets and preset fields',
    kind: 'job',
    yaml: 'presets:\n- null\n- labels: ~\n  env: null\n  volumes: [~]\n',
    value: { presets: [{}, { volumes: [{}] }] },
  },
  // Supplemental Prow configs.
  {
    name: 'a supplemental Prow config with null sections sets nothing',
    kind: 'supplementalProw',
    yaml: 'tide: null\ndeck: ~\nbranch-protection:\nslack_reporter_configs: null\n',
    value: {},
  },
  // Plugin config.
  { name: 'plugin triggers: null', kind: 'plugin', yaml: 'triggers:\n', value: {} },
  {
    name: 'a null trigger and null trigger fields',
    kind: 'plugin',
    yaml: 'triggers:\n- ~\n- repos: null\n  trusted_apps: [null]\n  only_org_members: ~\n',
    value: { triggers: [{}, { trusted_apps: [''] }] },
  },
  // Wrong types are still Prow's errors.
  {
    name: 'a scalar document',
    kind: 'job',
    yaml: 'foo\n',
    value: undefined,
    problems: ['json: cannot unmarshal string into Go value of type config.JobConfig'],
  },
  {
    name: 'a mistyped job',
    kind: 'job',
    yaml: 'presubmits: {org/repo: [x]}\n',
    value: { presubmits: { 'org/repo': [{}] } },
    problems: [
      'json: cannot unmarshal string into Go struct field JobConfig.presubmits of type config.Presubmit',
    ],
  },
];

describe('Go decoding of null and empty values', () => {
  it.each(cases)('$name', ({ kind, yaml, value, problems = [] }) => {
    const parsed = parseConfigText(yaml, kind);
    expect(parsed.value).toEqual(value);
    expect(parsed.problems.map(formatProblem)).toEqual(problems);
  });
});

describe('alias expansion is bounded', () => {
  it('rejects nesting deeper than the limit through aliases (30 anchors, 900 levels each)', () => {
    let text = '';
    for (let i = 0; i < 30; i++) {
      const inner = i === 0 ? '1' : `*a${i - 1}`;
      text += `a${i}: &a${i} ${'['.repeat(900)}${inner}${']'.repeat(900)}\n`;
    }
    expect(text.length).toBeGreaterThan(54_000);
    expect(parseConfigText(text, 'job')).toEqual({
      value: undefined,
      problems: [
        {
          message:
            "error converting YAML to JSON: yaml: nesting exceeded maxDepth (1000) while expanding alias 'a0'",
        },
      ],
    });
  });

  it('rejects merge keys chained deeper than the limit (the innermost alias is named)', () => {
    let text = 'm0: &m0 {a: 1}\n';
    for (let i = 1; i <= 1001; i++) text += `m${i}: &m${i} {<<: *m${i - 1}}\n`;
    expect(parseConfigText(text, 'job').problems).toEqual([
      {
        message:
          "error converting YAML to JSON: yaml: nesting exceeded maxDepth (1000) while expanding alias 'm2'",
      },
    ]);
  });

  it('accepts aliases that stay within the limit', () => {
    const text = 'x: &x [[[1]]]\npresubmits: {org/repo: []}\nprow_ignored: [*x, *x]\n';
    expect(parseConfigText(text, 'job')).toEqual({
      value: { presubmits: { 'org/repo': [] }, prow_ignored: [[[[1]]], [[[1]]]] },
      problems: [],
    });
  });

  it("bounds the expanded size with go-yaml's alias ratio (a billion laughs)", () => {
    let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 12; i++)
      text += `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]\n`;
    expect(parseConfigText(text, 'job').problems).toEqual([
      { message: 'error converting YAML to JSON: yaml: document contains excessive aliasing' },
    ]);
  });

  it('fails the load with ConfigInvalidError naming the file and the limit', async () => {
    let jobs = '';
    for (let i = 0; i < 3; i++) {
      const inner = i === 0 ? '1' : `*a${i - 1}`;
      jobs += `a${i}: &a${i} ${'['.repeat(400)}${inner}${']'.repeat(400)}\n`;
    }
    tree = configTree({ 'prow/config.yaml': MINIMAL_PROW_CONFIG, 'jobs/deep.yaml': jobs });
    const error = await loadConfig(tree.source()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigInvalidError);
    expect((error as Error).message).toBe(
      `${tree.path('jobs/deep.yaml')}: error converting YAML to JSON: yaml: nesting exceeded maxDepth (1000) while expanding alias 'a0'`,
    );
  });
});

let tree: ConfigTree;
afterEach(() => tree?.remove());

describe('loading configs with null and empty values', () => {
  it('loads a job file with a repository key and no jobs under it', async () => {
    tree = configTree({
      'prow/config.yaml': MINIMAL_PROW_CONFIG,
      'jobs/empty-repo.yaml': 'presubmits:\n  org/empty:\npostsubmits:\n  org/empty:\n',
      'jobs/a.yaml': `presubmits:\n  org/repo:\n${validJob('pull-a')}`,
    });
    const config = await loadConfig(tree.source());
    expect(Object.keys(config.presubmits).sort()).toEqual(['org/empty', 'org/repo']);
    expect(config.presubmits['org/empty']).toEqual([]);
    expect(config.presubmits['org/repo']?.map((p) => p.name)).toEqual(['pull-a']);
  });

  it.each([
    [
      'presubmits:\n  org/repo:\n  - null\n',
      [
        'invalid presubmit job : name: must match regex "^[A-Za-z0-9-._]+$"',
        'invalid presubmit job : job is set to report but has no context configured',
      ],
    ],
    [
      'periodics: [null]\n',
      [
        'invalid periodic job : name: must match regex "^[A-Za-z0-9-._]+$"',
        'at least one of cron, interval, or minimum_interval must be set in periodic ',
      ],
    ],
  ])('a null job is a zero job, refused by validation as Prow refuses it: %j', async (jobs, messages) => {
    tree = configTree({ 'prow/config.yaml': MINIMAL_PROW_CONFIG, 'jobs/a.yaml': jobs });
    expect(await checkConfig(tree.source())).toEqual({
      ok: false,
      errors: messages.map((m) => `${tree.path('jobs/a.yaml')}: ${m}`),
    });
  });

  it('loads null presets, an empty job file and null plugin triggers', async () => {
    tree = configTree({
      'prow/config.yaml': `${MINIMAL_PROW_CONFIG}presets: ~\n`,
      'jobs/empty.yaml': '',
      'jobs/presets.yaml': 'presets:\n- ~\n- labels: ~\n  env: ~\n',
      'jobs/a.yaml': `presubmits:\n  org/repo:\n${validJob('pull-a')}`,
      'plugins.yaml': 'triggers:\n',
      'supplements/a_pluginconfig.yaml': 'triggers: [~]\n',
      'supplements/b_prowconfig.yaml': 'tide: ~\n',
    });
    const config = await loadConfig(
      tree.source({
        pluginConfigPath: tree.path('plugins.yaml'),
        supplementalPluginConfigDirs: [tree.path('supplements')],
        supplementalProwConfigDirs: [tree.path('supplements')],
      }),
    );
    expect(config.presubmits['org/repo']?.map((p) => p.name)).toEqual(['pull-a']);
    expect(config.triggers).toEqual([{}]);
  });
});

/** A parse cache that hands the loader what a defective decoder could: the load must not trust it. */
function defectiveCache(parse: ParseCache['parse']): ParseCache {
  return Object.assign(new ParseCache(), { parse, unchanged: () => undefined });
}

describe('an unexpected exception in the loader (fail closed, loud)', () => {
  it('a decoder exception is a ConfigInternalError naming the file', async () => {
    tree = configTree({ 'prow/config.yaml': MINIMAL_PROW_CONFIG, 'jobs/a.yaml': 'presubmits: {}\n' });
    const cache = defectiveCache(() => {
      throw new TypeError("Cannot read properties of undefined (reading 'kind')");
    });
    const error = await loadConfig(tree.source(), { cache }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigInternalError);
    expect((error as Error).name).toBe('ConfigInternalError');
    expect((error as Error).message).toBe(
      `internal error loading the config while reading ${tree.path('prow/config.yaml')}: TypeError: Cannot read properties of undefined (reading 'kind')`,
    );
    expect((error as Error).cause).toBeInstanceOf(TypeError);
  });

  it('a value no decoder should give (the old null job list) is a ConfigInternalError, not a TypeError', async () => {
    tree = configTree({ 'prow/config.yaml': MINIMAL_PROW_CONFIG, 'jobs/a.yaml': 'presubmits: {}\n' });
    const cache = defectiveCache((file, _bytes, kind) =>
      kind === 'job'
        ? { value: { presubmits: { 'org/repo': null } }, problems: [] }
        : { value: {}, problems: [] },
    );
    const error = await loadConfig(tree.source(), { cache }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigInternalError);
    expect((error as Error).message).toBe(
      `internal error loading the config while reading ${tree.path('jobs/a.yaml')}: TypeError: Cannot read properties of null (reading 'length')`,
    );
  });

  it('check-config prints it as one error', async () => {
    tree = configTree({ 'prow/config.yaml': MINIMAL_PROW_CONFIG, 'jobs/a.yaml': 'presubmits: {}\n' });
    const cache = defectiveCache(() => {
      throw new RangeError('Maximum call stack size exceeded');
    });
    const source: ConfigSource = tree.source();
    expect(await checkConfig(source, { cache })).toEqual({
      ok: false,
      errors: [
        `internal error loading the config while reading ${tree.path('prow/config.yaml')}: RangeError: Maximum call stack size exceeded`,
      ],
    });
  });
});

describe('the load activity classifies each failure once', () => {
  it.each([
    ['ConfigInvalidError', new ConfigInvalidError([{ file: 'f.yaml', message: 'bad' }]), 'f.yaml: bad'],
    [
      'ConfigInternalError',
      new ConfigInternalError('f.yaml', new TypeError('x')),
      'internal error loading the config while reading f.yaml: TypeError: x',
    ],
  ])('%s is a non-retryable ApplicationFailure of that type', (type, error, message) => {
    const failure = loadFailure(error) as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe(type);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toBe(message);
  });

  it('ConfigReadError (may pass on retry) is left to the retry policy', () => {
    const error = new ConfigReadError('f.yaml', 'EIO', 'read f.yaml: i/o error');
    expect(loadFailure(error)).toBe(error);
  });
});
