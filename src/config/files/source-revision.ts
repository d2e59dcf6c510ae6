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

/** A stat's identity: device, inode, size, modification and change times. */
interface Signature {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

interface Known {
  signature: Signature;
  settled: boolean;
  digest: string;
}

interface KnownDir {
  signature: Signature;
  settled: boolean;
  /** Entries in lexical order, `..` names left out. */
  /** `full`: the entry's path (the directory's joined with its name). */
  entries: { name: string; isDir: boolean; full: string }[];
}

function signatureOf(stat: Stats): Signature {
  return { dev: stat.dev, ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs };
}

function sameSignature(a: Signature, stat: Stats): boolean {
  return (
    a.mtimeMs === stat.mtimeMs &&
    a.ctimeMs === stat.ctimeMs &&
    a.ino === stat.ino &&
    a.size === stat.size &&
    a.dev === stat.dev
  );
}

export class SourceScanner {
  private known = new Map<string, Known>();
  private knownDirs = new Map<string, KnownDir>();
  private revision?: string;
  /** Set when the current scan found anything new: a file or directory changed, added, gone or unreadable. */
  private changed = false;
  /** Files read and hashed by the latest scan (the others' stat was unchanged). */
  hashed = 0;
  files = 0;

  constructor(private readonly source: ConfigSource) {}

  async scan(): Promise<{ revision: string; configVersion?: string }> {
    const seen = new Map<string, Known>();
    const seenDirs = new Map<string, KnownDir>();
    this.hashed = 0;
    this.files = 0;
    this.changed = this.revision === undefined;
    // Each file's line of the revision's hash; hashed only when something changed since the last scan.
    const lines: string[] = [];
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
        let digest: string;
        if (entry.error) {
          digest = `unreadable ${entry.error}`;
          this.changed = true;
        } else digest = this.digest(entry.path, entry.stat as Stats, seen, now);
        lines.push(label, entry.rel, digest);
      }
    };
    const { source } = this;
    await add(source.configPath, 'config');
    await add(source.jobConfigPath, 'jobs');
    for (const dir of source.supplementalProwConfigDirs ?? []) await add(dir, 'supplemental');
    await add(source.pluginConfigPath, 'plugins');
    for (const dir of source.supplementalPluginConfigDirs ?? []) await add(dir, 'supplemental-plugins');
    if (seen.size !== this.known.size || seenDirs.size !== this.knownDirs.size) this.changed = true;
    this.known = seen;
    this.knownDirs = seenDirs;
    if (this.changed || this.revision === undefined) {
      const hash = createHash('sha256');
      for (let i = 0; i < lines.length; i += 3)
        hash.update(`${lines[i]}\0${lines[i + 1]}\0${lines[i + 2]}\n`);
      this.revision = hash.digest('hex').slice(0, 16);
    }
    let configVersion: string | undefined;
    try {
      configVersion =
        readFileSync(path.join(path.dirname(source.configPath), 'VERSION'), 'utf8').trim() || undefined;
    } catch {
      configVersion = undefined;
    }
    return { revision: this.revision, ...(configVersion ? { configVersion } : {}) };
  }

  /**
   * Every directory the latest scan walked (roots given as directories and all below them), with the device and
   * inode its stat found: the watcher watches these for file events, and watches again one replaced in place.
   */
  directories(): Map<string, { dev: number; ino: number }> {
    const out = new Map<string, { dev: number; ino: number }>();
    for (const [dir, known] of this.knownDirs)
      out.set(dir, { dev: known.signature.dev, ino: known.signature.ino });
    return out;
  }

  /** The content hash of a file, from the previous scan when its stat is unchanged; or why it is unreadable. */
  private digest(file: string, stat: Stats, seen: Map<string, Known>, now: number): string {
    this.files++;
    const previous = this.known.get(file);
    if (previous && previous.settled && sameSignature(previous.signature, stat)) {
      seen.set(file, previous);
      return previous.digest;
    }
    this.changed = true;
    const signature = signatureOf(stat);
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
      let known = this.knownDirs.get(dir);
      if (!known || !known.settled || !sameSignature(known.signature, dirStat)) {
        this.changed = true;
        const signature = signatureOf(dirStat);
        let dirents: Dirent[];
        try {
          dirents = readdirSync(dir, { withFileTypes: true });
        } catch (error) {
          out.push({ path: dir, rel, error: errorCode(error) });
          return;
        }
        const entries = dirents
          .filter((d) => !d.name.startsWith('..'))
          // Names from readdir hold no separators or dot segments: joining needs no normalizing.
          .map((d) => ({
            name: d.name,
            isDir: d.isDirectory(),
            full: dir.endsWith('/') ? `${dir}${d.name}` : `${dir}/${d.name}`,
          }))
          .sort((a, b) => (a.name < b.name ? -1 : 1));
        const settled = dirStat.mtimeMs < now - SETTLE_MS && dirStat.ctimeMs < now - SETTLE_MS;
        known = { signature, settled, entries };
      }
      seenDirs.set(dir, known);
      for (const entry of known.entries) {
        const full = entry.full;
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
