import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, realpathSync, statSync, type BigIntStats, type Dirent } from 'node:fs';
import path from 'node:path';
import type { ConfigSource } from './types';

/**
 * A content hash of every file the config is read from, for the watcher: it changes when any byte changes,
 * and is stable across ConfigMap `..data` symlink swaps and git-sync checkouts replaced in place, because it
 * hashes contents, never paths' identities or times. It is cheap (no YAML parsing); the reconcile run then
 * loads, validates and computes the presubmit index revision itself.
 *
 * A file that cannot be read (a dangling link, as a half-synced ConfigMap or git-sync tree leaves one, a
 * permission error, a directory that cannot be listed) counts too, as "unreadable" with its error code: the
 * revision changes, and the load it triggers fails closed on that file.
 *
 * A SourceScanner kept between scans (the watcher's) reads and hashes only the files whose stat (device,
 * inode, size, modification and change times) changed since the previous scan: an idle scan is a directory
 * walk and a stat per file. A file changed within a second of being hashed is hashed again next time, since
 * its times may not tell a second write in the same clock tick.
 */
export async function sourceRevision(
  source: ConfigSource,
): Promise<{ revision: string; configVersion?: string }> {
  return new SourceScanner(source).scan();
}

/** Files changed this recently (ns) when hashed are hashed again by the next scan. */
const SETTLE_NS = 1_000_000_000n;
/** Stats between event loop turns: a scan of a large tree does not hold up the worker's other work. */
const FILES_PER_TURN = 500;

interface Known {
  signature: string;
  settled: boolean;
  digest: string;
}

export class SourceScanner {
  private known = new Map<string, Known>();
  /** Files read and hashed by the latest scan (the others' stat was unchanged). */
  hashed = 0;
  files = 0;

  constructor(private readonly source: ConfigSource) {}

  async scan(): Promise<{ revision: string; configVersion?: string }> {
    const hash = createHash('sha256');
    const seen = new Map<string, Known>();
    this.hashed = 0;
    this.files = 0;
    let sinceTurn = 0;
    const add = async (root: string | undefined, label: string): Promise<void> => {
      if (!root) return;
      for (const entry of listFiles(root)) {
        if (++sinceTurn >= FILES_PER_TURN) {
          sinceTurn = 0;
          await new Promise((resolve) => setImmediate(resolve));
        }
        const digest = 'error' in entry ? `unreadable ${entry.error}` : this.digest(entry.file, seen);
        hash.update(`${label}\0${path.relative(root, entry.file)}\0${digest}\n`);
      }
    };
    const { source } = this;
    await add(source.configPath, 'config');
    await add(source.jobConfigPath, 'jobs');
    for (const dir of source.supplementalProwConfigDirs ?? []) await add(dir, 'supplemental');
    await add(source.pluginConfigPath, 'plugins');
    for (const dir of source.supplementalPluginConfigDirs ?? []) await add(dir, 'supplemental-plugins');
    this.known = seen;
    let configVersion: string | undefined;
    try {
      configVersion =
        readFileSync(path.join(path.dirname(source.configPath), 'VERSION'), 'utf8').trim() || undefined;
    } catch {
      configVersion = undefined;
    }
    return { revision: hash.digest('hex').slice(0, 16), ...(configVersion ? { configVersion } : {}) };
  }

  /** The content hash of a file, from the previous scan when its stat is unchanged; or why it is unreadable. */
  private digest(file: string, seen: Map<string, Known>): string {
    const now = BigInt(Date.now()) * 1_000_000n;
    let stat: BigIntStats;
    try {
      stat = statSync(file, { bigint: true });
    } catch (error) {
      return `unreadable ${errorCode(error)}`;
    }
    this.files++;
    const signature = `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
    const previous = this.known.get(file);
    if (previous && previous.settled && previous.signature === signature) {
      seen.set(file, previous);
      return previous.digest;
    }
    let digest: string;
    try {
      digest = createHash('sha256').update(readFileSync(file)).digest('hex');
    } catch (error) {
      return `unreadable ${errorCode(error)}`;
    }
    this.hashed++;
    const settled = stat.mtimeNs < now - SETTLE_NS && stat.ctimeNs < now - SETTLE_NS;
    seen.set(file, { signature, settled, digest });
    return digest;
  }
}

type Listed = { file: string } | { file: string; error: string };

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? 'error';
}

/**
 * Files below a path in lexical order; `..`-prefixed entries (ConfigMap internals) skipped; links to files
 * followed, links to directories not (no loops). What cannot be listed or followed is listed with its error.
 */
function listFiles(root: string): Listed[] {
  let resolved: string;
  try {
    resolved = realpathSync(root);
    if (!statSync(resolved).isDirectory()) return [{ file: root }];
  } catch (error) {
    return [{ file: root, error: errorCode(error) }];
  }
  const out: Listed[] = [];
  const walk = (dir: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    } catch (error) {
      out.push({ file: dir, error: errorCode(error) });
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('..')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.push({ file: full });
      else if (entry.isSymbolicLink()) {
        // ConfigMap files are links into ..data. A link that leads nowhere is a file that cannot be read.
        let target;
        try {
          target = statSync(full);
        } catch (error) {
          out.push({ file: full, error: errorCode(error) });
          continue;
        }
        if (target.isFile()) out.push({ file: full });
      }
    }
  };
  walk(resolved);
  // Paths relative to the root as given, so that a swapped link target does not change the revision.
  return out.map((entry) => ({ ...entry, file: path.join(root, path.relative(resolved, entry.file)) }));
}
