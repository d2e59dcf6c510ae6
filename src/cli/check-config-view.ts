import type { RepositoryPresubmits } from '../config/check-config';
import { plural, textTable } from './text-table';

/** What `check-config` shows people for a valid config: its summary line and its details. */
export interface CheckConfigSummary {
  summary: string;
  byRepository: RepositoryPresubmits[];
}

/**
 * `check-config` for people on a valid config: the summary line (the same as before, first), then per
 * repository how its presubmits run, as the diff, the blast-radius guard and the trigger phase count them.
 * `-o json|yaml` keeps the summary's data only (docs/cli-output.md).
 */
export function checkConfigTable({ summary, byRepository }: CheckConfigSummary): string {
  if (byRepository.length === 0) return summary;
  const sum = (pick: (r: RepositoryPresubmits) => number): number =>
    byRepository.reduce((n, r) => n + pick(r), 0);
  const table = textTable(
    ['REPOSITORY', 'PRESUBMITS', 'ALWAYS RUN', 'ON CHANGES', 'MANUAL', 'OPTIONAL'],
    [
      ...byRepository.map((r) => [r.repo, r.presubmits, r.alwaysRun, r.onChanges, r.manual, r.optional]),
      [
        `TOTAL (${plural(byRepository.length, 'repository', 'repositories')})`,
        sum((r) => r.presubmits),
        sum((r) => r.alwaysRun),
        sum((r) => r.onChanges),
        sum((r) => r.manual),
        sum((r) => r.optional),
      ],
    ],
  );
  return [
    summary,
    '',
    table,
    '',
    'ALWAYS RUN: on every PR; ON CHANGES: when the PR changes matching files; MANUAL: on /test only; OPTIONAL: not required to merge.',
  ].join('\n');
}
