import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger, silentLogger } from '../../src/log';
import { SourceScanner, sourceRevision } from '../../src/config/files/source-revision';
import {
  ConfigWatcher,
  type ConfigWatcherOptions,
  type WatchDirectory,
} from '../../src/worker/config-watcher';

const until = async (check: () => boolean, timeoutMs = 5_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** A config laid out as Kubernetes mounts a ConfigMap: visible links into `..data`, a link to a timestamped dir. */
function configMapMount(): { dir: string; publish(files: Record<string, string>): void; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'configmap-'));
  let generation = 0;
  return {
    dir,
    publish(files) {
      const version = `..2026_11_26_${generation++}`;
      mkdirSync(path.join(dir, version));
      for (const [name, content] of Object.entries(files)) {
        writeFileSync(path.join(dir, version, name), content);
        try {
          symlinkSync(path.join('..data', name), path.join(dir, name));
        } catch {
          // the visible link exists already
        }
      }
      // The kubelet's atomic swap: a new link renamed over ..data.
      symlinkSync(version, path.join(dir, '..data_tmp'));
      renameSync(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

describe('ConfigWatcher', () => {
  const mounts: { remove(): void }[] = [];
  const watchers: ConfigWatcher[] = [];
  afterEach(async () => {
    await Promise.all(watchers.splice(0).map((w) => w.stop()));
    mounts.splice(0).forEach((m) => m.remove());
  });

  function start(
    configPath: string,
    notify: (change: { revision: string }) => Promise<void>,
    pollIntervalMs = 60_000,
  ) {
    const watcher = new ConfigWatcher({
      source: { configPath },
      pollIntervalMs,
      debounceMs: 50,
      notify,
      log: silentLogger,
    });
    watchers.push(watcher);
    watcher.start();
    return watcher;
  }

  /** A config file and a nested job tree; the watcher started on it with a backstop far beyond the test. */
  function jobTree(overrides: Partial<ConfigWatcherOptions> = {}) {
    const root = mkdtempSync(path.join(tmpdir(), 'jobs-'));
    mounts.push({ remove: () => rmSync(root, { recursive: true, force: true }) });
    writeFileSync(path.join(root, 'config.yaml'), 'x: 1\n');
    mkdirSync(path.join(root, 'jobs', 'org', 'repo'), { recursive: true });
    writeFileSync(path.join(root, 'jobs', 'org', 'repo', 'repo.yaml'), 'presubmits: {}\n');
    const seen: string[] = [];
    const logged: { level: string; msg: string; code?: string }[] = [];
    const watcher = new ConfigWatcher({
      source: { configPath: path.join(root, 'config.yaml'), jobConfigPath: path.join(root, 'jobs') },
      pollIntervalMs: 60_000,
      backstopIntervalMs: 60_000,
      debounceMs: 50,
      notify: async (c) => void seen.push(c.revision),
      log: createLogger({}, 'debug', (line) => logged.push(JSON.parse(line) as (typeof logged)[number])),
      ...overrides,
    });
    watchers.push(watcher);
    watcher.start();
    return { root, jobs: path.join(root, 'jobs'), seen, logged, watcher };
  }

  it('notifies the current revision at start, then only when the content changes', async () => {
    const mount = configMapMount();
    mounts.push(mount);
    mount.publish({ 'config.yaml': 'prowjob_namespace: prow\n' });
    const seen: string[] = [];
    const watcher = start(path.join(mount.dir, 'config.yaml'), async (c) => void seen.push(c.revision));
    await until(() => seen.length === 1);

    // Same bytes, new mtime: no change.
    const now = new Date(Date.now() + 10_000);
    utimesSync(path.join(mount.dir, '..data', 'config.yaml'), now, now);
    watcher.poke();
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toHaveLength(1);

    // A ConfigMap update swaps ..data to a new directory.
    mount.publish({ 'config.yaml': 'prowjob_namespace: prow-2\n' });
    watcher.poke();
    await until(() => seen.length === 2);
    expect(seen[1]).not.toBe(seen[0]);
  });

  it('sees a ..data swap from file events alone, without waiting for the poll', async () => {
    const mount = configMapMount();
    mounts.push(mount);
    mount.publish({ 'config.yaml': 'a: 1\n' });
    const seen: string[] = [];
    start(path.join(mount.dir, 'config.yaml'), async (c) => void seen.push(c.revision));
    await until(() => seen.length === 1);
    mount.publish({ 'config.yaml': 'a: 2\n' });
    await until(() => seen.length === 2, 3_000);
  });

  it('keeps retrying while Temporal is unreachable and then delivers the newest revision, never a stale one', async () => {
    const mount = configMapMount();
    mounts.push(mount);
    mount.publish({ 'config.yaml': 'v: 1\n' });
    let reachable = false;
    const attempts: string[] = [];
    const delivered: string[] = [];
    const watcher = start(
      path.join(mount.dir, 'config.yaml'),
      async (c) => {
        attempts.push(c.revision);
        if (!reachable) throw new Error('connect ECONNREFUSED 127.0.0.1:7233');
        delivered.push(c.revision);
      },
      100,
    );
    await until(() => attempts.length >= 2);
    mount.publish({ 'config.yaml': 'v: 2\n' });
    watcher.poke();
    await until(() => new Set(attempts).size === 2);
    reachable = true;
    await until(() => delivered.length === 1);
    await new Promise((r) => setTimeout(r, 400));
    expect(delivered).toEqual([attempts[attempts.length - 1]]);
    expect(delivered[0]).not.toBe(attempts[0]);
  });

  it('hashes a job config directory: a change deep in the tree counts; ..-prefixed entries do not', async () => {
    const { root, seen, watcher } = jobTree();
    await until(() => seen.length === 1);
    mkdirSync(path.join(root, 'jobs', '..2026_tmp'));
    writeFileSync(path.join(root, 'jobs', '..2026_tmp', 'ignored.yaml'), 'y: 1\n');
    watcher.poke();
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toHaveLength(1);
    writeFileSync(path.join(root, 'jobs', 'org', 'repo', 'repo.yaml'), 'presubmits: {a: []}\n');
    watcher.poke();
    await until(() => seen.length === 2);
  });

  it.each([
    [
      'a dangling link (a half-synced ConfigMap or git-sync tree)',
      (file: string) => symlinkSync('..data/missing.yaml', file),
    ],
    ['a link loop (unreadable even for root)', (file: string) => symlinkSync(path.basename(file), file)],
  ])('sees %s in the job config directory as a change', async (_label, breakFile) => {
    const { root, seen, watcher } = jobTree();
    await until(() => seen.length === 1);
    breakFile(path.join(root, 'jobs', 'b.yaml'));
    watcher.poke();
    await until(() => seen.length === 2);
    expect(seen[1]).not.toBe(seen[0]);
  });

  it('hashes only the files whose stat changed', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'jobs-'));
    mounts.push({ remove: () => rmSync(root, { recursive: true, force: true }) });
    writeFileSync(path.join(root, 'config.yaml'), 'x: 1\n');
    mkdirSync(path.join(root, 'jobs'));
    for (let i = 0; i < 20; i++)
      writeFileSync(path.join(root, 'jobs', `job-${i}.yaml`), `presubmits: {}\n# ${i}\n`);
    // Files changed within the second before a scan are hashed again by the next one.
    await new Promise((r) => setTimeout(r, 1_100));
    const scanner = new SourceScanner({
      configPath: path.join(root, 'config.yaml'),
      jobConfigPath: path.join(root, 'jobs'),
    });
    const first = await scanner.scan();
    expect({ files: scanner.files, hashed: scanner.hashed }).toEqual({ files: 21, hashed: 21 });
    expect(await scanner.scan()).toEqual(first);
    expect({ files: scanner.files, hashed: scanner.hashed }).toEqual({ files: 21, hashed: 0 });
    writeFileSync(path.join(root, 'jobs', 'job-3.yaml'), 'presubmits: {}\n# changed\n');
    const second = await scanner.scan();
    expect(scanner.hashed).toBe(1);
    expect(second.revision).not.toBe(first.revision);
    expect(second.revision).toBe(
      (
        await sourceRevision({
          configPath: path.join(root, 'config.yaml'),
          jobConfigPath: path.join(root, 'jobs'),
        })
      ).revision,
    );
  });

  describe('file events on every directory it walks', () => {
    it('delivers a change in a nested directory by its event, long before the backstop', async () => {
      const { jobs, seen, watcher } = jobTree();
      await until(() => seen.length === 1);
      expect(watcher.watchedDirectories()).toEqual(
        expect.arrayContaining([jobs, path.join(jobs, 'org'), path.join(jobs, 'org', 'repo')]),
      );
      expect(watcher.mode).toBe('events');
      writeFileSync(path.join(jobs, 'org', 'repo', 'repo.yaml'), 'presubmits: {a: []}\n');
      await until(() => seen.length === 2, 10_000);
    });

    it('watches a new subdirectory, sees a file added in it, and drops the watch when it is removed', async () => {
      const { jobs, seen, watcher } = jobTree();
      await until(() => seen.length === 1);
      const added = path.join(jobs, 'org', 'other');
      mkdirSync(added);
      await until(() => watcher.watchedDirectories().includes(added), 10_000);
      // Only the event of the new directory's own watch can announce this file.
      writeFileSync(path.join(added, 'other.yaml'), 'presubmits: {}\n');
      await until(() => seen.length === 2, 10_000);
      rmSync(added, { recursive: true });
      await until(() => !watcher.watchedDirectories().includes(added), 10_000);
      await until(() => seen.length === 3, 10_000);
      expect(seen[2]).toBe(seen[0]);
    });

    it('watches anew a directory removed and made again at the same path', async () => {
      const { jobs, seen, watcher } = jobTree();
      await until(() => seen.length === 1);
      const repo = path.join(jobs, 'org', 'repo');
      rmSync(repo, { recursive: true });
      await until(() => seen.length === 2, 10_000);
      mkdirSync(repo);
      await until(() => watcher.watchedDirectories().includes(repo), 10_000);
      // The old directory's watch is dead: only a new watch of the new directory announces this file.
      await new Promise((r) => setTimeout(r, 200));
      writeFileSync(path.join(repo, 'repo.yaml'), 'presubmits: {}\n');
      await until(() => seen.length === 3, 10_000);
      expect(seen[2]).toBe(seen[0]);
    });

    it('sees a git-sync link swap in the directory holding the link', async () => {
      const root = mkdtempSync(path.join(tmpdir(), 'git-sync-'));
      mounts.push({ remove: () => rmSync(root, { recursive: true, force: true }) });
      const checkout = (rev: string, content: string): void => {
        mkdirSync(path.join(root, rev, 'prow'), { recursive: true });
        writeFileSync(path.join(root, rev, 'prow', 'config.yaml'), content);
      };
      checkout('rev-1', 'a: 1\n');
      symlinkSync('rev-1', path.join(root, 'repo'));
      const seen: string[] = [];
      const watcher = start(
        path.join(root, 'repo', 'prow', 'config.yaml'),
        async (c) => void seen.push(c.revision),
      );
      await until(() => seen.length === 1);
      expect(watcher.watchedDirectories()).toContain(root);
      checkout('rev-2', 'a: 2\n');
      // git-sync's atomic swap: a new link renamed over the old one.
      symlinkSync('rev-2', path.join(root, 'repo-tmp'));
      renameSync(path.join(root, 'repo-tmp'), path.join(root, 'repo'));
      await until(() => seen.length === 2, 10_000);
    });

    it('falls back to a scan every poll interval when a watch cannot be established, and says so once', async () => {
      const failing: WatchDirectory = (dir, onEvent, onError) => {
        if (dir.endsWith(path.join('org', 'repo')))
          throw Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), {
            code: 'ENOSPC',
          });
        return noEvents(dir, onEvent, onError);
      };
      const { jobs, seen, logged, watcher } = jobTree({ pollIntervalMs: 200, watchDirectory: failing });
      await until(() => seen.length === 1);
      expect(watcher.mode).toBe('polling');
      writeFileSync(path.join(jobs, 'org', 'repo', 'repo.yaml'), 'presubmits: {a: []}\n');
      await until(() => seen.length === 2, 10_000);
      writeFileSync(path.join(jobs, 'org', 'repo', 'repo.yaml'), 'presubmits: {b: []}\n');
      await until(() => seen.length === 3, 10_000);
      const warnings = logged.filter(
        (l) => l.msg === 'config file events unavailable; scanning every poll interval',
      );
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ level: 'warn', code: 'ENOSPC' });
    });

    it('falls back to per-interval scans when the kernel reports an event overflow', async () => {
      const listeners: ((event: string, filename: string | null) => void)[] = [];
      const { jobs, seen, watcher } = jobTree({
        pollIntervalMs: 200,
        watchDirectory: (dir, onEvent, onError) => {
          listeners.push(onEvent);
          return noEvents(dir, onEvent, onError);
        },
      });
      await until(() => seen.length === 1);
      expect(watcher.mode).toBe('events');
      listeners[0]?.('rename', null);
      expect(watcher.mode).toBe('polling');
      writeFileSync(path.join(jobs, 'org', 'repo', 'repo.yaml'), 'presubmits: {a: []}\n');
      await until(() => seen.length === 2, 10_000);
    });

    it('finds a change no event announced at the backstop scan', async () => {
      // Every watch "succeeds" but never fires: only the backstop can find the change.
      const { jobs, seen, watcher } = jobTree({ backstopIntervalMs: 500, watchDirectory: noEvents });
      await until(() => seen.length === 1);
      expect(watcher.mode).toBe('events');
      writeFileSync(path.join(jobs, 'org', 'repo', 'repo.yaml'), 'presubmits: {a: []}\n');
      await until(() => seen.length === 2, 10_000);
    });
  });
});

/** A watch that is established but never reports anything (events lost, or a filesystem that sends none). */
const noEvents: WatchDirectory = () => ({ close: () => undefined });
