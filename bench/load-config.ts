import { existsSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadRetainedConfig } from '../src/config/retained-config';
import { ParseCache } from '../src/config/parse-cache';
import { projectRoot } from '../src/project-root';
import type { ConfigSource } from '../src/config/types';

/**
 * Loads and validates the Kubernetes project's Prow config (../shared/data/kubernetes-prow-config,
 * 602 job files) N times as a worker's activities do (loadRetainedConfig): cold (no parse cache, every file decoded) and warm (a parse cache kept
 * across loads, as the worker does, so only changed files are decoded). Prints the wall time of each
 * load, the size of the presubmit index and the peak RSS. Goal: under 1 s and 300 MB.
 *
 * Usage (compiled): node dist/bench/load-config.js [N]
 */
async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 5);
  const base = path.join(projectRoot, '..', 'shared', 'data', 'kubernetes-prow-config', 'config');
  if (!existsSync(base)) {
    process.stderr.write(`the Kubernetes config is absent: ${base}\n`);
    process.exitCode = 1;
    return;
  }
  const source: ConfigSource = {
    configPath: path.join(base, 'prow', 'config.yaml'),
    jobConfigPath: path.join(base, 'jobs'),
    pluginConfigPath: path.join(base, 'prow', 'plugins.yaml'),
  };
  const time = async (label: string, cache?: ParseCache): Promise<number> => {
    const started = process.hrtime.bigint();
    const config = await loadRetainedConfig(source, { cache });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const presubmits = Object.values(config.index.repos).reduce((n, list) => n + list.length, 0);
    process.stdout.write(
      `${label}: ${ms.toFixed(0)} ms (${presubmits} presubmits, revision ${config.index.revision})\n`,
    );
    return ms;
  };

  const cold: number[] = [];
  for (let i = 1; i <= runs; i++) cold.push(await time(`cold load ${i}`));
  const cache = new ParseCache();
  const warm: number[] = [];
  await time('warm-up load (fills the parse cache)', cache);
  for (let i = 1; i <= runs; i++) warm.push(await time(`warm load ${i}`, cache));

  const config = await loadRetainedConfig(source, { cache });
  const json = JSON.stringify(config.index);
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  process.stdout.write(
    `cold median: ${median(cold).toFixed(0)} ms, max ${Math.max(...cold).toFixed(0)} ms\n`,
  );
  process.stdout.write(
    `warm median: ${median(warm).toFixed(0)} ms, max ${Math.max(...warm).toFixed(0)} ms\n`,
  );
  process.stdout.write(`parse cache: ${cache.size} entries, ${cache.hits} hits, ${cache.misses} misses\n`);
  process.stdout.write(`index JSON: ${json.length} bytes, gzip ${gzipSync(json).length} bytes\n`);
  process.stdout.write(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
