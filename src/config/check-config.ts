import { ConfigInternalError, ConfigInvalidError, ConfigReadError, formatProblem } from './errors';
import { loadConfig, type LoadOptions } from './load';
import { openLoadCache } from './load-cache-file';
import { loadRetainedConfig, retainedMemoCodec } from './presubmit-index/retained-config';
import type { ConfigSource, PresubmitIndex } from './types';

export type CheckResult =
  | { ok: true; summary: string; revision: string; presubmits: number; repositories: number }
  | { ok: false; errors: string[] };

/**
 * What `status-reconciler check-config` prints: one summary line for a valid config, or one line per
 * problem (`file: job: field: message`).
 */
export async function checkConfig(
  source: ConfigSource,
  options: LoadOptions & { cacheDir?: string } = {},
): Promise<CheckResult> {
  try {
    const { cacheDir, ...loadOptions } = options;
    const index = cacheDir
      ? await loadCached(source, cacheDir, loadOptions)
      : (await loadConfig(source, loadOptions)).index;
    const repos = Object.keys(index.repos).length;
    const count = Object.values(index.repos).reduce((n, list) => n + list.length, 0);
    const config = { index };
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

/**
 * The load with the parse cache and load memo saved in `cacheDir` by the previous check (load-cache-file.ts):
 * only the files and lists of jobs changed since are decoded and checked again; the result is a full load's.
 */
async function loadCached(
  source: ConfigSource,
  cacheDir: string,
  options: LoadOptions,
): Promise<PresubmitIndex> {
  const persistent = await openLoadCache(cacheDir, retainedMemoCodec, { logger: options.logger });
  const config = await loadRetainedConfig(source, {
    ...options,
    cache: persistent.cache,
    memo: persistent.memo,
  });
  await persistent.save();
  return config.index;
}
