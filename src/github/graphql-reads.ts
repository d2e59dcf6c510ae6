import type { GitHubClient } from './client';
import type { PullRequestSummary, ReportedStatus } from './github-records';
import { estimatedPoints, type GraphQLPoints, type GraphQLRateLimit } from './graphql-points';

/**
 * One repository's reads through GitHub's GraphQL API (issue 14): the open PRs, 100 per query, each with what
 * the reconcile needs of it — draft flag, author, base ref and its current OID, head OID, labels, changed files
 * and the head commit's combined status — instead of a REST page per 100 PRs plus a combined-status read per PR,
 * a ref read per branch and a files read per PR. A PR with more than a page of labels, files or contexts pages
 * that connection with queries of its own. Only the details the run needs are asked for: every nested
 * connection costs a point per 100 PRs (graphql-points.ts).
 *
 * The records equal the REST path's (github-api.ts), so both give the same plan:
 * - open PRs newest first, as REST's pulls list;
 * - a bot author is `<slug>[bot]` as in REST (GraphQL's `Bot.login` is the bare slug);
 * - no `mergeable`: REST list items lack it, and only an explicit false skips triggering (Q13);
 * - at most the first 3000 changed files (GitHub's cap on pulls/list-files);
 * - statuses: the combined status's latest status per context, commit statuses only (check runs, which the
 *   connection also holds, are not in REST's combined status), null description and target URL as "".
 */
export interface RepositoryDetails {
  /** Labels (for trust's ok-to-test) and the base branches' current SHAs (for ProwJob refs). */
  trigger: boolean;
  /** Changed files, for file-filtered presubmits. */
  files: boolean;
  /** The head commit's combined status, for retire and migrate. */
  statuses: boolean;
}

export interface RepositorySnapshot {
  pullRequests: PullRequestSummary[];
  /** Changed files per PR number (when asked for). */
  files: Map<number, string[]>;
  /** The combined status per head SHA (when asked for). */
  statuses: Map<string, ReportedStatus[]>;
  /** Current SHA of each base branch of an open PR (when asked for). */
  branchShas: Map<string, string>;
  /** Queries sent, the PR pages and the follow-ups. */
  queries: number;
  /** Points GitHub charged for them. */
  points: number;
}

export const maxPullRequestFiles = 3000;

interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}
interface Connection<T> {
  pageInfo: PageInfo;
  nodes: T[];
}
interface StatusNode {
  __typename: string;
  context?: string;
  state?: string;
  description?: string | null;
  targetUrl?: string | null;
}
interface PullRequestNode {
  number: number;
  isDraft: boolean;
  title: string;
  url: string;
  author: { __typename: string; login: string } | null;
  baseRefName: string;
  baseRefOid: string;
  headRefName: string;
  headRefOid: string;
  baseRef?: { target: { oid: string } | null } | null;
  labels?: Connection<{ name: string }>;
  files?: Connection<{ path: string }> | null;
  commits?: {
    nodes: { commit: { oid: string; status: { combinedContexts: Connection<StatusNode> } | null } }[];
  };
}

const pageInfo = 'pageInfo { hasNextPage endCursor }';
const statusNodes = 'nodes { __typename ... on StatusContext { context state description targetUrl } }';
const rateLimit = 'rateLimit { cost remaining resetAt }';

export function pullRequestsQuery(details: RepositoryDetails): string {
  const nested = [
    details.trigger ? `baseRef { target { oid } } labels(first: 100) { ${pageInfo} nodes { name } }` : '',
    details.files ? `files(first: 100) { ${pageInfo} nodes { path } }` : '',
    details.statuses
      ? `commits(last: 1) { nodes { commit { oid status { combinedContexts(first: 100) { ${pageInfo} ${statusNodes} } } } } }`
      : '',
  ].filter(Boolean);
  return `query ($owner: String!, $name: String!, $cursor: String) {
  ${rateLimit}
  repository(owner: $owner, name: $name) {
    pullRequests(states: OPEN, first: 100, after: $cursor, orderBy: { field: CREATED_AT, direction: DESC }) {
      ${pageInfo}
      nodes {
        number isDraft title url baseRefName baseRefOid headRefName headRefOid
        author { __typename login }
        ${nested.join('\n        ')}
      }
    }
  }
}`;
}

/** Connections nested in each PR node of the query: each costs a point per 100 PRs. */
const nestedConnections = (d: RepositoryDetails): number =>
  (d.trigger ? 1 : 0) + (d.files ? 1 : 0) + (d.statuses ? 2 : 0);

const pullRequestConnectionQuery = (field: 'labels' | 'files', nodes: string): string => `query (
  $owner: String!, $name: String!, $number: Int!, $cursor: String
) {
  ${rateLimit}
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) { ${field}(first: 100, after: $cursor) { ${pageInfo} ${nodes} } }
  }
}`;
export const labelsQuery = pullRequestConnectionQuery('labels', 'nodes { name }');
export const filesQuery = pullRequestConnectionQuery('files', 'nodes { path }');
export const contextsQuery = `query ($owner: String!, $name: String!, $oid: GitObjectID!, $cursor: String) {
  ${rateLimit}
  repository(owner: $owner, name: $name) {
    object(oid: $oid) {
      ... on Commit { status { combinedContexts(first: 100, after: $cursor) { ${pageInfo} ${statusNodes} } } }
    }
  }
}`;

function commitStatuses(nodes: StatusNode[]): ReportedStatus[] {
  // EXPECTED is a required context nobody reported yet (branch protection), not a status REST would list.
  return nodes
    .filter((n) => n.__typename === 'StatusContext' && n.state !== 'EXPECTED')
    .map((n) => ({
      context: n.context ?? '',
      state: (n.state ?? '').toLowerCase() as ReportedStatus['state'],
      description: n.description ?? '',
      target_url: n.targetUrl ?? '',
    }));
}

type Page<T> = { rateLimit: GraphQLRateLimit | null } & T;

export class GraphQLRepositoryReader {
  constructor(
    private readonly octokit: GitHubClient,
    private readonly points: GraphQLPoints,
  ) {}

  /** Pages a query with plugin-paginate-graphql's iterator, paced on points; `take` returns each page's items. */
  private async pages<T, I>(
    query: string,
    variables: Record<string, unknown>,
    cost: number,
    take: (page: Page<T>) => I[],
    signal: AbortSignal | undefined,
    stopAfter = Infinity,
  ): Promise<I[]> {
    const pages = this.octokit.graphql.paginate.iterator<Page<T>>(query, {
      ...variables,
      ...(signal ? { request: { signal } } : {}),
    });
    const iterator = pages[Symbol.asyncIterator]();
    const out: I[] = [];
    while (out.length < stopAfter) {
      signal?.throwIfAborted();
      await this.points.reserve(cost, signal);
      const next = await iterator.next();
      if (next.done) break;
      this.points.observe(next.value.rateLimit);
      out.push(...take(next.value));
    }
    return out;
  }

  async read(
    org: string,
    repo: string,
    details: RepositoryDetails,
    signal?: AbortSignal,
  ): Promise<RepositorySnapshot> {
    const before = { queries: this.points.queries, points: this.points.spent };
    const snapshot: RepositorySnapshot = {
      pullRequests: [],
      files: new Map(),
      statuses: new Map(),
      branchShas: new Map(),
      queries: 0,
      points: 0,
    };
    const where = { owner: org, name: repo };
    const nodes = await this.pages<
      { repository: { pullRequests: Connection<PullRequestNode> } },
      PullRequestNode
    >(
      pullRequestsQuery(details),
      where,
      estimatedPoints(nestedConnections(details)),
      (page) => page.repository.pullRequests.nodes,
      signal,
    );
    for (const pr of nodes) {
      const author = pr.author
        ? pr.author.__typename === 'Bot'
          ? `${pr.author.login}[bot]`
          : pr.author.login
        : '';
      const record: PullRequestSummary = {
        number: pr.number,
        draft: pr.isDraft,
        author,
        title: pr.title,
        htmlUrl: pr.url,
        baseRef: pr.baseRefName,
        baseSha: pr.baseRefOid,
        headRef: pr.headRefName,
        headSha: pr.headRefOid,
      };
      const more = { ...where, number: pr.number };
      if (details.trigger && pr.labels) {
        record.labels = pr.labels.nodes.map((l) => l.name);
        if (pr.labels.pageInfo.hasNextPage)
          record.labels.push(
            ...(await this.rest<{ pullRequest: { labels: Connection<{ name: string }> } }, string>(
              labelsQuery,
              more,
              pr.labels.pageInfo.endCursor,
              (r) => r.pullRequest.labels.nodes.map((l) => l.name),
              signal,
            )),
          );
        // A deleted base branch has no ref: left out, so the REST lookup answers (404) as before.
        if (pr.baseRef?.target) snapshot.branchShas.set(pr.baseRefName, pr.baseRef.target.oid);
      }
      if (details.files && pr.files) {
        const files = pr.files.nodes.map((f) => f.path);
        if (pr.files.pageInfo.hasNextPage)
          files.push(
            ...(await this.rest<{ pullRequest: { files: Connection<{ path: string }> } }, string>(
              filesQuery,
              more,
              pr.files.pageInfo.endCursor,
              (r) => r.pullRequest.files.nodes.map((f) => f.path),
              signal,
              maxPullRequestFiles - files.length,
            )),
          );
        snapshot.files.set(pr.number, files.slice(0, maxPullRequestFiles));
      }
      const head = pr.commits?.nodes[0]?.commit;
      // The last commit is the head unless the PR moved between GitHub's reads; then REST reads it (no entry).
      if (details.statuses && head && head.oid === pr.headRefOid && !snapshot.statuses.has(head.oid)) {
        const contexts = head.status?.combinedContexts;
        const statuses = commitStatuses(contexts?.nodes ?? []);
        if (contexts?.pageInfo.hasNextPage)
          statuses.push(
            ...(await this.rest<
              { object: { status: { combinedContexts: Connection<StatusNode> } | null } | null },
              ReportedStatus
            >(
              contextsQuery,
              { ...where, oid: head.oid },
              contexts.pageInfo.endCursor,
              (r) => commitStatuses(r.object?.status?.combinedContexts.nodes ?? []),
              signal,
            )),
          );
        snapshot.statuses.set(head.oid, statuses);
      }
      snapshot.pullRequests.push(record);
    }
    snapshot.queries = this.points.queries - before.queries;
    snapshot.points = this.points.spent - before.points;
    return snapshot;
  }

  /** The rest of one nested connection, from the cursor where the PR page left it. */
  private rest<R, I>(
    query: string,
    variables: Record<string, unknown>,
    cursor: string | null,
    take: (repository: R) => I[],
    signal: AbortSignal | undefined,
    stopAfter = Infinity,
  ): Promise<I[]> {
    return this.pages<{ repository: R }, I>(
      query,
      { ...variables, cursor },
      estimatedPoints(0),
      (page) => take(page.repository),
      signal,
      stopAfter,
    );
  }
}
