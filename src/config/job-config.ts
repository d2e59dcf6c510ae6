import type { ConfigReader } from './config-reader';
import type {
  DecodedJobConfig,
  DecodedPeriodic,
  DecodedPostsubmit,
  DecodedPresubmit,
  DecodedPreset,
} from './decoded-config';
import { walkJobConfigDir } from './job-config-walk';

/**
 * The job config (V4, V5): `--job-config-path` as a single file or a directory tree, merged with the
 * jobs inline in the Prow config. Presubmit and postsubmit lists of the same `org/repo` key are
 * concatenated in walk order, the Prow config's first; presets too, and a repeated `label:value` pair
 * across presets is an error (`mergeJobConfigs`). `decorate_all_jobs` is read from the Prow config only,
 * as in Prow.
 */

/** A job and the file that defines it. */
export interface Sourced<T> {
  job: T;
  file: string;
}

export interface MergedJobConfig {
  presets: Sourced<DecodedPreset>[];
  /** The `label:value` pairs of `presets`. */
  presetPairs: Set<string>;
  presubmits: Map<string, Sourced<DecodedPresubmit>[]>;
  postsubmits: Map<string, Sourced<DecodedPostsubmit>[]>;
  periodics: Sourced<DecodedPeriodic>[];
}

export function emptyJobConfig(): MergedJobConfig {
  return {
    presets: [],
    presetPairs: new Set(),
    presubmits: new Map(),
    postsubmits: new Map(),
    periodics: [],
  };
}

/** Appends one file's jobs (mergeJobConfigs). */
export function mergeJobFile(
  reader: ConfigReader,
  into: MergedJobConfig,
  file: string,
  config: DecodedJobConfig,
): void {
  const pairs = into.presetPairs;
  for (const preset of config.presets ?? []) {
    for (const [k, v] of Object.entries(preset.labels ?? {})) {
      const pair = `${k}:${v}`;
      if (pairs.has(pair)) reader.add({ file, message: `duplicated preset 'label:value' pair : ${pair}` });
      pairs.add(pair);
    }
    into.presets.push({ job: preset, file });
  }
  const append = <J>(target: Map<string, Sourced<J>[]>, jobs: Record<string, J[]> | undefined): void => {
    for (const [repo, list] of Object.entries(jobs ?? {})) {
      let entries = target.get(repo);
      if (!entries) target.set(repo, (entries = []));
      for (const job of list) entries.push({ job, file });
    }
  };
  append(into.presubmits, config.presubmits);
  append(into.postsubmits, config.postsubmits);
  for (const job of config.periodics ?? []) into.periodics.push({ job, file });
}

/** Reads the job config files of `--job-config-path` into `into`. */
export async function readJobConfig(
  reader: ConfigReader,
  jobConfigPath: string | undefined,
  into: MergedJobConfig,
): Promise<void> {
  if (!jobConfigPath) return; // V4: presubmits may still be inline in the Prow config
  const stat = await reader.stat(jobConfigPath);
  if (!stat) return;
  let files: string[];
  if (stat.isDirectory()) {
    // Q15: stat follows a root link, and the walk lists the directory it points to.
    const walk = await walkJobConfigDir(jobConfigPath);
    for (const problem of walk.problems) reader.add(problem);
    files = walk.files;
    if (files.length === 0) {
      reader.add({
        file: jobConfigPath,
        message: `job config directory ${jobConfigPath} contains no .yaml or .yml files to load`,
      });
      return;
    }
  } else {
    files = [jobConfigPath];
  }
  await reader.eachDocument(files, 'job', { gzip: true }, (file, doc) => {
    if (doc?.value) mergeJobFile(reader, into, file, doc.value as DecodedJobConfig);
  });
}
