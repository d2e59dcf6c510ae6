import { promises as fs, statSync, type Dirent } from 'node:fs';

/**
 * Directory listings kept between loads (by the parse cache): a directory whose stat (device, inode, times)
 * is the one it had when it was listed, over a second before, is not listed again. Adding, removing or
 * renaming an entry changes a directory's modification time, so an unchanged stat means unchanged names and
 * types; a directory changed within a second of being listed is listed again next time (its time may not
 * tell a second change in the same clock tick), as the parse cache does for files.
 */
export class DirListings {
  private known = new Map<string, Listing>();
  private used = new Map<string, Listing>();

  /** `fs.readdir(dir, { withFileTypes: true })`, from the last listing when the directory is unchanged. */
  async list(dir: string): Promise<Dirent[]> {
    let signature: string | undefined;
    let settled = false;
    try {
      const stat = statSync(dir);
      signature = `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
      const now = Date.now();
      settled = stat.mtimeMs < now - SETTLE_MS && stat.ctimeMs < now - SETTLE_MS;
    } catch {
      // readdir reports it
    }
    const known = this.used.get(dir) ?? this.known.get(dir);
    if (signature !== undefined && known?.settled && known.signature === signature) {
      this.used.set(dir, known);
      return known.entries;
    }
    const entries = await fs.readdir(dir, { withFileTypes: true });
    if (signature !== undefined) this.used.set(dir, { signature, settled, entries });
    return entries;
  }

  /** Keeps only the directories listed since the previous sweep. */
  sweep(): void {
    this.known = this.used;
    this.used = new Map();
  }
}

const SETTLE_MS = 1_000;

interface Listing {
  signature: string;
  settled: boolean;
  entries: Dirent[];
}
