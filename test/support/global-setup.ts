import path from 'node:path';
import { startDevServer } from '../../src/temporal/dev-server';
import { projectRoot } from '../../src/project-root';

/**
 * One Temporal dev server (in memory, headless, free loopback port) for the whole test run.
 * TEMPORAL_ADDRESS=host:port uses an existing server instead and starts none.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEMPORAL_ADDRESS) return;
  const server = await startDevServer({
    headless: true,
    logFile: path.join(projectRoot, '.data', 'test-temporal.log'),
  });
  process.env.TEMPORAL_ADDRESS = server.address;
  (globalThis as { __temporalDevServer?: typeof server }).__temporalDevServer = server;
}
