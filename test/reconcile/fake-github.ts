import type { IndexedPresubmit, Presubmit } from '../../src/config/types';
import { silentLogger } from '../../src/log';
import type {
  ProwJobTriggerer,
  PullRequestRecord,
  RepositoryDeps,
  TriggeredJobResult,
  TriggerRequest,
} from '../../src/reconcile/repository';
import type { CommitStatus } from '../../src/reconcile/status-decisions';
import type { TrustFacts } from '../../src/reconcile/trust';

/**
 * A stateful, map-based GitHub for the reconcile tests, in the style of Prow's fakes: data per key, error
 * injection by set membership, and a count of every call. Statuses keep their full history per commit, newest
 * first, so the combined status is what GitHub would report after earlier writes.
 */
export class FakeGitHub implements TrustFacts {
  pageSize = 100;
  prs = new Map<string, PullRequestRecord[]>(); // org/repo
  files = new Map<string, string[]>(); // org/repo#n
  refs = new Map<string, string>(); // org/repo heads/<branch>
  history = new Map<string, CommitStatus[]>(); // org/repo@sha, newest first
  members = new Set<string>(); // org/user
  collaborators = new Set<string>(); // org/repo/user
  labels = new Map<string, string[]>(); // org/repo#n

  prErrors = new Set<string>(); // org/repo
  fileErrors = new Set<string>(); // org/repo#n
  refErrors = new Set<string>(); // org/repo heads/<branch>
  combinedErrors = new Set<string>(); // org/repo@sha
  memberErrors = new Set<string>(); // org/user
  /** createStatus fails when this returns true. */
  failCreate: (repo: string, sha: string, status: CommitStatus) => boolean = () => false;

  calls = {
    list: 0,
    listPages: 0,
    files: 0,
    refs: 0,
    combined: 0,
    create: 0,
    member: 0,
    collaborator: 0,
    labels: 0,
  };
  combinedShas: string[] = [];
  writes: { repo: string; sha: string; status: CommitStatus }[] = [];

  setStatuses(repo: string, sha: string, statuses: CommitStatus[]): void {
    this.history.set(`${repo}@${sha}`, [...statuses]);
  }

  /** The latest status per context of a commit, as the combined-status endpoint reports it. */
  combined(repo: string, sha: string): CommitStatus[] {
    const seen = new Set<string>();
    return (this.history.get(`${repo}@${sha}`) ?? []).filter(
      (s) => !seen.has(s.context) && seen.add(s.context),
    );
  }

  deps(triggerer: ProwJobTriggerer, botLogin = 'k8s-ci-robot'): RepositoryDeps {
    return {
      pulls: {
        listOpenPullRequests: async (org, repo) => {
          this.calls.list++;
          if (this.prErrors.has(`${org}/${repo}`)) throw new Error('failed to get PRs');
          const pullRequests = [...(this.prs.get(`${org}/${repo}`) ?? [])];
          const pages = Math.max(1, Math.ceil(pullRequests.length / this.pageSize));
          this.calls.listPages += pages;
          return { pullRequests, pages };
        },
        listPullRequestFiles: async (org, repo, n) => {
          this.calls.files++;
          if (this.fileErrors.has(`${org}/${repo}#${n}`)) throw new Error('failed to get changes');
          return this.files.get(`${org}/${repo}#${n}`) ?? [];
        },
      },
      statuses: {
        getCombinedStatus: async (org, repo, sha) => {
          this.calls.combined++;
          this.combinedShas.push(`${org}/${repo}@${sha}`);
          if (this.combinedErrors.has(`${org}/${repo}@${sha}`))
            throw new Error('failed to get combined status');
          return this.combined(`${org}/${repo}`, sha);
        },
        createStatus: async (org, repo, sha, status) => {
          this.calls.create++;
          if (this.failCreate(`${org}/${repo}`, sha, status)) throw new Error('failed to create status');
          const key = `${org}/${repo}@${sha}`;
          this.history.set(key, [status, ...(this.history.get(key) ?? [])]);
          this.writes.push({ repo: `${org}/${repo}`, sha, status });
        },
      },
      refs: {
        getBranchSha: async (org, repo, branch) => {
          this.calls.refs++;
          if (this.refErrors.has(`${org}/${repo} heads/${branch}`)) throw new Error('failed to get ref');
          return this.refs.get(`${org}/${repo} heads/${branch}`) ?? '';
        },
      },
      trust: {
        botLogin,
        isOrgMember: (org, user) => this.isOrgMember(org, user),
        isCollaborator: (org, repo, user) => this.isCollaborator(org, repo, user),
        listIssueLabels: (org, repo, n) => this.listIssueLabels(org, repo, n),
      },
      triggerer,
      planJobNames: (req) =>
        req.jobs.map((job) => ({ job: job.name, name: FakeTriggerer.nameFor(req, job.name) })),
      log: silentLogger,
    };
  }

  async isOrgMember(org: string, user: string): Promise<boolean> {
    this.calls.member++;
    if (this.memberErrors.has(`${org}/${user}`)) throw new Error('failed to check trusted');
    return this.members.has(`${org}/${user}`);
  }
  async isCollaborator(org: string, repo: string, user: string): Promise<boolean> {
    this.calls.collaborator++;
    return this.collaborators.has(`${org}/${repo}/${user}`);
  }
  async listIssueLabels(org: string, repo: string, n: number): Promise<string[]> {
    this.calls.labels++;
    return this.labels.get(`${org}/${repo}#${n}`) ?? [];
  }

  /** Trust requests of every kind. */
  get trustCalls(): number {
    return this.calls.member + this.calls.collaborator + this.calls.labels;
  }
}

/**
 * Prow's fakeProwJobTriggerer: records the union of job names per PR and fails with "failed to trigger prow
 * job" for a job listed in `errors`. Stateful like the Kubernetes API: a name created once "exists" after.
 */
export class FakeTriggerer implements ProwJobTriggerer {
  created = new Map<string, Set<string>>(); // org/repo#n
  errors = new Map<string, Set<string>>(); // org/repo#n → job names
  names = new Set<string>();
  requests: TriggerRequest[] = [];

  static nameFor(req: TriggerRequest, job: string): string {
    return `${req.org}/${req.repo}#${req.pr.number}@${req.pr.headSha}/${job}`;
  }

  async trigger(req: TriggerRequest): Promise<TriggeredJobResult[]> {
    this.requests.push(req);
    const key = `${req.org}/${req.repo}#${req.pr.number}`;
    const results: TriggeredJobResult[] = [];
    const names = new Set<string>();
    for (const job of req.jobs) {
      if (this.errors.get(key)?.has(job.name)) throw new Error('failed to trigger prow job');
      names.add(job.name);
      const name = FakeTriggerer.nameFor(req, job.name);
      results.push({ job: job.name, name, result: this.names.has(name) ? 'exists' : 'created' });
      this.names.add(name);
    }
    this.created.set(key, new Set([...(this.created.get(key) ?? []), ...names]));
    return results;
  }

  /** `created` as plain sorted arrays, for comparisons. */
  createdJobs(): Record<string, string[]> {
    return Object.fromEntries([...this.created].map(([key, names]) => [key, [...names].sort()]));
  }
}

/** A test presubmit as the trigger phase receives it: the index fields plus Prow's defaulted ones. */
export function asPresubmit(p: IndexedPresubmit): Presubmit {
  return {
    trigger: `(?m)^/test( | .* )${p.name},?($|\\s.*)`,
    rerun_command: `/test ${p.name}`,
    agent: 'kubernetes',
    cluster: 'default',
    ...p,
  };
}

export function pullRequest(p: Partial<PullRequestRecord> & { number: number }): PullRequestRecord {
  return {
    draft: false,
    author: 'user',
    title: `PR ${p.number}`,
    baseRef: 'base',
    headRef: `branch-${p.number}`,
    headSha: `sha-${p.number}`,
    ...p,
  };
}
