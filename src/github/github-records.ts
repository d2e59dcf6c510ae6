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

/** One context of a combined status; null description/target_url become "" as in Prow's Go types. */
export interface CommitStatus {
  context: string;
  state: 'error' | 'failure' | 'pending' | 'success';
  description: string;
  target_url: string;
}

export interface StatusWrite {
  context: string;
  state: CommitStatus['state'];
  description?: string;
  target_url?: string;
}
