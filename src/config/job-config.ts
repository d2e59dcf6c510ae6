import type { ConfigReader } from './config-reader';
import type {
  DecodedJobConfig,
  DecodedPeriodic,
  DecodedPostsubmit,
  DecodedPresubmit,
  DecodedPreset,
} from './decoded-config';
import { walkJobConfigDir } from './job-config-walk';
import { packJson, unpackJson } from '../packed-json';

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
}

type FileJobs = Pick<DecodedJobConfig, 'presubmits' | 'postsubmits' | 'periodics'>;

/**
 * One file's decoded jobs, held compressed until defaulting reads them. Defaulting needs the presets of every
 * file, so every job of every file waits until all files are read; as objects they would take ~140 MB at ten
 * times the Kubernetes config, as deflated JSON ~10 MB. Decoded jobs are plain JSON (Go's types: strings,
 * numbers, booleans, lists and maps), so the text reads back the same. The decompressed jobs are kept
 * weakly: the jobs of one file are read one after another, and the garbage collector may drop them after.
 */
class PackedJobFile {
  private readonly bytes: Buffer;
  private unpacked?: WeakRef<FileJobs>;

  constructor(jobs: FileJobs) {
    this.bytes = packJson(jobs);
  }

  jobs(): FileJobs {
    let jobs = this.unpacked?.deref();
    if (!jobs) {
      jobs = unpackJson<FileJobs>(this.bytes);
      this.unpacked = new WeakRef(jobs);
    }
    return jobs;
  }
}

/** A job of a packed file. */
class PackedJob<T> implements Sourced<T> {
  constructor(
    private readonly pack: PackedJobFile,
    private readonly pick: (jobs: FileJobs) => T,
    readonly file: string,
  ) {}

  get job(): T {
    return this.pick(this.pack.jobs());
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
  const pack = new PackedJobFile({
    presubmits: config.presubmits,
    postsubmits: config.postsubmits,
    periodics: config.periodics,
  });
  const append = <J>(
    target: Map<string, Sourced<J>[]>,
    jobs: Record<string, J[]> | undefined,
    section: (file: FileJobs) => Record<string, J[]> | undefined,
  ): void => {
    for (const [repo, list] of Object.entries(jobs ?? {})) {
      let entries = target.get(repo);
      if (!entries) target.set(repo, (entries = []));
      list.forEach((_, i) => entries.push(new PackedJob(pack, (f) => section(f)?.[repo]?.[i] as J, file)));
    }
  };
  append(into.presubmits, config.presubmits, (f) => f.presubmits);
  append(into.postsubmits, config.postsubmits, (f) => f.postsubmits);
  (config.periodics ?? []).forEach((_, i) =>
    into.periodics.push(new PackedJob(pack, (f) => f.periodics?.[i] as DecodedPeriodic, file)),
  );
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
