import type { DecodedDecorationEntry, DecorationConfigJson } from './decoded-config';

/**
 * Prow's default decoration config (V6): `plank.default_decoration_config_entries` (or the legacy map
 * `plank.default_decoration_configs`) whose repo and cluster match a job are merged in order, later over
 * earlier, and the job's own `decoration_config` over them (`Plank.mergeDefaultDecorationConfig` and
 * `DecorationConfig.ApplyDefault`). A field counts as set as Go sees it: a pointer when present (so
 * `gcs_credentials_secret: ""` overrides), a slice when non-empty, a plain string when non-empty.
 */

type Obj = Record<string, unknown>;
type Rule = 'present' | 'nonEmptyList' | 'nonEmptyString' | 'notNull';

function isSet(value: unknown, rule: Rule): boolean {
  switch (rule) {
    case 'present':
    case 'notNull':
      return value !== undefined && value !== null;
    case 'nonEmptyList':
      return Array.isArray(value) && value.length > 0;
    case 'nonEmptyString':
      return typeof value === 'string' && value !== '';
  }
}

/** ApplyDefault for a struct whose fields all follow simple rules: the job's value if set, else the default's. */
function applyFields(
  job: Obj | undefined,
  def: Obj | undefined,
  rules: Record<string, Rule>,
): Obj | undefined {
  if (!job) return def ? { ...def } : undefined;
  if (!def) return { ...job };
  const merged: Obj = { ...job };
  for (const [field, rule] of Object.entries(rules)) {
    if (!isSet(merged[field], rule) && def[field] !== undefined) merged[field] = def[field];
  }
  return merged;
}

const utilityImages: Record<string, Rule> = {
  clonerefs: 'nonEmptyString',
  initupload: 'nonEmptyString',
  entrypoint: 'nonEmptyString',
  sidecar: 'nonEmptyString',
};
const resources: Record<string, Rule> = {
  clonerefs: 'present',
  initupload: 'present',
  place_entrypoint: 'present',
  sidecar: 'present',
};
const gcsConfiguration: Record<string, Rule> = {
  bucket: 'nonEmptyString',
  path_prefix: 'nonEmptyString',
  path_strategy: 'nonEmptyString',
  default_org: 'nonEmptyString',
  default_repo: 'nonEmptyString',
  job_url_prefix: 'nonEmptyString',
  local_output_dir: 'nonEmptyString',
  compress_file_types: 'notNull',
};
const censoringOptions: Record<string, Rule> = {
  censoring_concurrency: 'present',
  censoring_buffer_size: 'present',
  include_directories: 'notNull',
  exclude_directories: 'notNull',
  minimum_secret_length: 'present',
};
const schedulingOptions: Record<string, Rule> = { affinity: 'present', tolerations: 'notNull' };
const decorationScalars: Record<string, Rule> = {
  timeout: 'present',
  grace_period: 'present',
  gcs_credentials_secret: 'present',
  s3_credentials_secret: 'present',
  default_service_account_name: 'present',
  ssh_key_secrets: 'nonEmptyList',
  ssh_host_fingerprints: 'nonEmptyList',
  skip_cloning: 'present',
  cookiefile_secret: 'present',
  oauth_token_secret: 'present',
  github_api_endpoints: 'nonEmptyList',
  github_app_id: 'nonEmptyString',
  github_app_private_key_secret: 'present',
  censor_secrets: 'present',
  upload_ignores_interrupts: 'present',
  set_limit_equals_memory_request: 'present',
  default_memory_request: 'present',
  pod_pending_timeout: 'present',
  pod_running_timeout: 'present',
  pod_unscheduled_timeout: 'present',
  run_as_user: 'present',
  run_as_group: 'present',
  fs_group: 'present',
  blobless_fetch: 'present',
  sparse_checkout_files: 'nonEmptyList',
};

function applyGcs(job: Obj | undefined, def: Obj | undefined): Obj | undefined {
  const merged = applyFields(job, def, gcsConfiguration);
  if (!merged || !job || !def) return merged;
  // Prow copies the default's media types over the job's (maps.Copy), so the default wins per extension.
  const defTypes = def.mediaTypes as Record<string, string> | undefined;
  if (defTypes && Object.keys(defTypes).length > 0) {
    merged.mediaTypes = { ...((merged.mediaTypes as Record<string, string> | undefined) ?? {}), ...defTypes };
  }
  return merged;
}

/** `DecorationConfig.ApplyDefault`: `job` over `def`; either may be absent. */
export function applyDecorationDefault(
  job: DecorationConfigJson | undefined,
  def: DecorationConfigJson | undefined,
): DecorationConfigJson | undefined {
  if (!job && !def) return undefined;
  if (!job || !def) return { ...(job ?? def) };
  const merged: Obj = { ...job };
  const nested = (field: string, value: Obj | undefined): void => {
    if (value === undefined) delete merged[field];
    else merged[field] = value;
  };
  nested('utility_images', applyFields(job.utility_images as Obj, def.utility_images as Obj, utilityImages));
  // Resources.ApplyDefault returns the other side whole when one is nil.
  nested('resources', applyFields(job.resources as Obj, def.resources as Obj, resources));
  nested('gcs_configuration', applyGcs(job.gcs_configuration as Obj, def.gcs_configuration as Obj));
  nested(
    'censoring_options',
    applyFields(job.censoring_options as Obj, def.censoring_options as Obj, censoringOptions),
  );
  nested(
    'scheduling_options',
    applyFields(job.scheduling_options as Obj, def.scheduling_options as Obj, schedulingOptions),
  );
  for (const [field, rule] of Object.entries(decorationScalars)) {
    if (!isSet(merged[field], rule) && def[field] !== undefined) merged[field] = def[field];
  }
  return merged as DecorationConfigJson;
}

/**
 * Prow's `matches` for default entries: the cluster filter (empty or `*` matches all) and the repo filter
 * (empty or `*` for all, `org` or `org/repo`).
 */
export function defaultEntryMatches(
  entry: { repo?: string; cluster?: string },
  repo: string,
  cluster: string,
): boolean {
  const givenCluster = entry.cluster ?? '';
  if (givenCluster !== '' && givenCluster !== '*' && givenCluster !== cluster) return false;
  const given = entry.repo ?? '';
  if (given === '' || given === '*' || given === repo) return true;
  const bare = repo.replace(/^https?:\/\//, '');
  return given === bare || given === (bare.split('/')[0] ?? '');
}

/**
 * `Plank.FinalizeDefaultDecorationConfigs`: the entries in effect, converting the legacy map (`*` first,
 * then orgs, then repos; sorted within each group, where Go's map order is random).
 */
export function decorationDefaultEntries(
  entries: DecodedDecorationEntry[] | undefined,
  legacy: Record<string, DecorationConfigJson> | undefined,
): DecodedDecorationEntry[] {
  if (legacy && Object.keys(legacy).length > 0) {
    const keys = Object.keys(legacy).sort();
    const ordered = [
      ...keys.filter((k) => k === '*'),
      ...keys.filter((k) => k !== '*' && !k.includes('/')),
      ...keys.filter((k) => k !== '*' && k.includes('/')),
    ];
    return ordered.map((repo) => ({ repo, cluster: '', config: legacy[repo] }));
  }
  return entries ?? [];
}

// The merged defaults per repo and cluster, computed once per set of entries (thousands of jobs share a few).
const mergedDefaults = new WeakMap<
  readonly DecodedDecorationEntry[],
  Map<string, DecorationConfigJson | undefined>
>();

/**
 * `Plank.mergeDefaultDecorationConfig`: the merged defaults for a repo and cluster under the job's own.
 * Nested objects of the result may be shared between jobs: treat loaded jobs as read-only.
 */
export function mergeDefaultDecorationConfig(
  entries: readonly DecodedDecorationEntry[],
  repo: string,
  cluster: string,
  job: DecorationConfigJson | undefined,
): DecorationConfigJson {
  let memo = mergedDefaults.get(entries);
  if (!memo) mergedDefaults.set(entries, (memo = new Map()));
  const key = `${repo}\0${cluster}`;
  let merged = memo.get(key);
  if (!memo.has(key)) {
    for (const entry of entries) {
      if (defaultEntryMatches(entry, repo, cluster)) merged = applyDecorationDefault(entry.config, merged);
    }
    memo.set(key, merged);
  }
  return applyDecorationDefault(job, merged) ?? {};
}
