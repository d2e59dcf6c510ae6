import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { checkConfig } from '../../src/config/check-config';
import { projectRoot } from '../../src/project-root';
import type { ConfigSource } from '../../src/config/types';
import { configTree, MINIMAL_PROW_CONFIG, validJob, type ConfigTree } from './config-tree';

/**
 * The compiled `check-config` (Jest's global setup compiles the project), with and without the cache it
 * saves (load-cache-file.ts), gives what the load in this process gives: the same summary for a valid
 * config, the same problems in the same order for an invalid one. Large files are decoded on the decode
 * thread only in compiled code, so this is also where the CLI's whole path runs as shipped.
 */

const cli = path.join(projectRoot, 'dist', 'src', 'cli', 'main.js');

function manyFiles(broken: number[] = []): ConfigTree {
  const entries: Record<string, string> = {
    'prow/config.yaml': MINIMAL_PROW_CONFIG,
    'prow/plugins.yaml': 'plugins: {}\n',
  };
  for (let i = 0; i < 48; i++) {
    const name = `jobs/f${String(i).padStart(2, '0')}.yaml`;
    entries[name] = broken.includes(i)
      ? `presubmits:\n  org/r${i % 5}:\n  - name: job-${i}\n    always_run: sometimes\n`
      : `presubmits:\n  org/r${i % 5}:\n${validJob(`job-${i}`)}${validJob(`job-${i}-b`)}`;
  }
  return configTree(entries);
}

const sourceOf = (tree: ConfigTree): ConfigSource =>
  tree.source({ pluginConfigPath: tree.path('prow/plugins.yaml') });

function compiledCheck(tree: ConfigTree, cacheDir: string): unknown {
  const source = sourceOf(tree);
  const result = spawnSync(
    process.execPath,
    [
      cli,
      'check-config',
      '--config-path',
      source.configPath,
      '--job-config-path',
      tree.path('jobs'),
      '--plugin-config',
      tree.path('prow/plugins.yaml'),
      '-o',
      'json',
    ],
    { encoding: 'utf8', env: { ...process.env, STATUS_RECONCILER_CACHE_DIR: cacheDir } },
  );
  return JSON.parse(result.stdout) as unknown;
}

describe('the compiled check-config', () => {
  const trees: ConfigTree[] = [];
  afterAll(() => trees.forEach((t) => t.remove()));

  it.each([
    ['a valid config', []],
    ['problems in several files', [3, 20, 21, 33]],
  ])('gives what the load in this process gives: %s', async (_label, broken) => {
    const tree = manyFiles(broken);
    trees.push(tree);
    const inPlace = await checkConfig(sourceOf(tree));
    const expected = inPlace.ok
      ? {
          ok: true,
          revision: inPlace.revision,
          presubmits: inPlace.presubmits,
          repositories: inPlace.repositories,
        }
      : { ok: false, errors: inPlace.errors };
    expect(inPlace.ok).toBe(broken.length === 0);
    expect(compiledCheck(tree, 'off')).toEqual(expected);
    expect(compiledCheck(tree, tree.path('cache'))).toEqual(expected); // cold: the cache is written
    expect(compiledCheck(tree, tree.path('cache'))).toEqual(expected); // from the cache
  });
});
