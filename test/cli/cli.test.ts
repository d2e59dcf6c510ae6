import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
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

  it('check-config: exit 0 and a one-line summary on a good config', async () => {
    const result = await run(['check-config', ...before.argv]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^config OK: 9 presubmits in 2 repositories, revision [0-9a-f]{16}\n$/);
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

  it('diff --output json: what a change would trigger, retire and migrate, names sorted, empty repos omitted', async () => {
    const result = await run([
      'diff',
      `--before-config-path=${before.argv[0]?.split('=')[1]}`,
      `--before-job-config-path=${path.join(before.dir, 'jobs')}`,
      `--after-config-path=${after.argv[0]?.split('=')[1]}`,
      `--after-job-config-path=${path.join(after.dir, 'jobs')}`,
      '--output',
      'json',
    ]);
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
    [['diff', '--output', 'yaml'], 1, '--output yaml is not supported'],
    [['frobnicate'], 2, 'unknown command "frobnicate"'],
  ])('%j fails with a clear error', async (args, code, message) => {
    const result = await run(args);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
  });

  it.each(['worker', 'status', 'approve', 'skip', 'check-config', 'diff'])(
    '%s --help describes its flags',
    async (command) => {
      const result = await run([command, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`status-reconciler ${command}:`);
      expect(result.stdout).toContain('Flags:');
    },
  );
});
