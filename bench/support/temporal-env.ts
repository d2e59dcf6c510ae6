import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDevServer } from '../../src/temporal/dev-server';

/** A Temporal frontend for one benchmark: TEMPORAL_ADDRESS when set, else a headless dev server of its own. */
export interface BenchTemporal {
  address: string;
  /** Where the dev server logs, when the benchmark started one. */
  logFile?: string;
  stop(): Promise<void>;
}

export async function benchTemporal(name: string): Promise<BenchTemporal> {
  const given = process.env.TEMPORAL_ADDRESS;
  if (given && given !== 'none') return { address: given, stop: async () => undefined };
  const dir = mkdtempSync(path.join(tmpdir(), `bench-${name}-`));
  const logFile = path.join(dir, 'temporal.log');
  const server = await startDevServer({ headless: true, logFile });
  return {
    address: server.address,
    logFile,
    stop: async () => {
      await server.stop();
      // The server's log is kept only with BENCH_KEEP_LOGS=1.
      if (process.env.BENCH_KEEP_LOGS !== '1') rmSync(dir, { recursive: true, force: true });
    },
  };
}
