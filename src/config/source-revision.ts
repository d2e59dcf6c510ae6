import { createHash } from 'node:crypto';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ConfigSource } from './types';

/**
 * A content hash of every file the config is read from, for the watcher: it changes when any byte changes,
 * and is stable across ConfigMap `..data` symlink swaps and git-sync checkouts replaced in place, because it
 * hashes contents, never paths' identities or times. It is cheap (no YAML parsing); the reconcile run then
 * loads, validates and computes the presubmit index revision itself.
 */
export async function sourceRevision(
  source: ConfigSource,
): Promise<{ revision: string; configVersion?: string }> {
  const hash = createHash('sha256');
  const add = async (root: string | undefined, label: string): Promise<void> => {
    if (!root) return;
    for (const file of await filesUnder(root)) {
      hash.update(`${label}\0${path.relative(root, file)}\0`);
      hash.update(await readFile(file));
      hash.update('\0');
    }
  };
  await add(source.configPath, 'config');
  await add(source.jobConfigPath, 'jobs');
  for (const dir of source.supplementalProwConfigDirs ?? []) await add(dir, 'supplemental');
  await add(source.pluginConfigPath, 'plugins');
  for (const dir of source.supplementalPluginConfigDirs ?? []) await add(dir, 'supplemental-plugins');
  const configVersion = await readFile(path.join(path.dirname(source.configPath), 'VERSION'), 'utf8').then(
    (text) => text.trim() || undefined,
    () => undefined,
  );
  return { revision: hash.digest('hex').slice(0, 16), configVersion };
}

/** Regular files below a path in lexical order; `..`-prefixed entries (ConfigMap internals) skipped. */
async function filesUnder(root: string): Promise<string[]> {
  const resolved = await realpath(root);
  if (!(await stat(resolved)).isDirectory()) return [resolved];
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      if (entry.name.startsWith('..')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.push(full);
      else if (entry.isSymbolicLink()) {
        // ConfigMap files are links into ..data; follow links to files, never to directories (no loops).
        const target = await stat(full).catch(() => undefined);
        if (target?.isFile()) out.push(full);
      }
    }
  };
  await walk(resolved);
  return out;
}
