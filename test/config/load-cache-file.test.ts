import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { checkConfig } from '../../src/config/check-config';
import { loadConfig } from '../../src/config/load';
import { codeVersion, defaultCacheDir, openLoadCache } from '../../src/config/load-cache-file';
import {
  loadRetainedConfig,
  retainedMemoCodec,
  type RetainedConfig,
} from '../../src/config/presubmit-index/retained-config';
import type { ConfigSource } from '../../src/config/types';
import { configTree, MINIMAL_PROW_CONFIG, validJob, type ConfigTree } from './config-tree';

/**
 * The saved parse cache and load memo (load-cache-file.ts): a new process restores them and decodes and
 * re-checks only what changed, with a full load's results; a file that is corrupt, truncated, of another
 * version or not a cache file at all is ignored, and a saved entry is only ever used for its own bytes.
 */

const CACHE_FILE = 'config-load-cache.worker.bin';

function jobFile(repo: string, ...names: string[]): string {
  return `presubmits:\n  ${repo}:\n${names.map((n) => validJob(n)).join('')}`;
}

function sampleTree(): ConfigTree {
  return configTree({
    'prow/config.yaml': MINIMAL_PROW_CONFIG,
    'jobs/a.yaml': jobFile('org/a', 'a-1', 'a-2'),
    'jobs/b.yaml': jobFile('org/b', 'b-1'),
  });
}

function flipByte(bytes: Buffer, at: number): Buffer {
  bytes.writeUInt8((bytes.readUInt8(at) ^ 0xff) & 0xff, at);
  return bytes;
}

/** What a full load gives, in the shape loadRetainedConfig gives it. */
async function expectFullLoad(source: ConfigSource, retained: RetainedConfig): Promise<void> {
  const full = await loadConfig(source);
  const { presubmitsOf, ...rest } = retained;
  const { presubmits, ...expected } = full;
  expect(rest).toEqual(expected);
  for (const [repo, list] of Object.entries(presubmits)) expect(presubmitsOf(repo)).toEqual(list);
}

/** A load in a "new process": a cache opened from `dir`, saved after the load. */
async function loadInNewProcess(
  source: ConfigSource,
  dir: string,
  version?: string,
): Promise<{
  config: RetainedConfig;
  restored: boolean;
  restoredHits: number;
  reused: number;
  misses: number;
}> {
  const persistent = await openLoadCache(dir, retainedMemoCodec, version ? { version } : {});
  const config = await loadRetainedConfig(source, { cache: persistent.cache, memo: persistent.memo });
  await persistent.save();
  return {
    config,
    restored: persistent.restored,
    restoredHits: persistent.cache.restoredHits,
    reused: persistent.memo.reused,
    misses: persistent.cache.misses,
  };
}

describe('the saved load cache', () => {
  const trees: ConfigTree[] = [];
  afterAll(() => trees.forEach((t) => t.remove()));

  const fresh = (): { tree: ConfigTree; dir: string; source: ConfigSource } => {
    const tree = sampleTree();
    trees.push(tree);
    return { tree, dir: tree.path('cache'), source: tree.source() };
  };

  it('lets a new process reuse every file and list, with a full load’s results', async () => {
    const { dir, source } = fresh();
    const first = await loadInNewProcess(source, dir);
    expect(first.restored).toBe(false);
    const second = await loadInNewProcess(source, dir);
    expect(second.restored).toBe(true);
    expect(second.misses).toBe(0);
    expect(second.reused).toBeGreaterThan(0);
    expect(second.config.index).toEqual(first.config.index);
    await expectFullLoad(source, second.config);
  });

  it('decodes again only the file a change touched', async () => {
    const { tree, dir, source } = fresh();
    await loadInNewProcess(source, dir);
    tree.write({ 'jobs/b.yaml': jobFile('org/b', 'b-1', 'b-2') });
    const second = await loadInNewProcess(source, dir);
    expect(second.misses).toBe(1);
    expect(second.config.index.repos['org/b']?.map((p) => p.name)).toEqual(['b-1', 'b-2']);
    await expectFullLoad(source, second.config);
  });

  it('is written again only when a load changed what it holds', async () => {
    const { tree, dir, source } = fresh();
    // Past the parse cache's racy window, so the first load already trusts every file's stat.
    await sleep(1_100);
    await loadInNewProcess(source, dir);
    const file = path.join(dir, CACHE_FILE);
    const written = (): string => {
      const stat = statSync(file);
      return `${stat.ino}:${stat.mtimeMs}`;
    };
    const first = written();
    const unchanged = await loadInNewProcess(source, dir);
    expect([unchanged.restored, unchanged.misses]).toEqual([true, 0]);
    expect(written()).toBe(first);
    tree.write({ 'jobs/b.yaml': jobFile('org/b', 'b-1', 'b-2') });
    await loadInNewProcess(source, dir);
    expect(written()).not.toBe(first);
  });

  // Each damage leaves a file that must be ignored: the load then decodes everything, as without a cache.
  it.each([
    ['a flipped byte in the body (checksum mismatch)', (b: Buffer) => flipByte(b, b.length - 10)],
    ['a truncated file', (b: Buffer) => b.subarray(0, Math.floor(b.length / 2))],
    ['an empty file', () => Buffer.alloc(0)],
    ['not a cache file', () => Buffer.from('presubmits: {}\n')],
  ])('ignores %s and loads from the files', async (_label, damage) => {
    const { dir, source } = fresh();
    const first = await loadInNewProcess(source, dir);
    const file = path.join(dir, CACHE_FILE);
    writeFileSync(file, damage(readFileSync(file)));
    const second = await loadInNewProcess(source, dir);
    expect(second.restored).toBe(false);
    expect(second.misses).toBe(3); // the Prow config and both job files, decoded again
    expect(second.config.index).toEqual(first.config.index);
    await expectFullLoad(source, second.config);
    // The next load finds an intact cache again.
    expect((await loadInNewProcess(source, dir)).restored).toBe(true);
  });

  it('ignores a cache written by another version of the code', async () => {
    const { dir, source } = fresh();
    await loadInNewProcess(source, dir, 'another-version');
    const second = await loadInNewProcess(source, dir);
    expect(second.restored).toBe(false);
    expect(second.misses).toBe(3);
    await expectFullLoad(source, second.config);
  });

  it('ignores, without a warning, a cache file of another layout (an earlier release’s)', async () => {
    const { dir, source } = fresh();
    const first = await loadInNewProcess(source, dir);
    const file = path.join(dir, CACHE_FILE);
    const bytes = readFileSync(file);
    bytes.write('1', 'SR-LOAD-CACHE-'.length); // the layout's number in the magic
    writeFileSync(file, bytes);
    const logged: string[] = [];
    const logger = {
      debug: () => undefined,
      info: (msg: string) => logged.push(`info ${msg}`),
      warn: (msg: string) => logged.push(`warn ${msg}`),
      error: (msg: string) => logged.push(`error ${msg}`),
      child: () => logger,
    };
    const persistent = await openLoadCache(dir, retainedMemoCodec, { logger });
    expect(persistent.restored).toBe(false);
    expect(logged).toEqual(['info config load cache from another version, ignored']);
    const config = await loadRetainedConfig(source, { cache: persistent.cache, memo: persistent.memo });
    expect(config.index).toEqual(first.config.index);
  });

  it('never uses an entry for other bytes: a file rewritten to other content is decoded again', async () => {
    const { tree, dir, source } = fresh();
    await loadInNewProcess(source, dir);
    // Same size and the same name: only the content (and so its SHA-256) differs.
    tree.write({ 'jobs/a.yaml': jobFile('org/a', 'a-3', 'a-4') });
    const second = await loadInNewProcess(source, dir);
    expect(second.restored).toBe(true);
    expect(second.misses).toBe(1);
    expect(second.config.index.repos['org/a']?.map((p) => p.name)).toEqual(['a-3', 'a-4']);
    await expectFullLoad(source, second.config);
  });

  it('fails a bad config with a full load’s problems though the last good one is cached', async () => {
    const { tree, dir, source } = fresh();
    await loadInNewProcess(source, dir);
    tree.write({ 'jobs/b.yaml': 'presubmits:\n  org/b:\n  - name: b-1\n' }); // no spec
    const persistent = await openLoadCache(dir, retainedMemoCodec);
    const load = loadRetainedConfig(source, { cache: persistent.cache, memo: persistent.memo });
    await expect(load).rejects.toMatchObject({ name: 'ConfigInvalidError' });
    await expect(load.catch((e: { problems: unknown }) => e.problems)).resolves.toEqual(
      await loadConfig(source).catch((e: { problems: unknown }) => e.problems),
    );
  });

  it('gives check-config the summary of a load without a cache, first and after a change', async () => {
    const { tree, dir, source } = fresh();
    const expectSameCheck = async (): Promise<void> =>
      expect(await checkConfig(source, { cacheDir: dir })).toEqual(await checkConfig(source));
    await expectSameCheck(); // cold: the cache is written
    await expectSameCheck(); // from the cache
    tree.write({ 'jobs/c.yaml': jobFile('org/c', 'c-1') });
    await expectSameCheck();
    tree.write({ 'jobs/c.yaml': 'presubmits:\n  org/c:\n  - name: c-1\n' }); // invalid: no spec
    const failed = await checkConfig(source, { cacheDir: dir });
    expect(failed.ok).toBe(false);
    expect(failed).toEqual(await checkConfig(source));
  });

  it('has a version that changes with the code’s and a directory that can be turned off', () => {
    expect(codeVersion()).toMatch(/^[0-9a-f]{32}$/);
    expect(defaultCacheDir({ STATUS_RECONCILER_CACHE_DIR: 'off' })).toBeUndefined();
    expect(defaultCacheDir({ STATUS_RECONCILER_CACHE_DIR: '/x' })).toBe('/x');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/c' })).toBe('/c/status-reconciler');
  });
});
