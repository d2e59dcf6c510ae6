import { createHash } from 'node:crypto';
import { ConfigInvalidError } from '../errors';
import { brancherRegexError, changeRegexError } from '../prow/job-regexes';
import type { ConfigProblem, IndexedPresubmit, PresubmitIndex, PresubmitsByRepo } from '../types';

/**
 * The compact presubmit index (spec §12.2): per `org/repo` key, in config order, each presubmit's name,
 * defaulted context, the three booleans, and its file and branch filters when set. It is what the
 * controller keeps between changes, so it is small and its JSON is stable: keys in a fixed order, repos
 * sorted, empty optional fields left out.
 *
 * `revision` is the first 16 hex characters (64 bits) of the SHA-256 of the canonical JSON of `repos`
 * (object keys sorted, list order kept): equal indexes have equal revisions, and a collision between
 * two configs is not a practical concern.
 */

export const REVISION_HEX_CHARS = 16;
const INDEX_FILE = 'presubmit index';

/** The index entry of a presubmit: only IndexedPresubmit's fields, optional ones only when non-empty. */
export function indexedPresubmit(p: IndexedPresubmit): IndexedPresubmit {
  const out: IndexedPresubmit = {
    name: p.name,
    context: p.context,
    always_run: p.always_run,
    optional: p.optional,
    skip_report: p.skip_report,
  };
  if (p.run_if_changed) out.run_if_changed = p.run_if_changed;
  if (p.skip_if_only_changed) out.skip_if_only_changed = p.skip_if_only_changed;
  if (p.branches && p.branches.length > 0) out.branches = [...p.branches];
  if (p.skip_branches && p.skip_branches.length > 0) out.skip_branches = [...p.skip_branches];
  return out;
}

/** JSON with object keys sorted at every level (arrays keep their order). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

export function indexRevision(repos: PresubmitsByRepo): string {
  return createHash('sha256').update(canonicalJson(repos)).digest('hex').slice(0, REVISION_HEX_CHARS);
}

export function buildPresubmitIndex(presubmits: PresubmitsByRepo, configVersion?: string): PresubmitIndex {
  const repos: PresubmitsByRepo = {};
  for (const repo of Object.keys(presubmits).sort())
    repos[repo] = (presubmits[repo] ?? []).map(indexedPresubmit);
  const index: PresubmitIndex = { revision: indexRevision(repos), repos };
  if (configVersion) index.configVersion = configVersion;
  return index;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const REQUIRED = {
  name: 'string',
  context: 'string',
  always_run: 'boolean',
  optional: 'boolean',
  skip_report: 'boolean',
};
const OPTIONAL_STRINGS = ['run_if_changed', 'skip_if_only_changed'];
const OPTIONAL_LISTS = ['branches', 'skip_branches'];

function parseEntry(
  repo: string,
  position: number,
  raw: unknown,
  problems: ConfigProblem[],
): IndexedPresubmit | undefined {
  const where = `repos.${repo}[${position}]`;
  if (!isObject(raw)) {
    problems.push({ file: INDEX_FILE, field: where, message: 'must be an object' });
    return undefined;
  }
  const job = typeof raw.name === 'string' ? raw.name : undefined;
  const bad = (field: string, message: string): void => {
    problems.push(
      job
        ? { file: INDEX_FILE, job, field, message }
        : { file: INDEX_FILE, field: `${where}.${field}`, message },
    );
  };
  const before = problems.length;
  for (const [field, type] of Object.entries(REQUIRED)) {
    if (typeof raw[field] !== type) bad(field, `must be a ${type}`);
  }
  for (const field of OPTIONAL_STRINGS) {
    if (raw[field] !== undefined && typeof raw[field] !== 'string') bad(field, 'must be a string');
  }
  for (const field of OPTIONAL_LISTS) {
    const value = raw[field];
    if (value !== undefined && !(Array.isArray(value) && value.every((v) => typeof v === 'string'))) {
      bad(field, 'must be a list of strings');
    }
  }
  for (const field of Object.keys(raw)) {
    if (!(field in REQUIRED) && !OPTIONAL_STRINGS.includes(field) && !OPTIONAL_LISTS.includes(field))
      bad(field, 'unknown field');
  }
  if (problems.length > before) return undefined;
  const entry = raw as unknown as IndexedPresubmit;
  // Q9: regexes are always compiled from the stored strings; one that does not compile fails closed.
  const name = entry.name;
  const branch = brancherRegexError(entry);
  if (branch)
    bad(
      branch.includes('negative') ? 'skip_branches' : 'branches',
      `could not set branch regexes for ${name}: ${branch}`,
    );
  const change = changeRegexError(entry);
  if (change)
    bad(
      entry.run_if_changed ? 'run_if_changed' : 'skip_if_only_changed',
      `could not set change regexes for ${name}: ${change}`,
    );
  return indexedPresubmit(entry);
}

/**
 * Reads a stored index back (Q9): checks its shape, recompiles every regex and checks that the revision
 * matches the content. Throws ConfigInvalidError listing every problem.
 */
export function parsePresubmitIndex(json: unknown): PresubmitIndex {
  const problems: ConfigProblem[] = [];
  if (!isObject(json))
    throw new ConfigInvalidError([{ file: INDEX_FILE, message: 'stored presubmit index must be an object' }]);
  if (typeof json.revision !== 'string')
    problems.push({ file: INDEX_FILE, field: 'revision', message: 'must be a string' });
  if (json.configVersion !== undefined && typeof json.configVersion !== 'string') {
    problems.push({ file: INDEX_FILE, field: 'configVersion', message: 'must be a string' });
  }
  for (const key of Object.keys(json)) {
    if (key !== 'revision' && key !== 'configVersion' && key !== 'repos')
      problems.push({ file: INDEX_FILE, field: key, message: 'unknown field' });
  }
  const repos: PresubmitsByRepo = {};
  if (!isObject(json.repos))
    problems.push({ file: INDEX_FILE, field: 'repos', message: 'must be an object' });
  else {
    for (const repo of Object.keys(json.repos).sort()) {
      const list = json.repos[repo];
      if (!Array.isArray(list)) {
        problems.push({ file: INDEX_FILE, field: `repos.${repo}`, message: 'must be a list' });
        continue;
      }
      repos[repo] = list.flatMap((raw, i) => parseEntry(repo, i, raw, problems) ?? []);
    }
  }
  if (problems.length > 0) throw new ConfigInvalidError(problems);
  const revision = indexRevision(repos);
  if (json.revision !== revision) {
    throw new ConfigInvalidError([
      {
        file: INDEX_FILE,
        field: 'revision',
        message: `stored revision ${String(json.revision)} does not match the index content (${revision})`,
      },
    ]);
  }
  const index: PresubmitIndex = { revision, repos };
  if (typeof json.configVersion === 'string') index.configVersion = json.configVersion;
  return index;
}
