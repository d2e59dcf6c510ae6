import type { GitHubScenario, ScenarioStatus } from './scenario';

/**
 * The double's world: users, organizations, repositories with branches, pull requests and an
 * append-only status history per commit (github-api.md §9.4). Keys are lower-cased because GitHub
 * treats logins, repository names and status contexts case-insensitively.
 */
export type StatusState = 'error' | 'failure' | 'pending' | 'success';

export interface UserRecord {
  login: string;
  id: number;
  type: 'User' | 'Organization' | 'Bot';
}

export interface StatusRecord {
  id: number;
  sha: string;
  context: string;
  state: StatusState;
  description: string | null;
  targetUrl: string | null;
  creator: string;
  createdAt: number;
}

export interface PullRecord {
  id: number;
  number: number;
  author: string;
  title: string;
  body: string | null;
  /** Mutable on purpose: tests corrupt it to prove response validation cannot silently pass. */
  state: 'open' | 'closed';
  draft: boolean;
  baseRef: string;
  baseSha: string;
  headRef: string;
  headSha: string;
  labels: string[];
  files: string[];
  mergeable: boolean | null;
  createdAt: number;
  updatedAt: number;
}

export interface RepoRecord {
  id: number;
  owner: string;
  name: string;
  defaultBranch: string;
  collaborators: Map<string, string>;
  branches: Map<string, string>;
  commits: Set<string>;
  pulls: Map<number, PullRecord>;
  /** SHA -> statuses, oldest first. */
  statuses: Map<string, StatusRecord[]>;
  createdAt: number;
}

export interface OrgRecord {
  login: string;
  members: Map<string, string>;
}

export interface CombinedStatus {
  state: StatusState;
  /** Latest status per context, in the order contexts first appeared. */
  latest: StatusRecord[];
}

/** A status write GitHub refuses, with the body GitHub answers. */
export interface StatusRejection {
  status: 422;
  body: { message: string; errors?: Record<string, string>[]; documentation_url: string };
}

export const statusDocs = 'https://docs.github.com/rest/commits/statuses#create-a-commit-status';

/** GitHub's 422 for a commit status it refuses: one custom error on the Status resource. */
function statusValidationFailed(error: { field?: string; message: string }): StatusRejection {
  return {
    status: 422,
    body: {
      message: 'Validation Failed',
      errors: [{ resource: 'Status', code: 'custom', ...error }],
      documentation_url: statusDocs,
    },
  };
}
export const maxStatusesPerContext = 1000;
export const maxDescriptionLength = 140;

const key = (s: string): string => s.toLowerCase();

export class GitHubState {
  readonly users = new Map<string, UserRecord>();
  readonly orgs = new Map<string, OrgRecord>();
  readonly repos = new Map<string, RepoRecord>();
  private nextId = 1;

  constructor(
    private readonly now: () => number,
    private readonly botLogin: string,
  ) {}

  private id(): number {
    return this.nextId++;
  }

  /** A user, created on first mention with a stable id. */
  user(login: string, type: UserRecord['type'] = login.endsWith('[bot]') ? 'Bot' : 'User'): UserRecord {
    let u = this.users.get(key(login));
    if (!u) {
      u = { login, id: this.id(), type };
      this.users.set(key(login), u);
    }
    return u;
  }

  load(scenario: GitHubScenario): void {
    const t = this.now();
    this.user(this.botLogin, 'Bot');
    for (const org of scenario.orgs ?? []) {
      this.user(org.login, 'Organization');
      this.orgs.set(key(org.login), {
        login: org.login,
        members: new Map((org.members ?? []).map((m) => [key(m), this.user(m).login])),
      });
    }
    for (const r of scenario.repos ?? []) {
      if (!this.users.has(key(r.owner)))
        this.user(r.owner, this.orgs.has(key(r.owner)) ? 'Organization' : 'User');
      const branches = new Map(Object.entries(r.branches));
      const repo: RepoRecord = {
        id: this.id(),
        owner: r.owner,
        name: r.name,
        defaultBranch:
          r.defaultBranch ?? (branches.has('main') ? 'main' : ([...branches.keys()][0] as string)),
        collaborators: new Map((r.collaborators ?? []).map((c) => [key(c), this.user(c).login])),
        branches,
        commits: new Set([...branches.values(), ...(r.commits ?? [])]),
        pulls: new Map(),
        statuses: new Map(),
        createdAt: t,
      };
      for (const p of r.pulls ?? []) {
        const baseSha = p.baseSha ?? (branches.get(p.baseRef) as string);
        this.user(p.author);
        repo.pulls.set(p.number, {
          id: this.id(),
          number: p.number,
          author: p.author,
          title: p.title ?? `Pull request ${p.number}`,
          body: p.body ?? null,
          state: p.state ?? 'open',
          draft: p.draft ?? false,
          baseRef: p.baseRef,
          baseSha,
          headRef: p.headRef ?? `pr-${p.number}`,
          headSha: p.headSha,
          labels: p.labels ?? [],
          files: p.files ?? [],
          mergeable: p.mergeable === undefined ? true : p.mergeable,
          createdAt: t,
          updatedAt: t,
        });
        repo.commits.add(baseSha).add(p.headSha);
      }
      for (const [sha, list] of Object.entries(r.statuses ?? {})) {
        repo.commits.add(sha);
        for (const s of list) this.appendStatus(repo, sha, s);
      }
      this.repos.set(key(`${r.owner}/${r.name}`), repo);
    }
  }

  private appendStatus(repo: RepoRecord, sha: string, s: ScenarioStatus): StatusRecord {
    const record: StatusRecord = {
      id: this.id(),
      sha,
      context: s.context,
      state: s.state,
      description: s.description ?? null,
      targetUrl: s.targetUrl ?? null,
      creator: this.user(s.creator ?? this.botLogin).login,
      createdAt: this.now(),
    };
    const list = repo.statuses.get(sha) ?? [];
    list.push(record);
    repo.statuses.set(sha, list);
    return record;
  }

  repo(owner: string, name: string): RepoRecord | undefined {
    return this.repos.get(key(`${owner}/${name}`));
  }

  pull(owner: string, name: string, number: number): PullRecord | undefined {
    return this.repo(owner, name)?.pulls.get(number);
  }

  isOrgMember(org: string, login: string): boolean {
    return this.orgs.get(key(org))?.members.has(key(login)) ?? false;
  }

  /** A SHA, `heads/<b>`, `refs/heads/<b>` or a bare branch name, to a known commit. */
  resolveRef(repo: RepoRecord, ref: string): string | undefined {
    if (/^[0-9a-f]{40}$/i.test(ref)) return repo.commits.has(key(ref)) ? key(ref) : undefined;
    const branch = ref.replace(/^refs\//, '').replace(/^heads\//, '');
    return repo.branches.get(branch);
  }

  /** R20/R22 read this: latest per context (case-insensitive), and GitHub's combined state rule. */
  combinedStatus(repo: RepoRecord, sha: string): CombinedStatus {
    const latest = new Map<string, StatusRecord>();
    for (const s of repo.statuses.get(sha) ?? []) {
      // Map.set on an existing key keeps its position: contexts stay in first-seen order, so pages
      // over contexts are stable while statuses are written.
      latest.set(key(s.context), s);
    }
    const list = [...latest.values()];
    let state: StatusState = 'success';
    if (list.length === 0 || list.some((s) => s.state === 'pending')) state = 'pending';
    if (list.some((s) => s.state === 'error' || s.state === 'failure')) state = 'failure';
    return { state, latest: list };
  }

  /** Every status of a commit, newest first. */
  statusHistory(repo: RepoRecord, sha: string): StatusRecord[] {
    return [...(repo.statuses.get(sha) ?? [])].reverse();
  }

  createStatus(
    repo: RepoRecord,
    sha: string,
    input: { state: StatusState; context: string; description?: string | null; target_url?: string | null },
    creator: string,
  ): StatusRecord | StatusRejection {
    const commit = key(sha);
    if (!repo.commits.has(commit)) {
      return {
        status: 422,
        body: { message: `No commit found for SHA: ${sha}`, documentation_url: statusDocs },
      };
    }
    if ((input.description ?? '').length > maxDescriptionLength) {
      return statusValidationFailed({
        field: 'description',
        message: 'description is too long (maximum is 140 characters)',
      });
    }
    const same = (repo.statuses.get(commit) ?? []).filter(
      (s) => key(s.context) === key(input.context),
    ).length;
    if (same >= maxStatusesPerContext) {
      return statusValidationFailed({
        message: 'This SHA and context has reached the maximum number of statuses.',
      });
    }
    return this.appendStatus(repo, commit, {
      context: input.context,
      state: input.state,
      description: input.description ?? null,
      targetUrl: input.target_url ?? null,
      creator,
    });
  }
}
