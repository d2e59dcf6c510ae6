import { ConfigInternalError, ConfigInvalidError, ConfigReadError, formatProblem } from './errors';
import { loadConfig, type LoadOptions } from './load';
import type { ConfigSource } from './types';

export type CheckResult =
  | { ok: true; summary: string; revision: string; presubmits: number; repositories: number }
  | { ok: false; errors: string[] };

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
    };
  } catch (error) {
    if (error instanceof ConfigInvalidError) return { ok: false, errors: error.problems.map(formatProblem) };
    if (error instanceof ConfigReadError || error instanceof ConfigInternalError)
      return { ok: false, errors: [error.message] };
    throw error;
  }
}
