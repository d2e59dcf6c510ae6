import { loadConfig } from '../config/load';
import type { ConfigSource } from '../config/types';
import { diffConfigs, diffToJson, type ConfigDiffJson } from '../reconcile/diff';

/** `status-reconciler diff`: loads and validates two config trees and prints what the change would do. */
export async function offlineDiff(before: ConfigSource, after: ConfigSource): Promise<ConfigDiffJson> {
  const [a, b] = await Promise.all([loadConfig(before), loadConfig(after)]);
  return diffToJson(diffConfigs(a.presubmits, b.presubmits));
}
