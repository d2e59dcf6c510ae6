import { rmSync } from 'node:fs';
import type { DevServer } from '../../src/temporal/dev-server';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { __temporalDevServer?: DevServer }).__temporalDevServer;
  await server?.stop();
  const cacheDir = (globalThis as { __testCacheDir?: string }).__testCacheDir;
  if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
}
