import { ConfigInternalError, ConfigInvalidError, ConfigReadError, formatProblem } from './errors';
import { loadConfig, loadPresubmits, type LoadOptions } from './load';
import { openLoadCache } from './load-cache-file';
import type { MemoCodec } from './load-memo';
import { canonicalPart, revisionFrom } from './presubmit-index/retained-config';
import type { ConfigSource } from './types';

export type CheckResult =
  | { ok: true; summary: string; revision: string; presubmits: number; repositories: number }
  | { ok: false; errors: string[] };

/**
 * What `status-reconciler check-config` prints: one summary line for a valid config, or one line per
 * problem (`file: job: field: message`). With `cacheDir`, through the cache the previous check saved there.
 */
export async function checkConfig(
  source: ConfigSource,
  options: LoadOptions & { cacheDir?: string } = {},
): Promise<CheckResult> {
  try {
    const { cacheDir, ...loadOptions } = options;
    const counts = cacheDir
      ? await loadCached(source, cacheDir, loadOptions)
      : countsOf((await loadConfig(source, loadOptions)).index);
    const { revision, repos, count } = counts;
    return {
      ok: true,
      summary: `config OK: ${count} presubmits in ${repos} repositories, revision ${revision}`,
      revision,
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

interface Counts {
  revision: string;
  repos: number;
  count: number;
}

function countsOf(index: { revision: string; repos: Record<string, unknown[]> }): Counts {
  const lists = Object.values(index.repos);
  return { revision: index.revision, repos: lists.length, count: lists.reduce((n, l) => n + l.length, 0) };
}

/** What check-config keeps of a repository's presubmits: their number and its part of the revision. */
interface CheckedRepo {
  count: number;
  canonical: string;
}

/** check-config's memo outputs are plain data already. */
const checkedCodec: MemoCodec = { encode: (_name, output) => output, decode: (_name, stored) => stored };

/**
 * The load with the parse cache and load memo saved in `cacheDir` by the previous check (load-cache-file.ts):
 * only the files and lists of jobs changed since are decoded and checked again, and the revision is a full
 * load's (test/config/load-cache-file.test.ts compares them). Only what the summary needs is kept per
 * repository, not the presubmits a worker keeps (a worker's cache is a file of its own).
 */
async function loadCached(source: ConfigSource, cacheDir: string, options: LoadOptions): Promise<Counts> {
  const { cache, memo, save } = await openLoadCache(cacheDir, checkedCodec, {
    logger: options.logger,
    kind: 'check',
  });
  const repos = new Map<string, CheckedRepo>();
  await loadPresubmits(source, { ...options, cache, memo }, (repo, presubmits) => {
    const name = `presubmits ${repo}`;
    let kept = presubmits ? undefined : memo.output<CheckedRepo>(name);
    if (!kept) {
      if (!presubmits) throw new Error(`no presubmits kept for unchanged ${repo}`);
      kept = { count: presubmits.length, canonical: canonicalPart(presubmits) };
      memo.record(name, kept);
    }
    repos.set(repo, kept);
  });
  await save();
  let count = 0;
  for (const kept of repos.values()) count += kept.count;
  return { revision: revisionFrom(repos), repos: repos.size, count };
}
