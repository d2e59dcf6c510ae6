import { authKindOf, type GitHubClient } from './client';
import { GraphQLPoints } from './graphql-points';
import type { CommitStatus } from '../reconcile/status-decisions';
import type { PullRequestSummary, ReportedStatus } from './github-records';
import { GraphQLRepositoryReader, type RepositoryDetails, type RepositorySnapshot } from './graphql-reads';

/**
 * The few GitHub calls the reconciler's activities make (R14, R15, R17, R18, R20, R22), each a small
 * method over the one client. Results are compact records, not Octokit's full bodies, so activity
 * results and workflow histories stay small.
 */

export interface RateLimitSnapshot {
  limit: number;
  remaining: number;
  used: number;
  /** Epoch seconds. */
  reset: number;
}

/** Temporal passes an AbortSignal when an activity is cancelled. */
export interface CallOptions {
  signal?: AbortSignal;
}

const perPage = 100;

/** Rejects as soon as the signal aborts, for page loops whose later pages cannot carry the signal. */
function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

const statusOf = (err: unknown): number | undefined =>
  typeof err === 'object' && err !== null && 'status' in err
    ? Number((err as { status: unknown }).status)
    : undefined;

export class GitHubApi {
  /** This client's view of its GraphQL points (one bucket per installation or token, as the client is). */
  readonly graphqlPoints: GraphQLPoints;
  private readonly graphqlReader: GraphQLRepositoryReader;

  constructor(
    private readonly octokit: GitHubClient,
    options: { maxRateLimitWaitSeconds?: number } = {},
  ) {
    this.graphqlPoints = new GraphQLPoints((options.maxRateLimitWaitSeconds ?? 60) * 1000);
    this.graphqlReader = new GraphQLRepositoryReader(octokit, this.graphqlPoints);
  }

  /**
   * R14, R15, R17.6, R18, R20 in one pass over GraphQL (graphql-reads.ts): the open PRs, 100 per query, with the
   * details the run needs.
   */
  readRepository(
    org: string,
    repo: string,
    details: RepositoryDetails,
    opts: CallOptions = {},
  ): Promise<RepositorySnapshot> {
    return this.graphqlReader.read(org, repo, details, opts.signal);
  }

  /**
   * Walks pages with paginate.iterator. Its follow-up requests carry only method, URL and headers,
   * so the signal is checked between pages and races each page.
   */
  private async collect<T, P>(
    iterator: AsyncIterable<{ data: P }>,
    take: (page: P) => T[],
    signal: AbortSignal | undefined,
  ): Promise<T[]> {
    const out: T[] = [];
    const it = iterator[Symbol.asyncIterator]();
    for (;;) {
      signal?.throwIfAborted();
      const next = await abortable(it.next(), signal);
      if (next.done) return out;
      out.push(...take(next.value.data));
    }
  }

  /** R14/R20: every open PR on every base branch, 100 per page. */
  async listOpenPullRequests(
    org: string,
    repo: string,
    opts: CallOptions = {},
  ): Promise<PullRequestSummary[]> {
    const pages = this.octokit.paginate.iterator(this.octokit.rest.pulls.list, {
      owner: org,
      repo,
      state: 'open',
      per_page: perPage,
    });
    return this.collect(
      pages,
      (items) =>
        items.map((p) => ({
          number: p.number,
          draft: p.draft ?? false,
          ...(typeof (p as { mergeable?: unknown }).mergeable === 'boolean'
            ? { mergeable: (p as { mergeable?: boolean }).mergeable }
            : {}),
          author: p.user?.login ?? '',
          title: p.title,
          htmlUrl: p.html_url,
          baseRef: p.base.ref,
          baseSha: p.base.sha,
          headRef: p.head.ref,
          headSha: p.head.sha,
          labels: p.labels.map((l) => l.name),
        })),
      opts.signal,
    );
  }

  /** R15: changed file names (GitHub stops at 3000). */
  async listPullRequestFiles(
    org: string,
    repo: string,
    number: number,
    opts: CallOptions = {},
  ): Promise<string[]> {
    const pages = this.octokit.paginate.iterator(this.octokit.rest.pulls.listFiles, {
      owner: org,
      repo,
      pull_number: number,
      per_page: perPage,
    });
    return this.collect(pages, (files) => files.map((f) => f.filename), opts.signal);
  }

  /**
   * R20/R22: the latest status per context. paginate() would return page objects here (the body has
   * `url`, github-api.md §4), so pages are walked and their `statuses` concatenated.
   */
  async getCombinedStatus(
    org: string,
    repo: string,
    sha: string,
    opts: CallOptions = {},
  ): Promise<ReportedStatus[]> {
    const pages = this.octokit.paginate.iterator(this.octokit.rest.repos.getCombinedStatusForRef, {
      owner: org,
      repo,
      ref: sha,
      per_page: perPage,
    }) as AsyncIterable<{ data: unknown }>;
    return this.collect(
      pages,
      (page) =>
        (
          page as {
            statuses: {
              context: string;
              state: string;
              description: string | null;
              target_url: string | null;
            }[];
          }
        ).statuses.map((s) => ({
          context: s.context,
          state: s.state as ReportedStatus['state'],
          description: s.description ?? '',
          target_url: s.target_url ?? '',
        })),
      opts.signal,
    );
  }

  /** R20.5/R22.4: empty fields are left out of the body, as Prow's `omitempty` does. */
  async createStatus(
    org: string,
    repo: string,
    sha: string,
    status: CommitStatus,
    opts: CallOptions = {},
  ): Promise<void> {
    await this.octokit.rest.repos.createCommitStatus({
      owner: org,
      repo,
      sha,
      state: status.state,
      ...(status.context ? { context: status.context } : {}),
      ...(status.description ? { description: status.description } : {}),
      ...(status.target_url ? { target_url: status.target_url } : {}),
      request: { signal: opts.signal },
    });
  }

  /** R18: the SHA of `heads/<branch>`; a missing branch is an error (404). */
  async getBranchSha(org: string, repo: string, branch: string, opts: CallOptions = {}): Promise<string> {
    const { data } = await this.octokit.rest.git.getRef({
      owner: org,
      repo,
      ref: `heads/${branch}`,
      request: { signal: opts.signal },
    });
    return data.object.sha;
  }

  /**
   * R17.2: 204 member, 404 not. 302 means the requester may not see the org's members: an error,
   * as in Prow. Redirects are not followed (fetch would otherwise land on public_members).
   */
  async isOrgMember(org: string, user: string, opts: CallOptions = {}): Promise<boolean> {
    try {
      const res = await this.octokit.rest.orgs.checkMembershipForUser({
        org,
        username: user,
        request: { redirect: 'manual', signal: opts.signal },
      });
      if ((res.status as number) === 204) return true;
      throw new Error(
        `unexpected status ${res.status} checking whether ${user} is a member of ${org}` +
          ((res.status as number) === 302 ? ': the requester is not an organization member' : ''),
      );
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw err;
    }
  }

  /** R17.3: 204 collaborator, 404 not. */
  async isCollaborator(org: string, repo: string, user: string, opts: CallOptions = {}): Promise<boolean> {
    try {
      await this.octokit.rest.repos.checkCollaborator({
        owner: org,
        repo,
        username: user,
        request: { signal: opts.signal },
      });
      return true;
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw err;
    }
  }

  /** R17.6: label names of a PR (its issue). */
  async listIssueLabels(
    org: string,
    repo: string,
    number: number,
    opts: CallOptions = {},
  ): Promise<string[]> {
    const pages = this.octokit.paginate.iterator(this.octokit.rest.issues.listLabelsOnIssue, {
      owner: org,
      repo,
      issue_number: number,
      per_page: perPage,
    });
    return this.collect(pages, (labels) => labels.map((l) => l.name), opts.signal);
  }

  /** R17.1: `<slug>[bot]` for a GitHub App (GET /app with the JWT), the user's login for a token. */
  async getBotLogin(opts: CallOptions = {}): Promise<string> {
    if (authKindOf(this.octokit) === 'app') {
      const { data } = await this.octokit.rest.apps.getAuthenticated({ request: { signal: opts.signal } });
      if (!data?.slug) throw new Error('GET /app returned no slug');
      return `${data.slug}[bot]`;
    }
    const { data } = await this.octokit.rest.users.getAuthenticated({ request: { signal: opts.signal } });
    return data.login;
  }

  /** The core bucket; GET /rate_limit does not spend it. */
  async getRateLimit(opts: CallOptions = {}): Promise<RateLimitSnapshot> {
    const { data } = await this.octokit.rest.rateLimit.get({ request: { signal: opts.signal } });
    const core = data.resources.core;
    return { limit: core.limit, remaining: core.remaining, used: core.used, reset: core.reset };
  }
}
