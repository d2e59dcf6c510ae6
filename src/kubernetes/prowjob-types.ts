/**
 * The ProwJob object (`prow.k8s.io/v1`) as the reconciler writes and reads it. Field names and which
 * fields are left out when empty follow Prow's Go types (`pkg/apis/prowjobs/v1/types.go`), so the JSON
 * body equals what Prow would send. Parts the reconciler only carries (pod spec, decoration config, …)
 * stay plain JSON.
 */
export type JsonObject = Record<string, unknown>;

export type ProwJobType = 'presubmit' | 'postsubmit' | 'periodic' | 'batch';

export type ProwJobState =
  'scheduling' | 'triggered' | 'pending' | 'success' | 'failure' | 'aborted' | 'error';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Set by the API server. */
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  generation?: number;
}

/** One pull request of `refs.pulls` (Prow's `Pull`): `number`, `author` and `sha` are always present. */
export interface Pull {
  number: number;
  author: string;
  sha: string;
  title?: string;
  ref?: string;
  head_ref?: string;
  link?: string;
  commit_link?: string;
  author_link?: string;
}

/** Prow's `Refs`: `org` and `repo` are always present. */
export interface Refs {
  org: string;
  repo: string;
  repo_link?: string;
  base_ref?: string;
  base_sha?: string;
  base_link?: string;
  pulls?: Pull[];
  path_alias?: string;
  workdir?: boolean;
  auxiliary?: boolean;
  clone_uri?: string;
  skip_submodules?: boolean;
  clone_depth?: number;
  skip_fetch_head?: boolean;
  blobless_fetch?: boolean;
  sparse_checkout_files?: string[];
}

export interface ProwJobSpec {
  type: ProwJobType;
  agent?: string;
  cluster?: string;
  namespace?: string;
  job: string;
  refs?: Refs;
  extra_refs?: JsonObject[];
  report?: boolean;
  context?: string;
  rerun_command?: string;
  max_concurrency?: number;
  error_on_eviction?: boolean;
  pod_spec?: JsonObject;
  pipeline_run_spec?: JsonObject;
  tekton_pipeline_run_spec?: JsonObject;
  decoration_config?: JsonObject;
  reporter_config?: JsonObject;
  rerun_auth_config?: JsonObject;
  hidden?: boolean;
  prowjob_defaults?: JsonObject;
  job_queue_name?: string;
}

export interface ProwJobStatus {
  startTime?: string;
  state: ProwJobState;
  description?: string;
  url?: string;
  build_id?: string;
  pod_name?: string;
}

export interface ProwJob {
  apiVersion: 'prow.k8s.io/v1';
  kind: 'ProwJob';
  metadata: ObjectMeta;
  spec: ProwJobSpec;
  status: ProwJobStatus;
}

export const prowJobGroup = 'prow.k8s.io';
export const prowJobVersion = 'v1';
export const prowJobPlural = 'prowjobs';
