import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { LoadedConfig, Presubmit } from './types';

/**
 * A loaded config as a worker keeps it between a run's activities. The index (what the diff and the retire
 * and migrate phases read) stays as objects; each repository's full presubmits (pod specs and all, needed
 * only to trigger the presubmits a change adds) are kept as compressed JSON and decoded for the one
 * repository that asks. At ten times the Kubernetes config that is ~20 MB of heap instead of ~105 MB.
 */
export interface RetainedConfig extends Omit<LoadedConfig, 'presubmits'> {
  /** The repository's presubmits as loaded (fresh objects on every call), in config order. */
  presubmitsOf(repo: string): Presubmit[];
}

export function retainConfig(config: LoadedConfig): RetainedConfig {
  const { presubmits, ...rest } = config;
  const packed = new Map<string, Buffer>();
  // Level 1: the JSON is highly repetitive, so the fastest level already shrinks it ~12 times.
  for (const [repo, list] of Object.entries(presubmits))
    packed.set(repo, deflateRawSync(JSON.stringify(list), { level: 1 }));
  return {
    ...rest,
    presubmitsOf(repo) {
      const bytes = packed.get(repo);
      return bytes ? (JSON.parse(inflateRawSync(bytes).toString('utf8')) as Presubmit[]) : [];
    },
  };
}
