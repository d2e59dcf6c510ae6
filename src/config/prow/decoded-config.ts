/**
 * Config files as decoded by go-json-decode.ts with the types of prow-go-types.ts: every field optional
 * (absent when the file leaves it unset or null), before Prow's defaulting. Kubernetes objects the port
 * passes through keep their unmodeled fields as plain JSON.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface EnvVarJson {
  name?: string;
  value?: string;
  valueFrom?: Json;
}

export interface VolumeMountJson {
  name?: string;
  mountPath?: string;
  [key: string]: unknown;
}

export interface VolumeJson {
  name?: string;
  [key: string]: unknown;
}

export interface TolerationJson {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export interface ContainerJson {
  name?: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: EnvVarJson[];
  volumeMounts?: VolumeMountJson[];
  restartPolicy?: string;
  [key: string]: unknown;
}

export interface PodSpecJson {
  containers?: ContainerJson[];
  initContainers?: ContainerJson[];
  volumes?: VolumeJson[];
  tolerations?: TolerationJson[];
  [key: string]: unknown;
}

export interface DecorationConfigJson {
  utility_images?: { clonerefs?: string; initupload?: string; entrypoint?: string; sidecar?: string };
  gcs_configuration?: {
    bucket?: string;
    path_strategy?: string;
    default_org?: string;
    default_repo?: string;
    mediaTypes?: Record<string, string>;
    [key: string]: unknown;
  };
  oauth_token_secret?: { name?: string; key?: string };
  ssh_key_secrets?: string[];
  [key: string]: unknown;
}

export interface DecodedRerunAuthConfig {
  allow_anyone?: boolean;
  github_team_ids?: number[];
  github_team_slugs?: Json;
  github_users?: string[];
  github_orgs?: string[];
}

export interface DecodedJobBase {
  name?: string;
  labels?: Record<string, string>;
  max_concurrency?: number;
  agent?: string;
  cluster?: string;
  namespace?: string;
  error_on_eviction?: boolean;
  spec?: PodSpecJson;
  pipeline_run_spec?: Json;
  tekton_pipeline_run_spec?: { v1beta1?: Json } & Record<string, Json>;
  annotations?: Record<string, string>;
  reporter_config?: Json;
  rerun_auth_config?: DecodedRerunAuthConfig;
  hidden?: boolean;
  prowjob_defaults?: { tenant_id?: string; resultstore_config?: Json };
  job_queue_name?: string;
  decorate?: boolean;
  path_alias?: string;
  clone_uri?: string;
  skip_submodules?: boolean;
  clone_depth?: number;
  skip_fetch_head?: boolean;
  extra_refs?: ({ org?: string; repo?: string; clone_uri?: string } & Record<string, unknown>)[];
  decoration_config?: DecorationConfigJson;
}

interface DecodedBrancher {
  branches?: string[];
  skip_branches?: string[];
  run_if_changed?: string;
  skip_if_only_changed?: string;
  context?: string;
  skip_report?: boolean;
  jenkins_spec?: { github_branch_source_job?: boolean };
}

export interface DecodedPresubmit extends DecodedJobBase, DecodedBrancher {
  always_run?: boolean;
  optional?: boolean;
  trigger?: string;
  rerun_command?: string;
  run_before_merge?: boolean;
}

export interface DecodedPostsubmit extends DecodedJobBase, DecodedBrancher {
  always_run?: boolean;
}

export interface DecodedPeriodic extends DecodedJobBase {
  interval?: string;
  minimum_interval?: string;
  cron?: string;
  tags?: string[];
  retry?: { run_all?: boolean; attempts?: number; interval?: string };
}

export interface DecodedPreset {
  labels?: Record<string, string>;
  env?: EnvVarJson[];
  volumes?: VolumeJson[];
  volumeMounts?: VolumeMountJson[];
  tolerations?: TolerationJson[];
}

/** A job config file, or the job config part of the Prow config file. */
export interface DecodedJobConfig {
  presets?: DecodedPreset[];
  presubmits?: Record<string, DecodedPresubmit[]>;
  postsubmits?: Record<string, DecodedPostsubmit[]>;
  periodics?: DecodedPeriodic[];
  decorate_all_jobs?: boolean;
}

export interface DecodedDecorationEntry {
  repo?: string;
  cluster?: string;
  config?: DecorationConfigJson;
}

export interface DecodedProwConfig extends DecodedJobConfig {
  prowjob_namespace?: string;
  pod_namespace?: string;
  plank?: {
    report_template?: string;
    report_templates?: Record<string, string>;
    max_concurrency?: number;
    max_goroutines?: number;
    default_decoration_configs?: Record<string, DecorationConfigJson>;
    default_decoration_config_entries?: DecodedDecorationEntry[];
    job_queue_capacities?: Record<string, number>;
  };
  scheduler?: { enabled?: boolean };
  log_level?: string;
  deck?: {
    spyglass?: {
      lenses?: { required_files?: string[]; optional_files?: string[] }[];
      viewers?: Record<string, string[]>;
      size_limit?: number;
      gcs_browser_prefix?: string;
      gcs_browser_prefixes?: Record<string, string>;
      gcs_browser_prefixes_by_bucket?: Record<string, string>;
    };
    rerun_auth_configs?: Record<string, DecodedRerunAuthConfig>;
    default_rerun_auth_configs?: {
      repo?: string;
      cluster?: string;
      rerun_auth_configs?: DecodedRerunAuthConfig;
    }[];
    skip_storage_path_validation?: boolean;
    additional_allowed_buckets?: string[];
  };
  gerrit?: { allowed_presubmit_trigger_re?: string; deck_url?: string };
  gangway?: {
    allowed_api_clients?: {
      gcp?: { endpoint_api_consumer_type?: string; endpoint_api_consumer_number?: string };
      allowed_jobs_filters?: { tenant_id?: string }[];
    }[];
  };
  slack_reporter_configs?: Record<string, { channel?: string; report_template?: string }>;
  managed_webhooks?: { org_repo_config?: Record<string, { token_created_after?: string }> };
  tide?: {
    max_goroutines?: number;
    github_merge_blocks_policy?: Record<string, string>;
    queries?: {
      orgs?: string[];
      repos?: string[];
      excludedRepos?: string[];
      labels?: string[];
      missingLabels?: string[];
      excludedBranches?: string[];
      includedBranches?: string[];
    }[];
    merge_method?: Record<string, Json>;
    target_url?: string;
    target_urls?: Record<string, string>;
    pr_status_base_url?: string;
    pr_status_base_urls?: Record<string, string>;
  };
  github_reporter?: { job_types_to_report?: string[] };
  'branch-protection'?: { include?: string[]; exclude?: string[] };
  jenkins_operators?: {
    report_template?: string;
    report_templates?: Record<string, string>;
    max_concurrency?: number;
    max_goroutines?: number;
    label_selector?: string;
  }[];
  pubsub_subscriptions?: Record<string, string[]>;
  pubsub_triggers?: Json;
  prowjob_default_entries?: {
    repo?: string;
    cluster?: string;
    config?: { tenant_id?: string; resultstore_config?: Json };
  }[];
}

export interface DecodedTrigger {
  repos?: string[];
  trusted_apps?: string[];
  trusted_org?: string;
  join_org_url?: string;
  only_org_members?: boolean;
  ignore_ok_to_test?: boolean;
  trigger_github_workflows?: boolean;
}

export interface DecodedPluginConfig {
  triggers?: DecodedTrigger[];
}
