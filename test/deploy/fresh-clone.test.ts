import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { projectRoot } from '../../src/project-root';
import { freeLoopbackPort, temporalCliPath } from '../../src/temporal/dev-server';

/**
 * The README's quick start on a fresh clone: `git clone` of this repository's HEAD (committed work only) into
 * a temporary directory, then `npm start` with nothing else run before. It must install the dependencies
 * (`npm ci`) and the Temporal CLI itself, build, and bring up the demo until the worker is ready; a second
 * install step then skips both, and a changed lockfile is noticed.
 *
 * The one step not run here is the 1–4 minute Go build of the Temporal CLI: the clone gets it from the
 * per-machine cache scripts/install-temporal-cli.sh keeps, seeded with the CLI the test harness uses. `npm
 * test` on a fresh clone is what .ci/run does (it runs no install step of its own).
 */
const minutes = 60_000;

describe('a fresh clone: `npm start` installs what it needs and brings up the demo', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'fresh-clone-'));
  const clone = path.join(work, 'status-reconciler');
  const toolsCache = path.join(work, 'tools-cache');
  let demo: ChildProcess | undefined;
  let output = '';

  const env = (): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = { ...process.env, STATUS_RECONCILER_TOOLS_CACHE: toolsCache, CI: '' };
    // Nothing from this checkout or the test run: the clone installs its own CLI and starts its own server.
    for (const name of ['TEMPORAL_CLI', 'TEMPORAL_ADDRESS', 'STATUS_RECONCILER_DATA_DIR', 'NODE_OPTIONS'])
      delete e[name];
    return e;
  };

  beforeAll(() => {
    const cloned = spawnSync('git', ['clone', '--quiet', projectRoot, clone], { encoding: 'utf8' });
    if (cloned.status !== 0) throw new Error(`git clone failed: ${cloned.stderr}`);
    mkdirSync(toolsCache, { recursive: true });
    copyFileSync(temporalCliPath(), path.join(toolsCache, 'temporal-1.5.1'));
  });
  afterAll(async () => {
    // Whatever of the demo's process group is left (nothing, when it stopped on SIGINT).
    if (demo?.pid) {
      try {
        process.kill(-demo.pid, 'SIGKILL');
        await delay(500);
      } catch {
        // ESRCH: the group is gone.
      }
    }
    rmSync(work, { recursive: true, force: true });
  });

  it(
    'npm start: installs the dependencies and the Temporal CLI, builds, and the worker becomes ready',
    async () => {
      expect(existsSync(path.join(clone, 'node_modules'))).toBe(false);
      const [temporal, ui, github, kubernetes, health, metrics, sdkMetrics] = await Promise.all(
        Array.from({ length: 7 }, () => freeLoopbackPort()),
      );
      demo = spawn(
        'npm',
        [
          'start',
          '--',
          `--health-port=${health}`,
          `--metrics-port=${metrics}`,
          `--temporal-metrics-port=${sdkMetrics}`,
        ],
        {
          cwd: clone,
          detached: true, // its own process group: npm, node and the Temporal server stop together
          stdio: ['ignore', 'pipe', 'pipe'],
          env: {
            ...env(),
            TEMPORAL_PORT: String(temporal),
            TEMPORAL_UI_PORT: String(ui),
            GITHUB_SANDBOX_PORT: String(github),
            KUBERNETES_SANDBOX_PORT: String(kubernetes),
          },
        },
      );
      const collect = (chunk: Buffer): void => {
        output = (output + chunk.toString()).slice(-50_000);
      };
      demo.stdout?.on('data', collect);
      demo.stderr?.on('data', collect);

      const deadline = Date.now() + 12 * minutes;
      let ready = false;
      while (!ready && Date.now() < deadline && demo.exitCode === null) {
        await delay(1000);
        ready = await fetch(`http://127.0.0.1:${health}/healthz/ready`).then(
          (r) => r.status === 200,
          () => false,
        );
      }
      if (!ready) throw new Error(`the demo did not become ready; its output:\n${output}`);
      expect(output).toContain('ensure-installed: node_modules is missing: npm ci');
      expect(output).toContain('install-temporal-cli: copied 1.5.1 from');
      expect(output).toContain('status-reconciler demo is up');
      // A developer's demo binds loopback only, and says where.
      expect(output).toContain(`health            http://127.0.0.1:${health}/healthz`);
      expect(output).toContain(`metrics           http://127.0.0.1:${metrics}/metrics`);
      expect(output).toContain(`SDK metrics       http://127.0.0.1:${sdkMetrics}/metrics`);
      expect(output).toContain(`"health":"127.0.0.1:${health}"`);
      expect(existsSync(path.join(clone, '.tools', 'bin', 'temporal'))).toBe(true);

      const stopped = new Promise((resolve) => demo?.once('exit', resolve));
      process.kill(-(demo.pid as number), 'SIGINT');
      await Promise.race([stopped, delay(60_000)]);
    },
    15 * minutes,
  );

  it('the install step then skips both, and notices a changed lockfile', () => {
    const lock = path.join(clone, 'package-lock.json');
    const stamp = readFileSync(path.join(clone, 'node_modules', '.install-stamp'), 'utf8').trim();
    expect(stamp).toBe(createHash('sha256').update(readFileSync(lock)).digest('hex'));

    const again = spawnSync(process.execPath, ['scripts/ensure-installed.js'], {
      cwd: clone,
      env: env(),
      encoding: 'utf8',
    });
    expect(again.status).toBe(0);
    expect(again.stderr).toContain('ensure-installed: dependencies up to date');
    expect(again.stderr).toContain('install-temporal-cli: ');
    expect(again.stderr).toContain('is already 1.5.1');

    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ensure = require(path.join(clone, 'scripts', 'ensure-installed.js')) as {
      installReason(): string | undefined;
    };
    expect(ensure.installReason()).toBeUndefined();
    appendFileSync(lock, '\n');
    expect(ensure.installReason()).toBe('package-lock.json changed');
  });
});
