import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import { MAX_CONFIG_FILE_BYTES } from './config-file';
import type { ConfigSource } from '../types';

/**
 * A content hash of every file the config is read from, for the watcher: it changes when any byte changes,
 * and is stable across ConfigMap `..data` symlink swaps and git-sync checkouts replaced in place, because it
 * hashes contents, never paths' identities or times. It is cheap (no YAML parsing); the reconcile run then
 * loads, validates and computes the presubmit index revision itself.
 *
 * A file that cannot be read (a dangling link, as a half-synced ConfigMap or git-sync tree leaves one, a
 * permission error, a directory that cannot be listed) counts too, as "unreadable" with its error code: the
 * revision changes, and the load it triggers fails closed on that file. So does anything the load refuses
 * without reading it, by its type or size (a device, a FIFO, a socket, a file over the size limit): reading
 * /dev/zero would never end and opening a FIFO would block, but the change must still be noticed.
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

/** Files changed this recently (ms) when hashed are hashed again by the next scan. */
const SETTLE_MS = 1_000;
/** Stats between event loop turns: a scan of a large tree does not hold up the worker's other work. */
const FILES_PER_TURN = 500;

interface Known {
  signature: string;
  settled: boolean;
  digest: string;
}

interface KnownDir {
  signature: string;
  settled: boolean;
  /** Entries in lexical order, `..` names left out. */
  entries: { name: string; isDir: boolean }[];
}

/** A stat's identity: device, inode, size, modification and change times. */
function signatureOf(stat: Stats): string {
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
}

export class SourceScanner {
  private known = new Map<string, Known>();
  private knownDirs = new Map<string, KnownDir>();
  /** Files read and hashed by the latest scan (the others' stat was unchanged). */
  hashed = 0;
  files = 0;

  constructor(private readonly source: ConfigSource) {}

  async scan(): Promise<{ revision: string; configVersion?: string }> {
    const hash = createHash('sha256');
    const seen = new Map<string, Known>();
    const seenDirs = new Map<string, KnownDir>();
    this.hashed = 0;
    this.files = 0;
    let sinceTurn = 0;
    const now = Date.now();
    const add = async (root: string | undefined, label: string): Promise<void> => {
      if (!root) return;
      const entries: Listed[] = [];
      this.list(root, entries, seenDirs, now);
      for (const entry of entries) {
        if (++sinceTurn >= FILES_PER_TURN) {
          sinceTurn = 0;
          await new Promise((resolve) => setImmediate(resolve));
        }
        const digest = entry.error
          ? `unreadable ${entry.error}`
          : this.digest(entry.path, entry.stat as Stats, seen, now);
        hash.update(`${label}\0${entry.rel}\0${digest}\n`);
      }
    };
    const { source } = this;
    await add(source.configPath, 'config');
    await add(source.jobConfigPath, 'jobs');
    for (const dir of source.supplementalProwConfigDirs ?? []) await add(dir, 'supplemental');
    await add(source.pluginConfigPath, 'plugins');
    for (const dir of source.supplementalPluginConfigDirs ?? []) await add(dir, 'supplemental-plugins');
    this.known = seen;
    this.knownDirs = seenDirs;
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
  private digest(file: string, stat: Stats, seen: Map<string, Known>, now: number): string {
    this.files++;
    const signature = signatureOf(stat);
    const previous = this.known.get(file);
    if (previous && previous.settled && previous.signature === signature) {
      seen.set(file, previous);
      return previous.digest;
    }
    if (stat.size > MAX_CONFIG_FILE_BYTES) return `oversized ${stat.size}`;
    let digest: string;
    try {
      digest = createHash('sha256').update(readFileSync(file)).digest('hex');
    } catch (error) {
      return `unreadable ${errorCode(error)}`;
    }
    this.hashed++;
    const settled = stat.mtimeMs < now - SETTLE_MS && stat.ctimeMs < now - SETTLE_MS;
    seen.set(file, { signature, settled, digest });
    return digest;
  }

  /**
   * The files below `root` in lexical order with their stats (links to files followed, links to directories
   * not: no loops; `..` names, ConfigMap internals, skipped), or the error that kept one from being read. A
   * directory whose stat is unchanged since the previous scan is not listed again.
   */
  private list(root: string, out: Listed[], seenDirs: Map<string, KnownDir>, now: number): void {
    let stat: Stats;
    try {
      stat = statSync(root);
    } catch (error) {
      out.push({ path: root, rel: '', error: errorCode(error) });
      return;
    }
    if (!stat.isDirectory()) {
      out.push(
        stat.isFile() ? { path: root, rel: '', stat } : { path: root, rel: '', error: specialKind(stat) },
      );
      return;
    }
    const walk = (dir: string, rel: string, dirStat: Stats): void => {
      const signature = signatureOf(dirStat);
      let known = this.knownDirs.get(dir);
      if (!known || !known.settled || known.signature !== signature) {
        let dirents: Dirent[];
        try {
          dirents = readdirSync(dir, { withFileTypes: true });
        } catch (error) {
          out.push({ path: dir, rel, error: errorCode(error) });
          return;
        }
        const entries = dirents
          .filter((d) => !d.name.startsWith('..'))
          .map((d) => ({ name: d.name, isDir: d.isDirectory() }))
          .sort((a, b) => (a.name < b.name ? -1 : 1));
        const settled = dirStat.mtimeMs < now - SETTLE_MS && dirStat.ctimeMs < now - SETTLE_MS;
        known = { signature, settled, entries };
      }
      seenDirs.set(dir, known);
      for (const entry of known.entries) {
        const full = path.join(dir, entry.name);
        const childRel = rel ? `${rel}/${entry.name}` : entry.name;
        let child: Stats;
        try {
          // Follows links: ConfigMap files are links into ..data; one that leads nowhere cannot be read.
          child = statSync(full);
        } catch (error) {
          out.push({ path: full, rel: childRel, error: errorCode(error) });
          continue;
        }
        if (entry.isDir) walk(full, childRel, child);
        else if (child.isFile()) out.push({ path: full, rel: childRel, stat: child });
        else if (!child.isDirectory()) out.push({ path: full, rel: childRel, error: specialKind(child) });
      }
    };
    walk(root, '', stat);
  }
}

interface Listed {
  path: string;
  /** Relative to the root as given, so that a swapped link target does not change the revision. */
  rel: string;
  stat?: Stats;
  error?: string;
}

/** A file that is neither a regular file nor a directory, which the load refuses by its type. */
function specialKind(stat: Stats): string {
  if (stat.isFIFO()) return 'fifo';
  if (stat.isSocket()) return 'socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'device';
  return 'special';
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? 'error';
}
