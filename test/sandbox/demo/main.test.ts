import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../../src/project-root';
import { demoCli } from '../../support/worker-process';

/**
 * The demo's own entry point, compiled (Jest's global setup builds dist/ with tsconfig.build.json), run as
 * `npm start` runs it. Bringing the whole demo up is test/ui/web-ui.test.ts's and
 * test/deploy/fresh-clone.test.ts's job; here: its help, its `change` command and its errors.
 */
async function demo(
  args: string[],
  dataDir: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [demoCli, ...args], {
      cwd: projectRoot,
      env: { ...process.env, STATUS_RECONCILER_DATA_DIR: dataDir },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the demo entry point (node dist/sandbox/demo/main.js)', () => {
  let dataDir = '';
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'status-reconciler-demo-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('--help: both forms, exit 0', async () => {
    const result = await demo(['--help'], dataDir);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('node dist/sandbox/demo/main.js [worker flags]');
    expect(result.stdout).toContain('node dist/sandbox/demo/main.js change <name>');
  });

  it('change <name>: copies examples/changes/<name> over the job config of the running demo', async () => {
    const jobs = path.join(dataDir, 'demo', 'config', 'jobs');
    mkdirSync(jobs, { recursive: true });
    const result = await demo(['change', 'rename-retire-add'], dataDir);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(
      `applied rename-retire-add to ${jobs}; the worker picks it up within seconds\n`,
    );
    const expected = readdirSync(path.join(projectRoot, 'examples', 'changes', 'rename-retire-add'));
    expect(readdirSync(jobs).sort()).toEqual(expected.sort());
  });

  it.each([
    [['change'], 2, 'demo change: expected one change name, got 0'],
    [['change', 'a', 'b'], 2, 'demo change: expected one change name, got 2'],
    [['change', 'no-such-change'], 1, 'demo: no example change "no-such-change" in examples/changes/'],
    [['frobnicate'], 2, 'demo: unknown command "frobnicate"'],
  ])('%j fails with a clear error', async (args, code, message) => {
    mkdirSync(path.join(dataDir, 'demo', 'config', 'jobs'), { recursive: true });
    const result = await demo(args, dataDir);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
  });

  it('change without a running demo: says to run `npm start` first', async () => {
    const result = await demo(['change', 'rename-retire-add'], dataDir);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `demo: no demo config at ${path.join(dataDir, 'demo', 'config')}: run \`npm start\` first\n`,
    );
  });
});
