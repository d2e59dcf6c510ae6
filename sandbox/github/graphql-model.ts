import { GraphQLError } from 'graphql';
import type { GitHubState, PullRecord, RepoRecord, StatusRecord, StatusState } from './github-state';

/**
 * The double's world as GitHub's GraphQL objects, for the fields the reconciler reads: repositories, open pull
 * requests with draft flag, author, base ref and its OID, head OID, labels, changed files and the head commit's
 * combined status. Each object names its `__typename` (for interfaces and unions) and holds its fields as
 * values or as functions of the field's arguments; a field the double does not model is absent, and asking
 * for it is an error that names it (graphql-endpoint.ts), never a made-up value.
 */
export type GraphQLObject = { __typename: string } & Record<string, unknown>;

/** GitHub answers at most 3000 changed files, in REST and here (pulls/list-files' cap, github-api.md §2). */
export const maxPullRequestFiles = 3000;

interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

const cursorPrefix = 'cursor:v2:';
export const encodeCursor = (offset: number): string =>
  Buffer.from(`${cursorPrefix}${offset}`).toString('base64');

function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64').toString('utf8');
  const offset = Number(text.slice(cursorPrefix.length));
  if (!text.startsWith(cursorPrefix) || !Number.isInteger(offset) || offset < 0)
    throw new GraphQLError(`\`${cursor}\` does not appear to be a valid cursor.`, {
      extensions: { type: 'INVALID_CURSOR_ARGUMENTS' },
    });
  return offset;
}

/** A Relay connection over a list: cursors are offsets, so pages stay stable while statuses are written. */
export function connection<T>(
  typename: string,
  items: readonly T[],
  args: ConnectionArgs,
  node: (item: T) => GraphQLObject,
): GraphQLObject {
  let start = args.after ? decodeCursor(args.after) + 1 : 0;
  let end = args.before ? Math.min(items.length, decodeCursor(args.before)) : items.length;
  if (args.first != null) end = Math.min(end, start + args.first);
  if (args.last != null) start = Math.max(start, end - args.last);
  start = Math.min(start, end);
  const page = items
    .slice(start, end)
    .map((item, i) => ({ cursor: encodeCursor(start + i), node: node(item) }));
  return {
    __typename: typename,
    totalCount: items.length,
    pageInfo: {
      __typename: 'PageInfo',
      hasNextPage: end < items.length,
      hasPreviousPage: start > 0,
      startCursor: page[0]?.cursor ?? null,
      endCursor: page.at(-1)?.cursor ?? null,
    },
    nodes: page.map((e) => e.node),
    edges: page.map((e) => ({ __typename: typename.replace(/Connection$/, 'Edge'), ...e })),
  };
}

const upper = (state: StatusState): string => state.toUpperCase();
const iso = (ms: number): string => new Date(ms).toISOString();
const nodeId = (kind: string, id: number | string): string =>
  Buffer.from(`${kind}:${String(id)}`).toString('base64');

export class GraphQLModel {
  constructor(
    private readonly state: GitHubState,
    private readonly htmlOrigin: string,
  ) {}

  /** GitHub's GraphQL calls an App's bot user by its slug: `Bot.login` has no `[bot]` (REST's `user.login` has). */
  actor(login: string): GraphQLObject {
    const user = this.state.user(login);
    if (user.type === 'Bot')
      return { __typename: 'Bot', id: nodeId('Bot', user.id), login: login.replace(/\[bot\]$/, '') };
    return {
      __typename: user.type === 'Organization' ? 'Organization' : 'User',
      id: nodeId('User', user.id),
      login: user.login,
    };
  }

  repository(owner: string, name: string): GraphQLObject | null {
    const repo = this.state.repo(owner, name);
    if (!repo) return null;
    return {
      __typename: 'Repository',
      id: nodeId('Repository', repo.id),
      name: repo.name,
      nameWithOwner: `${repo.owner}/${repo.name}`,
      owner: this.actor(repo.owner),
      url: `${this.htmlOrigin}/${repo.owner}/${repo.name}`,
      pullRequests: (
        args: ConnectionArgs & {
          states?: string[] | null;
          baseRefName?: string | null;
          headRefName?: string | null;
          labels?: string[] | null;
          orderBy?: { field: string; direction: 'ASC' | 'DESC' } | null;
        },
      ) => {
        let pulls = [...repo.pulls.values()].filter(
          (p) =>
            (!args.states || args.states.includes(p.state.toUpperCase())) &&
            (args.baseRefName == null || p.baseRef === args.baseRefName) &&
            (args.headRefName == null || p.headRef === args.headRefName) &&
            (!args.labels || args.labels.some((l) => p.labels.includes(l))),
        );
        const field = args.orderBy?.field;
        const by = (p: PullRecord): number => (field === 'UPDATED_AT' ? p.updatedAt : p.createdAt);
        // Oldest first unless asked otherwise; PR numbers order PRs created in the same millisecond.
        pulls.sort((a, b) => by(a) - by(b) || a.number - b.number);
        if (args.orderBy?.direction === 'DESC') pulls = pulls.reverse();
        return connection('PullRequestConnection', pulls, args, (p) => this.pullRequest(repo, p));
      },
      pullRequest: ({ number }: { number: number }) => {
        const pr = repo.pulls.get(number);
        if (!pr)
          throw new GraphQLError(`Could not resolve to a PullRequest with the number of ${number}.`, {
            extensions: { type: 'NOT_FOUND' },
          });
        return this.pullRequest(repo, pr);
      },
      object: ({ oid, expression }: { oid?: string | null; expression?: string | null }) => {
        const sha = this.state.resolveRef(repo, oid ?? expression ?? '');
        return sha ? this.commit(repo, sha) : null;
      },
    };
  }

  private branchRef(repo: RepoRecord, branch: string): GraphQLObject | null {
    const sha = repo.branches.get(branch);
    if (sha === undefined) return null;
    return {
      __typename: 'Ref',
      id: nodeId('Ref', `${repo.id}:${branch}`),
      name: branch,
      prefix: 'refs/heads/',
      target: this.commit(repo, sha),
    };
  }

  pullRequest(repo: RepoRecord, pr: PullRecord): GraphQLObject {
    return {
      __typename: 'PullRequest',
      id: nodeId('PullRequest', pr.id),
      number: pr.number,
      title: pr.title,
      url: `${this.htmlOrigin}/${repo.owner}/${repo.name}/pull/${pr.number}`,
      state: pr.state.toUpperCase(),
      isDraft: pr.draft,
      createdAt: iso(pr.createdAt),
      updatedAt: iso(pr.updatedAt),
      author: this.actor(pr.author),
      baseRefName: pr.baseRef,
      baseRefOid: pr.baseSha,
      // The branch as it is now (null once deleted), unlike baseRefOid, which the PR recorded.
      baseRef: this.branchRef(repo, pr.baseRef),
      headRefName: pr.headRef,
      headRefOid: pr.headSha,
      mergeable: pr.mergeable === null ? 'UNKNOWN' : pr.mergeable ? 'MERGEABLE' : 'CONFLICTING',
      // The true count, as pulls/get's changed_files; `files` stops at 3000.
      changedFiles: pr.files.length,
      labels: (args: ConnectionArgs) =>
        connection('LabelConnection', pr.labels, args, (name) => ({
          __typename: 'Label',
          id: nodeId('Label', `${repo.id}:${name}`),
          name,
        })),
      files: (args: ConnectionArgs) =>
        connection(
          'PullRequestChangedFileConnection',
          pr.files.slice(0, maxPullRequestFiles),
          args,
          (path) => ({
            __typename: 'PullRequestChangedFile',
            path,
          }),
        ),
      // The double keeps no commit list per PR: the head commit is the PR's only (and last) commit.
      commits: (args: ConnectionArgs) =>
        connection('PullRequestCommitConnection', [pr.headSha], args, (sha) => ({
          __typename: 'PullRequestCommit',
          id: nodeId('PullRequestCommit', `${pr.id}:${sha}`),
          commit: this.commit(repo, sha),
        })),
    };
  }

  commit(repo: RepoRecord, sha: string): GraphQLObject {
    return {
      __typename: 'Commit',
      id: nodeId('Commit', `${repo.id}:${sha}`),
      oid: sha,
      // Resolved when asked: a commit without statuses has none (null), as on GitHub.
      status: () => this.status(repo, sha),
    };
  }

  /** The combined status: latest per context, contexts compared case-insensitively, as REST's (github-state.ts). */
  private status(repo: RepoRecord, sha: string): GraphQLObject | null {
    if ((repo.statuses.get(sha) ?? []).length === 0) return null;
    const combined = this.state.combinedStatus(repo, sha);
    const contexts = combined.latest.map((s) => this.statusContext(repo, s));
    return {
      __typename: 'Status',
      id: nodeId('Status', `${repo.id}:${sha}`),
      state: upper(combined.state),
      contexts,
      context: ({ name }: { name: string }) =>
        contexts.find((c) => String(c.context).toLowerCase() === name.toLowerCase()) ?? null,
      // Check runs would be here too (StatusCheckRollupContext); the double has commit statuses only.
      combinedContexts: (args: ConnectionArgs) =>
        connection('StatusCheckRollupContextConnection', contexts, args, (c) => c),
    };
  }

  private statusContext(repo: RepoRecord, s: StatusRecord): GraphQLObject {
    return {
      __typename: 'StatusContext',
      id: nodeId('StatusContext', s.id),
      context: s.context,
      state: upper(s.state),
      description: s.description,
      targetUrl: s.targetUrl,
      createdAt: iso(s.createdAt),
      creator: this.actor(s.creator),
      commit: () => this.commit(repo, s.sha),
    };
  }
}
