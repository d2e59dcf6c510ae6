import { ConfigInternalError, ConfigInvalidError, ConfigReadError, formatProblem } from './errors';
import { loadConfig, type LoadOptions } from './load';
import type { ConfigSource, Presubmit } from './types';

/** How one repository's presubmits run, for check-config's table. */
export interface RepositoryPresubmits {
  repo: string;
  presubmits: number;
  alwaysRun: number;
  /** run_if_changed or skip_if_only_changed: run when the PR's files match. */
  onChanges: number;
  /** Neither: run only when asked (`/test`). */
  manual: number;
  optional: number;
}

export type CheckResult =
  | {
      ok: true;
      summary: string;
      revision: string;
      presubmits: number;
      repositories: number;
      byRepository: RepositoryPresubmits[];
    }
  | { ok: false; errors: string[] };

function countsOf(repo: string, list: Presubmit[]): RepositoryPresubmits {
  const count = (pick: (p: Presubmit) => boolean): number => list.filter(pick).length;
  const onChanges = (p: Presubmit): boolean => Boolean(p.run_if_changed || p.skip_if_only_changed);
  return {
    repo,
    presubmits: list.length,
    alwaysRun: count((p) => p.always_run),
    onChanges: count((p) => !p.always_run && onChanges(p)),
    manual: count((p) => !p.always_run && !onChanges(p)),
    optional: count((p) => p.optional),
  };
}

/**
 * What `status-reconciler check-config` prints: one summary line for a valid config, or one line per
 * problem (`file: job: field: message`).
 */
export async function checkConfig(source: ConfigSource, options: LoadOptions = {}): Promise<CheckResult> {
  try {
    const config = await loadConfig(source, options);
    const repos = Object.keys(config.presubmits).length;
    const count = Object.values(config.presubmits).reduce((n, list) => n + list.length, 0);
    return {
      ok: true,
      summary: `config OK: ${count} presubmits in ${repos} repositories, revision ${config.index.revision}`,
      revision: config.index.revision,
      presubmits: count,
      repositories: repos,
      byRepository: Object.keys(config.presubmits)
        .sort()
        .map((repo) => countsOf(repo, config.presubmits[repo] ?? [])),
    };
  } catch (error) {
    if (error instanceof ConfigInvalidError) return { ok: false, errors: error.problems.map(formatProblem) };
    if (error instanceof ConfigReadError || error instanceof ConfigInternalError)
      return { ok: false, errors: [error.message] };
    throw error;
  }
}
