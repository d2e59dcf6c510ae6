import type { Presubmit } from '../config/types';
import { encodeAsGo, prowJobSpecSchema } from './go-json-encoding';
import { labelsAndAnnotationsForSpec, prowLabel } from './prowjob-labels';
import type { JsonObject, ProwJob, ProwJobSpec, Pull, Refs } from './prowjob-types';

export type { ProwJob } from './prowjob-types';

/**
 * The facts of a pull request the ProwJob carries, named as GitHub's REST API returns them, so an item of
 * `pulls.list` can be passed as it is.
 */
export interface PullRequestFacts {
  number: number;
  title?: string;
  html_url?: string;
  user?: { login: string; html_url?: string } | null;
  head: { sha: string; ref?: string };
  base: { ref: string; repo: { name: string; owner: { login: string }; html_url?: string } };
}

export interface PresubmitProwJobInput {
  /** The defaulted presubmit from the newest config. */
  presubmit: Presubmit;
  pullRequest: PullRequestFacts;
  /** SHA of `heads/<base ref>` (R18.1). */
  baseSha: string;
  /** The deterministic name (Q11), from `prowJobName`. */
  name: string;
  /** `prowjob_namespace` of the Prow config. */
  namespace: string;
  /** `scheduler.enabled` of the Prow config. */
  schedulerEnabled: boolean;
  /** `status.startTime`; passed in so that building stays deterministic. */
  startTime: Date;
  /**
   * Host for the links GitHub did not send (`html_url` fields). Prow copies GitHub's `html_url` values;
   * they are only derived, the way GitHub forms them, when absent.
   */
  githubHost?: string;
  /** Prow's `event-GUID` label: status-reconciler passes `none` (R18). */
  eventGuid?: string;
  /** Prow's `additionalLabels`: nil for status-reconciler. */
  additionalLabels?: Record<string, string>;
}

/** Go's `omitempty`: the field is left out when it holds its type's zero value. */
function omitEmpty<T extends object>(record: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined || value === null || value === '' || value === false || value === 0) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    out[key] = value;
  }
  return out as T;
}

/** Kubernetes writes times as RFC 3339 with whole seconds (metav1.Time). */
export function kubernetesTime(time: Date): string {
  if (Number.isNaN(time.getTime())) throw new Error('startTime is not a valid date');
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function copyJson<T>(value: T | undefined): T | undefined {
  return value === undefined ? undefined : structuredClone(value);
}

/** Prow's `createRefs`: links are GitHub's `html_url` values, commit links built from the repo link. */
function createRefs(pr: PullRequestFacts, baseSha: string, githubHost: string): Refs {
  const org = pr.base.repo.owner.login;
  const repo = pr.base.repo.name;
  const repoLink = pr.base.repo.html_url ?? `https://${githubHost}/${org}/${repo}`;
  const login = pr.user?.login ?? '';
  const pull: Pull = {
    number: pr.number,
    author: login,
    sha: pr.head.sha,
    ...omitEmpty({
      title: pr.title,
      head_ref: pr.head.ref,
      link: pr.html_url ?? `${repoLink}/pull/${pr.number}`,
      commit_link: `${repoLink}/pull/${pr.number}/commits/${pr.head.sha}`,
      author_link: pr.user ? (pr.user.html_url ?? `https://${githubHost}/${login}`) : undefined,
    }),
  };
  return {
    org,
    repo,
    ...omitEmpty({
      repo_link: repoLink,
      base_ref: pr.base.ref,
      base_sha: baseSha,
      base_link: `${repoLink}/commit/${baseSha}`,
    }),
    pulls: [pull],
  };
}

/** Prow's `DecorateRefs`: a decorated job's refs inherit `blobless_fetch` unless they set it. */
function decorateRefs<R extends { blobless_fetch?: unknown }>(refs: R, decoration?: JsonObject): R {
  if (!decoration) return refs;
  if (refs.blobless_fetch === undefined && decoration.blobless_fetch !== undefined) {
    return { ...refs, blobless_fetch: decoration.blobless_fetch };
  }
  return refs;
}

/** Prow's `CompletePrimaryRefs`: the job's clone settings complete the PR's refs. */
function completePrimaryRefs(refs: Refs, job: Presubmit): Refs {
  const completed: Refs = { ...refs };
  if (job.path_alias) completed.path_alias = job.path_alias;
  if (job.clone_uri) completed.clone_uri = job.clone_uri;
  if (job.skip_submodules) completed.skip_submodules = true;
  if (job.clone_depth !== undefined && job.clone_depth > 0) completed.clone_depth = job.clone_depth;
  if (job.skip_fetch_head) completed.skip_fetch_head = true;
  const decorated = decorateRefs(completed, job.decoration_config);
  const sparse = job.decoration_config?.sparse_checkout_files;
  if (Array.isArray(sparse) && sparse.length > 0) decorated.sparse_checkout_files = [...(sparse as string[])];
  return decorated;
}

/**
 * Prow's `setReportDefault`: a Slack reporter config without `report` gets `report: false` when
 * `job_states_to_report` is an explicit empty list, else `report: true`.
 */
function reporterConfigWithDefault(config?: JsonObject): JsonObject | undefined {
  const slack = config?.slack as JsonObject | undefined;
  if (!config || !slack || slack.report !== undefined) return config;
  const states = slack.job_states_to_report;
  return { ...config, slack: { ...slack, report: !(Array.isArray(states) && states.length === 0) } };
}

/** Prow's `PresubmitSpec` (over `specFromJobBase`), with `omitempty` applied as Go writes it. */
function presubmitSpec(job: Presubmit, refs: Refs): ProwJobSpec {
  const decoration = copyJson(job.decoration_config);
  const spec = omitEmpty<ProwJobSpec>({
    type: 'presubmit',
    agent: job.agent,
    cluster: job.cluster,
    namespace: job.namespace,
    job: job.name,
    refs: completePrimaryRefs(refs, job),
    extra_refs: job.extra_refs?.map((ref) => decorateRefs(structuredClone(ref), decoration)),
    report: !job.skip_report,
    context: job.context,
    rerun_command: job.rerun_command,
    max_concurrency: job.max_concurrency,
    error_on_eviction: job.error_on_eviction,
    pod_spec: copyJson(job.spec),
    pipeline_run_spec: copyJson(job.pipeline_run_spec),
    tekton_pipeline_run_spec: copyJson(job.tekton_pipeline_run_spec),
    decoration_config: decoration,
    reporter_config: reporterConfigWithDefault(copyJson(job.reporter_config)),
    rerun_auth_config: copyJson(job.rerun_auth_config),
    hidden: job.hidden,
    prowjob_defaults: copyJson(job.prowjob_defaults),
    job_queue_name: job.job_queue_name,
  });
  encodeAsGo(spec, prowJobSpecSchema());
  return spec;
}

/**
 * The ProwJob that Prow's `pjutil.NewPresubmit` builds for one presubmit on one pull request (spec §7.1),
 * with the port's deterministic name (Q11) instead of a random UUID. Pure: same input, same object.
 */
export function buildPresubmitProwJob(input: PresubmitProwJobInput): ProwJob {
  const { presubmit: job, pullRequest: pr } = input;
  const where = `ProwJob for ${job.name} on ${pr.base.repo.owner.login}/${pr.base.repo.name}#${pr.number}`;
  if (!input.name) throw new Error(`${where}: name must not be empty`);
  if (!input.namespace) throw new Error(`${where}: namespace (prowjob_namespace) must not be empty`);
  if (!input.baseSha) throw new Error(`${where}: baseSha must not be empty`);
  if (!pr.head.sha) throw new Error(`${where}: pull request head.sha must not be empty`);
  if (Number.isNaN(input.startTime.getTime())) throw new Error(`${where}: startTime is not a valid date`);

  const spec = presubmitSpec(job, createRefs(pr, input.baseSha, input.githubHost ?? 'github.com'));
  const extraLabels: Record<string, string> = {
    ...job.labels,
    ...input.additionalLabels,
    [prowLabel.eventGuid]: input.eventGuid ?? 'none',
    [prowLabel.isOptional]: String(job.optional),
  };
  const { labels, annotations } = labelsAndAnnotationsForSpec(spec, extraLabels, { ...job.annotations });
  return {
    apiVersion: 'prow.k8s.io/v1',
    kind: 'ProwJob',
    metadata: { name: input.name, namespace: input.namespace, labels, annotations },
    spec,
    status: {
      startTime: kubernetesTime(input.startTime),
      state: input.schedulerEnabled ? 'scheduling' : 'triggered',
    },
  };
}
