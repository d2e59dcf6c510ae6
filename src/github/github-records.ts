import type { StatusState } from '../reconcile/status-decisions';

/**
 * The records the GitHub adapter reads and writes: compact, not Octokit's full bodies, so activity results and
 * workflow histories stay small. Shared by the REST calls (github-api.ts) and the GraphQL reads
 * (graphql-reads.ts), which return the same records.
 */
export interface PullRequestSummary {
  number: number;
  draft: boolean;
  /** Absent on list items (GitHub computes it lazily; Q13). */
  mergeable?: boolean;
  author: string;
  title: string;
  htmlUrl: string;
  baseRef: string;
  baseSha: string;
  headRef: string;
  headSha: string;
  labels?: string[];
}

/**
 * One context of a combined status as GitHub reports it; null description/target_url become "" as in Prow's Go
 * types. Writes take the core's CommitStatus (src/reconcile/status-decisions.ts).
 */
export interface ReportedStatus {
  context: string;
  state: StatusState;
  description: string;
  target_url: string;
}
