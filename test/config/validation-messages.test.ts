import { ConfigInvalidError } from '../../src/config/errors';
import { loadConfig } from '../../src/config/load';
import { configTree, MINIMAL_PROW_CONFIG, type ConfigTree } from './config-tree';

/** Each message of V7, V8 and V10 on a real load (spec §15.7), in Prow's wording. */

let tree: ConfigTree;
afterEach(() => tree.remove());

const SPEC = '    spec: {containers: [{image: alpine, command: [echo]}]}\n';

async function messages(jobs: string, prowConfig = MINIMAL_PROW_CONFIG): Promise<string[]> {
  tree = configTree({
    'prow/config.yaml': prowConfig,
    'jobs/jobs.yaml': `presubmits:\n  org/repo:\n${jobs}`,
  });
  const error = await loadConfig(tree.source()).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigInvalidError);
  return (error as ConfigInvalidError).problems.map((p) => `${p.job ?? ''}|${p.message}`);
}

describe('regexes (V7)', () => {
  it.each([
    [
      '  - name: a\n    trigger: "(unclosed"\n    rerun_command: /a\n' + SPEC,
      'a|could not set regex: could not compile trigger regex for a: error parsing regexp: missing closing ): `(unclosed`',
    ],
    [
      '  - name: a\n    trigger: "^/go$"\n    rerun_command: /a\n' + SPEC,
      'a|could not set regex: for job a, rerun command "/a" does not match trigger "^/go$"',
    ],
    [
      '  - name: a\n    branches: ["(?<=x)main"]\n' + SPEC,
      'a|could not set regex: could not set branch regexes for a: could not compile positive branch regex: error parsing regexp: invalid named capture: `(?<=x)main`',
    ],
    [
      '  - name: a\n    skip_branches: ["a**"]\n' + SPEC,
      'a|could not set regex: could not set branch regexes for a: could not compile negative branch regex: error parsing regexp: invalid nested repetition operator: `**`',
    ],
    [
      '  - name: a\n    run_if_changed: "(a)\\\\1"\n' + SPEC,
      'a|could not set regex: could not set change regexes for a: could not compile run_if_changed regex: error parsing regexp: invalid escape sequence: `\\1`',
    ],
  ])('%j', async (jobs, expected) => {
    expect(await messages(jobs)).toEqual([expected]);
  });

  it('reports a rerun command given alone as a triggering error (V8)', async () => {
    expect(await messages('  - name: a\n    rerun_command: /a\n' + SPEC)).toEqual([
      'a|either both of job.Trigger and job.RerunCommand must be set, wasnt the case for job "a"',
    ]);
  });
});

describe('presubmit validation (V8) and job base (V10)', () => {
  it('reports duplicated names on intersecting branches, and both orders of a shared context', async () => {
    expect(
      await messages(
        '  - name: a\n' +
          SPEC +
          '  - name: a\n    branches: [main]\n' +
          SPEC +
          '  - name: b\n    context: a\n    branches: [dev]\n' +
          SPEC,
      ),
    ).toEqual([
      'a|jobs b and a report to the same GitHub context "a"',
      'b|jobs a and b report to the same GitHub context "a"',
      '|duplicated presubmit jobs (consider both inrepo and central config): [a]',
    ]);
  });

  it.each([
    ['  - name: a\n', 'a|invalid presubmit job a: kubernetes jobs require a spec'],
    [
      '  - name: a\n    spec: {containers: []}\n',
      'a|invalid presubmit job a: pod spec must specify at least 1 container, found: 0',
    ],
    [
      '  - name: a\n    max_concurrency: -1\n' + SPEC,
      'a|invalid presubmit job a: max_concurrency: -1 must be a non-negative number',
    ],
    [
      '  - name: a\n    agent: jenkins\n' + SPEC,
      'a|invalid presubmit job a: job specs require agent: kubernetes (found "jenkins")',
    ],
    [
      '  - name: a\n    namespace: elsewhere\n' + SPEC,
      'a|invalid presubmit job a: namespace customization requires agent: tekton-pipeline (found "kubernetes")',
    ],
    [
      '  - name: a\n    job_queue_name: nope\n' + SPEC,
      'a|invalid presubmit job a: invalid job queue name nope',
    ],
    [
      '  - name: a\n    labels: {prow.k8s.io/type: x}\n' + SPEC,
      'a|invalid presubmit job a: label prow.k8s.io/type is reserved for decoration',
    ],
    [
      '  - name: a\n    labels: {good: "not ok"}\n' + SPEC,
      "a|invalid presubmit job a: label good has invalid value not ok: [a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')]",
    ],
    [
      '  - name: a\n    spec: {containers: [{image: x, env: [{name: PULL_NUMBER, value: "1"}], command: [x]}]}\n',
      'a|invalid presubmit job a: env PULL_NUMBER is reserved',
    ],
    [
      '  - name: a\n    spec: {containers: [{image: x, command: [x], volumeMounts: [{name: v, mountPath: /logs}]}]}\n',
      'a|invalid presubmit job a: [volumeMount named "v" is undefined, mount v at /logs conflicts with decoration mount]',
    ],
    [
      '  - name: a\n    spec: {containers: [{image: x}, {image: z}]}\n',
      'a|invalid presubmit job a: pod utility decoration must be enabled to use multiple containers: 2',
    ],
    [
      '  - name: a\n    skip_report: true\n    labels: {prow.k8s.io/gerrit-report-label: Verified}\n' + SPEC,
      'a|invalid presubmit job a: gerrit report label prow.k8s.io/gerrit-report-label set to non-empty string but job is configured to skip reporting.',
    ],
    [
      '  - name: a\n    always_run: true\n    run_if_changed: x\n' + SPEC,
      'a|job a is set to always run but also declares run_if_changed targets, which are mutually exclusive',
    ],
  ])('%j', async (jobs, expected) => {
    expect(await messages(jobs)).toEqual([expected]);
  });

  it('requires decorated containers to set command or args, after decoration defaults', async () => {
    const prow = `${MINIMAL_PROW_CONFIG}decorate_all_jobs: true\nplank:\n  default_decoration_config_entries:\n  - config: {utility_images: {clonerefs: a, initupload: b, entrypoint: c, sidecar: d}, gcs_configuration: {bucket: b, path_strategy: explicit}}\n`;
    expect(await messages('  - name: a\n    spec: {containers: [{image: x}]}\n', prow)).toEqual([
      'a|invalid presubmit job a: decorated job containers must specify command and/or args',
    ]);
    expect(
      await messages('  - name: a\n    decorate: true\n    spec: {containers: [{image: x, command: [z]}]}\n'),
    ).toEqual([
      'a|invalid presubmit job a: invalid decoration config: utility image config is not specified',
    ]);
  });

  it('reports preset collisions', async () => {
    const prow = `${MINIMAL_PROW_CONFIG}presets:\n- labels: {p: "x"}\n  env: [{name: A, value: "1"}]\n`;
    expect(
      await messages(
        '  - name: a\n    labels: {p: x}\n    spec: {containers: [{image: x, command: [z], env: [{name: A}]}]}\n',
        prow,
      ),
    ).toEqual(['a|job a failed to merge presets for podspec: env var duplicated in pod spec: A']);
  });

  it('checks postsubmits and periodics too (V11)', async () => {
    tree = configTree({
      'prow/config.yaml': MINIMAL_PROW_CONFIG,
      'jobs/a.yaml': `postsubmits:\n  org/repo:\n  - name: p\n${SPEC}  - name: p\n${SPEC}periodics:\n- name: q\n  cron: "@daily"\n  interval: 1h\n  spec: {containers: [{command: [x]}]}\n`,
    });
    const error = (await loadConfig(tree.source()).catch((e: unknown) => e)) as ConfigInvalidError;
    expect(error.problems.map((p) => p.message)).toEqual([
      'duplicated postsubmit jobs (consider both inrepo and central config): [p]',
      'cron, interval, and minimum_interval are mutually exclusive in periodic q',
    ]);
  });
});
