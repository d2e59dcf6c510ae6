import type { ConfigSnapshot, ConfigSummary } from './types';

/**
 * A snapshot without its presubmit index: what status, memos and records show. The index is most of a
 * snapshot's size, and only runs need it.
 */
export function summaryOf(snapshot: ConfigSnapshot): ConfigSummary {
  const { index: _index, ...rest } = snapshot;
  return rest;
}
