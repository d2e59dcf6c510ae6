import { buildPresubmitIndex, indexedPresubmit } from './index-model';
import { loadPresubmits, logLoaded, type LoadOptions } from './load';
import { packJson, unpackJson } from '../packed-json';
import type { ConfigSource, LoadedConfig, Presubmit, PresubmitsByRepo } from './types';

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

/**
 * loadConfig for a worker: each repository's presubmits are compressed as soon as they are validated, so
 * the load never holds all of them as objects either.
 */
export async function loadRetainedConfig(
  source: ConfigSource,
  options: LoadOptions = {},
): Promise<RetainedConfig> {
  const started = Date.now();
  const indexed: PresubmitsByRepo = {};
  const packed = new Map<string, Buffer>();
  const { configVersion, ...settings } = await loadPresubmits(source, options, (repo, presubmits) => {
    indexed[repo] = presubmits.map(indexedPresubmit);
    packed.set(repo, packJson(presubmits));
  });
  const index = buildPresubmitIndex(indexed, configVersion);
  logLoaded(options, index, started);
  return {
    index,
    ...settings,
    presubmitsOf(repo) {
      const bytes = packed.get(repo);
      return bytes ? unpackJson<Presubmit[]>(bytes) : [];
    },
  };
}
