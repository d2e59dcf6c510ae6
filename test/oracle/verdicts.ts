import { isDeepStrictEqual } from 'node:util';
import { ConfigInvalidError, ConfigReadError, formatProblem } from '../../src/config/errors';
import { loadConfig, type LoadOptions } from '../../src/config/load';
import type { ConfigSource } from '../../src/config/types';
import type { Verdict } from './prow-oracle';

/** Our loader's verdict in the oracle's shape: the presubmit index when it loads, the refusal otherwise. */
export async function ourVerdict(source: ConfigSource, options: LoadOptions = {}): Promise<Verdict> {
  try {
    const config = await loadConfig(source, options);
    const presubmits = Object.values(config.index.repos).reduce((n, list) => n + list.length, 0);
    return { ok: true, repos: config.index.repos, presubmits };
  } catch (error) {
    if (error instanceof ConfigInvalidError)
      return { ok: false, error: error.problems.map(formatProblem).join('\n'), presubmits: 0 };
    if (error instanceof ConfigReadError) return { ok: false, error: error.message, presubmits: 0 };
    return {
      ok: false,
      crash: error instanceof Error ? (error.stack ?? error.message) : String(error),
      presubmits: 0,
    };
  }
}

/** How two verdicts differ, or undefined when they agree. */
export type Divergence =
  | 'we crash'
  | 'prow loads, we refuse'
  | 'prow refuses, we load'
  | 'different repositories'
  | 'different presubmits';

export function divergence(prow: Verdict, ours: Verdict): Divergence | undefined {
  if (ours.crash) return 'we crash';
  if (prow.ok && !ours.ok) return 'prow loads, we refuse';
  if (!prow.ok && ours.ok) return 'prow refuses, we load';
  if (!prow.ok) return undefined;
  // Prow keeps a repository with an empty list (`org/repo: []`); our index leaves it out, and either way
  // it has no presubmit to reconcile, so only repositories with presubmits are compared.
  const nonEmpty = (v: Verdict): string[] =>
    Object.keys(v.repos ?? {})
      .filter((repo) => (v.repos?.[repo]?.length ?? 0) > 0)
      .sort();
  if (!isDeepStrictEqual(nonEmpty(prow), nonEmpty(ours))) return 'different repositories';
  for (const repo of nonEmpty(prow))
    if (!isDeepStrictEqual(prow.repos?.[repo], ours.repos?.[repo])) return 'different presubmits';
  return undefined;
}

/** A short, human-readable account of how two verdicts differ (for a failure message). */
export function describeDivergence(prow: Verdict, ours: Verdict): string {
  const cut = (s = ''): string => (s.length > 600 ? `${s.slice(0, 600)}…` : s);
  const lines = [
    `prow: ${prow.ok ? `loads, ${prow.presubmits} presubmits` : `refuses: ${prow.panic ? `PANIC ${prow.panic.split('\n')[0]}` : cut(prow.error)}`}`,
    `ours: ${ours.ok ? `loads, ${ours.presubmits} presubmits` : ours.crash ? `CRASH ${cut(ours.crash)}` : `refuses: ${cut(ours.error)}`}`,
  ];
  if (prow.ok && ours.ok) {
    const repos = new Set([...Object.keys(prow.repos ?? {}), ...Object.keys(ours.repos ?? {})]);
    for (const repo of [...repos].sort()) {
      const a = prow.repos?.[repo] ?? [];
      const b = ours.repos?.[repo] ?? [];
      if (isDeepStrictEqual(a, b)) continue;
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        if (isDeepStrictEqual(a[i], b[i])) continue;
        lines.push(
          `${repo}[${i}] prow: ${JSON.stringify(a[i])}`,
          `${repo}[${i}] ours: ${JSON.stringify(b[i])}`,
        );
        break;
      }
    }
  }
  return lines.join('\n');
}
