import type { ConfigReader } from '../files/config-reader';
import type {
  DecodedJobConfig,
  DecodedPeriodic,
  DecodedPostsubmit,
  DecodedPresubmit,
  DecodedPreset,
} from './decoded-config';
import { walkJobConfigDir } from '../files/job-config-walk';
import type { FileJobs, JobFileSource } from '../files/job-file-source';

/**
 * The job config (V4, V5): `--job-config-path` as a single file or a directory tree, merged with the
 * jobs inline in the Prow config. Presubmit and postsubmit lists of the same `org/repo` key are
 * concatenated in walk order, the Prow config's first; presets too, and a repeated `label:value` pair
 * across presets is an error (`mergeJobConfigs`). `decorate_all_jobs` is read from the Prow config only,
 * as in Prow.
 */

/** A job and the file that defines it. */
export interface Sourced<T> {
  readonly job: T;
  readonly file: string;
  /**
   * Set when the job's file came from the parse cache: names the file's content and the job's position
   * there, unique within its list (one repository's presubmits, its postsubmits, the periodics, the presets).
   */
  readonly key?: string;
}

/** A job of a file, read from its source when defaulting asks. */
class FileJob<T> implements Sourced<T> {
  constructor(
    private readonly source: JobFileSource,
    private readonly pick: (jobs: FileJobs) => T,
    readonly file: string,
    readonly key: string | undefined,
  ) {}

  get job(): T {
    return this.pick(this.source.jobs());
  }
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

/**
 * Appends one file's jobs (mergeJobConfigs). `config` gives the presets and which repositories have how
 * many jobs; the jobs themselves are read from `source` when defaulting asks.
 */
export function mergeJobFile(
  reader: ConfigReader,
  into: MergedJobConfig,
  file: string,
  config: DecodedJobConfig,
  source: JobFileSource = { jobs: () => config },
): void {
  const pairs = into.presetPairs;
  (config.presets ?? []).forEach((preset, i) => {
    for (const [k, v] of Object.entries(preset.labels ?? {})) {
      const pair = `${k}:${v}`;
      if (pairs.has(pair)) reader.add({ file, message: `duplicated preset 'label:value' pair : ${pair}` });
      pairs.add(pair);
    }
    into.presets.push(source.key ? { job: preset, file, key: `${source.key}:${i}` } : { job: preset, file });
  });
  const keyOf = (position: number): string | undefined => source.key && `${source.key}:${position}`;
  const append = <J>(
    target: Map<string, Sourced<J>[]>,
    jobs: Record<string, J[]> | undefined,
    section: 'presubmits' | 'postsubmits',
  ): void => {
    for (const [repo, list] of Object.entries(jobs ?? {})) {
      let entries = target.get(repo);
      if (!entries) target.set(repo, (entries = []));
      for (let i = 0; i < list.length; i++) {
        const pick = (f: FileJobs): J => (f[section] as Record<string, J[]> | undefined)?.[repo]?.[i] as J;
        entries.push(new FileJob(source, pick, file, keyOf(i)));
      }
    }
  };
  append(into.presubmits, config.presubmits, 'presubmits');
  append(into.postsubmits, config.postsubmits, 'postsubmits');
  for (let i = 0; i < (config.periodics ?? []).length; i++) {
    const pick = (f: FileJobs): DecodedPeriodic => f.periodics?.[i] as DecodedPeriodic;
    into.periodics.push(new FileJob(source, pick, file, keyOf(i)));
  }
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
    const walk = await walkJobConfigDir(jobConfigPath, reader.listings);
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
    if (doc?.value) mergeJobFile(reader, into, file, doc.value as DecodedJobConfig, doc.jobs);
  });
}
