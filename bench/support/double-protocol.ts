import type { GenerateScenarioOptions } from '../../sandbox/github';
import type { ScaleFixture } from './prow-config-scale';

/**
 * What the benchmark process asks of its GitHub-double process. The double runs in a process of its own, as
 * GitHub is remote: its CPU (schema validation of every request and response) and its memory (every PR and
 * status) are not charged to the worker.
 */
export type DoubleSpec =
  | { kind: 'generated'; options: GenerateScenarioOptions }
  | {
      kind: 'scale';
      sourceDir: string;
      workDir: string;
      copies: number;
      removeFraction?: number;
      removeCount?: number;
      removeOnePerRepository?: boolean;
      prsPerRepo: number;
      seed: number;
    };

export interface DoubleStarted {
  url: string;
  app: { appId: number; slug: string; installationId: number; privateKeyPem: string };
  repos: number;
  pulls: number;
  statuses: number;
  /** The scale fixture (without its index) when the spec was `scale`. */
  fixture?: Omit<ScaleFixture, 'beforeIndex'>;
  setupMs: number;
}

export interface RequestStats {
  total: number;
  byOperation: Record<string, number>;
  byStatus: Record<string, number>;
  /** Answered commit-status creations (201). */
  writes: number;
  /** Every mutating request (any answer). */
  writeAttempts: number;
  reads: number;
  /** GET requests under /repos/{owner}/{repo}/ per repository. */
  readsPerRepo: { repos: number; min: number; max: number; mean: number };
  /** The operations of one repository with the most reads, for a per-repository breakdown. */
  sampleRepo?: { repo: string; byOperation: Record<string, number> };
  violations: number;
  unknown: number;
  /** Most requests in flight at once. */
  maxConcurrency: number;
  /** First request start to last request end, ms. */
  spanMs: number;
}

export interface StatusAudit {
  /** Statuses created since the scenario was loaded. */
  written: number;
  /** Of those, the ones equal (state, description, target URL) to the context's latest status before them. */
  equalToLatest: number;
  /** Latest status of each written context, by description (quoted context names shown as "…"). */
  latestByDescription: Record<string, number>;
}

export type DoubleRequest =
  | { op: 'start'; spec: DoubleSpec }
  | { op: 'mark' }
  | { op: 'stats'; since: number }
  | { op: 'audit' }
  | { op: 'reseed' }
  | { op: 'memory' }
  | { op: 'close' };

export interface DoubleReplies {
  start: DoubleStarted;
  mark: number;
  stats: RequestStats;
  audit: StatusAudit;
  /** Back to the start scenario's repositories and statuses; tokens and the request log stay. */
  reseed: null;
  memory: { rss: number; maxRss: number; cpuMs: number };
  close: null;
}

export type DoubleMessage = { id: number; request: DoubleRequest };
export type DoubleAnswer =
  { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
