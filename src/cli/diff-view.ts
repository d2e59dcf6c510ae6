import type { ConfigDiffJson } from '../reconcile/diff';
import { plural, textTable } from './text-table';

/**
 * `diff` for people: per repository, how many presubmits the change adds, removes and migrates, then the
 * names (+ added, - removed, ~ migrated context). An added presubmit is triggered only where it is blocking.
 */
export function diffTable(diff: ConfigDiffJson): string {
  const repos = [
    ...new Set([...Object.keys(diff.added), ...Object.keys(diff.removed), ...Object.keys(diff.migrated)]),
  ].sort();
  if (repos.length === 0) return 'No presubmit was added, removed or migrated.';
  const count = (list: unknown[] | undefined): number => list?.length ?? 0;
  const sum = (byRepo: Record<string, unknown[]>): number =>
    Object.values(byRepo).reduce((n, list) => n + list.length, 0);
  const out = [
    textTable(
      ['REPOSITORY', 'ADDED', 'REMOVED', 'MIGRATED'],
      [
        ...repos.map((repo) => [
          repo,
          count(diff.added[repo]),
          count(diff.removed[repo]),
          count(diff.migrated[repo]),
        ]),
        [
          `TOTAL (${plural(repos.length, 'repository', 'repositories')})`,
          sum(diff.added),
          sum(diff.removed),
          sum(diff.migrated),
        ],
      ],
    ),
  ];
  for (const repo of repos)
    out.push(
      '',
      repo,
      ...(diff.added[repo] ?? []).map((job) => `  + ${job}`),
      ...(diff.removed[repo] ?? []).map((job) => `  - ${job}`),
      ...(diff.migrated[repo] ?? []).map((m) => `  ~ ${m.job}: ${m.from} → ${m.to}`),
    );
  return out.join('\n');
}
