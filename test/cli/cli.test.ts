import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { projectRoot } from '../../src/project-root';
import { configFixture } from '../support/reconciler-harness';
import { cli } from '../support/worker-process';

/** The compiled `status-reconciler` command, as users run it. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('status-reconciler command line', () => {
  const before = configFixture();
  const after = configFixture();
  after.applyJobs(path.join(projectRoot, 'examples', 'changes', 'rename-retire-add'));
  afterAll(() => {
    before.remove();
    after.remove();
  });

  it("check-config: exit 0, the summary line, then how each repository's presubmits run", async () => {
    const result = await run(['check-config', ...before.argv]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^config OK: 9 presubmits in 2 repositories, revision [0-9a-f]{16}\n\n/);
    expect(result.stdout).toMatch(/^REPOSITORY +PRESUBMITS +ALWAYS RUN +ON CHANGES +MANUAL +OPTIONAL$/m);
    expect(result.stdout).toMatch(/^my-org\/my-repo +\d+ +\d+ +\d+ +\d+ +\d+$/m);
    expect(result.stdout).toMatch(/^TOTAL \(2 repositories\) +9 +\d+ +\d+ +\d+ +\d+$/m);
  });

  it('check-config: exit 1 and every error, one per line, naming file, job and field', async () => {
    const broken = configFixture();
    broken.write(
      'jobs/my-org/other-repo/other-repo-presubmits.yaml',
      'presubmits:\n  my-org/other-repo:\n' +
        '    - {name: a, always_run: true, run_if_changed: x, spec: {containers: [{image: i}]}}\n' +
        '    - {name: b, always_run: "true", spec: {containers: [{image: i}]}}\n',
    );
    const result = await run(['check-config', ...broken.argv]);
    broken.remove();
    expect(result.code).toBe(1);
    const lines = result.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.every((l) => l.includes('other-repo-presubmits.yaml'))).toBe(true);
    expect(result.stdout).toContain(
      'job a is set to always run but also declares run_if_changed targets, which are mutually exclusive',
    );
    expect(result.stdout).toContain('cannot unmarshal string into Go struct field');
  });

  const diffArgs = (): string[] => [
    'diff',
    `--before-config-path=${before.argv[0]?.split('=')[1]}`,
    `--before-job-config-path=${path.join(before.dir, 'jobs')}`,
    `--after-config-path=${after.argv[0]?.split('=')[1]}`,
    `--after-job-config-path=${path.join(after.dir, 'jobs')}`,
  ];

  it('check-config -o json|yaml: the summary as data', async () => {
    const json = await run(['check-config', '-o', 'json', ...before.argv]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      ok: true,
      revision: expect.stringMatching(/^[0-9a-f]{16}$/),
      presubmits: 9,
      repositories: 2,
    });
    const yaml = await run(['check-config', '--output=yaml', ...before.argv]);
    expect(parseYaml(yaml.stdout)).toEqual(JSON.parse(json.stdout));
  });

  it('check-config -o json on a bad config: {ok: false, errors}, exit 1', async () => {
    const broken = configFixture();
    broken.write(
      'jobs/my-org/other-repo/other-repo-presubmits.yaml',
      'presubmits:\n  my-org/other-repo: [{}]\n',
    );
    const result = await run(['check-config', '-o', 'json', ...broken.argv]);
    broken.remove();
    expect(result.code).toBe(1);
    const parsed = JSON.parse(result.stdout);
    expect(parsed.ok).toBe(false);
    expect(parsed.errors.length).toBeGreaterThan(0);
    expect(parsed.errors[0]).toContain('other-repo-presubmits.yaml');
  });

  it('diff: a table per repository for people, then the names', async () => {
    const result = await run(diffArgs());
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'REPOSITORY              ADDED  REMOVED  MIGRATED',
        'my-org/my-repo              5        1         1',
        'my-org/other-repo           0        0         1',
        'TOTAL (2 repositories)      5        1         2',
        '',
        'my-org/my-repo',
        '  + pull-docs',
        '  + pull-e2e',
        '  + pull-integration',
        '  + pull-manual',
        '  + pull-shadow',
        '  - pull-old',
        '  ~ pull-legacy: ci/legacy → ci/legacy-v2',
        '',
        'my-org/other-repo',
        '  ~ pull-other-e2e: pull-other-e2e → ci/e2e',
        '',
      ].join('\n'),
    );
  });

  it('diff -o yaml: the same content as -o json', async () => {
    const json = JSON.parse((await run([...diffArgs(), '-o', 'json'])).stdout);
    expect(parseYaml((await run([...diffArgs(), '-o', 'yaml'])).stdout)).toEqual(json);
  });

  it('diff --output json: what a change would trigger, retire and migrate, names sorted, empty repos omitted', async () => {
    const result = await run([...diffArgs(), '--output', 'json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      added: {
        'my-org/my-repo': ['pull-docs', 'pull-e2e', 'pull-integration', 'pull-manual', 'pull-shadow'],
      },
      removed: { 'my-org/my-repo': ['pull-old'] },
      migrated: {
        'my-org/my-repo': [{ job: 'pull-legacy', from: 'ci/legacy', to: 'ci/legacy-v2' }],
        'my-org/other-repo': [{ job: 'pull-other-e2e', from: 'pull-other-e2e', to: 'ci/e2e' }],
      },
    });
  });

  it.each([
    [['worker', '--no-such-flag'], 1, 'flag provided but not defined: -no-such-flag'],
    [['worker', '--dry-run=maybe'], 1, 'invalid value "maybe" for flag -dry-run'],
    [
      ['worker', '--github-app-id=1'],
      1,
      '--github-app-id and --github-app-private-key-path must be set together',
    ],
    [['diff', '--output', 'xml'], 1, '--output xml is not supported; use table, json or yaml'],
    [['status', '-o', 'wide'], 1, '--output wide is not supported; use table, json or yaml'],
    [
      ['check-config', '--dry-run=false'],
      1,
      'flag provided but not defined: -dry-run (a worker flag this command does not read; see its --help)',
    ],
    [['status', '--config-path=x'], 1, 'flag provided but not defined: -config-path'],
    [['frobnicate'], 2, 'unknown command "frobnicate"'],
    // The local demo is its own entry point (node dist/sandbox/demo/main.js), not a production command.
    [['dev'], 2, 'unknown command "dev"'],
    [['demo-change', 'rename-retire-add'], 2, 'unknown command "demo-change"'],
  ])('%j fails with a clear error', async (args, code, message) => {
    const result = await run(args);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
  });

  const helpFlags = (stdout: string): string[] =>
    [...stdout.matchAll(/^ {2}(?:-\w, )?--([a-z0-9.-]+)/gm)].map((m) => m[1] as string);
  const temporalFlags = ['temporal-address', 'temporal-namespace', 'temporal-tls', 'instance'];
  const configFlags = ['config-path', 'job-config-path', 'plugin-config'];
  it.each([
    ['worker', [...temporalFlags, ...configFlags, 'dry-run', 'health-port', 'health-address'], []],
    ['status', [...temporalFlags, 'output'], [...configFlags, 'dry-run', 'by', 'health-port']],
    ['plan', [...temporalFlags, 'output'], [...configFlags, 'dry-run', 'by']],
    ['approve', [...temporalFlags, 'by', 'reason'], [...configFlags, 'dry-run', 'output']],
    ['skip', [...temporalFlags, 'by', 'reason'], [...configFlags, 'dry-run']],
    ['signal', [...temporalFlags, ...configFlags, 'by', 'reason'], ['dry-run', 'health-port']],
    ['check-config', [...configFlags, 'output'], [...temporalFlags, 'dry-run', 'health-port']],
    ['diff', ['before-config-path', 'after-config-path', 'output'], [...temporalFlags, ...configFlags]],
  ])('%s --help lists its own flags only', async (command, listed, notListed) => {
    const result = await run([command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`status-reconciler ${command}:`);
    const flags = helpFlags(result.stdout);
    expect(flags).toEqual(expect.arrayContaining(listed));
    for (const flag of notListed) expect(flags).not.toContain(flag);
  });
});
