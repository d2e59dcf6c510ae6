/**
 * The diff of a real transition, ours beside Prow's own (issue 14): the four real changes of the Kubernetes
 * project's Prow config in ../shared/data/prow-transitions, each diffed from its before tree to the snapshot.
 *
 * - Ours: `diffConfigs` of the two presubmit indexes, as the diff activity runs it. The first call is timed in
 *   a fresh process per transition (both configs loaded first, so only the diff's own code is cold), then the
 *   warm calls.
 * - Prow's: addedBlockingPresubmits, removedPresubmits and migratedBlockingPresubmits of its pkg/statusreconciler
 *   on the two configs loaded by its config.Load, timed by .tools/bin/prow-diff-timer (built by
 *   scripts/build-prow-oracle.sh) the same way.
 * Both sides' counts are printed, so a row where they differ shows at once.
 *
 * Usage (compiled): node dist/bench/diff.js [WARM_RUNS]   (default 20)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config/load';
import { ParseCache } from '../src/config/files/parse-cache';
import type { ConfigSource } from '../src/config/types';
import { projectRoot } from '../src/project-root';
import { diffConfigs, type ConfigDiff } from '../src/reconcile/diff';

const data = path.join(projectRoot, '..', 'shared', 'data');
const snapshot = path.join(data, 'kubernetes-prow-config', 'config');
const transitions = path.join(data, 'prow-transitions');
const prowTimer = path.join(projectRoot, '.tools', 'bin', 'prow-diff-timer');

interface Timing {
  added: number;
  removed: number;
  migrated: number;
  firstMs: number;
  warmMs: number[];
}

const sourceAt = (config: string): ConfigSource => ({
  configPath: path.join(config, 'prow', 'config.yaml'),
  jobConfigPath: path.join(config, 'jobs'),
  pluginConfigPath: path.join(config, 'prow', 'plugins.yaml'),
});

const count = (byRepo: Record<string, unknown[]>): number =>
  Object.values(byRepo).reduce((n, list) => n + list.length, 0);

/** In a child process: load both trees, then time the first diff and `runs` warm ones. */
async function timeOurs(before: string, after: string, runs: number): Promise<Timing> {
  const cache = new ParseCache();
  const old = await loadConfig(sourceAt(before), { cache });
  const now = await loadConfig(sourceAt(after), { cache });
  const once = (): [number, ConfigDiff] => {
    const start = performance.now();
    const diff = diffConfigs(old.index.repos, now.index.repos);
    return [performance.now() - start, diff];
  };
  const [firstMs, diff] = once();
  const warmMs = Array.from({ length: runs }, () => once()[0]).sort((a, b) => a - b);
  return {
    added: count(diff.added),
    removed: count(diff.removed),
    migrated: count(diff.migrated),
    firstMs,
    warmMs,
  };
}

function run(command: string, args: string[]): Timing {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 16 << 20 });
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as Timing;
}

const median = (xs: number[]): number => xs[Math.floor(xs.length / 2)] ?? NaN;
const ms = (x: number): string => `${x.toFixed(2)} ms`;

async function main(): Promise<void> {
  const [mode, before, after, runsArg] = process.argv.slice(2);
  if (mode === '--child') {
    process.stdout.write(`${JSON.stringify(await timeOurs(before ?? '', after ?? '', Number(runsArg)))}\n`);
    return;
  }
  const runs = Number(mode ?? 20);
  if (!existsSync(snapshot) || !existsSync(transitions))
    throw new Error(`the real config data is missing: ${snapshot}, ${transitions}`);
  if (!existsSync(prowTimer))
    execFileSync('bash', [path.join(projectRoot, 'scripts', 'build-prow-oracle.sh')]);
  const scratch = mkdtempSync(path.join(tmpdir(), 'bench-diff-'));
  try {
    console.log(`diff of a real transition (first call in a fresh process; warm: median of ${runs})`);
    console.log('transition     added/removed/migrated   ours first / warm        Prow first / warm');
    const patches = readdirSync(transitions)
      .filter((f) => f.endsWith('.patch'))
      .sort();
    for (const patch of patches) {
      const tree = path.join(scratch, patch);
      cpSync(snapshot, path.join(tree, 'config'), { recursive: true });
      execFileSync('patch', ['-s', '-R', '-p1', '-d', tree, '-i', path.join(transitions, patch)]);
      const beforeDir = path.join(tree, 'config');
      const ours = run(process.execPath, [__filename, '--child', beforeDir, snapshot, String(runs)]);
      const prow = run(prowTimer, [beforeDir, snapshot, String(runs)]);
      const counts = (t: Timing): string => `${t.added}/${t.removed}/${t.migrated}`;
      const same = counts(ours) === counts(prow) ? counts(ours) : `${counts(ours)} (Prow ${counts(prow)})`;
      console.log(
        `${patch.replace(/\.patch$/, '').padEnd(14)} ${same.padEnd(24)} ` +
          `${`${ms(ours.firstMs)} / ${ms(median(ours.warmMs))}`.padEnd(24)} ` +
          `${ms(prow.firstMs)} / ${ms(median(prow.warmMs))}`,
      );
      rmSync(tree, { recursive: true, force: true });
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
