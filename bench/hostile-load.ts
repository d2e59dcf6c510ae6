import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../src/project-root';
import { HOSTILE_CASES } from './support/hostile-configs';
import { describeRun, runHostileLoad } from './support/hostile-run';

/**
 * Issue 17: hostile inputs (bench/support/hostile-configs.ts) and the Kubernetes config, each loaded by
 * the worker's load activity in a process with the image's 256 MB heap, while /healthz is asked every
 * 100 ms. Prints per case the load's time, the peak resident set, the longest event-loop block, the slowest
 * /healthz answer, and the outcome. Goals: every case ends within 30 s (50,000 presubmits within 20 s),
 * under 512 MB, with a clear error or a load, never a crash; /healthz always within 1 s.
 *
 * Usage (compiled): node dist/bench/hostile-load.js [case-name …]
 */
async function main(): Promise<void> {
  const only = new Set(process.argv.slice(2));
  // The checkout's sibling, or a git worktree's (/work/wt/<name>) sibling's.
  const base = [path.join(projectRoot, '..'), path.join(projectRoot, '..', '..')]
    .map((dir) => path.join(dir, 'shared', 'data', 'kubernetes-prow-config', 'config'))
    .find((dir) => existsSync(dir)) as string;
  const cases = [
    ...HOSTILE_CASES,
    {
      name: 'kubernetes',
      description: 'the Kubernetes config (2,261 presubmits in 603 files)',
      build: () => ({
        source: {
          configPath: path.join(base, 'prow', 'config.yaml'),
          jobConfigPath: path.join(base, 'jobs'),
          pluginConfigPath: path.join(base, 'prow', 'plugins.yaml'),
        },
        file: base,
      }),
    },
  ].filter((c) => only.size === 0 || only.has(c.name));
  for (const c of cases) {
    const dir = mkdtempSync(path.join(os.tmpdir(), `hostile-${c.name}-`));
    try {
      const { source } = c.build(dir);
      const run = await runHostileLoad(source);
      process.stdout.write(`${describeRun(c.name, run)}\n`);
      if (run.probe?.metrics.length) process.stdout.write(`  metrics: ${run.probe.metrics.join(', ')}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
