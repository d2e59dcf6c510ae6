import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { loadConfig } from '../src/config/load';
import { openLoadCache } from '../src/config/load-cache-file';
import { LoadMemo } from '../src/config/load-memo';
import { ParseCache } from '../src/config/files/parse-cache';
import { loadRetainedConfig, retainedMemoCodec } from '../src/config/presubmit-index/retained-config';
import { ConfigWatcher, DEFAULT_BACKSTOP_INTERVAL_MS } from '../src/worker/config-watcher';
import { silentLogger } from '../src/log';
import { SourceScanner } from '../src/config/files/source-revision';
import type { ConfigSource } from '../src/config/types';
import { projectRoot } from '../src/project-root';
import { copyJobTree } from './support/prow-config-scale';

/**
 * Config loading speed (issue 14): the Kubernetes project's Prow config (../shared/data/kubernetes-prow-config,
 * or KUBERNETES_PROW_CONFIG=dir) and ten times it (its job files replicated with the orgs renamed, as
 * bench/scale.ts does), each figure beside Prow's where Prow has one:
 *
 * - `check-config` as a whole process (compiled CLI), alternating with Prow's loader as a whole process
 *   (PROW_ORACLE=path to test/oracle/prow-config-oracle's binary: one `config.Load` and its index): cold
 *   (an empty cache directory, as the very first check on a machine) and with the cache the previous check
 *   saved (load-cache-file.ts: what every later check finds);
 * - a worker's first load in a fresh process (no caches, JIT cold) and a second full load there, and a
 *   restarted worker's first load (the cache its previous process saved);
 * - a worker's reload after 1 and 3 files changed (a comment appended to the files holding the most
 *   kubernetes/kubernetes presubmits: the files are decoded again and their repositories re-checked, as for
 *   any edit), timed to the new validated index; Prow reloads everything on any change (its warm full load);
 * - the idle config watcher: CPU per full scan of an unchanged tree, and the whole process's CPU while it runs
 *   with nothing changing, as a share of one core: scanning every 5 s poll over 30 s (its fallback when a
 *   watch fails, and every poll before file events), and on file events over 120 s (two 60 s backstop scans
 *   included); the inotify watches it holds and the delay from a changed file to its notification
 *   (LOAD_BENCH_ONLY=watcher: these figures alone);
 * - peak RSS of each process (the kernel's high-water mark).
 *
 * Usage (compiled): PROW_ORACLE=… node dist/bench/load-config.js [RUNS]   (default 5 runs per figure)
 * The issue's figures for Prow on the reference machine are printed when PROW_ORACLE is not set.
 */

const PROW_REFERENCE = {
  checkConfigMs: 1520,
  firstLoadMs: 1380,
  reloadMs: 1230,
  peakRssMb: 190,
};
const POLL_MS = 5_000;
const IDLE_MS = 30_000;

interface Fixture {
  label: string;
  source: ConfigSource;
  /** Job files to change for the reload figures, most kubernetes/kubernetes presubmits first. */
  hot: string[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? NaN
    : s.length % 2
      ? (s[(s.length - 1) / 2] as number)
      : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const ms = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(0)} ms` : 'n/a');
const ratio = (a: number, b: number): string => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '');

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Wall time and peak RSS of a whole process, from /usr/bin/time. */
function timeProcess(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { ms: number; cpuMs: number; rssMb: number; status: number | null } {
  const result = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', command, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env,
  });
  const last = result.stderr.trim().split('\n').pop() ?? '';
  const [wall, rss, user, sys] = last.split(' ').map(Number);
  return {
    ms: (wall ?? NaN) * 1000,
    cpuMs: ((user ?? NaN) + (sys ?? NaN)) * 1000,
    rssMb: (rss ?? NaN) / 1024,
    status: result.status,
  };
}

function buildFixture(base: string, workDir: string, copies: number): Fixture {
  const dir = path.join(workDir, `x${copies}`);
  cpSync(path.join(base, 'prow'), path.join(dir, 'prow'), { recursive: true });
  copyJobTree(path.join(base, 'jobs'), path.join(dir, 'jobs'), copies);
  const jobs = path.join(dir, 'jobs');
  const hot = spawnSync('grep', ['-rl', 'kubernetes/kubernetes:', jobs], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((f) => f.endsWith('.yaml') && !path.relative(jobs, f).startsWith('x'))
    .sort((a, b) => statSync(b).size - statSync(a).size);
  return {
    label: `${copies}×`,
    source: {
      configPath: path.join(dir, 'prow', 'config.yaml'),
      jobConfigPath: jobs,
      pluginConfigPath: path.join(dir, 'prow', 'plugins.yaml'),
    },
    hot,
  };
}

/** Prow's loader in its own process (batch mode): the first load's and the following loads' latency. */
async function prowLoads(
  oracle: string,
  source: ConfigSource,
  runs: number,
): Promise<{ first: number; warm: number[] }> {
  const child = spawn(oracle, ['-batch'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const ask = async (): Promise<number> => {
    const started = performance.now();
    child.stdin.write(`${JSON.stringify({ config: source.configPath, jobConfig: source.jobConfigPath })}\n`);
    const answer = await lines.next();
    if (answer.done || !(JSON.parse(answer.value) as { ok?: boolean }).ok)
      throw new Error(`Prow's loader failed: ${String(answer.value).slice(0, 300)}`);
    return performance.now() - started;
  };
  const first = await ask();
  const warm: number[] = [];
  for (let i = 0; i < runs; i++) warm.push(await ask());
  child.stdin.end();
  return { first, warm };
}

/** Child mode: one figure measured in a fresh process, printed as JSON. */
async function child(kind: string, fixtureJson: string, runs: number, cacheDir: string): Promise<void> {
  const fixture = JSON.parse(fixtureJson) as Fixture;
  const { source } = fixture;
  const result: Record<string, unknown> = {};
  if (kind === 'first-load' || kind === 'restarted-load') {
    // The worker's way: the cache directory opened, the load, the cache saved (after the index is out).
    let started = performance.now();
    const cpu = process.cpuUsage();
    const { cache, memo, save, restored } = await openLoadCache(cacheDir, retainedMemoCodec);
    if (restored !== (kind === 'restarted-load')) throw new Error(`${kind}: cache restored: ${restored}`);
    const first = await loadRetainedConfig(source, { cache, memo });
    result.firstMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    result.firstCpuMs = (used.user + used.system) / 1000;
    result.presubmits = Object.values(first.index.repos).reduce((n, l) => n + l.length, 0);
    result.revision = first.index.revision;
    await save();
    if (kind === 'first-load') {
      started = performance.now();
      await loadConfig(source);
      result.fullWarmMs = performance.now() - started;
    }
  } else if (kind === 'reload') {
    const cache = new ParseCache();
    const memo = new LoadMemo();
    await loadRetainedConfig(source, { cache, memo });
    for (const changed of [1, 3]) {
      const times: number[] = [];
      const cpuTimes: number[] = [];
      for (let run = 0; run < runs; run++) {
        // Reloads come seconds apart in a worker: what a reload leaves for after it (packing the changed
        // repositories' presubmits) is done before the next edit, and not counted in either.
        await new Promise((resolve) => setTimeout(resolve, 300));
        for (const file of fixture.hot.slice(0, changed)) appendFileSync(file, `# bench edit ${run}\n`);
        const started = performance.now();
        const cpu = process.cpuUsage();
        const config = await loadRetainedConfig(source, { cache, memo });
        times.push(performance.now() - started);
        const used = process.cpuUsage(cpu);
        cpuTimes.push((used.user + used.system) / 1000);
        if (run === 0) result[`rechecked${changed}`] = memo.rechecked;
        if (!config.index.revision) throw new Error('no index');
      }
      result[`reload${changed}`] = times;
      result[`reloadCpu${changed}`] = cpuTimes;
    }
    // An untouched tree: what a reload costs when the watcher fired for nothing (a touched file).
    const started = performance.now();
    await loadRetainedConfig(source, { cache, memo });
    result.unchangedMs = performance.now() - started;
  } else if (kind === 'watcher') {
    const scanner = new SourceScanner(source);
    await scanner.scan();
    // Files written less than a second before a scan are hashed again by the next one.
    await new Promise((r) => setTimeout(r, 1_100));
    await scanner.scan();
    const cpu: number[] = [];
    for (let i = 0; i < runs; i++) {
      const before = process.cpuUsage();
      await scanner.scan();
      const used = process.cpuUsage(before);
      cpu.push((used.user + used.system) / 1000);
    }
    result.scanCpuMs = cpu;
    result.files = scanner.files;
    result.hashed = scanner.hashed;
    // A running watcher, nothing changing: the whole process's CPU over 30 s. First as it runs when a watch
    // failed (every directory refused here): a full scan every 5 s poll, as every poll was before file events.
    // Then with every directory watched: the full scan only at the 60 s backstop, nothing in between.
    const idle = async (mode: 'polling' | 'events'): Promise<number> => {
      let delivered = 0;
      const watcher = new ConfigWatcher({
        source,
        pollIntervalMs: POLL_MS,
        notify: () => {
          delivered++;
          return Promise.resolve();
        },
        log: silentLogger,
        ...(mode === 'polling'
          ? {
              watchDirectory: () => {
                throw Object.assign(new Error('watches refused by the benchmark'), { code: 'EPERM' });
              },
            }
          : {}),
      });
      watcher.start();
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      if (watcher.mode !== mode) throw new Error(`the watcher runs in ${watcher.mode} mode, not ${mode}`);
      if (mode === 'events') {
        result.watches = watcher.watchedDirectories().length;
        result.inotifyWatches = inotifyWatches();
      }
      // The garbage of the start (and of the previous figure) is collected before, not inside, the idle window.
      (globalThis as { gc?: () => void }).gc?.();
      const before = process.cpuUsage();
      const startedIdle = performance.now();
      // On events, long enough to hold two backstop scans: their cost is part of idling.
      const windowMs = mode === 'events' ? Math.max(IDLE_MS, 2 * DEFAULT_BACKSTOP_INTERVAL_MS) : IDLE_MS;
      result[`idleWindowMs${mode}`] = windowMs;
      await new Promise((resolve) => setTimeout(resolve, windowMs));
      const used = process.cpuUsage(before);
      const share = (used.user + used.system) / 1000 / (performance.now() - startedIdle);
      if (mode === 'events') {
        // A change deep in the job tree, delivered by its directory's event: the time to the notification.
        const file = fixture.hot[0] as string;
        const at = delivered;
        const changedAt = performance.now();
        appendFileSync(file, '\n# watched\n');
        while (delivered === at) {
          if (performance.now() - changedAt > 30_000) throw new Error('the change was not delivered in 30 s');
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        result.eventLatencyMs = performance.now() - changedAt;
      }
      await watcher.stop();
      if (delivered !== (mode === 'events' ? 2 : 1))
        throw new Error(`the ${mode} watcher notified ${delivered} times`);
      return share;
    };
    result.idleSharePolling = await idle('polling');
    result.idleShare = await idle('events');
  }
  result.peakRssMb = process.resourceUsage().maxRSS / 1024;
  out(JSON.stringify(result));
}

/** The inotify watches this process holds (Linux: every inotify descriptor's `inotify wd:` lines). */
function inotifyWatches(): number | undefined {
  try {
    let count = 0;
    for (const fd of readdirSync('/proc/self/fdinfo')) {
      try {
        count += readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8')
          .split('\n')
          .filter((line) => line.startsWith('inotify wd:')).length;
      } catch {
        // closed meanwhile
      }
    }
    return count;
  } catch {
    return undefined;
  }
}

function runChild(kind: string, fixture: Fixture, runs: number, cacheDir = ''): Record<string, unknown> {
  const result = spawnSync(
    process.execPath,
    [
      ...(kind === 'watcher' ? ['--expose-gc'] : []),
      __filename,
      '--child',
      kind,
      JSON.stringify(fixture),
      String(runs),
      cacheDir,
    ],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 << 20,
    },
  );
  if (result.status !== 0) throw new Error(`${kind} child failed (${result.status})`);
  return JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child')
    return child(
      process.argv[3] ?? '',
      process.argv[4] ?? '{}',
      Number(process.argv[5] ?? 5),
      process.argv[6] ?? '',
    );
  const runs = Number(process.argv[2] ?? 5);
  const base =
    process.env.KUBERNETES_PROW_CONFIG ??
    path.join(projectRoot, '..', 'shared', 'data', 'kubernetes-prow-config', 'config');
  if (!existsSync(base)) {
    process.stderr.write(`the Kubernetes config is absent: ${base} (set KUBERNETES_PROW_CONFIG)\n`);
    process.exitCode = 1;
    return;
  }
  const oracle = process.env.PROW_ORACLE;
  const cli = path.join(projectRoot, 'dist', 'src', 'cli', 'main.js');
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'load-bench-'));
  try {
    const fixtures = [buildFixture(base, workDir, 1), buildFixture(base, workDir, 10)];
    out(
      `node ${process.version}, ${os.cpus().length} cores, load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}; ${runs} runs per figure, medians`,
    );
    out(
      oracle
        ? `Prow: ${oracle} (measured here, alternating)`
        : `Prow: the issue's figures on its machine (set PROW_ORACLE to measure here)`,
    );

    const watcherFigures = (fixture: Fixture): void => {
      const watcher = runChild('watcher', fixture, runs);
      const scan = median(watcher.scanCpuMs as number[]);
      out(
        `idle watcher: ${scan.toFixed(1)} ms CPU per full scan of ${String(watcher.files)} files (${String(watcher.hashed)} hashed); a running watcher, nothing changing: ` +
          `scanning every ${POLL_MS / 1000} s poll (a watch failed; every poll before file events) ${(100 * (watcher.idleSharePolling as number)).toFixed(2)}% of a core over ${String((watcher.idleWindowMspolling as number) / 1000)} s, ` +
          `file events on ${String(watcher.watches)} directories (${String(watcher.inotifyWatches ?? '?')} inotify watches) with the ${DEFAULT_BACKSTOP_INTERVAL_MS / 1000} s backstop scan ${(100 * (watcher.idleShare as number)).toFixed(2)}% of a core over ${String((watcher.idleWindowMsevents as number) / 1000)} s; ` +
          `a changed job file delivered by its event in ${ms(watcher.eventLatencyMs as number)}`,
      );
    };
    // LOAD_BENCH_ONLY=watcher: the idle watcher's figures alone.
    const onlyWatcher = process.env.LOAD_BENCH_ONLY === 'watcher';
    for (const fixture of fixtures) {
      const { source } = fixture;
      out(`\n== ${fixture.label} the Kubernetes config ==`);
      if (onlyWatcher) {
        watcherFigures(fixture);
        continue;
      }
      // check-config as a whole process, alternating with Prow's loader.
      const args = [
        'check-config',
        '--config-path',
        source.configPath,
        '--job-config-path',
        source.jobConfigPath as string,
        '--plugin-config',
        source.pluginConfigPath as string,
      ];
      // Cold: a new, empty cache directory for every run. Warm: the cache the previous check saved.
      const warmDir = path.join(workDir, `cache-${fixture.label}`);
      const cacheEnv = (dir: string): NodeJS.ProcessEnv => ({
        ...process.env,
        STATUS_RECONCILER_CACHE_DIR: dir,
      });
      timeProcess(process.execPath, [cli, ...args], cacheEnv(warmDir));
      for (const mode of ['cold', 'warm'] as const) {
        const ours: ReturnType<typeof timeProcess>[] = [];
        const prow: ReturnType<typeof timeProcess>[] = [];
        const pairs: number[] = [];
        for (let i = 0; i < runs; i++) {
          const dir = mode === 'warm' ? warmDir : mkdtempSync(path.join(workDir, 'cold-'));
          const a = timeProcess(process.execPath, [cli, ...args], cacheEnv(dir));
          if (mode === 'cold') rmSync(dir, { recursive: true, force: true });
          if (a.status !== 0) throw new Error(`check-config failed on ${fixture.label}`);
          ours.push(a);
          if (oracle) {
            const b = timeProcess(oracle, [source.configPath, source.jobConfigPath as string]);
            prow.push(b);
            pairs.push(a.ms / b.ms);
          }
        }
        const prowCheck = oracle
          ? median(prow.map((p) => p.ms))
          : fixture.label === '1×'
            ? PROW_REFERENCE.checkConfigMs
            : NaN;
        out(
          `check-config, whole process, ${mode === 'cold' ? 'cold (empty cache)' : 'with the saved cache'}: ${ms(median(ours.map((o) => o.ms)))} (CPU ${ms(median(ours.map((o) => o.cpuMs)))}; peak RSS ${median(ours.map((o) => o.rssMb)).toFixed(0)} MB)` +
            (Number.isFinite(prowCheck)
              ? `; Prow ${ms(prowCheck)}${oracle ? ` (CPU ${ms(median(prow.map((p) => p.cpuMs)))}; peak RSS ${median(prow.map((p) => p.rssMb)).toFixed(0)} MB)` : ''}; ratio ${oracle ? `${median(pairs).toFixed(2)}× (pairwise median)` : ratio(median(ours.map((o) => o.ms)), prowCheck)}`
              : ''),
        );
      }

      const prowLoad = oracle ? await prowLoads(oracle, source, runs) : undefined;
      const workerCache = mkdtempSync(path.join(workDir, 'worker-cache-'));
      const first = runChild('first-load', fixture, runs, workerCache);
      const restarted = runChild('restarted-load', fixture, runs, workerCache);
      const prowFirst = prowLoad?.first ?? (fixture.label === '1×' ? PROW_REFERENCE.firstLoadMs : NaN);
      const prowWarm = prowLoad
        ? median(prowLoad.warm)
        : fixture.label === '1×'
          ? PROW_REFERENCE.reloadMs
          : NaN;
      out(
        `worker's first load in a fresh process: ${ms(first.firstMs as number)} (CPU ${ms(first.firstCpuMs as number)})` +
          (Number.isFinite(prowFirst)
            ? `; Prow ${ms(prowFirst)}; ratio ${ratio(first.firstMs as number, prowFirst)}`
            : '') +
          ` (${String(first.presubmits)} presubmits, revision ${String(first.revision)}; peak RSS ${(first.peakRssMb as number).toFixed(0)} MB)`,
      );
      out(
        `restarted worker's first load (the cache its previous process saved): ${ms(restarted.firstMs as number)} (CPU ${ms(restarted.firstCpuMs as number)}; revision ${String(restarted.revision)}; peak RSS ${(restarted.peakRssMb as number).toFixed(0)} MB)`,
      );
      if (restarted.revision !== first.revision) throw new Error('the restarted load gave another revision');
      out(
        `second full load there (no cache): ${ms(first.fullWarmMs as number)}` +
          (Number.isFinite(prowWarm) ? `; Prow's warm load ${ms(prowWarm)}` : ''),
      );

      const reload = runChild('reload', fixture, runs);
      for (const changed of [1, 3]) {
        const times = reload[`reload${changed}`] as number[];
        out(
          `reload after ${changed} changed file${changed > 1 ? 's' : ''}: ${ms(median(times))} (CPU ${ms(median(reload[`reloadCpu${changed}`] as number[]))}; max ${ms(Math.max(...times))}; ${String(reload[`rechecked${changed}`])} lists re-checked)` +
            (Number.isFinite(prowWarm)
              ? `; Prow reloads everything: ${ms(prowWarm)}; ratio ${ratio(median(times), prowWarm)}`
              : ''),
        );
      }
      out(
        `reload of an unchanged tree: ${ms(reload.unchangedMs as number)}; worker peak RSS ${(reload.peakRssMb as number).toFixed(0)} MB`,
      );

      watcherFigures(fixture);
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
