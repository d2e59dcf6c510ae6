import { gunzipSync } from 'node:zlib';
import type { IndexedPresubmit, PresubmitIndex } from '../types';
import { parsePresubmitIndex } from './index-model';

/**
 * A presubmit as it travels in workflow inputs, results and state: the index entry with its defaults left
 * out, so that an operator reads it as JSON in the Web UI and it stays small. `context` is absent when it is
 * the job's name (Prow's default, and every presubmit of the Kubernetes config), each boolean when false.
 * The Kubernetes config's index is 292 KB this way instead of 516 KB; the payload codec compresses it.
 */
export interface WirePresubmit {
  name: string;
  context?: string;
  always_run?: true;
  optional?: true;
  skip_report?: true;
  run_if_changed?: string;
  skip_if_only_changed?: string;
  branches?: string[];
  skip_branches?: string[];
}

/** The presubmit index in its wire form: per `org/repo`, in config order. */
export interface WirePresubmitIndex {
  revision: string;
  configVersion?: string;
  repos: Record<string, WirePresubmit[]>;
}

/**
 * How a snapshot carries its index: the wire form, or (histories recorded and controllers started before
 * it) the index as gzip-compressed, base64-encoded JSON.
 */
export type StoredPresubmitIndex = WirePresubmitIndex | string;

export function toWireIndex(index: PresubmitIndex): WirePresubmitIndex {
  const repos: Record<string, WirePresubmit[]> = {};
  for (const [repo, list] of Object.entries(index.repos)) repos[repo] = list.map(toWirePresubmit);
  return index.configVersion === undefined
    ? { revision: index.revision, repos }
    : { revision: index.revision, configVersion: index.configVersion, repos };
}

function toWirePresubmit(p: IndexedPresubmit): WirePresubmit {
  const out: WirePresubmit = { name: p.name };
  if (p.context !== p.name) out.context = p.context;
  if (p.always_run) out.always_run = true;
  if (p.optional) out.optional = true;
  if (p.skip_report) out.skip_report = true;
  if (p.run_if_changed) out.run_if_changed = p.run_if_changed;
  if (p.skip_if_only_changed) out.skip_if_only_changed = p.skip_if_only_changed;
  if (p.branches && p.branches.length > 0) out.branches = [...p.branches];
  if (p.skip_branches && p.skip_branches.length > 0) out.skip_branches = [...p.skip_branches];
  return out;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The wire entry with its defaults put back; anything malformed is left for parsePresubmitIndex to name. */
function fromWirePresubmit(raw: unknown): unknown {
  if (!isObject(raw)) return raw;
  return {
    ...raw,
    context: raw.context === undefined ? raw.name : raw.context,
    always_run: raw.always_run === undefined ? false : raw.always_run,
    optional: raw.optional === undefined ? false : raw.optional,
    skip_report: raw.skip_report === undefined ? false : raw.skip_report,
  };
}

/**
 * Reads a snapshot's index back, in either form: the wire form, or a legacy blob. Checks its shape,
 * recompiles every regex and checks the revision against the content (parsePresubmitIndex, Q9); throws
 * ConfigInvalidError naming what is wrong.
 */
export function readStoredIndex(stored: unknown): PresubmitIndex {
  if (typeof stored === 'string') return parsePresubmitIndex(decodeIndexBlob(stored));
  if (!isObject(stored) || !isObject(stored.repos)) return parsePresubmitIndex(stored);
  const repos: Record<string, unknown> = {};
  for (const [repo, list] of Object.entries(stored.repos))
    repos[repo] = Array.isArray(list) ? list.map(fromWirePresubmit) : list;
  return parsePresubmitIndex({ ...stored, repos });
}

/** The legacy form: JSON, gzip-compressed, base64-encoded (what controllers started before the wire form hold). */
export function decodeIndexBlob(blob: string): unknown {
  return JSON.parse(gunzipSync(Buffer.from(blob, 'base64')).toString('utf8'));
}
