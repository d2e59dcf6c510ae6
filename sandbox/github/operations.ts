import type { AppIdentity, Caller } from './app-identity';
import type { GitHubState, RepoRecord, StatusState } from './github-state';
import { paginate } from './pagination';
import type { RateLimits } from './rate-limits';
import type { Representations } from './representations';

/**
 * What the double does for each operation it serves (github-api.md §9.4). Inputs arrive validated
 * and coerced by the OpenAPI slice; outputs are validated again before they are sent.
 */
export interface OperationContext {
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body: unknown;
  caller: Caller;
  /** Rate-limit identity of the caller, for GET /rate_limit. */
  identity: string;
  /** The request URL on the double's own origin (for Link headers). */
  url: URL;
  state: GitHubState;
  reps: Representations;
  app: AppIdentity;
  limits: RateLimits;
  /** Orgs whose membership checks answer 302, as GitHub does when the requester is not a member. */
  membershipRedirects: Set<string>;
}

export interface OperationResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type OperationHandler = (ctx: OperationContext) => OperationResult;

export const docsUrl = 'https://docs.github.com/rest';
const notFound = (): OperationResult => ({
  status: 404,
  body: { message: 'Not Found', documentation_url: docsUrl },
});
const maxPullRequestFiles = 3000;

function repoOf(ctx: OperationContext): RepoRecord | undefined {
  return ctx.state.repo(String(ctx.params.owner), String(ctx.params.repo));
}

function paged(ctx: OperationContext, all: readonly unknown[]): OperationResult {
  const page = paginate(all, ctx.query, ctx.url);
  return { status: 200, body: page.items, headers: page.link ? { link: page.link } : {} };
}

/** Callers each operation accepts; GitHub answers others with these statuses and messages. */
export function authorizationProblem(operationId: string, caller: Caller): OperationResult | undefined {
  const appOnly = new Set([
    'apps/get-authenticated',
    'apps/create-installation-access-token',
    'apps/get-repo-installation',
  ]);
  if (operationId === 'rate-limit/get') return undefined;
  if (appOnly.has(operationId)) {
    if (caller.kind === 'app') return undefined;
    return {
      status: 401,
      body: { message: 'A JSON web token could not be decoded', documentation_url: docsUrl },
    };
  }
  if (caller.kind === 'app') {
    return { status: 401, body: { message: 'Bad credentials', documentation_url: docsUrl } };
  }
  if (operationId === 'users/get-authenticated') {
    if (caller.kind === 'anonymous') {
      return { status: 401, body: { message: 'Requires authentication', documentation_url: docsUrl } };
    }
    if (caller.kind === 'installation') {
      return {
        status: 403,
        body: { message: 'Resource not accessible by integration', documentation_url: docsUrl },
      };
    }
  }
  if (operationId === 'repos/create-commit-status' && caller.kind === 'anonymous') {
    return { status: 401, body: { message: 'Requires authentication', documentation_url: docsUrl } };
  }
  return undefined;
}

export const operations: Record<string, OperationHandler> = {
  'pulls/list': (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const want = String(ctx.query.state ?? 'open');
    const base = ctx.query.base === undefined ? undefined : String(ctx.query.base);
    const head = ctx.query.head === undefined ? undefined : String(ctx.query.head);
    // R14/R20: every base branch; GitHub's default order is newest first.
    let pulls = [...repo.pulls.values()].filter(
      (p) =>
        (want === 'all' || p.state === want) &&
        (base === undefined || p.baseRef === base) &&
        (head === undefined || `${repo.owner}:${p.headRef}`.toLowerCase() === head.toLowerCase()),
    );
    pulls.sort((a, b) => b.number - a.number);
    if (ctx.query.direction === 'asc') pulls = pulls.reverse();
    return paged(
      ctx,
      pulls.map((p) => ctx.reps.pullRequestSimple(repo, p)),
    );
  },

  'pulls/get': (ctx) => {
    const repo = repoOf(ctx);
    const pr = repo?.pulls.get(Number(ctx.params.pull_number));
    if (!repo || !pr) return notFound();
    return { status: 200, body: ctx.reps.pullRequest(repo, pr) };
  },

  'pulls/list-files': (ctx) => {
    const repo = repoOf(ctx);
    const pr = repo?.pulls.get(Number(ctx.params.pull_number));
    if (!repo || !pr) return notFound();
    // "Responses include a maximum of 3000 files"; pulls/get's changed_files keeps the true count.
    const files = pr.files.slice(0, maxPullRequestFiles);
    return paged(
      ctx,
      files.map((f) => ctx.reps.diffEntry(repo, pr, f)),
    );
  },

  'git/get-ref': (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const ref = String(ctx.params.ref);
    const branch = /^heads\/(.+)$/.exec(ref)?.[1];
    const sha = branch === undefined ? undefined : repo.branches.get(branch);
    if (branch === undefined || sha === undefined) return notFound();
    return { status: 200, body: ctx.reps.gitRef(repo, branch, sha) };
  },

  'orgs/check-membership-for-user': (ctx) => {
    const org = String(ctx.params.org);
    const user = String(ctx.params.username);
    if (!ctx.state.orgs.has(org.toLowerCase())) return notFound();
    if (ctx.membershipRedirects.has(org.toLowerCase())) {
      return { status: 302, headers: { location: `${ctx.url.origin}/orgs/${org}/public_members/${user}` } };
    }
    if (ctx.state.isOrgMember(org, user)) return { status: 204 };
    return {
      status: 404,
      body: {
        message: 'User does not exist or is not a member of the organization',
        documentation_url: docsUrl,
      },
    };
  },

  'repos/check-collaborator': (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    return repo.collaborators.has(String(ctx.params.username).toLowerCase()) ? { status: 204 } : notFound();
  },

  'repos/list-collaborators': (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    return paged(
      ctx,
      [...repo.collaborators.values()].map((login) => ctx.reps.collaborator(login)),
    );
  },

  'issues/list-labels-on-issue': (ctx) => {
    const repo = repoOf(ctx);
    const pr = repo?.pulls.get(Number(ctx.params.issue_number));
    if (!repo || !pr) return notFound();
    return paged(
      ctx,
      pr.labels.map((l) => ctx.reps.label(repo, l)),
    );
  },

  'repos/get-combined-status-for-ref': (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const ref = String(ctx.params.ref);
    const sha = ctx.state.resolveRef(repo, ref);
    if (!sha)
      return {
        status: 404,
        body: { message: `No commit found for SHA: ${ref}`, documentation_url: docsUrl },
      };
    const combined = ctx.state.combinedStatus(repo, sha);
    // Pages run over contexts; `state` and `total_count` describe all of them.
    const page = paginate(combined.latest, ctx.query, ctx.url);
    return {
      status: 200,
      body: ctx.reps.combinedStatus(repo, sha, combined.state, page.items, combined.latest.length),
      headers: page.link ? { link: page.link } : {},
    };
  },

  'repos/list-commit-statuses-for-ref': (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const sha = ctx.state.resolveRef(repo, String(ctx.params.ref));
    const history = sha ? ctx.state.statusHistory(repo, sha) : [];
    return paged(
      ctx,
      history.map((s) => ctx.reps.status(repo, s)),
    );
  },

  'repos/create-commit-status': (ctx) => {
    const repo = repoOf(ctx);
    if (!repo) return notFound();
    const body = ctx.body as {
      state: StatusState;
      context: string;
      description?: string | null;
      target_url?: string | null;
    };
    const creator = ctx.caller.kind === 'user' ? ctx.caller.login : ctx.app.botLogin;
    const result = ctx.state.createStatus(repo, String(ctx.params.sha), body, creator);
    if ('status' in result && typeof result.status === 'number') {
      return { status: result.status, body: result.body };
    }
    const record = result as Exclude<typeof result, { status: number }>;
    return {
      status: 201,
      body: ctx.reps.status(repo, record),
      headers: { location: `${ctx.url.origin}/repos/${repo.owner}/${repo.name}/statuses/${record.sha}` },
    };
  },

  'apps/get-authenticated': (ctx) => ({ status: 200, body: ctx.reps.integration() }),

  'users/get-authenticated': (ctx) => {
    const login = ctx.caller.kind === 'user' ? ctx.caller.login : ctx.app.botLogin;
    return { status: 200, body: ctx.reps.privateUser(login) };
  },

  'apps/create-installation-access-token': (ctx) => {
    if (Number(ctx.params.installation_id) !== ctx.app.installationId) return notFound();
    const { token, expiresAt } = ctx.app.issueInstallationToken();
    return { status: 201, body: ctx.reps.installationToken(token, expiresAt) };
  },

  'apps/get-repo-installation': (ctx) => {
    if (!repoOf(ctx)) return notFound();
    return { status: 200, body: ctx.reps.installation() };
  },

  'rate-limit/get': (ctx) => ({
    status: 200,
    body: ctx.reps.rateLimit(ctx.limits.bucket(ctx.identity), ctx.limits.bucket(ctx.identity, 'graphql')),
  }),
};
