import type { DecodedJobConfig } from '../prow/decoded-config';

/** One job config file's jobs, as decoding gives them. */
export type FileJobs = Pick<DecodedJobConfig, 'presubmits' | 'postsubmits' | 'periodics'>;

/**
 * Where one file's jobs come from when defaulting reads them: the decoded file itself, or the parse cache,
 * which may hold them compressed and decode them again only for the repositories a reload re-checks.
 * `key` names the file's content (set by the parse cache): a job's key is the file's plus its position.
 * Files with the same content share a source.
 */
export interface JobFileSource {
  readonly key?: string;
  jobs(): FileJobs;
}
