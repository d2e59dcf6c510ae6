import { createGitHubClient, type GitHubClientOptions } from '../../src/github/client';
import { GitHubApi } from '../../src/github/github-api';
import { GraphQLPoints, GraphQLRateLimitError } from '../../src/github/graphql-points';
import { pullRequestsQuery } from '../../src/github/graphql-reads';
import { membershipCacheMs, repositoryGitHub } from '../../src/github/repository-github';
import { createLogger, silentLogger } from '../../src/log';
import { startGitHubDouble, type GitHubDouble } from '../../sandbox/github/github-double';
import type { GitHubScenario } from '../../sandbox/github/scenario';
import { sha, smallScenario } from '../sandbox/github/small-scenario';

/**
 * The GraphQL reads against the double: nested connections paged past their first 100, GitHub's 3000-file cap
 * kept, only the asked-for details queried (and paid for), pacing on points, GitHub's RATE_LIMITED answer
 * waited out; and the client's log keeps expected answers (304, 404) out of the error level.
 */
let double: GitHubDouble;
const all = { trigger: true, files: true, statuses: true };

async function api(extra: Partial<GitHubClientOptions> = {}, maxWaitSeconds = 60): Promise<GitHubApi> {
  const client = await createGitHubClient({
    baseUrl: double.url,
    auth: { token: double.issueToken() },
    retryBaseMs: 1,
    rateLimitBaseMs: 1,
    writeSpacingMs: 0,
    logger: silentLogger,
    ...extra,
  });
  return new GitHubApi(client, { maxRateLimitWaitSeconds: maxWaitSeconds });
}

const bigPr: GitHubScenario = {
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
          labels: Array.from({ length: 120 }, (_, i) => `l-${i}`),
          files: Array.from({ length: 3005 }, (_, i) => `f/${i}`),
        },
        { number: 2, author: 'dependabot[bot]', baseRef: 'main', headSha: sha(12) },
      ],
      statuses: {
        [sha(11)]: Array.from({ length: 250 }, (_, i) => ({
          context: `job-${i}`,
          state: 'success' as const,
          description: i % 2 ? null : `run ${i}`,
        })),
      },
    },
  ],
};

beforeAll(async () => {
  double = await startGitHubDouble({ scenario: smallScenario, logger: silentLogger });
});
afterAll(() => double.close());
beforeEach(() => double.reset());
afterEach(() => {
  expect(double.violations).toEqual([]);
  expect(double.unknownRequests()).toEqual([]);
});

describe('nested pagination', () => {
  test('a PR with 120 labels, 3005 files and 250 contexts: its connections are paged, files stop at 3000', async () => {
    double.seed(bigPr);
    const gh = await api();
    const snapshot = await gh.readRepository('acme', 'big', all);
    const rest = await gh.listPullRequestFiles('acme', 'big', 1);
    const restStatuses = await gh.getCombinedStatus('acme', 'big', sha(11));

    const pr = snapshot.pullRequests.find((p) => p.number === 1);
    expect(pr?.labels).toEqual(Array.from({ length: 120 }, (_, i) => `l-${i}`));
    expect(snapshot.files.get(1)).toEqual(rest);
    expect(rest).toHaveLength(3000);
    expect(snapshot.statuses.get(sha(11))).toEqual(restStatuses);
    expect(restStatuses).toHaveLength(250);
    // GraphQL's Bot.login is the bare slug; the record keeps REST's `[bot]`.
    expect(snapshot.pullRequests.find((p) => p.number === 2)?.author).toBe('dependabot[bot]');
    // One PR page, then 1 labels page, 29 files pages (to 3000) and 2 contexts pages.
    expect(snapshot.queries).toBe(1 + 1 + 29 + 2);
    expect(snapshot.points).toBe(4 + 1 + 29 + 2);
    expect(double.requests.graphqlPoints()).toBe(snapshot.points);
  });

  test('only the details asked for are queried and paid for', async () => {
    const gh = await api();
    expect(pullRequestsQuery({ trigger: false, files: false, statuses: true })).not.toMatch(/files|labels/);
    const snapshot = await gh.readRepository('acme', 'widgets', {
      trigger: false,
      files: false,
      statuses: true,
    });
    // (1 + 100 commits + 100 contexts) / 100 = 2 points.
    expect(snapshot.points).toBe(2);
    expect(snapshot.files.size).toBe(0);
    expect(snapshot.branchShas.size).toBe(0);
    expect(snapshot.pullRequests.every((p) => p.labels === undefined)).toBe(true);
    // Every open PR's head, those without statuses with none (as REST's combined status answers).
    expect([...snapshot.statuses.keys()].sort()).toEqual([sha(11), sha(12), sha(14)]);
    expect(snapshot.statuses.get(sha(12))).toEqual([]);
    expect(snapshot.statuses.get(sha(11))).toHaveLength(2);
  });
});

describe('pacing on points', () => {
  test('waits for the reset when the next query costs more than the points left', async () => {
    await double.close();
    double = await startGitHubDouble({
      scenario: smallScenario,
      logger: silentLogger,
      limits: { primary: { limit: 5, windowMs: 1500 } },
    });
    const gh = await api();
    await gh.readRepository('acme', 'widgets', all);
    const started = Date.now();
    await gh.readRepository('acme', 'widgets', all);
    // 1 point left of 5, a query costs 4: it waited for the window to end instead of being refused.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(double.requests.entries.filter((r) => r.operationId === 'graphql').map((r) => r.points)).toEqual([
      4, 4,
    ]);
  });

  test('fails with the reset time when the wait is longer than the client serves', async () => {
    let now = 1_000_000;
    const points = new GraphQLPoints(60_000, () => now);
    points.observe({ cost: 4, remaining: 3, resetAt: new Date(now + 3_600_000).toISOString() });
    await expect(points.reserve(4)).rejects.toThrow(GraphQLRateLimitError);
    await expect(points.reserve(4)).rejects.toThrow(/3 points left, a query costs 4; the limit resets at /);
    await points.reserve(3); // fits
    now += 3_600_001;
    await points.reserve(4); // a new window
  });

  test("GitHub's RATE_LIMITED answer (HTTP 200) is waited out by the throttling plugin and the query retried", async () => {
    await double.close();
    double = await startGitHubDouble({ scenario: smallScenario, logger: silentLogger });
    const gh = await api({ rateLimitBaseMs: 1000 });
    await gh.getRateLimit(); // the token's buckets exist
    // Another process spent this installation's points; they come back in a second.
    const installation = `installation:${double.app.installationId}`;
    double.limits.exhaust(installation, 1000, 'graphql');
    const snapshot = await gh.readRepository('acme', 'widgets', all);
    expect(snapshot.pullRequests.map((p) => p.number)).toEqual([4, 2, 1]);
    const graphql = double.requests.entries.filter((r) => r.operationId === 'graphql');
    expect(graphql.map((r) => r.points)).toEqual([0, 4]);
  });
});

describe('secondary limits', () => {
  test('a secondary rate limit on a GraphQL query is waited out (retry-after) as on REST', async () => {
    double.faults.add({
      match: { operationId: 'graphql' },
      action: { kind: 'secondary-limit', retryAfterSeconds: 1 },
      times: 1,
    });
    const gh = await api();
    const snapshot = await gh.readRepository('acme', 'widgets', all);
    expect(snapshot.pullRequests).toHaveLength(3);
    expect(double.requests.entries.filter((r) => r.operationId === 'graphql').map((r) => r.status)).toEqual([
      403, 200,
    ]);
  });
});

describe('the client log', () => {
  test('an ETag hit (304) and a 404 membership answer are not errors', async () => {
    const lines: { level: string; msg: string }[] = [];
    const logger = createLogger({}, 'debug', (line) =>
      lines.push(JSON.parse(line) as { level: string; msg: string }),
    );
    const gh = await api({ logger });
    await gh.listOpenPullRequests('acme', 'widgets');
    await gh.listOpenPullRequests('acme', 'widgets');
    expect(await gh.isOrgMember('acme', 'mallory')).toBe(false);
    expect(double.requests.count('pulls/list', 304)).toBe(1);
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
    expect(lines.some((l) => l.level === 'debug' && / - 304 with id /.test(l.msg))).toBe(true);
    expect(lines.some((l) => l.level === 'debug' && /members\/mallory - 404 with id /.test(l.msg))).toBe(
      true,
    );
    // Other failures still are.
    double.faults.add({
      match: { operationId: 'pulls/get' },
      action: { kind: 'status', status: 422, body: {} },
    });
    await expect(
      (async () => {
        const client = await createGitHubClient({
          baseUrl: double.url,
          auth: { token: double.issueToken() },
          logger,
        });
        await client.rest.pulls.get({ owner: 'acme', repo: 'widgets', pull_number: 1 });
      })(),
    ).rejects.toMatchObject({ status: 422 });
    expect(lines.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual([
      expect.stringMatching(/^GET \/repos\/acme\/widgets\/pulls\/1 - 422 with id /),
    ]);
  });
});

describe('org membership across repositories', () => {
  test('answered once per org and author for ten minutes, errors not remembered', async () => {
    const app = double.app;
    const gh = await api({
      auth: { appId: app.appId, privateKey: app.privateKeyPem, installationId: app.installationId },
    });
    let now = 0;
    const github = repositoryGitHub(
      async () => gh,
      undefined,
      'graphql',
      () => now,
    );
    const ask = async (user: string) => (await github('acme', 'widgets')).trust.isOrgMember('acme', user);
    const checks = () => double.requests.count('orgs/check-membership-for-user');
    expect(await ask('alice')).toBe(true);
    expect(await ask('ALICE')).toBe(true);
    expect(await ask('mallory')).toBe(false);
    expect(checks()).toBe(2);
    now += membershipCacheMs;
    expect(await ask('alice')).toBe(true);
    expect(checks()).toBe(3);
    double.faults.add({
      match: { operationId: 'orgs/check-membership-for-user' },
      action: { kind: 'status', status: 422, body: { message: 'nope' } },
    });
    await expect(ask('bob')).rejects.toMatchObject({ status: 422 });
    expect(await ask('bob')).toBe(true);
    expect(checks()).toBe(5);
  });
});
