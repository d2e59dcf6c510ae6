import { createHash } from 'node:crypto';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { MAX_CONFIG_FILE_BYTES } from './config-file';
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
      hash.update(await contentKey(file));
      hash.update('\0');
    }
  };
  await add(source.configPath, 'config');
  await add(source.jobConfigPath, 'jobs');
  for (const dir of source.supplementalProwConfigDirs ?? []) await add(dir, 'supplemental');
  await add(source.pluginConfigPath, 'plugins');
  for (const dir of source.supplementalPluginConfigDirs ?? []) await add(dir, 'supplemental-plugins');
  const versionFile = path.join(path.dirname(source.configPath), 'VERSION');
  const configVersion = await contentKey(versionFile).then(
    (key) => (Buffer.isBuffer(key) ? key.toString('utf8').trim() || undefined : undefined),
    () => undefined,
  );
  return { revision: hash.digest('hex').slice(0, 16), configVersion };
}

/**
 * A file's bytes, or for anything the load refuses without reading (a device, a FIFO, a socket, a file over
 * the size limit) its type and size: reading /dev/zero would never end and opening a FIFO would block, but
 * the change must still be noticed so that the load runs and reports it.
 */
async function contentKey(file: string): Promise<Buffer | string> {
  const info = await stat(file);
  if (!info.isFile()) return `not a regular file: mode ${info.mode.toString(8)}`;
  if (info.size > MAX_CONFIG_FILE_BYTES) return `too large: ${info.size} bytes, changed ${info.mtimeMs}`;
  return readFile(file);
}

/**
 * Files below a path in lexical order (regular files, and links to anything but a directory);
 * `..`-prefixed entries (ConfigMap internals) skipped.
 */
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
      else if (entry.isSymbolicLink()) {
        // ConfigMap files are links into ..data; follow links to files, never to directories (no loops).
        const target = await stat(full).catch(() => undefined);
        if (target && !target.isDirectory()) out.push(full);
      } else out.push(full); // a FIFO, device or socket too: the load reports it (contentKey)
    }
  };
  await walk(resolved);
  return out;
}
