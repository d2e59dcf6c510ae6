import { ConfigInternalError, ConfigInvalidError, ConfigReadError, formatProblem } from './errors';
import { loadConfig, loadPresubmits, type LoadOptions } from './load';
import { openLoadCache } from './load-cache-file';
import type { MemoCodec } from './load-memo';
import { canonicalPart, revisionFrom } from './presubmit-index/retained-config';
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
 * problem (`file: job: field: message`). With `cacheDir`, through the cache the previous check saved there.
 */
export async function checkConfig(
  source: ConfigSource,
  options: LoadOptions & { cacheDir?: string } = {},
): Promise<CheckResult> {
  try {
    const { cacheDir, ...loadOptions } = options;
    const { revision, byRepository } = cacheDir
      ? await loadCached(source, cacheDir, loadOptions)
      : await loadUncached(source, loadOptions);
    const repos = byRepository.length;
    const count = byRepository.reduce((n, repo) => n + repo.presubmits, 0);
    return {
      ok: true,
      summary: `config OK: ${count} presubmits in ${repos} repositories, revision ${revision}`,
      revision,
      presubmits: count,
      repositories: repos,
      byRepository,
    };
  } catch (error) {
    if (error instanceof ConfigInvalidError) return { ok: false, errors: error.problems.map(formatProblem) };
    if (error instanceof ConfigReadError || error instanceof ConfigInternalError)
      return { ok: false, errors: [error.message] };
    throw error;
  }
}

interface Checked {
  revision: string;
  byRepository: RepositoryPresubmits[];
}

async function loadUncached(source: ConfigSource, options: LoadOptions): Promise<Checked> {
  const config = await loadConfig(source, options);
  return {
    revision: config.index.revision,
    byRepository: Object.keys(config.presubmits)
      .sort()
      .map((repo) => countsOf(repo, config.presubmits[repo] ?? [])),
  };
}

/** What check-config keeps of a repository's presubmits: their counts and its part of the revision. */
interface CheckedRepo {
  counts: RepositoryPresubmits;
  canonical: string;
}

/** check-config's memo outputs are plain data already. */
const checkedCodec: MemoCodec = { encode: (_name, output) => output, decode: (_name, stored) => stored };

/**
 * The load with the parse cache and load memo saved in `cacheDir` by the previous check (load-cache-file.ts):
 * only the files and lists of jobs changed since are decoded and checked again, and the result is a full
 * load's (test/config/load-cache-file.test.ts compares them). Only what the summary needs is kept per
 * repository, not the presubmits a worker keeps (a worker's cache is a file of its own).
 */
async function loadCached(source: ConfigSource, cacheDir: string, options: LoadOptions): Promise<Checked> {
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
      kept = { counts: countsOf(repo, presubmits), canonical: canonicalPart(presubmits) };
      memo.record(name, kept);
    }
    repos.set(repo, kept);
  });
  await save();
  const byRepository = [...repos.keys()].sort().map((repo) => (repos.get(repo) as CheckedRepo).counts);
  return { revision: revisionFrom(repos), byRepository };
}
