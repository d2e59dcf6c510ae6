import type { GoStruct, GoType } from '../go/go-json-decode';

/**
 * The Go types Prow decodes its config files into (pkg/config, pkg/apis/prowjobs/v1, k8s.io/api/core/v1,
 * pkg/plugins), as far as the reconciler reads or Prow's validation looks at them. Field names are the
 * JSON tags; the struct names appear in type errors exactly as Go prints them. Kubernetes types the port
 * only passes through are `open` (their unmodeled fields are kept as plain JSON) or `raw`.
 */

const str: GoType = { kind: 'string' };
const bool: GoType = { kind: 'bool' };
const int: GoType = { kind: 'int', name: 'int' };
const int64: GoType = { kind: 'int', name: 'int64' };
const int32: GoType = { kind: 'int', name: 'int32' };
const raw: GoType = { kind: 'raw' };
const duration: GoType = { kind: 'duration' };
/** Prow's v1.Duration: a duration string or an integer number of nanoseconds. */
const prowDuration: GoType = { kind: 'duration', nanoseconds: true };
const strings: GoType = { kind: 'slice', elem: str };
const stringMap: GoType = { kind: 'map', elem: str };
const slice = (elem: GoType): GoType => ({ kind: 'slice', elem });
const map = (elem: GoType): GoType => ({ kind: 'map', elem });
const struct = (
  name: string,
  fields: Record<string, GoType>,
  open = false,
  embedded: GoStruct[] = [],
): GoStruct => ({
  kind: 'struct',
  name,
  fields,
  open,
  // An embedded struct's Go field name is its type name.
  embedded: embedded.map((type) => ({ name: type.name.slice(type.name.indexOf('.') + 1), type })),
});

const envVar = struct('v1.EnvVar', { name: str, value: str, valueFrom: raw });
const volumeMount = struct('v1.VolumeMount', {
  name: str,
  readOnly: bool,
  recursiveReadOnly: str,
  mountPath: str,
  subPath: str,
  mountPropagation: str,
  subPathExpr: str,
});
const keyToPaths = slice(struct('v1.KeyToPath', { key: str, path: str, mode: int32 }));
const volumeSource = struct(
  'v1.VolumeSource',
  {
    secret: struct('v1.SecretVolumeSource', {
      secretName: str,
      items: keyToPaths,
      defaultMode: int32,
      optional: bool,
    }),
    configMap: struct('v1.ConfigMapVolumeSource', {
      name: str,
      items: keyToPaths,
      defaultMode: int32,
      optional: bool,
    }),
    hostPath: struct('v1.HostPathVolumeSource', { path: str, type: str }),
    emptyDir: struct('v1.EmptyDirVolumeSource', { medium: str, sizeLimit: raw }),
  },
  true,
);
const volume = struct('v1.Volume', { name: str }, true, [volumeSource]);
const toleration = struct('v1.Toleration', {
  key: str,
  operator: str,
  value: str,
  effect: str,
  tolerationSeconds: int64,
});
const resourceRequirements = struct('v1.ResourceRequirements', {
  limits: map(raw),
  requests: map(raw),
  claims: raw,
});
const securityContext = struct(
  'v1.SecurityContext',
  {
    privileged: bool,
    runAsUser: int64,
    runAsGroup: int64,
    runAsNonRoot: bool,
    readOnlyRootFilesystem: bool,
    allowPrivilegeEscalation: bool,
    procMount: str,
  },
  true,
);
const container = struct(
  'v1.Container',
  {
    name: str,
    image: str,
    command: strings,
    args: strings,
    workingDir: str,
    env: slice(envVar),
    resources: resourceRequirements,
    volumeMounts: slice(volumeMount),
    imagePullPolicy: str,
    securityContext,
    restartPolicy: str,
    stdin: bool,
    stdinOnce: bool,
    tty: bool,
    terminationMessagePath: str,
    terminationMessagePolicy: str,
  },
  true,
);

export const podSpecType = struct(
  'v1.PodSpec',
  {
    volumes: slice(volume),
    initContainers: slice(container),
    containers: slice(container),
    restartPolicy: str,
    terminationGracePeriodSeconds: int64,
    activeDeadlineSeconds: int64,
    dnsPolicy: str,
    nodeSelector: stringMap,
    serviceAccountName: str,
    automountServiceAccountToken: bool,
    nodeName: str,
    hostNetwork: bool,
    hostPID: bool,
    hostIPC: bool,
    shareProcessNamespace: bool,
    hostname: str,
    subdomain: str,
    schedulerName: str,
    tolerations: slice(toleration),
    priorityClassName: str,
    priority: int32,
    runtimeClassName: str,
    enableServiceLinks: bool,
  },
  true,
);

const secretName = struct('v1.OauthTokenSecret', { name: str, key: str });

export const decorationConfigType = struct('v1.DecorationConfig', {
  timeout: prowDuration,
  grace_period: prowDuration,
  utility_images: struct('v1.UtilityImages', {
    clonerefs: str,
    initupload: str,
    entrypoint: str,
    sidecar: str,
  }),
  resources: struct('v1.Resources', {
    clonerefs: resourceRequirements,
    initupload: resourceRequirements,
    place_entrypoint: resourceRequirements,
    sidecar: resourceRequirements,
  }),
  gcs_configuration: struct('v1.GCSConfiguration', {
    bucket: str,
    path_prefix: str,
    path_strategy: str,
    default_org: str,
    default_repo: str,
    mediaTypes: stringMap,
    job_url_prefix: str,
    local_output_dir: str,
    compress_file_types: strings,
  }),
  gcs_credentials_secret: str,
  s3_credentials_secret: str,
  default_service_account_name: str,
  ssh_key_secrets: strings,
  ssh_host_fingerprints: strings,
  blobless_fetch: bool,
  sparse_checkout_files: strings,
  skip_cloning: bool,
  cookiefile_secret: str,
  oauth_token_secret: secretName,
  github_api_endpoints: strings,
  github_app_id: str,
  github_app_private_key_secret: struct('v1.GitHubAppPrivateKeySecret', { name: str, key: str }),
  censor_secrets: bool,
  censoring_options: struct('v1.CensoringOptions', {
    censoring_concurrency: int64,
    censoring_buffer_size: int,
    include_directories: strings,
    exclude_directories: strings,
    minimum_secret_length: int,
  }),
  upload_ignores_interrupts: bool,
  set_limit_equals_memory_request: bool,
  default_memory_request: raw,
  scheduling_options: struct('v1.SchedulingOptions', { affinity: raw, tolerations: slice(toleration) }),
  pod_pending_timeout: duration,
  pod_running_timeout: duration,
  pod_unscheduled_timeout: duration,
  run_as_user: int64,
  run_as_group: int64,
  fs_group: int64,
});

const prowJobDefaultType = struct('v1.ProwJobDefault', { resultstore_config: raw, tenant_id: str });

const refsType = struct('v1.Refs', {
  org: str,
  repo: str,
  repo_link: str,
  base_ref: str,
  base_sha: str,
  base_link: str,
  pulls: raw,
  path_alias: str,
  work_dir: bool,
  clone_uri: str,
  skip_submodules: bool,
  clone_depth: int,
  skip_fetch_head: bool,
  blobless_fetch: bool,
});

const rerunAuthConfigType = struct('v1.RerunAuthConfig', {
  allow_anyone: bool,
  github_team_ids: slice(int),
  github_team_slugs: raw,
  github_users: strings,
  github_orgs: strings,
});

const utilityConfigType = struct('config.UtilityConfig', {
  decorate: bool,
  path_alias: str,
  clone_uri: str,
  skip_submodules: bool,
  clone_depth: int,
  skip_fetch_head: bool,
  extra_refs: slice(refsType),
  decoration_config: decorationConfigType,
});

const jobBaseType = struct(
  'config.JobBase',
  {
    name: str,
    labels: stringMap,
    max_concurrency: int,
    agent: str,
    cluster: str,
    namespace: str,
    error_on_eviction: bool,
    spec: podSpecType,
    pipeline_run_spec: raw,
    tekton_pipeline_run_spec: raw,
    annotations: stringMap,
    reporter_config: raw,
    rerun_auth_config: rerunAuthConfigType,
    hidden: bool,
    prowjob_defaults: prowJobDefaultType,
    job_queue_name: str,
  },
  false,
  [utilityConfigType],
);

const brancherType = struct('config.Brancher', { skip_branches: strings, branches: strings });
const changeMatcherType = struct('config.RegexpChangeMatcher', {
  run_if_changed: str,
  skip_if_only_changed: str,
});
const reporterType = struct('config.Reporter', { context: str, skip_report: bool });
const jenkinsSpec = struct('config.JenkinsSpec', { github_branch_source_job: bool });

export const presubmitType = struct(
  'config.Presubmit',
  {
    always_run: bool,
    optional: bool,
    trigger: str,
    rerun_command: str,
    run_before_merge: bool,
    jenkins_spec: jenkinsSpec,
  },
  false,
  [jobBaseType, brancherType, changeMatcherType, reporterType],
);

export const postsubmitType = struct(
  'config.Postsubmit',
  { always_run: bool, jenkins_spec: jenkinsSpec },
  false,
  [jobBaseType, changeMatcherType, brancherType, reporterType],
);

export const periodicType = struct(
  'config.Periodic',
  {
    interval: str,
    minimum_interval: str,
    cron: str,
    tags: strings,
    retry: struct('config.Retry', { run_all: bool, attempts: int, interval: str }),
  },
  false,
  [jobBaseType],
);

export const presetType = struct('config.Preset', {
  labels: stringMap,
  env: slice(envVar),
  volumes: slice(volume),
  volumeMounts: slice(volumeMount),
  tolerations: slice(toleration),
});

const jobConfigFields: Record<string, GoType> = {
  presets: slice(presetType),
  presubmits: map(slice(presubmitType)),
  postsubmits: map(slice(postsubmitType)),
  periodics: slice(periodicType),
  decorate_all_jobs: bool,
  prow_ignored: raw,
};

/** A job config file (`--job-config-path`). */
export const jobConfigType = struct('config.JobConfig', jobConfigFields);

const decorationEntry = struct('config.DefaultDecorationConfigEntry', {
  repo: str,
  cluster: str,
  config: decorationConfigType,
});

const controllerType = struct('config.Controller', {
  job_url_template: str,
  report_template: str,
  report_templates: stringMap,
  max_concurrency: int,
  max_goroutines: int,
});

const prowConfigFields: Record<string, GoType> = {
  prowjob_namespace: str,
  pod_namespace: str,
  log_level: str,
  plank: struct(
    'config.Plank',
    {
      allow_concurrent_postsubmit_jobs: bool,
      pod_pending_timeout: duration,
      pod_running_timeout: duration,
      pod_unscheduled_timeout: duration,
      max_revivals: int,
      default_decoration_configs: map(decorationConfigType),
      default_decoration_config_entries: slice(decorationEntry),
      job_url_prefix_config: stringMap,
      job_queue_capacities: map(int),
    },
    false,
    [controllerType],
  ),
  scheduler: struct('config.Scheduler', { enabled: bool }),
  prowjob_default_entries: slice(
    struct('config.ProwJobDefaultEntry', { repo: str, cluster: str, config: prowJobDefaultType }),
  ),
  default_job_timeout: duration,
  disabled_clusters: strings,
  ...componentFields(),
};

/**
 * The component settings Prow's `config.Load` validates (V11; component-validation.ts), typed as far as
 * the checks read them. The structs are `open`: the fields not modeled here are kept as plain JSON, so a
 * supplemental Prow config setting one is still seen.
 */
function componentFields(): Record<string, GoType> {
  const open = (name: string, fields: Record<string, GoType>): GoStruct => struct(name, fields, true);
  return {
    deck: open('config.Deck', {
      spyglass: open('config.Spyglass', {
        lenses: slice(open('config.LensFileConfig', { required_files: strings, optional_files: strings })),
        viewers: map(strings),
        size_limit: int64,
        gcs_browser_prefix: str,
        gcs_browser_prefixes: stringMap,
        gcs_browser_prefixes_by_bucket: stringMap,
        bucket_aliases: stringMap,
      }),
      tide_update_period: duration,
      hidden_repos: strings,
      rerun_auth_configs: map(rerunAuthConfigType),
      default_rerun_auth_configs: slice(
        struct('config.DefaultRerunAuthConfigEntry', {
          repo: str,
          cluster: str,
          rerun_auth_configs: rerunAuthConfigType,
        }),
      ),
      skip_storage_path_validation: bool,
      additional_allowed_buckets: strings,
    }),
    gerrit: open('config.Gerrit', {
      tick_interval: duration,
      ratelimit: int,
      deck_url: str,
      allowed_presubmit_trigger_re: str,
    }),
    gangway: open('config.Gangway', {
      allowed_api_clients: slice(
        struct('config.AllowedApiClient', {
          gcp: struct('config.ApiClientGcp', {
            endpoint_api_consumer_type: str,
            endpoint_api_consumer_number: str,
          }),
          allowed_jobs_filters: slice(struct('config.AllowedJobsFilter', { tenant_id: str })),
        }),
      ),
    }),
    moonraker: open('config.Moonraker', { client_timeout: duration }),
    slack_reporter_configs: map(
      struct('config.SlackReporter', { job_types_to_report: strings }, true, [
        struct('v1.SlackReporterConfig', {
          host: str,
          channel: str,
          job_states_to_report: strings,
          report_template: str,
        }),
      ]),
    ),
    managed_webhooks: open('config.ManagedWebhooks', {
      respect_legacy_global_token: bool,
      auto_accept_invitation: bool,
      // time.Time's UnmarshalJSON takes an RFC 3339 string: checked by the validation.
      org_repo_config: map(open('config.ManagedWebhookInfo', { token_created_after: str })),
    }),
    tide: struct(
      'config.Tide',
      {
        sync_period: duration,
        status_update_period: duration,
        max_goroutines: int,
        github_merge_blocks_policy: stringMap,
      },
      true,
      [
        struct('config.TideGitHubConfig', {
          queries: slice(
            open('config.TideQuery', {
              orgs: strings,
              repos: strings,
              excludedRepos: strings,
              labels: strings,
              missingLabels: strings,
              excludedBranches: strings,
              includedBranches: strings,
            }),
          ),
          // TideOrgMergeType's UnmarshalJSON takes a merge type or a map of repos: read by the validation.
          merge_method: map(raw),
          merge_commit_template: map(open('config.TideMergeCommitTemplate', { title: str, body: str })),
          target_url: str,
          target_urls: stringMap,
          pr_status_base_url: str,
          pr_status_base_urls: stringMap,
        }),
      ],
    ),
    github_reporter: open('config.GitHubReporter', { job_types_to_report: strings }),
    'branch-protection': open('config.BranchProtection', { exclude: strings, include: strings }),
    jenkins_operators: slice(
      struct('config.JenkinsOperator', { label_selector: str }, true, [controllerType]),
    ),
    pubsub_subscriptions: map(strings),
    pubsub_triggers: raw,
    github: open('config.GitHubOptions', { link_url: str }),
  };
}

/** The Prow config file (`--config-path`): ProwConfig with the job config inline. */
export const prowConfigFileType = struct('config.Config', {}, false, [
  jobConfigType,
  struct('config.ProwConfig', prowConfigFields),
]);

/**
 * Every key of Prow's ProwConfig: the ones a supplemental Prow config may not set are all of these but
 * `branch-protection`, `slack_reporter_configs` and `tide` (V3); keys outside this list are unknown
 * fields, which Prow drops.
 */
export const prowConfigKeys = [
  'config_version_sha',
  'tide',
  'plank',
  'pipeline',
  'sinker',
  'deck',
  'branch-protection',
  'gerrit',
  'github_reporter',
  'horologium',
  'slack_reporter_configs',
  'in_repo_config',
  'gangway',
  'moonraker',
  'scheduler',
  'jenkins_operators',
  'prowjob_namespace',
  'pod_namespace',
  'log_level',
  'push_gateway',
  'owners_dir_denylist',
  'pubsub_subscriptions',
  'pubsub_triggers',
  'github',
  'status_error_link',
  'default_job_timeout',
  'managed_webhooks',
  'prowjob_default_entries',
  'disabled_clusters',
];

/** Keys of Tide (with its inline TideGitHubConfig); a supplemental config may set only two of them. */
export const tideKeys = [
  'gerrit',
  'sync_period',
  'max_goroutines',
  'batch_size_limit',
  'prioritize_existing_batches',
  'github_merge_blocks_policy',
  'status_update_period',
  'queries',
  'merge_method',
  'merge_commit_template',
  'target_url',
  'target_urls',
  'pr_status_base_url',
  'pr_status_base_urls',
  'blocker_label',
  'squash_label',
  'rebase_label',
  'merge_label',
  'context_options',
  'priority',
  'display_all_tide_queries_in_status',
];

/**
 * A supplemental Prow config (`--supplemental-prow-config-dir`): ProwConfig only, no jobs. Every
 * ProwConfig key is kept (untyped where the port does not model it) to check which ones it sets.
 */
export const supplementalProwConfigType = struct('config.ProwConfig', {
  ...Object.fromEntries(prowConfigKeys.map((key) => [key, raw])),
  ...prowConfigFields,
});

export const triggerType = struct('plugins.Trigger', {
  repos: strings,
  trusted_apps: strings,
  trusted_org: str,
  join_org_url: str,
  only_org_members: bool,
  ignore_ok_to_test: bool,
  trigger_github_workflows: bool,
  org_invite: raw,
});

/** Keys of plugins.Configuration; a supplemental plugin config may set only the mergeable ones. */
export const pluginConfigKeys = [
  'plugins',
  'external_plugins',
  'owners',
  'approve',
  'blockades',
  'blunderbuss',
  'rifle',
  'bugzilla',
  'branch_cleaner',
  'cat',
  'cherry_pick_approved',
  'cherry_pick_unapproved',
  'config_updater',
  'dco',
  'golint',
  'goose',
  'heart',
  'label',
  'lgtm',
  'jira',
  'milestone_applier',
  'release_note',
  'repo_milestone',
  'project_config',
  'project_manager',
  'require_matching_label',
  'retitle',
  'slack',
  'sigmention',
  'size',
  'triggers',
  'welcome',
  'override',
  'help',
  'invalid_commit_msg',
];
export const mergeablePluginConfigKeys = [
  'approve',
  'bugzilla',
  'external_plugins',
  'label',
  'lgtm',
  'plugins',
  'triggers',
  'welcome',
];

/**
 * The plugin config (`--plugin-config`): only `triggers:` is typed (R17); the other keys of
 * plugins.Configuration are kept untyped to check what a supplemental plugin config sets.
 */
export const pluginConfigType = struct('plugins.Configuration', {
  ...Object.fromEntries(pluginConfigKeys.map((key) => [key, raw])),
  triggers: slice(triggerType),
});
