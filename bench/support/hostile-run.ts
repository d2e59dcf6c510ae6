import { spawn } from 'node:child_process';
import { request } from 'node:http';
import path from 'node:path';
import { projectRoot } from '../../src/project-root';
import type { ConfigSource } from '../../src/config/types';
import type { ProbeResult } from './load-probe';

/** The compiled load probe (the build, or Jest's global setup, compiles it). */
export const LOAD_PROBE = path.join(projectRoot, 'dist', 'bench', 'support', 'load-probe.js');

/** The container image's heap (Dockerfile: NODE_OPTIONS=--max-old-space-size=256). */
export const IMAGE_HEAP_MB = 256;

export interface HostileRun {
  /** The probe's report; undefined when the process died (heap exhausted, killed by the timeout). */
  probe?: ProbeResult;
  exit: { code: number | null; signal: NodeJS.Signals | null };
  /** The slowest /healthz answer while the load ran, and how many were asked. */
  healthMaxMs: number;
  healthRequests: number;
  wallMs: number;
  stderr: string;
}

/** How long one GET /healthz takes (the timeout's length when it does not answer in time). */
function healthLatency(port: number, timeoutMs: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthz', timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(performance.now() - started));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(performance.now() - started));
    req.end();
  });
}

/**
 * Loads a config in a probe process with the image's heap, asking /healthz every 100 ms while it runs.
 * Never throws for the probe's death: that is an outcome (exit code 134 is an exhausted heap).
 */
export function runHostileLoad(source: ConfigSource, timeoutMs = 120_000): Promise<HostileRun> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [`--max-old-space-size=${IMAGE_HEAP_MB}`, LOAD_PROBE, JSON.stringify(source)],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } },
  );
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  let stdout = '';
  let stderr = '';
  let healthMaxMs = 0;
  let healthRequests = 0;
  let polling = false;
  const poll = async (port: number): Promise<void> => {
    polling = true;
    while (polling) {
      const ms = await healthLatency(port, 10_000);
      if (!polling) break;
      healthRequests++;
      healthMaxMs = Math.max(healthMaxMs, ms);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  child.stdout.on('data', (chunk: Buffer) => {
    const before = stdout;
    stdout += chunk.toString();
    if (!before.includes('\n') && stdout.includes('\n')) {
      const first = JSON.parse(stdout.slice(0, stdout.indexOf('\n'))) as { healthPort?: number };
      if (first.healthPort) void poll(first.healthPort);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      polling = false;
      const lines = stdout.trim().split('\n');
      const last =
        lines.length > 1 ? (JSON.parse(lines[lines.length - 1] as string) as ProbeResult) : undefined;
      resolve({
        ...(last ? { probe: last } : {}),
        exit: { code, signal },
        healthMaxMs: Math.round(healthMaxMs),
        healthRequests,
        wallMs: Math.round(performance.now() - started),
        stderr,
      });
    });
  });
}

/** One line for a run: outcome, times, memory. */
export function describeRun(name: string, run: HostileRun): string {
  const probe = run.probe;
  const outcome = probe
    ? probe.outcome === 'loaded'
      ? `loaded ${probe.presubmits} presubmits`
      : `${probe.outcome}: ${(probe.problems?.[0] ?? '').slice(0, 160)}`
    : `died (exit ${run.exit.code ?? run.exit.signal})`;
  const numbers = probe
    ? `${probe.ms} ms, peak RSS ${probe.peakRssMb} MB, longest event-loop block ${probe.maxBlockMs} ms, slowest /healthz ${run.healthMaxMs} ms of ${run.healthRequests}`
    : `${run.wallMs} ms`;
  return `${name}: ${numbers}; ${outcome}`;
}
