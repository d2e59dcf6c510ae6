import { silentLogger } from '../../../src/log';
import { startGitHubDouble, type GitHubDouble } from '../../../sandbox/github/github-double';
import { sha, smallScenario } from './small-scenario';

/**
 * The double's GraphQL endpoint: queries are validated against GitHub's published schema, pagination limits and
 * point costs follow GitHub's rules, and the answers come from the same state as the REST routes.
 */
let double: GitHubDouble;
let token: string;

async function graphql(
  query: string,
  variables: Record<string, unknown> = {},
  auth: string | undefined = token,
  // The answers are GitHub's JSON, navigated freely by each assertion.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${double.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: `token ${auth}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

const pullsQuery = `query ($owner: String!, $name: String!) {
  rateLimit { cost remaining limit used resetAt nodeCount }
  repository(owner: $owner, name: $name) {
    pullRequests(states: OPEN, first: 100, orderBy: {field: CREATED_AT, direction: DESC}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        number isDraft baseRefName baseRefOid headRefOid
        author { __typename login }
        baseRef { target { oid } }
        labels(first: 100) { totalCount nodes { name } }
        files(first: 100) { totalCount nodes { path } }
        commits(last: 1) { nodes { commit { oid status { combinedContexts(first: 100) {
          totalCount pageInfo { hasNextPage endCursor }
          nodes { __typename ... on StatusContext { context state description targetUrl } }
        } } } } }
      }
    }
  }
}`;

beforeAll(async () => {
  double = await startGitHubDouble({ scenario: smallScenario, logger: silentLogger });
});
afterAll(() => double.close());
beforeEach(() => {
  double.reset();
  token = double.issueToken();
});

describe('GraphQL answers from the double state', () => {
  test('open PRs with author, draft, refs, labels, files and the head commit combined status', async () => {
    const { status, body, headers } = await graphql(pullsQuery, { owner: 'acme', name: 'widgets' });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const prs = body.data.repository.pullRequests;
    // Open only, newest first as asked.
    expect(prs.nodes.map((p: { number: number }) => p.number)).toEqual([4, 2, 1]);
    expect(prs.totalCount).toBe(3);
    const [bot, draft, first] = prs.nodes;
    // GitHub's GraphQL names an App's bot by its slug, without REST's [bot].
    expect(bot.author).toEqual({ __typename: 'Bot', login: 'dependabot' });
    expect(draft).toMatchObject({
      isDraft: true,
      baseRefName: 'release-1.0',
      baseRef: { target: { oid: sha(2) } },
    });
    expect(first).toMatchObject({
      number: 1,
      isDraft: false,
      baseRefOid: sha(1),
      headRefOid: sha(11),
      author: { __typename: 'User', login: 'alice' },
      labels: { totalCount: 1, nodes: [{ name: 'lgtm' }] },
      files: { totalCount: 2, nodes: [{ path: 'pkg/a.go' }, { path: 'docs/a.md' }] },
    });
    // Latest per context, contexts compared case-insensitively: ci/unit was overwritten by CI/Unit.
    const commit = first.commits.nodes[0].commit;
    expect(commit.oid).toBe(sha(11));
    expect(commit.status.combinedContexts.nodes).toEqual([
      {
        __typename: 'StatusContext',
        context: 'CI/Unit',
        state: 'SUCCESS',
        description: 'done',
        targetUrl: null,
      },
      {
        __typename: 'StatusContext',
        context: 'ci/lint',
        state: 'SUCCESS',
        description: 'ok',
        targetUrl: 'https://prow.example.com/1',
      },
    ]);
    // A commit without statuses has no status.
    expect(bot.commits.nodes[0].commit.status).toBeNull();
    // (1 + 100 labels + 100 files + 100 commits + 100 contexts) / 100 = 4 points, from a bucket of its own.
    expect(body.data.rateLimit).toMatchObject({ cost: 4, remaining: 4996, limit: 5000, used: 4 });
    expect(headers.get('x-ratelimit-resource')).toBe('graphql');
    expect(headers.get('x-ratelimit-remaining')).toBe('4996');
    expect(double.requests.entries.at(-1)).toMatchObject({
      operationId: 'graphql',
      status: 200,
      points: 4,
      write: false,
    });
    expect(double.requests.graphqlPoints()).toBe(4);
    // REST's core bucket is untouched.
    const rest = await fetch(`${double.url}/rate_limit`, { headers: { authorization: `token ${token}` } });
    const overview = (await rest.json()) as {
      resources: { core: { used: number }; graphql: { used: number } };
    };
    expect(overview.resources.core.used).toBe(0);
    expect(overview.resources.graphql.used).toBe(4);
  });

  test('connections page with cursors, forward and from the end', async () => {
    double.seed({
      ...smallScenario,
      repos: [
        {
          owner: 'acme',
          name: 'big',
          branches: { main: sha(1) },
          pulls: [
            {
              number: 1,
              author: 'alice',
              baseRef: 'main',
              headSha: sha(11),
              files: Array.from({ length: 3005 }, (_, i) => `f/${i}`),
            },
          ],
        },
      ],
    });
    const query = `query ($after: String) { repository(owner: "acme", name: "big") { pullRequest(number: 1) {
      changedFiles
      files(first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { path } } } } }`;
    const paths: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const { body } = await graphql(query, { after });
      const pr = body.data.repository.pullRequest;
      expect(pr.changedFiles).toBe(3005);
      paths.push(...pr.files.nodes.map((n: { path: string }) => n.path));
      pages++;
      if (!pr.files.pageInfo.hasNextPage) break;
      after = pr.files.pageInfo.endCursor;
    }
    // GitHub's 3000-file cap, as on REST's pulls/list-files.
    expect(pages).toBe(30);
    expect(paths).toHaveLength(3000);
    expect(paths[2999]).toBe('f/2999');
    const bad = await graphql(query, { after: 'bm9wZQ==' });
    expect(bad.body.errors[0]).toMatchObject({
      type: 'INVALID_CURSOR_ARGUMENTS',
      message: '`bm9wZQ==` does not appear to be a valid cursor.',
    });
  });

  test('a repository that does not exist is null with a NOT_FOUND error', async () => {
    const { status, body } = await graphql('{ repository(owner: "acme", name: "nope") { name } }');
    expect(status).toBe(200);
    expect(body.data).toEqual({ repository: null });
    expect(body.errors).toEqual([
      {
        type: 'NOT_FOUND',
        path: ['repository'],
        locations: [{ line: 1, column: 3 }],
        message: "Could not resolve to a Repository with the name 'acme/nope'.",
      },
    ]);
  });
});

describe('queries GitHub would refuse are refused', () => {
  test.each([
    [
      'a field the schema lacks',
      '{ repository(owner: "acme", name: "widgets") { pullRequests(first: 1) { nodes { mergeability } } } }',
      'Cannot query field "mergeability" on type "PullRequest". Did you mean "mergeable", "mergeCommit", or "mergedBy"?',
    ],
    ['a syntax error', '{ repository(owner: "acme" ', 'Syntax Error: Expected Name, found <EOF>.'],
    [
      'a missing required argument',
      '{ repository(owner: "acme") { name } }',
      'Field "repository" argument "name" of type "String!" is required, but it was not provided.',
    ],
    [
      'a connection without first or last',
      '{ repository(owner: "acme", name: "widgets") { pullRequests { totalCount } } }',
      'You must provide a `first` or `last` value to properly paginate the `pullRequests` connection.',
    ],
    [
      'more than 100 per page',
      '{ repository(owner: "acme", name: "widgets") { pullRequests(first: 101) { totalCount } } }',
      'Requesting 101 records on the `pullRequests` connection exceeds the `first` limit of 100 records.',
    ],
  ])('%s', async (_what, query, message) => {
    const { status, body } = await graphql(query);
    expect(status).toBe(200);
    expect(body.data).toBeUndefined();
    expect(body.errors[0].message).toBe(message);
    // Refused before running: nothing charged.
    expect(double.requests.entries.at(-1)).toMatchObject({ operationId: 'graphql', points: 0 });
  });

  test('a schema-valid field the double does not model is an error naming it, not a made-up value', async () => {
    const { body } = await graphql('{ repository(owner: "acme", name: "widgets") { stargazerCount } }');
    expect(body.errors[0].message).toBe(
      'The GitHub double does not serve Repository.stargazerCount; add it to sandbox/github/graphql-model.ts.',
    );
  });

  test('a body without a query is a 400', async () => {
    const res = await fetch(`${double.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `token ${token}` },
      body: JSON.stringify({ variables: {} }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      message: 'A query attribute must be specified and must be a string.',
    });
  });

  test('unauthenticated GraphQL is refused like REST', async () => {
    const { status } = await graphql('{ rateLimit { remaining } }', {}, 'ghs_not-a-token');
    expect(status).toBe(401);
  });
});

describe('GraphQL rate limit in points', () => {
  test('a query costing more than the points left is RATE_LIMITED with HTTP 200 and remaining 0', async () => {
    await double.close();
    double = await startGitHubDouble({
      scenario: smallScenario,
      logger: silentLogger,
      limits: { primary: { limit: 6, windowMs: 60_000 } },
    });
    token = double.issueToken();
    expect(
      (await graphql(pullsQuery, { owner: 'acme', name: 'widgets' })).body.data.rateLimit.remaining,
    ).toBe(2);
    const refused = await graphql(pullsQuery, { owner: 'acme', name: 'widgets' });
    expect(refused.status).toBe(200);
    expect(refused.body.errors).toEqual([
      { type: 'RATE_LIMITED', message: 'API rate limit exceeded for installation ID 99.' },
    ]);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(refused.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    // A cheap query still fits.
    expect((await graphql('{ rateLimit { cost remaining } }')).body.data.rateLimit).toEqual({
      cost: 1,
      remaining: 1,
    });
  });
});
