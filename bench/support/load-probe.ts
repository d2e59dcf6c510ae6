/**
 * One config load in a process of its own, as a worker runs it (not run by hand: hostile-run.ts spawns it
 * with the image's heap, `--max-old-space-size=256`). It serves the worker's real health server, runs the
 * worker's real load activity (`loadAndValidateConfig`, with the worker's metrics) and prints one JSON line:
 * the outcome, the wall time, the peak resident set, the longest event-loop block (during the load and
 * AFTER_LOAD_MS after it) and the config metrics.
 *
 * Usage: node dist/bench/support/load-probe.js '<ConfigSource as JSON>'
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { createActivities } from '../../activities';
import { silentLogger } from '../../src/log';
import { startHealthServer, serverPort } from '../../src/worker/health-server';
import { createMetrics } from '../../src/metrics/metrics';
import type { ConfigSource } from '../../src/config/types';

export interface ProbeResult {
  outcome: 'loaded' | 'invalid' | 'error';
  presubmits?: number;
  /** The failure's first lines (one problem per line). */
  problems?: string[];
  problemCount?: number;
  ms: number;
  peakRssMb: number;
  maxBlockMs: number;
  /** `status_reconciler_config_*` lines of /metrics after the load. */
  metrics: string[];
}

/** How long the event loop stays measured after the load returns. */
const AFTER_LOAD_MS = 500;

const unused = (what: string) => (): never => {
  throw new Error(`the load probe does not ${what}`);
};

async function main(): Promise<void> {
  const source = JSON.parse(process.argv[2] ?? '{}') as ConfigSource;
  const metrics = createMetrics();
  const server = await startHealthServer(
    { configHealth: () => undefined, ready: () => true, live: () => true },
    0,
    '127.0.0.1',
  );
  process.stdout.write(`${JSON.stringify({ healthPort: serverPort(server) })}\n`);
  await delay(200); // the parent starts polling /healthz
  const activities = createActivities({
    configSource: source,
    github: unused('call GitHub'),
    prowJobs: unused('create ProwJobs'),
    githubHost: 'github.com',
    log: silentLogger,
    metrics,
  });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const started = performance.now();
  let result: Omit<ProbeResult, 'ms' | 'peakRssMb' | 'maxBlockMs' | 'metrics'>;
  try {
    const snapshot = await activities.loadAndValidateConfig({});
    result = { outcome: 'loaded', presubmits: snapshot.presubmitCount };
  } catch (error) {
    const failure = error as Error & { type?: string };
    const lines = failure.message.split('\n');
    result = {
      outcome: failure.type === 'ConfigInvalidError' ? 'invalid' : 'error',
      problems: lines.slice(0, 5).map((line) => (line.length > 1_200 ? `${line.slice(0, 1_200)}…` : line)),
      problemCount: lines.length,
    };
  }
  const ms = performance.now() - started;
  // Work a load leaves for after it returns (compressing the repositories it kept) blocks the worker as
  // much as the load itself: the event loop (and /healthz) stays measured for a while after it.
  await delay(AFTER_LOAD_MS);
  loop.disable();
  const text = await metrics.registry.metrics();
  const probe: ProbeResult = {
    ...result,
    ms: Math.round(ms),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    maxBlockMs: Math.round(loop.max / 1e6),
    metrics: text
      .split('\n')
      .filter((line) => /^status_reconciler_config_(last_load_successful|load_failures)/.test(line)),
  };
  process.stdout.write(`${JSON.stringify(probe)}\n`);
  server.close();
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(2);
});
