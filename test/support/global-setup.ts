import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDevServer } from '../../src/temporal/dev-server';
import { projectRoot } from '../../src/project-root';

/**
 * Once per test run:
 * - compile the project (incrementally) and bundle its workflows, so tests can run the real `status-reconciler`
 *   command as a process;
 * - start one Temporal dev server (in memory, headless, free loopback port). TEMPORAL_ADDRESS=host:port uses
 *   an existing server instead and starts none (TEMPORAL_ADDRESS=none: unit tests only, no server).
 */
export default async function globalSetup(): Promise<void> {
  // Tests and the processes they start save the config load cache in a directory of this run only: never the
  // developer's ~/.cache, never an earlier run's (test/config/load-cache-file.test.ts tests a restart's cache).
  if (!process.env.STATUS_RECONCILER_CACHE_DIR) {
    process.env.STATUS_RECONCILER_CACHE_DIR = mkdtempSync(
      path.join(tmpdir(), 'status-reconciler-test-cache-'),
    );
    (globalThis as { __testCacheDir?: string }).__testCacheDir = process.env.STATUS_RECONCILER_CACHE_DIR;
  }
  if (process.env.TEMPORAL_ADDRESS) return;
  // Type errors are `npm run typecheck`'s to report; tsc still emits, and the tests only need the output.
  spawnSync(
    process.execPath,
    [
      path.join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      path.join(projectRoot, 'tsconfig.build.json'),
      '--incremental',
      '--tsBuildInfoFile',
      path.join(projectRoot, '.data', 'tsbuildinfo'),
    ],
    { stdio: 'ignore' },
  );
  if (!existsSync(path.join(projectRoot, 'dist', 'src', 'cli', 'main.js')))
    throw new Error('the project did not compile: run `npm run build` to see why');
  // The build's last step, so `status-reconciler worker` processes start from the bundle as in production.
  const bundled = spawnSync(
    process.execPath,
    [path.join(projectRoot, 'dist', 'src', 'worker', 'workflow-bundle.js')],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  if (bundled.status !== 0) throw new Error('bundling the workflow code failed (see above)');
  const server = await startDevServer({
    headless: true,
    logFile: path.join(projectRoot, '.data', 'test-temporal.log'),
  });
  process.env.TEMPORAL_ADDRESS = server.address;
  (globalThis as { __temporalDevServer?: typeof server }).__temporalDevServer = server;
}
