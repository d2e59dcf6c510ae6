import type { ContainerJson, DecodedJobBase, DecorationConfigJson, PodSpecJson } from './decoded-config';
import { goList, isQualifiedName, isValidLabelValue } from '../go/kubernetes-names';

/**
 * Prow's checks common to all job types (V10, `validateJobBase` and what it calls), first failure
 * returned, in Prow's order and wording. `jobType` selects the environment variables reserved for the
 * pod utilities.
 */

export type JobType = 'presubmit' | 'postsubmit' | 'periodic';

const KUBERNETES = 'kubernetes';
const JENKINS = 'jenkins';
const TEKTON = 'tekton-pipeline';

const jobName = /^[A-Za-z0-9-._]+$/;
const jenkinsJobName = /^[A-Za-z0-9-._]([A-Za-z0-9-._/]*[A-Za-z0-9-_])?$/;

/** Labels the pod utilities set (decorate.Labels). */
const DECORATION_LABELS = ['prow.k8s.io/type', 'created-by-prow', 'prow.k8s.io/id'];
/** Containers the pod utilities add (decorate.PodUtilsContainerNames). */
const POD_UTILS_CONTAINERS = new Set(['clonerefs', 'initupload', 'place-entrypoint', 'sidecar']);
const DECORATION_VOLUMES = ['logs', 'code', 'tools', 'gcs-credentials', 's3-credentials'];
const TEST_CONTAINER_MOUNTS = new Set(['logs', 'code', 'tools']);
const TEST_CONTAINER_MOUNT_PATHS = new Set(['/logs', '/home/prow/go', '/tools']);

const BASE_ENV = ['CI', 'JOB_NAME', 'JOB_SPEC', 'JOB_TYPE', 'PROW_JOB_ID', 'BUILD_ID', 'BUILD_NUMBER'];
const REFS_ENV = [
  'REPO_OWNER',
  'REPO_NAME',
  'SRC_BASE',
  'SRC_HOST',
  'PULL_BASE_REF',
  'PULL_BASE_SHA',
  'PULL_REFS',
];
const PULL_ENV = ['PULL_NUMBER', 'PULL_PULL_SHA', 'PULL_HEAD_REF', 'PULL_TITLE'];
/** downwardapi.EnvForType. */
const RESERVED_ENV: Record<JobType, ReadonlySet<string>> = {
  periodic: new Set(BASE_ENV),
  postsubmit: new Set([...BASE_ENV, ...REFS_ENV]),
  presubmit: new Set([...BASE_ENV, ...REFS_ENV, ...PULL_ENV]),
};

/** utilerrors.NewAggregate's text: one message alone, several as `[a, b]`, repeats printed once. */
export function aggregate(messages: readonly string[]): string | undefined {
  const unique = [...new Set(messages)];
  if (unique.length === 0) return undefined;
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}

const quote = (s: string): string => JSON.stringify(s);

function hasPipelineRunSpec(job: DecodedJobBase): boolean {
  const tekton = job.tekton_pipeline_run_spec;
  return (tekton?.v1beta1 !== undefined && tekton.v1beta1 !== null) || job.pipeline_run_spec !== undefined;
}

function validateAgent(job: DecodedJobBase, podNamespace: string): string | undefined {
  const agent = job.agent ?? '';
  if (agent !== KUBERNETES && agent !== JENKINS && agent !== TEKTON) return undefined; // Prow only warns
  if (job.spec !== undefined && agent !== KUBERNETES)
    return `job specs require agent: ${KUBERNETES} (found ${quote(agent)})`;
  if (agent === KUBERNETES && job.spec === undefined) return 'kubernetes jobs require a spec';
  if (hasPipelineRunSpec(job) && agent !== TEKTON)
    return `job pipeline_run_spec require agent: ${TEKTON} (found ${quote(agent)})`;
  if (agent === TEKTON && !hasPipelineRunSpec(job))
    return `agent: ${TEKTON} jobs require a pipeline_run_spec`;
  if (job.decoration_config !== undefined && agent !== KUBERNETES) {
    return `decoration requires agent: ${KUBERNETES} (found ${quote(agent)})`;
  }
  if (job.error_on_eviction && agent !== KUBERNETES) {
    return `error_on_eviction only applies to agent: ${KUBERNETES} (found ${quote(agent)})`;
  }
  if (!job.namespace) return 'failed to default namespace';
  if (job.namespace !== podNamespace && agent !== TEKTON) {
    return `namespace customization requires agent: ${TEKTON} (found ${quote(agent)})`;
  }
  return undefined;
}

function decorationVolumes(dc: DecorationConfigJson | undefined): Set<string> {
  const names = new Set(DECORATION_VOLUMES);
  if (dc?.oauth_token_secret) names.add(dc.oauth_token_secret.name ?? '');
  for (const secret of dc?.ssh_key_secrets ?? []) names.add(secret);
  return names;
}

/** validatePodSpec: all problems of the spec, aggregated. */
export function validatePodSpec(
  jobType: JobType,
  spec: PodSpecJson | undefined,
  dc: DecorationConfigJson | undefined,
): string | undefined {
  if (!spec) return undefined;
  const errs: string[] = [];
  const unsupported = (spec.initContainers ?? [])
    .filter((c) => c.restartPolicy !== 'Always')
    .map((c) => c.name ?? '');
  if (unsupported.length > 0)
    errs.push(`pod spec may not use init containers(sidecar container is supported): ${goList(unsupported)}`);
  const containers: ContainerJson[] = spec.containers ?? [];
  if (containers.length < 1)
    return aggregate([...errs, `pod spec must specify at least 1 container, found: ${containers.length}`]);
  if (containers.length > 1 && dc === undefined) {
    return aggregate([
      ...errs,
      `pod utility decoration must be enabled to use multiple containers: ${containers.length}`,
    ]);
  }
  if (containers.length > 1) {
    const seen = new Set<string>();
    for (const c of containers) {
      const name = c.name ?? '';
      if (name === '')
        errs.push(
          'container does not have name. all containers must have names when defining multiple containers',
        );
      if (seen.has(name)) errs.push(`container named ${quote(name)} is defined more than once`);
      seen.add(name);
      if (POD_UTILS_CONTAINERS.has(name)) {
        errs.push(
          `container name ${name} is a reserved for decoration. please specify a different container name that does not conflict with pod utility container names`,
        );
      }
    }
  }
  const reserved = RESERVED_ENV[jobType];
  for (const c of containers) {
    const names = new Set<string>();
    for (const env of c.env ?? []) {
      const name = env.name ?? '';
      if (names.has(name)) errs.push(`env var named ${quote(name)} is defined more than once`);
      names.add(name);
      if (reserved.has(name)) errs.push(`env ${name} is reserved`);
    }
  }
  const volumes = new Set<string>();
  const decorated = decorationVolumes(dc);
  for (const volume of spec.volumes ?? []) {
    const name = volume.name ?? '';
    if (volumes.has(name)) errs.push(`volume named ${quote(name)} is defined more than once`);
    volumes.add(name);
    if (decorated.has(name)) errs.push(`volume ${name} is a reserved for decoration`);
  }
  for (const c of containers) {
    for (const mount of c.volumeMounts ?? []) {
      const name = mount.name ?? '';
      if (!volumes.has(name) && !decorated.has(name))
        errs.push(`volumeMount named ${quote(name)} is undefined`);
      if (TEST_CONTAINER_MOUNTS.has(name)) errs.push(`volumeMount name ${name} is reserved for decoration`);
      if (TEST_CONTAINER_MOUNT_PATHS.has(mount.mountPath ?? '')) {
        errs.push(`mount ${name} at ${mount.mountPath ?? ''} conflicts with decoration mount`);
      }
    }
  }
  return aggregate(errs);
}

function validateLabels(labels: Record<string, string> | undefined): string | undefined {
  for (const label of Object.keys(labels ?? {}).sort()) {
    const value = (labels as Record<string, string>)[label] as string;
    if (DECORATION_LABELS.includes(label)) return `label ${label} is reserved for decoration`;
    const nameErrs = isQualifiedName(label);
    if (nameErrs.length > 0) return `invalid label ${label}: ${goList(nameErrs)}`;
    const valueErrs = isValidLabelValue(value);
    if (valueErrs.length > 0) return `label ${label} has invalid value ${value}: ${goList(valueErrs)}`;
  }
  return undefined;
}

function validateAnnotations(annotations: Record<string, string> | undefined): string | undefined {
  for (const key of Object.keys(annotations ?? {}).sort()) {
    const errs = isQualifiedName(key);
    if (errs.length > 0) return `invalid annotation key ${quote(key)}: ${goList(errs)}`;
  }
  return undefined;
}

/** DecorationConfig.Validate (with GCSConfiguration.Validate). */
export function decorationConfigError(dc: DecorationConfigJson): string | undefined {
  const images = dc.utility_images;
  if (!images) return 'utility image config is not specified';
  const missing = (['clonerefs', 'initupload', 'entrypoint', 'sidecar'] as const).filter((k) => !images[k]);
  if (missing.length > 0)
    return `the following utility images are not specified: [${missing.map(quote).join(' ')}]`;
  const gcs = dc.gcs_configuration;
  if (!gcs) return 'GCS upload configuration is not specified';
  const strategy = gcs.path_strategy ?? '';
  if (strategy !== 'legacy' && strategy !== 'explicit' && strategy !== 'single') {
    return 'GCS configuration is invalid: gcs_path_strategy must be one of "legacy", "explicit", or "single"';
  }
  if (strategy !== 'explicit' && (!gcs.default_org || !gcs.default_repo)) {
    return `GCS configuration is invalid: default org and repo must be provided for GCS strategy ${quote(strategy)}`;
  }
  if (dc.oauth_token_secret && (dc.ssh_key_secrets?.length ?? 0) > 0)
    return 'both OAuth token and SSH key secrets are specified';
  return undefined;
}

/**
 * UtilityConfig.Validate: with an OAuth token, clone URIs must be http(s). As in Prow, the extra refs'
 * URIs are checked only when the job itself sets `clone_uri`, and then even when empty.
 */
function cloneUriError(job: DecodedJobBase): string | undefined {
  if (!job.clone_uri || !job.decoration_config?.oauth_token_secret) return undefined;
  const check = (uri: string): string | undefined => {
    const stripped = uri.slice(uri.indexOf('@') + 1);
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(stripped)?.[1]?.toLowerCase() ?? '';
    return scheme === 'http' || scheme === 'https'
      ? undefined
      : `scheme must be http or https when OAuth secret is specified: ${stripped}`;
  };
  const own = check(job.clone_uri);
  if (own) return own;
  for (const [i, ref] of (job.extra_refs ?? []).entries()) {
    const error = check(ref.clone_uri ?? '');
    if (error) return `extra_ref[${i}]: ${error}`;
  }
  return undefined;
}

/** validateJobBase: the first failure, or undefined. */
export function validateJobBase(
  job: DecodedJobBase,
  jobType: JobType,
  podNamespace: string,
  jobQueueNames: ReadonlySet<string>,
): string | undefined {
  const name = job.name ?? '';
  const nameRegex = job.agent === JENKINS ? jenkinsJobName : jobName;
  if (!nameRegex.test(name)) return `name: must match regex ${quote(nameRegex.source)}`;
  if ((job.max_concurrency ?? 0) < 0)
    return `max_concurrency: ${job.max_concurrency} must be a non-negative number`;
  const checks: (() => string | undefined)[] = [
    () => validateAgent(job, podNamespace),
    () => validatePodSpec(jobType, job.spec, job.decoration_config),
    () => validateLabels(job.labels),
    () => validateAnnotations(job.annotations),
    () =>
      job.job_queue_name && !jobQueueNames.has(job.job_queue_name)
        ? `invalid job queue name ${job.job_queue_name}`
        : undefined,
  ];
  for (const check of checks) {
    const error = check();
    if (error) return error;
  }
  const containers = job.spec?.containers ?? [];
  if (containers.length === 0) return undefined; // jenkins jobs have no spec
  const rac = job.rerun_auth_config;
  if (rac?.allow_anyone) {
    const slugs = rac.github_team_slugs;
    const hasAllowList =
      (rac.github_users?.length ?? 0) > 0 ||
      (rac.github_team_ids?.length ?? 0) > 0 ||
      (Array.isArray(slugs) && slugs.length > 0) ||
      (rac.github_orgs?.length ?? 0) > 0;
    if (hasAllowList) return 'allow anyone is set to true and permitted users or groups are specified';
  }
  const cloneUri = cloneUriError(job);
  if (cloneUri) return cloneUri;
  if (job.decoration_config) {
    for (const c of containers) {
      const dcError = decorationConfigError(job.decoration_config);
      if (dcError) return `invalid decoration config: ${dcError}`;
      const args = [...(c.command ?? []), ...(c.args ?? [])];
      if (args.length === 0 || args[0] === '')
        return 'decorated job containers must specify command and/or args';
    }
  }
  return undefined;
}
