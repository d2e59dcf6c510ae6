import { createHash } from 'node:crypto';
import { canonicalJson, indexedPresubmit, REVISION_HEX_CHARS } from './index-model';
import { loadPresubmits, logLoaded, type LoadOptions } from '../load';
import { eventLoopTurns } from '../event-loop-turns';
import { packJson, packJsonList, unpackJson } from '../../packed-json';
import type { ConfigSource, IndexedPresubmit, LoadedConfig, Presubmit, PresubmitIndex } from '../types';

/**
 * A loaded config as a worker keeps it between a run's activities. The index (what the diff and the retire
 * and migrate phases read) stays as objects; each repository's full presubmits (pod specs and all, needed
 * only to trigger the presubmits a change adds) are kept as compressed JSON and decoded for the one
 * repository that asks. At ten times the Kubernetes config that is ~20 MB of heap instead of ~105 MB.
 */
export interface RetainedConfig extends Omit<LoadedConfig, 'presubmits'> {
  /** The repository's presubmits as loaded (fresh objects on every call), in config order. */
  presubmitsOf(repo: string): Presubmit[];
}

/** What a worker keeps of one repository's presubmits. */
interface RetainedRepo {
  indexed: IndexedPresubmit[];
  /** canonicalJson(indexed): the repository's part of the index revision. */
  canonical: string;
  /** The full presubmits compressed; until then (a reload's few repositories, briefly) as objects. */
  packed?: Buffer;
  unpacked?: Presubmit[];
}

/**
 * Repositories a load may leave uncompressed until it has returned: a reload's few changed repositories are
 * compressed just after the new index is handed out, a full load's as it goes (so it never holds them all).
 */
const PACK_LATER = 16;

/** Shorter lists are packed in one go (a few milliseconds), without the thread pool's round trip. */
const YIELDING_PACK_MIN = 1_000;

function pack(kept: RetainedRepo): void {
  if (kept.unpacked) kept.packed = packJson(kept.unpacked);
  kept.unpacked = undefined;
}

/** pack, giving the event loop turns; a no-op for a repository packed meanwhile (by presubmitsOf). */
async function packYielding(kept: RetainedRepo, turn: () => Promise<void>): Promise<void> {
  const list = kept.unpacked;
  if (!list) return;
  if (list.length < YIELDING_PACK_MIN) return pack(kept);
  const packed = await packJsonList(list, turn);
  if (kept.unpacked !== list) return;
  kept.packed = packed;
  kept.unpacked = undefined;
}

/**
 * The index entries of a repository's presubmits and their canonical JSON (canonicalJson of the list,
 * built entry by entry), giving the event loop turns: a repository can hold 50,000 presubmits.
 */
async function indexRepo(
  presubmits: readonly Presubmit[],
  turn: () => Promise<void>,
): Promise<Pick<RetainedRepo, 'indexed' | 'canonical'>> {
  const indexed: IndexedPresubmit[] = [];
  const parts: string[] = [];
  for (const p of presubmits) {
    // Frozen: a reload hands the same lists out again.
    const entry = Object.freeze(indexedPresubmit(p));
    indexed.push(entry);
    parts.push(canonicalJson(entry));
    await turn();
  }
  return { indexed: Object.freeze(indexed) as IndexedPresubmit[], canonical: `[${parts.join(',')}]` };
}

/**
 * loadConfig for a worker: each repository's presubmits are compressed as soon as they are validated, so
 * the load never holds all of them as objects either. With `options.memo` (and `options.cache`), a reload
 * keeps what it kept of every repository whose jobs and settings did not change (load-memo.ts).
 */
export async function loadRetainedConfig(
  source: ConfigSource,
  options: LoadOptions = {},
): Promise<RetainedConfig> {
  const started = Date.now();
  const repos = new Map<string, RetainedRepo>();
  const memo = options.cache && options.memo;
  const later: RetainedRepo[] = [];
  const { configVersion, ...settings } = await loadPresubmits(
    source,
    options,
    async (repo, presubmits, turn) => {
      const name = `presubmits ${repo}`;
      let kept = presubmits ? undefined : memo?.output<RetainedRepo>(name);
      if (!kept) {
        if (!presubmits) throw new Error(`no presubmits kept for unchanged ${repo}`);
        kept = { ...(await indexRepo(presubmits, turn)), unpacked: presubmits };
        if (later.length < PACK_LATER) later.push(kept);
        else await packYielding(kept, turn);
        memo?.record(name, kept);
      }
      repos.set(repo, kept);
    },
  );
  const index = indexFrom(repos, configVersion);
  logLoaded(options, index, started);
  // A repository this fails to pack stays as objects (presubmitsOf packs it when asked).
  if (later.length > 0) packLater(later).catch(() => undefined);
  return {
    index,
    ...settings,
    presubmitsOf(repo) {
      const kept = repos.get(repo);
      if (kept?.unpacked) pack(kept);
      return kept?.packed ? unpackJson<Presubmit[]>(kept.packed) : [];
    },
  };
}

/** Packs the repositories a load left unpacked, one after another, after it has returned. */
async function packLater(later: readonly RetainedRepo[]): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  const turn = eventLoopTurns();
  for (const kept of later) await packYielding(kept, turn);
}

/**
 * buildPresubmitIndex from the repositories' kept parts: the revision hashes the same canonical JSON
 * (repositories sorted), assembled from each repository's part instead of serialized again.
 */
function indexFrom(
  kept: ReadonlyMap<string, RetainedRepo>,
  configVersion: string | undefined,
): PresubmitIndex {
  const hash = createHash('sha256');
  const repos: Record<string, IndexedPresubmit[]> = {};
  const names = [...kept.keys()].sort();
  hash.update('{');
  names.forEach((repo, i) => {
    const part = kept.get(repo) as RetainedRepo;
    repos[repo] = part.indexed;
    hash.update(`${i > 0 ? ',' : ''}${JSON.stringify(repo)}:${part.canonical}`);
  });
  hash.update('}');
  const index: PresubmitIndex = { revision: hash.digest('hex').slice(0, REVISION_HEX_CHARS), repos };
  if (configVersion) index.configVersion = configVersion;
  return index;
}
