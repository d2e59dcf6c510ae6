import { promises as fs } from 'node:fs';
import path from 'node:path';
import { decodeConfigText, FileProblemError, readConfigBytes } from '../files/config-file';
import { validateComponents } from './component-validation';
import type { ConfigReader } from '../files/config-reader';
import type { DecodedProwConfig } from './decoded-config';
import { decorationDefaultEntries } from './decoration-defaults';
import { aggregate } from './job-base-validation';
import type { ProwSettings } from './job-defaults';
import { prowConfigKeys, tideKeys } from './prow-go-types';
import type { ConfigSource } from '../types';

/**
 * The Prow config file and its supplements (V2, V3): `--config-path` must be a file (gzip allowed),
 * `--supplemental-prow-config-dir` shards may only add branch protection, Slack reporter and Tide
 * queries, and a `VERSION` file next to the config names the config version.
 */

export const DEFAULT_SUPPLEMENTAL_PROW_CONFIG_SUFFIX = '_prowconfig.yaml';
const CONFIG_VERSION_FILE = 'VERSION';

function isZero(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.values(value as object).every(isZero);
  return false;
}

/** ProwConfig.mergeFrom's rule: fields a supplemental config sets that have no merging logic. */
function unmergeableFields(supplement: Record<string, unknown>): string[] {
  const fields: string[] = [];
  for (const key of prowConfigKeys) {
    if (key === 'branch-protection' || key === 'slack_reporter_configs') continue;
    const value = supplement[key];
    if (key === 'tide') {
      for (const tideKey of tideKeys) {
        if (tideKey === 'queries' || tideKey === 'merge_method') continue;
        if (!isZero((value as Record<string, unknown> | undefined)?.[tideKey]))
          fields.push(`tide.${tideKey}`);
      }
    } else if (!isZero(value)) fields.push(key);
  }
  return fields;
}

/** Reads the Prow config and its supplements; undefined when the Prow config itself is unusable. */
export async function readProwConfig(
  reader: ConfigReader,
  source: ConfigSource,
): Promise<DecodedProwConfig | undefined> {
  const file = source.configPath;
  const stat = await reader.stat(file);
  if (!stat) return undefined;
  if (stat.isDirectory()) {
    reader.add({ file, message: `prowConfig cannot be a dir - ${file}` });
    return undefined;
  }
  const parsed = await reader.document(file, 'prow', { gzip: true, required: true });
  const merged = { ...((parsed?.value ?? {}) as DecodedProwConfig) };
  let supplemented = false;
  const suffix = source.supplementalProwConfigsFilenameSuffix || DEFAULT_SUPPLEMENTAL_PROW_CONFIG_SUFFIX;
  for (const dir of source.supplementalProwConfigDirs ?? []) {
    for (const supplement of await reader.supplementalFiles(dir, suffix)) {
      const doc = await reader.document(supplement, 'supplementalProw', { gzip: true });
      if (!doc?.value) continue;
      const errs: string[] = [];
      const fields = unmergeableFields(doc.value);
      if (fields.length > 0) {
        errs.push(
          `only 'branch-protection', 'slack_reporter_configs', 'tide.merge_method' and 'tide.queries' may be set via additional config, all other fields have no merging logic yet. Diff: ${fields.join(', ')}`,
        );
      }
      supplemented = true;
      errs.push(...mergeSupplement(merged, doc.value as DecodedProwConfig));
      const message = aggregate(errs);
      if (message)
        reader.add({ file: supplement, message: `failed to merge in config from ${supplement}: ${message}` });
    }
  }
  if (!parsed || parsed.problems.length > 0) return undefined;
  // Unsupplemented, the parse cache's own value: its content key lets a reload reuse what it checked.
  return supplemented || parsed.value === undefined ? merged : (parsed.value as DecodedProwConfig);
}

/**
 * ProwConfig.mergeFrom for what the component checks read: Tide queries are appended, and Tide merge
 * methods and Slack reporter configs added per key, a key set twice being an error. Returns the errors.
 */
function mergeSupplement(into: DecodedProwConfig, supplement: DecodedProwConfig): string[] {
  const errs: string[] = [];
  const mergeMap = <V>(
    target: Record<string, V> | undefined,
    extra: Record<string, V> | undefined,
    what: string,
  ): Record<string, V> | undefined => {
    if (target === undefined) return extra;
    const out = { ...target };
    const dups: string[] = [];
    for (const [key, value] of Object.entries(extra ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (key in out) dups.push(`config for org or repo ${key} passed more than once`);
      else out[key] = value;
    }
    const dupMessage = aggregate(dups);
    if (dupMessage) errs.push(`failed to merge ${what} config: ${dupMessage}`);
    return out;
  };
  const tide = { ...into.tide };
  tide.queries = [...(tide.queries ?? []), ...(supplement.tide?.queries ?? [])];
  const mergeMethod = mergeMap(tide.merge_method, supplement.tide?.merge_method, 'tide');
  if (mergeMethod !== undefined) tide.merge_method = mergeMethod;
  into.tide = tide;
  const slack = mergeMap(into.slack_reporter_configs, supplement.slack_reporter_configs, 'slack-reporter');
  if (slack !== undefined) into.slack_reporter_configs = slack;
  return errs;
}

/**
 * parseProwConfig's defaults and the plank checks the port implements; problems go to the reader.
 * Presets are the Prow config's own; job files add theirs later.
 */
export function prowSettings(reader: ConfigReader, file: string, config: DecodedProwConfig): ProwSettings {
  const plank = config.plank ?? {};
  const plankError = (message: string): void =>
    reader.add({ file, field: 'plank', message: `validating plank config: ${message}` });
  if (plank.report_template && Object.keys(plank.report_templates ?? {}).length > 0) {
    plankError('both report_template and report_templates are specified');
  }
  if ((plank.max_concurrency ?? 0) < 0) {
    plankError(
      `controller has invalid max_concurrency (${plank.max_concurrency}), it needs to be a non-negative number`,
    );
  }
  if ((plank.max_goroutines ?? 20) <= 0) {
    plankError(
      `controller has invalid max_goroutines (${plank.max_goroutines}), it needs to be a positive number`,
    );
  }
  const legacy = plank.default_decoration_configs ?? {};
  if (Object.keys(legacy).length > 0 && (plank.default_decoration_config_entries?.length ?? 0) > 0) {
    reader.add({
      file,
      field: 'plank',
      message:
        'plank.default_decoration_configs and plank.default_decoration_config_entries are mutually exclusive, please use one or the other',
    });
  }
  for (const problem of validateComponents(config)) reader.add({ file, ...problem });
  return {
    prowjobNamespace: config.prowjob_namespace || 'default',
    podNamespace: config.pod_namespace || 'default',
    decorateAllJobs: config.decorate_all_jobs ?? false,
    decorationEntries: decorationDefaultEntries(plank.default_decoration_config_entries, legacy),
    prowjobDefaultEntries: config.prowjob_default_entries ?? [],
    presets: [...(config.presets ?? [])],
    jobQueueNames: new Set(Object.keys(plank.job_queue_capacities ?? {})),
  };
}

/** The `VERSION` file next to the Prow config (Prow's ConfigVersionSHA), trimmed; undefined when absent. */
export async function readConfigVersion(
  reader: ConfigReader,
  configPath: string,
): Promise<string | undefined> {
  const file = path.join(path.dirname(configPath), CONFIG_VERSION_FILE);
  try {
    await fs.stat(file);
  } catch {
    return undefined;
  }
  try {
    return decodeConfigText(file, await readConfigBytes(file, { maxBytes: 4096 })).trim();
  } catch (error) {
    if (!(error instanceof FileProblemError)) throw error;
    reader.add({ file, message: `failed to read versionfile ${file}: ${error.problem.message}` });
    return undefined;
  }
}
