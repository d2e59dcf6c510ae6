import { parseConfigText } from '../../src/config/files/config-document';
import { formatGoFloat32, resolvePlain } from '../../src/config/go/go-yaml-scalar';

/**
 * V14: YAML read exactly as Prow reads it (sigs.k8s.io/yaml over go-yaml v2, then encoding/json into
 * Prow's structs).
 */

function presubmits(yaml: string): Record<string, unknown>[] {
  const parsed = parseConfigText(yaml, 'job');
  expect(parsed.problems).toEqual([]);
  return ((parsed.value?.presubmits as Record<string, Record<string, unknown>[]>) ?? {})['o/r'] ?? [];
}

function onlyJob(body: string): Record<string, unknown> {
  return presubmits(`presubmits:\n  o/r:\n  - name: a\n${body}`)[0] as Record<string, unknown>;
}

describe('go-yaml v2 plain scalars (YAML 1.1)', () => {
  it.each([
    ['yes', true],
    ['Yes', true],
    ['YES', true],
    ['y', true],
    ['Y', true],
    ['on', true],
    ['ON', true],
    ['True', true],
    ['true', true],
    ['no', false],
    ['n', false],
    ['off', false],
    ['Off', false],
    ['FALSE', false],
  ])('always_run: %s is %s', (text, expected) => {
    expect(onlyJob(`    always_run: ${text}\n`).always_run).toBe(expected);
  });

  it('reads optional: off as false and leaves a null bool unset', () => {
    expect(onlyJob('    optional: off\n').optional).toBe(false);
    expect(onlyJob('    optional: ~\n').optional).toBeUndefined();
    expect(onlyJob('    optional:\n').optional).toBeUndefined();
  });

  it.each([
    ['.', { kind: 'string', value: '.' }],
    ['.5', { kind: 'float', value: 0.5 }],
    ['.inf', { kind: 'float', value: Infinity }],
    ['-.Inf', { kind: 'float', value: -Infinity }],
    ['0x1F', { kind: 'int', value: 31, text: '31' }],
    ['0o17', { kind: 'int', value: 15, text: '15' }],
    ['017', { kind: 'int', value: 15, text: '15' }],
    ['08', { kind: 'float', value: 8 }],
    ['1_000', { kind: 'int', value: 1000, text: '1000' }],
    ['0b101', { kind: 'int', value: 5, text: '5' }],
    ['1e3', { kind: 'float', value: 1000 }],
    ['18446744073709551615', { kind: 'int', value: 2 ** 64, text: '18446744073709551615' }],
    ['1:30', { kind: 'string', value: '1:30' }],
    ['2001-12-14', { kind: 'string', value: '2001-12-14' }],
    ['+', { kind: 'string', value: '+' }],
    ['~', { kind: 'null' }],
    ['Null', { kind: 'null' }],
    ['nULL', { kind: 'string', value: 'nULL' }],
  ])('resolves %s like go-yaml v2', (text, expected) => {
    expect(resolvePlain(text)).toEqual(expected);
  });

  it('keeps a plain `.` argument as the string "." (yaml 1.1 schemas read NaN)', () => {
    const job = onlyJob('    spec:\n      containers:\n      - command: [make, -C, .]\n');
    expect((job.spec as { containers: { command: string[] }[] }).containers[0]?.command).toEqual([
      'make',
      '-C',
      '.',
    ]);
  });
});

describe('sigs.k8s.io/yaml string coercion', () => {
  // Checked against Prow's config.Load: Presubmit's own string fields (trigger) are converted.
  it.each([
    ['trigger: 123', '123'],
    ['trigger: 1.10', '1.1'],
    ['trigger: 1.0', '1'],
    ['trigger: 1234567.0', '1.234567e+06'],
    ['trigger: 0.00001', '1e-05'],
    ['trigger: yes', 'true'],
    ['trigger: 0x10', '16'],
    ['trigger: "0x10"', '0x10'],
    ['trigger: .nan', 'NaN'],
  ])('%s becomes %s in a string field', (line, expected) => {
    const job = presubmits(`presubmits:\n  o/r:\n  - ${line}\n`)[0] as Record<string, unknown>;
    expect(job.trigger).toBe(expected);
  });

  // sigs.k8s.io/yaml converts against t.Field(f.index[0]): for a field promoted from an embedded struct
  // (JobBase's name and labels, Brancher's branches) that is the embedded struct, so nothing is converted.
  it.each([
    ['name: 123', 'number', 'JobBase.name', 'name'],
    ['name: yes', 'bool', 'JobBase.name', 'name'],
    ['branches: [1.0]', 'number', 'Brancher.branches', 'branches[0]'],
    ['labels: {preset-x: true}', 'bool', 'JobBase.labels', 'labels.preset-x'],
    [
      'spec: {containers: [{args: [1]}]}',
      'number',
      'JobBase.spec.containers.args',
      'spec.containers[0].args[0]',
    ],
  ])('%s is not converted below a promoted field', (line, kind, path, field) => {
    const parsed = parseConfigText(`presubmits:\n  o/r:\n  - ${line}\n`, 'job');
    const struct = path.startsWith('JobBase.spec') ? 'Container' : 'Presubmit';
    expect(parsed.problems.map((p) => [p.field, p.message])).toEqual([
      [
        field,
        `json: cannot unmarshal ${kind} into Go struct field ${struct}.presubmits.${path} of type string`,
      ],
    ]);
  });

  it('a NaN that is not converted cannot be turned into JSON', () => {
    expect(parseConfigText('presubmits:\n  o/r:\n  - name: .nan\n', 'job').problems).toEqual([
      { message: 'error converting YAML to JSON: json: unsupported value: NaN' },
    ]);
  });

  it('nothing is converted in config.yaml, whose sections are all promoted (Config embeds them)', () => {
    expect(
      parseConfigText('pod_namespace: 1\npresubmits: {o/r: [{name: a, trigger: 2}]}\n', 'prow').problems,
    ).toEqual([
      {
        message:
          'json: cannot unmarshal number into Go struct field Config.ProwConfig.pod_namespace of type string',
        field: 'pod_namespace',
      },
      {
        message:
          'json: cannot unmarshal number into Go struct field Presubmit.JobConfig.presubmits.trigger of type string',
        job: 'a',
        field: 'trigger',
      },
    ]);
  });

  it('formats floats as Go FormatFloat(f, g, -1, 32)', () => {
    expect(formatGoFloat32(0.1)).toBe('0.1');
    expect(formatGoFloat32(100000)).toBe('100000');
    expect(formatGoFloat32(1e6)).toBe('1e+06');
    expect(formatGoFloat32(0.0001)).toBe('0.0001');
    expect(formatGoFloat32(-2.5e-7)).toBe('-2.5e-07');
    expect(formatGoFloat32(1e21)).toBe('1e+21');
  });

  it('converts map keys, and the values of a map that is not promoted', () => {
    const parsed = parseConfigText('presets: [{labels: {preset-x: true, 1: 2.50, yes: no}}]\n', 'job');
    expect(parsed.problems).toEqual([]);
    expect(parsed.value?.presets).toEqual([{ labels: { 'preset-x': 'true', '1': '2.5', true: 'false' } }]);
  });
});

describe('strict field types (encoding/json)', () => {
  it.each([
    [
      'always_run: "true"',
      'json: cannot unmarshal string into Go struct field Presubmit.presubmits.always_run of type bool',
      'always_run',
    ],
    [
      'max_concurrency: "3"',
      'json: cannot unmarshal string into Go struct field Presubmit.presubmits.JobBase.max_concurrency of type int',
      'max_concurrency',
    ],
    [
      'max_concurrency: 1.5',
      'json: cannot unmarshal number 1.5 into Go struct field Presubmit.presubmits.JobBase.max_concurrency of type int',
      'max_concurrency',
    ],
    [
      'branches: main',
      'json: cannot unmarshal string into Go struct field Presubmit.presubmits.Brancher.branches of type []string',
      'branches',
    ],
    [
      'labels: [a]',
      'json: cannot unmarshal array into Go struct field Presubmit.presubmits.JobBase.labels of type map[string]string',
      'labels',
    ],
    [
      'decoration_config: {timeout: 5.5}',
      'json: cannot unmarshal number into Go value of type string',
      'decoration_config.timeout',
    ],
    ['decoration_config: {timeout: 2x}', 'time: invalid duration "2x"', 'decoration_config.timeout'],
    [
      'spec: {containers: [{securityContext: {privileged: "yes"}}]}',
      'json: cannot unmarshal string into Go struct field SecurityContext.presubmits.JobBase.spec.containers.securityContext.privileged of type bool',
      'spec.containers[0].securityContext.privileged',
    ],
  ])('%s', (line, message, field) => {
    const parsed = parseConfigText(`presubmits:\n  o/r:\n  - name: job-a\n    ${line}\n`, 'job');
    expect(parsed.problems).toEqual([{ job: 'job-a', field, message }]);
  });

  it('reports every type error of a file, in key order, and keeps decoding', () => {
    const parsed = parseConfigText(
      'presubmits:\n  o/r:\n  - name: a\n    skip_report: "no"\n    always_run: 1\n  - name: b\n    optional: []\n',
      'job',
    );
    expect(parsed.problems.map((p) => `${p.job}: ${p.field}`)).toEqual([
      'a: always_run',
      'a: skip_report',
      'b: optional',
    ]);
  });

  it('matches keys case-insensitively and ignores unknown fields', () => {
    const job = onlyJob('    Always_Run: true\n    no_such_field: {x: 1}\n');
    expect(job).toEqual({ name: 'a', always_run: true });
  });

  it('reports a type error at the top of the file without a struct field', () => {
    expect(parseConfigText('- a\n', 'job').problems).toEqual([
      { message: 'json: cannot unmarshal array into Go value of type config.JobConfig' },
    ]);
  });
});

describe('go-yaml v2 mappings', () => {
  it('keeps the last value of a repeated key, without error', () => {
    expect(onlyJob('    always_run: true\n    always_run: false\n').always_run).toBe(false);
  });

  it('applies merge keys, anchors and aliases', () => {
    const jobs = presubmits(
      'base: &base\n  always_run: true\n  spec: &spec {containers: [{image: x, command: [make, test]}]}\n' +
        'presubmits:\n  o/r:\n  - <<: *base\n    name: a\n  - name: b\n    spec: *spec\n',
    );
    expect(jobs[0]).toMatchObject({
      name: 'a',
      always_run: true,
      spec: { containers: [{ image: 'x', command: ['make', 'test'] }] },
    });
    expect(jobs[1]).toMatchObject({ name: 'b', spec: { containers: [{ image: 'x' }] } });
  });

  it('lets a merge key overwrite the keys before it, as go-yaml v2 does', () => {
    const jobs = presubmits(
      'x: &x {optional: true}\npresubmits:\n  o/r:\n  - name: a\n    optional: false\n    <<: *x\n',
    );
    expect(jobs[0]?.optional).toBe(true);
  });

  it('gives earlier maps of a merge sequence precedence', () => {
    const jobs = presubmits(
      'a: &a {context: from-a}\nb: &b {context: from-b, optional: true}\npresubmits:\n  o/r:\n  - name: j\n    <<: [*a, *b]\n',
    );
    expect(jobs[0]).toMatchObject({ context: 'from-a', optional: true });
  });

  it.each([
    ['a: &a [*a]\n', "error converting YAML to JSON: yaml: anchor 'a' value contains itself"],
    ['a: *nope\n', "error converting YAML to JSON: yaml: line 1: unknown anchor 'nope' referenced"],
    [
      'a:\n  <<: 1\n',
      'error converting YAML to JSON: yaml: map merge requires map or sequence of maps as the value',
    ],
    ['a: .nan\n', 'error converting YAML to JSON: json: unsupported value: NaN'],
    ['? [a]\n: b\n', 'error converting YAML to JSON: yaml: invalid map key: a key must be a scalar'],
    ['~: b\n', 'error converting YAML to JSON: unsupported map key of type: <nil>'],
    ['a: !!int abc\n', 'error converting YAML to JSON: yaml: cannot decode !!str `abc` as a !!int'],
  ])('fails the file on %j', (yaml, message) => {
    expect(parseConfigText(yaml, 'job').problems).toEqual([{ message }]);
  });

  it('fails the file on a syntax error, with its line', () => {
    expect(parseConfigText('a: b\n  c: d\n', 'job').problems).toEqual([
      { message: 'error converting YAML to JSON: yaml: line 2: bad indentation of a mapping entry' },
    ]);
  });

  it('refuses a billion-laughs document', () => {
    let yaml = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 9; i++)
      yaml += `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]\n`;
    expect(parseConfigText(yaml, 'job').problems).toEqual([
      { message: 'error converting YAML to JSON: yaml: document contains excessive aliasing' },
    ]);
  });

  it('honours explicit tags as go-yaml does', () => {
    const job = onlyJob('    always_run: !!bool yes\n    context: !!str 12\n');
    expect(job.always_run).toBe(true);
    expect(job.context).toBe('12');
    // A custom tag leaves the text a string, which a bool field then refuses.
    const parsed = parseConfigText('presubmits:\n  o/r:\n  - name: a\n    optional: !custom true\n', 'job');
    expect(parsed.problems[0]?.message).toBe(
      'json: cannot unmarshal string into Go struct field Presubmit.presubmits.optional of type bool',
    );
  });

  it('reads only the first document, and nothing from an empty or comment-only file', () => {
    expect(
      presubmits('presubmits:\n  o/r:\n  - name: a\n---\npresubmits:\n  o/r:\n  - name: b\n').map(
        (j) => j.name,
      ),
    ).toEqual(['a']);
    expect(parseConfigText('', 'job')).toEqual({ value: undefined, problems: [] });
    expect(parseConfigText('# only a comment\n', 'job')).toEqual({ value: undefined, problems: [] });
  });
});
