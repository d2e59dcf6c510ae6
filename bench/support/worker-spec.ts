import type { DoubleStarted } from './double-protocol';

/** What a worker of the deployment needs, plain data so a worker process can be given it over IPC. */
export interface BenchWorkerSpec {
  temporalAddress: string;
  /** The reconciler's flags (`readOptions`). */
  argv: string[];
  github: Pick<DoubleStarted, 'url' | 'app'>;
  kubeconfig: string;
  writeSpacingMs: number;
  heartbeatIntervalMs?: number;
  /** The worker's saved config load cache directory (none: no cache). */
  configCacheDir?: string;
}
