/**
 * The Prow presubmit model the reconciler works with. Field names are Prow's YAML keys, so a presubmit
 * reads like the job config it came from.
 */

/** `branches` / `skip_branches` (Prow's Brancher). */
export interface Brancher {
  branches?: string[];
  skip_branches?: string[];
}

/** `run_if_changed` / `skip_if_only_changed` (Prow's RegexpChangeMatcher). */
export interface ChangeMatcher {
  run_if_changed?: string;
  skip_if_only_changed?: string;
}

/**
 * What the diff and the retire and migrate phases need of a presubmit (spec §12.2): the compact form the
 * controller keeps between changes. Contexts are already defaulted. Regexes are kept as strings and always
 * recompiled when used (Q9).
 */
export interface IndexedPresubmit extends Brancher, ChangeMatcher {
  name: string;
  context: string;
  always_run: boolean;
  optional: boolean;
  skip_report: boolean;
}

/**
 * A static presubmit after Prow's defaulting (V6): everything the trigger phase needs to build a ProwJob.
 * Fields the reconciler does not interpret (spec, decoration_config, …) are carried as plain JSON.
 */
export interface Presubmit extends IndexedPresubmit {
  trigger: string;
  rerun_command: string;
  agent: string;
  cluster: string;
  namespace?: string;
  max_concurrency?: number;
  error_on_eviction?: boolean;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  decorate?: boolean;
  decoration_config?: Record<string, unknown>;
  spec?: Record<string, unknown>;
  pipeline_run_spec?: Record<string, unknown>;
  tekton_pipeline_run_spec?: Record<string, unknown>;
  extra_refs?: Record<string, unknown>[];
  reporter_config?: Record<string, unknown>;
  rerun_auth_config?: Record<string, unknown>;
  hidden?: boolean;
  prowjob_defaults?: Record<string, unknown>;
  job_queue_name?: string;
  path_alias?: string;
  clone_uri?: string;
  skip_submodules?: boolean;
  clone_depth?: number;
  skip_fetch_head?: boolean;
  run_before_merge?: boolean;
}

/** Presubmits per `org/repo` key, in config order. */
export type PresubmitsByRepo<P extends IndexedPresubmit = IndexedPresubmit> = Record<string, P[]>;

/**
 * The compact, stable, JSON-serializable presubmit index: the controller's durable state between changes.
 * `revision` is a content hash of `repos`, so equal indexes have equal revisions.
 */
export interface PresubmitIndex {
  revision: string;
  /** The `VERSION` file next to the Prow config (Prow's ConfigVersionSHA), when present. */
  configVersion?: string;
  repos: PresubmitsByRepo;
}

/** One `triggers:` entry of the plugin config (R17). */
export interface TriggerConfig {
  repos?: string[];
  trusted_apps?: string[];
  trusted_org?: string;
  only_org_members?: boolean;
}

/** The parts of a loaded, validated Prow config the reconciler uses. */
export interface LoadedConfig {
  index: PresubmitIndex;
  presubmits: PresubmitsByRepo<Presubmit>;
  prowjobNamespace: string;
  podNamespace: string;
  /** `scheduler.enabled` in the Prow config: new ProwJobs start in state `scheduling`, else `triggered`. */
  schedulerEnabled: boolean;
  triggers: TriggerConfig[];
}

/** Where the configuration is read from: Prow's flags. */
export interface ConfigSource {
  configPath: string;
  jobConfigPath?: string;
  supplementalProwConfigDirs?: string[];
  supplementalProwConfigsFilenameSuffix?: string;
  pluginConfigPath?: string;
  supplementalPluginConfigDirs?: string[];
  supplementalPluginConfigsFilenameSuffix?: string;
}

/** One problem found while loading or validating, located as precisely as known. */
export interface ConfigProblem {
  file?: string;
  job?: string;
  field?: string;
  message: string;
}
