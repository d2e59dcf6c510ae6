import { readFileSync } from 'node:fs';
import type { Logger } from '../log';
import type { Metrics } from '../metrics/metrics';
import type { RepositoryGitHub } from '../reconcile/repository';
import type { CommitStatus } from '../reconcile/status-decisions';
import { createGitHubClient, type GitHubClient, type GitHubClientOptions } from './client';
import { ResponseCache } from './conditional-requests';
import { GitHubApi } from './github-api';
import type { GitHubOptions } from './github-options';
import type { RepositorySnapshot } from './graphql-reads';
import type { WriteBudget } from './write-budget';

/** GitHub API clients per org: a GitHub App has one installation per org, a token serves all. */
export type GitHubApiFor = (org: string, repo: string) => Promise<GitHubApi>;

/**
 * How a repository's reads reach GitHub (`--github-read-api`): `graphql` (the default) fetches the open PRs
 * with their labels, base branch SHAs, changed files and head statuses, 100 PRs a query (issue 14); `rest`
 * lists PRs and reads each PR's combined status, files and base ref on its own, as before. Writes are REST in
 * both; both give the same plan.
 */
export type GitHubReadApi = GitHubOptions['readApi'];

/**
 * The reconciler's view of GitHub for one repository (the consumer interfaces of
 * src/reconcile/repository.ts) over the one Octokit client factory. The bot's own login (R17.1) is read
 * once per client. Each call serves one repository run: with GraphQL, the reads after the PR list are
 * answered from what the list fetched, and REST answers only what it did not hold.
 */
/**
 * How long an org membership answer serves other repositories of the org: about one change's run. Membership is
 * the org's, not the repository's, and a change touching 60 repositories of one org would otherwise ask again
 * for every author in every repository (the per-run memo in trust.ts is per repository).
 */
export const membershipCacheMs = 10 * 60_000;

export function repositoryGitHub(
  apiFor: GitHubApiFor,
  writeBudget?: WriteBudget,
  readApi: GitHubReadApi = 'graphql',
  now: () => number = Date.now,
): (org: string, repo: string) => Promise<RepositoryGitHub> {
  const botLogins = new WeakMap<GitHubApi, Promise<string>>();
  const memberships = new Map<string, { answer: Promise<boolean>; at: number }>();
  const isOrgMember = (api: GitHubApi, org: string, user: string): Promise<boolean> => {
    const key = `${org.toLowerCase()}/${user.toLowerCase()}`;
    const known = memberships.get(key);
    if (known && now() - known.at < membershipCacheMs) return known.answer;
    for (const [k, v] of memberships) if (now() - v.at >= membershipCacheMs) memberships.delete(k);
    const answer = api.isOrgMember(org, user);
    // Errors are not remembered: the next repository asks again.
    answer.catch(() => memberships.delete(key));
    memberships.set(key, { answer, at: now() });
    return answer;
  };
  return async (org, repo) => {
    const api = await apiFor(org, repo);
    let botLogin = botLogins.get(api);
    if (!botLogin) {
      botLogin = api.getBotLogin();
      botLogin.catch(() => botLogins.delete(api));
      botLogins.set(api, botLogin);
    }
    let fetched: (RepositorySnapshot & { org: string; repo: string }) | undefined;
    const held = (o: string, r: string) =>
      fetched && fetched.org === o && fetched.repo === r ? fetched : undefined;
    const createStatus = (o: string, r: string, sha: string, status: CommitStatus) =>
      writeBudget
        ? writeBudget.run(() => api.createStatus(o, r, sha, status))
        : api.createStatus(o, r, sha, status);
    return {
      pulls: {
        listOpenPullRequests: async (o, r, details) => {
          if (readApi === 'rest') return api.listOpenPullRequests(o, r);
          const snapshot = await api.readRepository(
            o,
            r,
            details ?? { trigger: true, files: true, statuses: true },
          );
          fetched = { ...snapshot, org: o, repo: r };
          return { pullRequests: snapshot.pullRequests, pages: snapshot.queries, points: snapshot.points };
        },
        listPullRequestFiles: async (o, r, n) =>
          held(o, r)?.files.get(n) ?? api.listPullRequestFiles(o, r, n),
      },
      statuses: {
        getCombinedStatus: async (o, r, sha) =>
          held(o, r)?.statuses.get(sha) ?? api.getCombinedStatus(o, r, sha),
        createStatus: async (o, r, sha, status) => {
          // Another PR with the same head SHA must see this write: its status is read from GitHub again.
          held(o, r)?.statuses.delete(sha);
          await createStatus(o, r, sha, status);
        },
      },
      refs: {
        getBranchSha: async (o, r, branch) =>
          held(o, r)?.branchShas.get(branch) ?? api.getBranchSha(o, r, branch),
      },
      trust: {
        botLogin: await botLogin,
        isOrgMember: (o, user) => isOrgMember(api, o, user),
        isCollaborator: (o, r, user) => api.isCollaborator(o, r, user),
        listIssueLabels: (o, r, n) => api.listIssueLabels(o, r, n),
      },
    };
  };
}

/**
 * The route template of a request, for metric labels: Octokit passes templates for first requests but
 * absolute URLs for later pages, and labels must not carry SHAs or PR numbers (unbounded cardinality).
 */
export function endpointTemplate(method: string, url: string): string {
  if (url.includes('{')) return `${method} ${url}`;
  const path = url.replace(/^https?:\/\/[^/]+/, '').replace(/\?.*$/, '');
  const templates: [RegExp, string][] = [
    [/^\/repos\/[^/]+\/[^/]+/, '/repos/{owner}/{repo}'],
    [/\/commits\/[^/]+\//, '/commits/{ref}/'],
    [/\/statuses\/[^/]+$/, '/statuses/{sha}'],
    [/\/pulls\/\d+/, '/pulls/{pull_number}'],
    [/\/issues\/\d+/, '/issues/{issue_number}'],
    [/\/git\/ref\/.*$/, '/git/ref/{ref}'],
    [/\/collaborators\/[^/]+$/, '/collaborators/{username}'],
    [/^\/orgs\/[^/]+\/members\/[^/]+$/, '/orgs/{org}/members/{username}'],
    [/^\/app\/installations\/\d+/, '/app/installations/{installation_id}'],
  ];
  return `${method} ${templates.reduce((p, [pattern, template]) => p.replace(pattern, template), path)}`;
}

/** Counts requests by endpoint and outcome, and tracks the remaining primary rate limit. */
export function instrumentGitHubClient(client: GitHubClient, metrics: Metrics): void {
  client.hook.after('request', (response, options) => {
    metrics.githubRequests.inc({
      endpoint: endpointTemplate(options.method, options.url),
      outcome: String(response.status),
    });
    const remaining = response.headers['x-ratelimit-remaining'];
    if (remaining !== undefined)
      metrics.githubRateLimitRemaining.set(
        { resource: String(response.headers['x-ratelimit-resource'] ?? 'core') },
        Number(remaining),
      );
  });
  client.hook.error('request', (error, options) => {
    const status = (error as { status?: number }).status;
    metrics.githubRequests.inc({
      endpoint: endpointTemplate(options.method, options.url),
      outcome: status ? String(status) : 'error',
    });
    throw error;
  });
}

/** Builds the GitHub side of the worker from Prow's flags: a token file, or a GitHub App (per-org installations). */
export function githubFromOptions(
  options: GitHubOptions,
  log: Logger,
  metrics?: Metrics,
  tuning: Partial<GitHubClientOptions> = {},
): GitHubApiFor {
  const common: Omit<GitHubClientOptions, 'auth'> = {
    baseUrl: options.endpoint,
    // One ETag cache for all orgs' clients, so its bound holds for the worker.
    conditionalRequests: new ResponseCache(),
    logger: log,
    maxRateLimitWaitSeconds: Math.round(options.maxRateLimitWaitMs / 1000),
    retries: Math.min(options.maxRetries, 8),
    ...tuning,
  };
  const build = async (auth: GitHubClientOptions['auth']): Promise<GitHubApi> => {
    const client = await createGitHubClient({ ...common, auth });
    if (metrics) instrumentGitHubClient(client, metrics);
    return new GitHubApi(client, { maxRateLimitWaitSeconds: common.maxRateLimitWaitSeconds });
  };
  if (options.appId && options.appPrivateKeyPath) {
    const privateKey = readFileSync(options.appPrivateKeyPath, 'utf8');
    const appId = options.appId;
    const perOrg = new Map<string, Promise<GitHubApi>>();
    return (org, repo) => {
      const key = options.appInstallationId ? '*' : org;
      let api = perOrg.get(key);
      if (!api) {
        api = build(
          options.appInstallationId
            ? { appId, privateKey, installationId: options.appInstallationId }
            : { appId, privateKey, installationRepo: { owner: org, repo } },
        );
        api.catch(() => perOrg.delete(key));
        perOrg.set(key, api);
      }
      return api;
    };
  }
  const token = options.tokenPath ? readFileSync(options.tokenPath, 'utf8').trim() : process.env.GITHUB_TOKEN;
  if (!token)
    throw new Error(
      'no GitHub credentials: set --github-token-path, or --github-app-id with --github-app-private-key-path, or GITHUB_TOKEN',
    );
  const shared = build({ token });
  return () => shared;
}
