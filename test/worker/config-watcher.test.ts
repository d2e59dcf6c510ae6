import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../src/log';
import { SourceScanner, sourceRevision } from '../../src/config/files/source-revision';
import { ConfigWatcher } from '../../src/worker/config-watcher';

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
    const root = mkdtempSync(path.join(tmpdir(), 'jobs-'));
    mounts.push({ remove: () => rmSync(root, { recursive: true, force: true }) });
    writeFileSync(path.join(root, 'config.yaml'), 'x: 1\n');
    mkdirSync(path.join(root, 'jobs', 'org', 'repo'), { recursive: true });
    writeFileSync(path.join(root, 'jobs', 'org', 'repo', 'repo.yaml'), 'presubmits: {}\n');
    const seen: string[] = [];
    const watcher = new ConfigWatcher({
      source: { configPath: path.join(root, 'config.yaml'), jobConfigPath: path.join(root, 'jobs') },
      pollIntervalMs: 60_000,
      debounceMs: 10,
      notify: async (c) => void seen.push(c.revision),
      log: silentLogger,
    });
    watchers.push(watcher);
    watcher.start();
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
    const root = mkdtempSync(path.join(tmpdir(), 'jobs-'));
    mounts.push({ remove: () => rmSync(root, { recursive: true, force: true }) });
    writeFileSync(path.join(root, 'config.yaml'), 'x: 1\n');
    mkdirSync(path.join(root, 'jobs'));
    writeFileSync(path.join(root, 'jobs', 'a.yaml'), 'presubmits: {}\n');
    const seen: string[] = [];
    const watcher = new ConfigWatcher({
      source: { configPath: path.join(root, 'config.yaml'), jobConfigPath: path.join(root, 'jobs') },
      pollIntervalMs: 60_000,
      debounceMs: 10,
      notify: async (c) => void seen.push(c.revision),
      log: silentLogger,
    });
    watchers.push(watcher);
    watcher.start();
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
});
