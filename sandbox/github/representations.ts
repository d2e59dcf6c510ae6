import type { components } from '@octokit/openapi-types';
import type { AppIdentity } from './app-identity';
import type { Bucket } from './rate-limits';
import type { GitHubState, PullRecord, RepoRecord, StatusRecord, UserRecord } from './github-state';

/**
 * JSON bodies as GitHub shapes them, typed with `@octokit/openapi-types` so a missing or misspelled
 * field fails to compile; the server validates them again at run time against the OpenAPI slice.
 * API URLs use the double's own origin so clients that follow them stay on the double.
 */
type Schemas = components['schemas'];

export interface Origins {
  /** The double's base URL, e.g. http://127.0.0.1:4321. */
  api: string;
  /** Web URLs (html_url), e.g. https://github.com. */
  html: string;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const nodeId = (kind: string, id: number): string => Buffer.from(`${kind}:${id}`).toString('base64url');
const avatar = (id: number): string => `https://avatars.githubusercontent.com/u/${id}?v=4`;

export class Representations {
  // Repository bodies never change while a world is loaded, and a page of 100 PRs embeds 200 of them.
  private readonly repositories = new WeakMap<RepoRecord, Schemas['repository']>();

  constructor(
    private readonly state: GitHubState,
    private readonly app: AppIdentity,
    private readonly origins: Origins,
  ) {}

  simpleUser(u: UserRecord): Schemas['simple-user'] {
    const api = `${this.origins.api}/users/${encodeURIComponent(u.login)}`;
    return {
      login: u.login,
      id: u.id,
      node_id: nodeId(u.type, u.id),
      avatar_url: avatar(u.id),
      gravatar_id: '',
      url: api,
      html_url: `${this.origins.html}/${u.type === 'Bot' ? 'apps/' + u.login.replace(/\[bot\]$/, '') : u.login}`,
      followers_url: `${api}/followers`,
      following_url: `${api}/following{/other_user}`,
      gists_url: `${api}/gists{/gist_id}`,
      starred_url: `${api}/starred{/owner}{/repo}`,
      subscriptions_url: `${api}/subscriptions`,
      organizations_url: `${api}/orgs`,
      repos_url: `${api}/repos`,
      events_url: `${api}/events{/privacy}`,
      received_events_url: `${api}/received_events`,
      type: u.type,
      site_admin: false,
      user_view_type: 'public',
    };
  }

  userByLogin(login: string): Schemas['simple-user'] {
    return this.simpleUser(this.state.user(login));
  }

  privateUser(login: string): Schemas['private-user'] {
    const u = this.state.user(login);
    return {
      ...this.simpleUser(u),
      user_view_type: 'private',
      name: null,
      company: null,
      blog: '',
      location: null,
      email: null,
      hireable: null,
      bio: null,
      public_repos: 0,
      public_gists: 0,
      followers: 0,
      following: 0,
      created_at: iso(0),
      updated_at: iso(0),
      private_gists: 0,
      total_private_repos: 0,
      owned_private_repos: 0,
      disk_usage: 0,
      collaborators: 0,
      two_factor_authentication: true,
    };
  }

  collaborator(login: string): Schemas['collaborator'] {
    const { user_view_type: _v, ...user } = this.userByLogin(login);
    return {
      ...user,
      permissions: { pull: true, triage: true, push: true, maintain: false, admin: false },
      role_name: 'write',
    };
  }

  private repoUrls(repo: RepoRecord) {
    const full = `${repo.owner}/${repo.name}`;
    const api = `${this.origins.api}/repos/${full}`;
    return {
      id: repo.id,
      node_id: nodeId('Repository', repo.id),
      name: repo.name,
      full_name: full,
      owner: this.userByLogin(repo.owner),
      private: false,
      html_url: `${this.origins.html}/${full}`,
      description: null,
      fork: false,
      url: api,
      archive_url: `${api}/{archive_format}{/ref}`,
      assignees_url: `${api}/assignees{/user}`,
      blobs_url: `${api}/git/blobs{/sha}`,
      branches_url: `${api}/branches{/branch}`,
      collaborators_url: `${api}/collaborators{/collaborator}`,
      comments_url: `${api}/comments{/number}`,
      commits_url: `${api}/commits{/sha}`,
      compare_url: `${api}/compare/{base}...{head}`,
      contents_url: `${api}/contents/{+path}`,
      contributors_url: `${api}/contributors`,
      deployments_url: `${api}/deployments`,
      downloads_url: `${api}/downloads`,
      events_url: `${api}/events`,
      forks_url: `${api}/forks`,
      git_commits_url: `${api}/git/commits{/sha}`,
      git_refs_url: `${api}/git/refs{/sha}`,
      git_tags_url: `${api}/git/tags{/sha}`,
      issue_comment_url: `${api}/issues/comments{/number}`,
      issue_events_url: `${api}/issues/events{/number}`,
      issues_url: `${api}/issues{/number}`,
      keys_url: `${api}/keys{/key_id}`,
      labels_url: `${api}/labels{/name}`,
      languages_url: `${api}/languages`,
      merges_url: `${api}/merges`,
      milestones_url: `${api}/milestones{/number}`,
      notifications_url: `${api}/notifications{?since,all,participating}`,
      pulls_url: `${api}/pulls{/number}`,
      releases_url: `${api}/releases{/id}`,
      stargazers_url: `${api}/stargazers`,
      statuses_url: `${api}/statuses/{sha}`,
      subscribers_url: `${api}/subscribers`,
      subscription_url: `${api}/subscription`,
      tags_url: `${api}/tags`,
      teams_url: `${api}/teams`,
      trees_url: `${api}/git/trees{/sha}`,
      hooks_url: `${api}/hooks`,
    };
  }

  minimalRepository(repo: RepoRecord): Schemas['minimal-repository'] {
    return this.repoUrls(repo);
  }

  repository(repo: RepoRecord): Schemas['repository'] {
    const cached = this.repositories.get(repo);
    if (cached) return cached;
    const full = `${repo.owner}/${repo.name}`;
    const host = new URL(this.origins.html).host;
    const body: Schemas['repository'] = {
      ...this.repoUrls(repo),
      clone_url: `${this.origins.html}/${full}.git`,
      git_url: `git://${host}/${full}.git`,
      ssh_url: `git@${host}:${full}.git`,
      svn_url: `${this.origins.html}/${full}`,
      mirror_url: null,
      homepage: null,
      language: null,
      forks: 0,
      forks_count: 0,
      stargazers_count: 0,
      watchers_count: 0,
      watchers: 0,
      size: 0,
      default_branch: repo.defaultBranch,
      open_issues: 0,
      open_issues_count: 0,
      is_template: false,
      topics: [],
      has_issues: true,
      has_projects: false,
      has_wiki: false,
      has_pages: false,
      has_downloads: true,
      has_discussions: false,
      archived: false,
      disabled: false,
      visibility: 'public',
      pushed_at: iso(repo.createdAt),
      created_at: iso(repo.createdAt),
      updated_at: iso(repo.createdAt),
      allow_forking: true,
      web_commit_signoff_required: false,
      license: null,
    };
    this.repositories.set(repo, body);
    return body;
  }

  /** `description` is a plain string in pull-request-simple's inline label schema. */
  label(repo: RepoRecord, name: string): Schemas['label'] & { description: string } {
    const id = [...`${repo.id}/${name}`].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
    return {
      id,
      node_id: nodeId('Label', id),
      url: `${this.origins.api}/repos/${repo.owner}/${repo.name}/labels/${encodeURIComponent(name)}`,
      name,
      description: '',
      color: 'ededed',
      default: false,
    };
  }

  private pullCommon(repo: RepoRecord, pr: PullRecord) {
    const full = `${repo.owner}/${repo.name}`;
    const api = `${this.origins.api}/repos/${full}`;
    const html = `${this.origins.html}/${full}/pull/${pr.number}`;
    const author = this.state.user(pr.author);
    const branch = (ref: string, sha: string) => ({
      label: `${repo.owner}:${ref}`,
      ref,
      sha,
      user: this.userByLogin(repo.owner),
      repo: this.repository(repo),
    });
    return {
      url: `${api}/pulls/${pr.number}`,
      id: pr.id,
      node_id: nodeId('PullRequest', pr.id),
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: `${api}/issues/${pr.number}`,
      commits_url: `${api}/pulls/${pr.number}/commits`,
      review_comments_url: `${api}/pulls/${pr.number}/comments`,
      review_comment_url: `${api}/pulls/comments{/number}`,
      comments_url: `${api}/issues/${pr.number}/comments`,
      statuses_url: `${api}/statuses/${pr.headSha}`,
      number: pr.number,
      state: pr.state,
      locked: false,
      title: pr.title,
      user: this.simpleUser(author),
      body: pr.body,
      labels: pr.labels.map((l) => this.label(repo, l)),
      milestone: null,
      active_lock_reason: null,
      created_at: iso(pr.createdAt),
      updated_at: iso(pr.updatedAt),
      closed_at: pr.state === 'closed' ? iso(pr.updatedAt) : null,
      merged_at: null,
      merge_commit_sha: null,
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
      head: branch(pr.headRef, pr.headSha),
      base: branch(pr.baseRef, pr.baseSha),
      _links: {
        self: { href: `${api}/pulls/${pr.number}` },
        html: { href: html },
        issue: { href: `${api}/issues/${pr.number}` },
        comments: { href: `${api}/issues/${pr.number}/comments` },
        review_comments: { href: `${api}/pulls/${pr.number}/comments` },
        review_comment: { href: `${api}/pulls/comments{/number}` },
        commits: { href: `${api}/pulls/${pr.number}/commits` },
        statuses: { href: `${api}/statuses/${pr.headSha}` },
      },
      author_association: (this.state.isOrgMember(repo.owner, pr.author)
        ? 'MEMBER'
        : 'CONTRIBUTOR') as Schemas['author-association'],
      auto_merge: null,
      draft: pr.draft,
    };
  }

  /** List item: no `mergeable`, `changed_files` or counts (github-api.md §2). */
  pullRequestSimple(repo: RepoRecord, pr: PullRecord): Schemas['pull-request-simple'] {
    return this.pullCommon(repo, pr);
  }

  pullRequest(repo: RepoRecord, pr: PullRecord): Schemas['pull-request'] {
    return {
      ...this.pullCommon(repo, pr),
      merged: false,
      mergeable: pr.mergeable,
      rebaseable: pr.mergeable,
      mergeable_state: pr.mergeable === null ? 'unknown' : pr.mergeable ? 'clean' : 'dirty',
      merged_by: null,
      comments: 0,
      review_comments: 0,
      maintainer_can_modify: false,
      commits: 1,
      additions: pr.files.length,
      deletions: 0,
      changed_files: pr.files.length,
    };
  }

  diffEntry(repo: RepoRecord, pr: PullRecord, filename: string): Schemas['diff-entry'] {
    const full = `${repo.owner}/${repo.name}`;
    const path = filename.split('/').map(encodeURIComponent).join('/');
    return {
      sha: null,
      filename,
      status: 'modified',
      additions: 1,
      deletions: 0,
      changes: 1,
      blob_url: `${this.origins.html}/${full}/blob/${pr.headSha}/${path}`,
      raw_url: `${this.origins.html}/${full}/raw/${pr.headSha}/${path}`,
      contents_url: `${this.origins.api}/repos/${full}/contents/${path}?ref=${pr.headSha}`,
    };
  }

  gitRef(repo: RepoRecord, branch: string, sha: string): Schemas['git-ref'] {
    const api = `${this.origins.api}/repos/${repo.owner}/${repo.name}`;
    return {
      ref: `refs/heads/${branch}`,
      node_id: nodeId('Ref', repo.id),
      url: `${api}/git/refs/heads/${branch}`,
      object: { type: 'commit', sha, url: `${api}/git/commits/${sha}` },
    };
  }

  private statusUrl(repo: RepoRecord, s: StatusRecord): string {
    return `${this.origins.api}/repos/${repo.owner}/${repo.name}/statuses/${s.sha}`;
  }

  /** The fields a status has in both of GitHub's representations of it. */
  private statusFields(repo: RepoRecord, s: StatusRecord) {
    return {
      url: this.statusUrl(repo, s),
      avatar_url: avatar(this.state.user(s.creator).id),
      id: s.id,
      node_id: nodeId('StatusContext', s.id),
      state: s.state,
      description: s.description,
      target_url: s.targetUrl,
      context: s.context,
      created_at: iso(s.createdAt),
      updated_at: iso(s.createdAt),
    };
  }

  status(repo: RepoRecord, s: StatusRecord): Schemas['status'] {
    return { ...this.statusFields(repo, s), creator: this.simpleUser(this.state.user(s.creator)) };
  }

  simpleCommitStatus(repo: RepoRecord, s: StatusRecord): Schemas['simple-commit-status'] {
    return { ...this.statusFields(repo, s), required: false };
  }

  combinedStatus(
    repo: RepoRecord,
    sha: string,
    state: string,
    page: StatusRecord[],
    totalCount: number,
  ): Schemas['combined-commit-status'] {
    const api = `${this.origins.api}/repos/${repo.owner}/${repo.name}`;
    return {
      state,
      statuses: page.map((s) => this.simpleCommitStatus(repo, s)),
      sha,
      total_count: totalCount,
      repository: this.minimalRepository(repo),
      commit_url: `${api}/commits/${sha}`,
      url: `${api}/commits/${sha}/status`,
    };
  }

  private permissions(): Schemas['app-permissions'] {
    return {
      metadata: 'read',
      contents: 'read',
      pull_requests: 'read',
      statuses: 'write',
      issues: 'read',
      members: 'read',
    };
  }

  integration(): NonNullable<Schemas['integration']> {
    const a = this.app;
    return {
      id: a.appId,
      slug: a.slug,
      node_id: nodeId('Integration', a.appId),
      client_id: `Iv1.${a.appId.toString(16).padStart(16, '0')}`,
      owner: this.userByLogin(this.installationAccount()),
      name: a.name,
      description: 'Sandbox GitHub App served by the local GitHub double.',
      external_url: `${this.origins.html}/apps/${a.slug}`,
      html_url: `${this.origins.html}/apps/${a.slug}`,
      created_at: iso(0),
      updated_at: iso(0),
      permissions: this.permissions() as NonNullable<Schemas['integration']>['permissions'],
      events: ['pull_request', 'status'],
    };
  }

  installationAccount(): string {
    const first = [...this.state.orgs.values()][0];
    return this.accountOverride ?? first?.login ?? 'sandbox-org';
  }

  accountOverride: string | undefined;

  installation(): Schemas['installation'] {
    const a = this.app;
    const account = this.state.user(this.installationAccount());
    return {
      id: a.installationId,
      account: this.simpleUser(account),
      repository_selection: 'all',
      access_tokens_url: `${this.origins.api}/app/installations/${a.installationId}/access_tokens`,
      repositories_url: `${this.origins.api}/installation/repositories`,
      html_url: `${this.origins.html}/organizations/${account.login}/settings/installations/${a.installationId}`,
      app_id: a.appId,
      app_slug: a.slug,
      target_id: account.id,
      target_type: account.type === 'Organization' ? 'Organization' : 'User',
      permissions: this.permissions(),
      events: ['pull_request', 'status'],
      created_at: iso(0),
      updated_at: iso(0),
      single_file_name: null,
      suspended_by: null,
      suspended_at: null,
    };
  }

  installationToken(token: string, expiresAt: number): Schemas['installation-token'] {
    return {
      token,
      expires_at: iso(expiresAt),
      permissions: this.permissions(),
      repository_selection: 'all',
    };
  }

  rateLimit(core: Bucket, graphqlPoints: Bucket): Schemas['rate-limit-overview'] {
    const of = (b: Bucket) => ({
      limit: b.limit,
      remaining: Math.max(0, b.limit - b.used),
      reset: Math.ceil(b.resetAt / 1000),
      used: b.used,
    });
    const rate = of(core);
    const search = { limit: 30, remaining: 30, reset: rate.reset, used: 0 };
    return { resources: { core: rate, search, graphql: of(graphqlPoints) }, rate };
  }
}
