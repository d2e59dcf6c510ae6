import { parse } from 'yaml';
import type { IndexedPresubmit, PresubmitsByRepo } from '../../src/config/types';

/**
 * Prow's diff tests unmarshal YAML straight into `map[string][]config.Presubmit`: no defaulting, so a field
 * not given is Go's zero value (`false`, `""`). This reads the same YAML the same way.
 */
export function presubmitsFromYaml(text: string): PresubmitsByRepo<IndexedPresubmit> {
  const raw = (parse(text) ?? {}) as Record<string, Partial<IndexedPresubmit>[] | null>;
  return Object.fromEntries(
    Object.entries(raw).map(([repo, list]) => [repo, (list ?? []).map((p) => presubmit(p))]),
  );
}

/** One presubmit with Go's zero values for whatever is not given. */
export function presubmit(p: Partial<IndexedPresubmit>): IndexedPresubmit {
  return { name: '', context: '', always_run: false, optional: false, skip_report: false, ...p };
}
