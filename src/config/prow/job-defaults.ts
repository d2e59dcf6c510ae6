import type {
  DecodedDecorationEntry,
  DecodedJobBase,
  DecodedPeriodic,
  DecodedPostsubmit,
  DecodedPresubmit,
  DecodedPreset,
  Json,
} from './decoded-config';
import { defaultEntryMatches, mergeDefaultDecorationConfig } from './decoration-defaults';
import { applyPresets } from './presets';

/**
 * Prow's job defaulting (V6, `finalizeJobConfig`): agent, namespace and cluster; presubmit contexts and
 * `/test` triggers; decoration defaults; ProwJob defaults; presets. Jobs are copied, never changed in
 * place, because decoded files may be shared through the parse cache.
 */

/** Settings of the Prow config that defaulting and validation read. */
export interface ProwSettings {
  prowjobNamespace: string;
  podNamespace: string;
  decorateAllJobs: boolean;
  decorationEntries: DecodedDecorationEntry[];
  prowjobDefaultEntries: {
    repo?: string;
    cluster?: string;
    config?: { tenant_id?: string; resultstore_config?: Json };
  }[];
  /** All presets: the Prow config's, then the job files' in walk order. */
  presets: DecodedPreset[];
  /** Keys of `plank.job_queue_capacities`. */
  jobQueueNames: ReadonlySet<string>;
}

export const DEFAULT_CLUSTER = 'default';
export const DEFAULT_TENANT_ID = 'GlobalDefaultID';

/** `DefaultTriggerFor`: the name is inserted unescaped, as Prow does. */
export function defaultTriggerFor(name: string): string {
  return `(?m)^/test( | .* )${name},?($|\\s.*)`;
}

/** `DefaultRerunCommandFor`. */
export function defaultRerunCommandFor(name: string): string {
  return `/test ${name}`;
}

/** Fields every job has after defaulting. */
export interface DefaultedJobBase {
  name: string;
  agent: string;
  cluster: string;
  namespace: string;
}

export interface Defaulted<T> {
  job: T;
  /** A preset collision (`job %s failed to merge presets for podspec: %w`). */
  error?: string;
}

type ProwJobDefault = { tenant_id?: string; resultstore_config?: Json };

function applyProwJobDefault(
  job: ProwJobDefault | undefined,
  def: ProwJobDefault | undefined,
): ProwJobDefault | undefined {
  if (!job) return def && { ...def };
  if (!def) return { ...job };
  const merged = { ...job };
  if (merged.resultstore_config === undefined && def.resultstore_config !== undefined) {
    merged.resultstore_config = def.resultstore_config;
  }
  if (!merged.tenant_id && def.tenant_id) merged.tenant_id = def.tenant_id;
  return merged;
}

/** `mergeProwJobDefault`: matching entries in order, the job's own over them, tenant defaulted. */
function mergeProwJobDefault(
  settings: ProwSettings,
  repo: string,
  cluster: string,
  job: ProwJobDefault | undefined,
): ProwJobDefault {
  let merged: ProwJobDefault | undefined;
  for (const entry of settings.prowjobDefaultEntries) {
    if (defaultEntryMatches(entry, repo, cluster)) merged = applyProwJobDefault(entry.config, merged);
  }
  const result = applyProwJobDefault(job, merged) ?? {};
  if (!result.tenant_id) result.tenant_id = DEFAULT_TENANT_ID;
  return result;
}

/**
 * `defaultJobBase`, decoration defaults, ProwJob defaults and presets for any job type. `repo` is the
 * `org/repo` key (for periodics, the first extra ref's, or '').
 */
export function defaultJob<T extends DecodedJobBase>(
  job: T,
  repo: string,
  settings: ProwSettings,
): Defaulted<T & DefaultedJobBase> {
  const name = job.name ?? '';
  const out = {
    ...job,
    name,
    agent: job.agent || 'kubernetes',
    namespace: job.namespace || settings.podNamespace,
    cluster: job.cluster || DEFAULT_CLUSTER,
  } as T & DefaultedJobBase;
  // shouldDecorate: an unset `decorate` takes `decorate_all_jobs` (and Prow records it on the job).
  out.decorate = job.decorate ?? settings.decorateAllJobs;
  if (out.decorate) {
    out.decoration_config = mergeDefaultDecorationConfig(
      settings.decorationEntries,
      repo,
      out.cluster,
      job.decoration_config,
    );
  }
  out.prowjob_defaults = mergeProwJobDefault(settings, repo, out.cluster, job.prowjob_defaults);
  const presets = applyPresets(name, job.labels, job.spec, settings.presets);
  if (presets.spec !== undefined) out.spec = presets.spec;
  return presets.error ? { job: out, error: presets.error } : { job: out };
}

export type DefaultedPresubmit = DecodedPresubmit &
  DefaultedJobBase & { context: string; trigger: string; rerun_command: string };
export type DefaultedPostsubmit = DecodedPostsubmit & DefaultedJobBase & { context: string };
export type DefaultedPeriodic = DecodedPeriodic & DefaultedJobBase;

/** `defaultPresubmitFields` plus the common defaults. */
export function defaultPresubmit(
  job: DecodedPresubmit,
  repo: string,
  settings: ProwSettings,
): Defaulted<DefaultedPresubmit> {
  const { job: base, error } = defaultJob(job, repo, settings);
  const out = base as DefaultedPresubmit;
  out.context = job.context || out.name;
  // Only when both are empty: with one of them set, validation reports the other missing (V7, V8).
  if (!job.trigger && !job.rerun_command) {
    out.trigger = defaultTriggerFor(out.name);
    out.rerun_command = defaultRerunCommandFor(out.name);
  } else {
    out.trigger = job.trigger ?? '';
    out.rerun_command = job.rerun_command ?? '';
  }
  return error ? { job: out, error } : { job: out };
}

export function defaultPostsubmit(
  job: DecodedPostsubmit,
  repo: string,
  settings: ProwSettings,
): Defaulted<DefaultedPostsubmit> {
  const { job: base, error } = defaultJob(job, repo, settings);
  const out = base as DefaultedPostsubmit;
  out.context = job.context || out.name;
  return error ? { job: out, error } : { job: out };
}

export function defaultPeriodic(job: DecodedPeriodic, settings: ProwSettings): Defaulted<DefaultedPeriodic> {
  const ref = job.extra_refs?.[0];
  const repo = ref ? `${ref.org ?? ''}/${ref.repo ?? ''}` : '';
  return defaultJob(job, repo, settings);
}
