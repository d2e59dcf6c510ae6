import { silentLogger } from '../../src/log';
import { createGitHubClient, type GitHubClientOptions } from '../../src/github/client';
import { ResponseCache } from '../../src/github/conditional-requests';
import { GitHubApi } from '../../src/github/github-api';
import { startGitHubDouble, type GitHubDouble } from '../../sandbox/github/github-double';
import type { GitHubScenario } from '../../sandbox/github/scenario';
import { generateScenario } from '../../sandbox/github/scenario-generator';
import { sha, smallScenario } from '../sandbox/github/small-scenario';

/**
 * The Octokit client and its typed calls against the GitHub double: what passes here passes against
 * GitHub as far as the double reproduces it (pagination, limits, retries, App auth, conditional
 * requests). Timing is shortened (retry and rate-limit bases of 1 ms, no write spacing) except in
 * the tests that assert real waits.
 */
let double: GitHubDouble;
const fast: Partial<GitHubClientOptions> = {
  retryBaseMs: 1,
  rateLimitBaseMs: 1,
  writeSpacingMs: 0,
  logger: silentLogger,
};

async function api(extra: Partial<GitHubClientOptions> = {}, token?: string): Promise<GitHubApi> {
  const client = await createGitHubClient({
    baseUrl: double.url,
    auth: { token: token ?? double.issueToken() },
    ...fast,
    ...extra,
  });
  return new GitHubApi(client);
}

function withContexts(count: number): GitHubScenario {
  return {
    ...smallScenario,
    repos: [
      {
        owner: 'acme',
        name: 'widgets',
        branches: { main: sha(1) },
        pulls: [{ number: 1, author: 'alice', baseRef: 'main', headSha: sha(11) }],
        statuses: {
          [sha(11)]: Array.from({ length: count }, (_, i) => ({
            context: `job-${i}`,
            state: 'success' as const,
            description: i % 2 === 0 ? `run ${i}` : null,
          })),
        },
      },
    ],
  };
}

beforeAll(async () => {
  double = await startGitHubDouble({ scenario: smallScenario, logger: silentLogger });
});
afterAll(() => double.close());
beforeEach(() => double.reset());
afterEach(() => {
  // Every response the client saw satisfied GitHub's schema, and it called nothing GitHub lacks.
  expect(double.violations).toEqual([]);
  expect(double.unknownRequests()).toEqual([]);
});

describe('reads', () => {
  test('lists open pull requests over 3 pages of 100 (250 PRs)', async () => {
    double.seed(generateScenario({ repos: 1, prsPerRepo: 250, contextsPerPr: 0, seed: 7, org: 'acme' }));
    const prs = await (await api()).listOpenPullRequests('acme', 'repo-0');
    expect(prs).toHaveLength(250);
    expect(new Set(prs.map((p) => p.number)).size).toBe(250);
    expect(double.requests.count('pulls/list')).toBe(3);
    expect(double.requests.entries.every((r) => r.query.includes('per_page=100'))).toBe(true);
    expect(prs.some((p) => p.draft)).toBe(true);
  });

  test('maps a pull request to the compact record, without mergeable on list items', async () => {
    const prs = await (await api()).listOpenPullRequests('acme', 'widgets');
    expect(prs.map((p) => p.number).sort()).toEqual([1, 2, 4]);
    expect(prs.find((p) => p.number === 1)).toEqual({
      number: 1,
      draft: false,
      author: 'alice',
      title: 'Add widget',
      htmlUrl: 'https://github.com/acme/widgets/pull/1',
      baseRef: 'main',
      baseSha: sha(1),
      headRef: 'widget',
      headSha: sha(11),
      labels: ['lgtm'],
    });
    expect(prs.find((p) => p.number === 2)).toMatchObject({
      draft: true,
      baseRef: 'release-1.0',
      baseSha: sha(2),
    });
  });

  test('reads 150 contexts of a combined status over 2 pages', async () => {
    double.seed(withContexts(150));
    const statuses = await (await api()).getCombinedStatus('acme', 'widgets', sha(11));
    expect(statuses).toHaveLength(150);
    expect(new Set(statuses.map((s) => s.context)).size).toBe(150);
    expect(double.requests.count('repos/get-combined-status-for-ref')).toBe(2);
    expect(statuses[1]).toEqual({ context: 'job-1', state: 'success', description: '', target_url: '' });
  });

  test('combined status holds the latest status per context, contexts compared case-insensitively', async () => {
    const statuses = await (await api()).getCombinedStatus('acme', 'widgets', sha(11));
    expect(statuses).toEqual([
      { context: 'CI/Unit', state: 'success', description: 'done', target_url: '' },
      { context: 'ci/lint', state: 'success', description: 'ok', target_url: 'https://prow.example.com/1' },
    ]);
  });

  test.each([
    ['member', 'alice', true],
    ['member, other case', 'ALICE', true],
    ['not a member', 'mallory', false],
  ])('isOrgMember: %s', async (_name, user, expected) => {
    expect(await (await api()).isOrgMember('acme', user)).toBe(expected);
  });

  test('isOrgMember: 302 (requester not an org member) is an error, not a redirect followed', async () => {
    double.redirectMembershipChecks('acme');
    await expect((await api()).isOrgMember('acme', 'alice')).rejects.toThrow(
      /302.*not an organization member/,
    );
    expect(double.requests.count('orgs/check-membership-for-user', 302)).toBe(1);
  });

  test.each([
    ['carol', true],
    ['alice', false],
  ])('isCollaborator(%s) = %s', async (user, expected) => {
    expect(await (await api()).isCollaborator('acme', 'widgets', user)).toBe(expected);
  });

  test('files, labels, branch SHA', async () => {
    const gh = await api();
    expect(await gh.listPullRequestFiles('acme', 'widgets', 1)).toEqual(['pkg/a.go', 'docs/a.md']);
    expect(await gh.listIssueLabels('acme', 'widgets', 2)).toEqual(['ok-to-test']);
    expect(await gh.getBranchSha('acme', 'widgets', 'release-1.0')).toBe(sha(2));
    await expect(gh.getBranchSha('acme', 'widgets', 'nope')).rejects.toMatchObject({ status: 404 });
  });

  test('every request pins X-GitHub-Api-Version 2022-11-28', async () => {
    const gh = await api();
    await gh.listOpenPullRequests('acme', 'widgets');
    await gh.createStatus('acme', 'widgets', sha(11), { context: 'x', state: 'success' });
    expect(double.requests.entries.map((r) => r.apiVersion)).toEqual(['2022-11-28', '2022-11-28']);
  });

  test('an aborted signal stops calls', async () => {
    const gh = await api();
    const signal = AbortSignal.abort(new Error('activity cancelled'));
    await expect(gh.listOpenPullRequests('acme', 'widgets', { signal })).rejects.toThrow(
      'activity cancelled',
    );
    await expect(
      gh.createStatus('acme', 'widgets', sha(11), { context: 'x', state: 'success' }, { signal }),
    ).rejects.toThrow();
    expect(double.statusHistory('acme', 'widgets', sha(11))).toHaveLength(3);
  });
});

describe('writes', () => {
  test('createStatus leaves empty description and target_url out (omitempty), creator is the caller', async () => {
    const gh = await api({}, 'pat-alice-0123456789');
    await gh.createStatus('acme', 'widgets', sha(11), {
      context: 'ci/lint',
      state: 'success',
      description: '',
      target_url: '',
    });
    const latest = double.latestStatus('acme', 'widgets', sha(11), 'ci/lint');
    expect(latest).toMatchObject({ state: 'success', description: null, targetUrl: null, creator: 'alice' });
  });

  test('a description over 140 characters surfaces GitHub 422 without a retry', async () => {
    const gh = await api();
    const err = await gh
      .createStatus('acme', 'widgets', sha(11), {
        context: 'c',
        state: 'success',
        description: 'x'.repeat(141),
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 422 });
    expect((err as { response: { data: unknown } }).response.data).toMatchObject({
      message: 'Validation Failed',
      errors: [
        {
          resource: 'Status',
          code: 'custom',
          field: 'description',
          message: 'description is too long (maximum is 140 characters)',
        },
      ],
    });
    expect(double.requests.count('repos/create-commit-status')).toBe(1);
  });

  test('writes are spaced as configured: real timing, at least 1 s apart by default', async () => {
    const gh = await api({ writeSpacingMs: undefined });
    for (const context of ['a', 'b', 'c'])
      await gh.createStatus('acme', 'widgets', sha(11), { context, state: 'success' });
    // Measured by the server, at arrival: each write is sent a full second after the previous answer.
    expect(double.requests.minWriteSpacingMs()).toBeGreaterThanOrEqual(1000);
    expect(double.requests.maxConcurrency()).toBe(1);
  });
});

describe('limits and failures', () => {
  test('primary limit: waits until the reset, then succeeds', async () => {
    const limited = await startGitHubDouble({
      scenario: smallScenario,
      logger: silentLogger,
      limits: { primary: { limit: 2, windowMs: 1200 } },
    });
    try {
      const client = await createGitHubClient({
        baseUrl: limited.url,
        auth: { token: limited.issueToken() },
        ...fast,
        rateLimitBaseMs: 1000,
        conditionalRequests: false,
      });
      const gh = new GitHubApi(client);
      const t0 = Date.now();
      for (const b of ['main', 'release-1.0', 'main']) await gh.getBranchSha('acme', 'widgets', b);
      const log = limited.requests.entries;
      expect(log.map((r) => r.status)).toEqual([200, 200, 403, 200]);
      const [, , rejected, retried] = log as unknown as [
        never,
        never,
        { endedAt: number },
        { startedAt: number },
      ];
      // The window ends 1.2 s after the first request; plugin-throttling waits until reset + 1 s.
      expect(retried.startedAt - t0).toBeGreaterThanOrEqual(1200);
      expect(retried.startedAt).toBeGreaterThan(rejected.endedAt);
      expect(limited.violations).toEqual([]);
    } finally {
      await limited.close();
    }
  });

  test('primary limit longer than maxRateLimitWaitSeconds fails at once with 403', async () => {
    double.faults.add({
      match: { operationId: 'git/get-ref' },
      action: { kind: 'primary-limit', resetInSeconds: 3600 },
    });
    const gh = await api({ maxRateLimitWaitSeconds: 60 });
    await expect(gh.getBranchSha('acme', 'widgets', 'main')).rejects.toMatchObject({
      status: 403,
      message: expect.stringContaining('API rate limit exceeded for installation ID 99') as unknown,
    });
    expect(double.requests.count('git/get-ref')).toBe(1);
  });

  test('secondary limit: honours retry-after (real timing), writes once', async () => {
    double.faults.add({
      match: { operationId: 'repos/create-commit-status' },
      action: { kind: 'secondary-limit', retryAfterSeconds: 1 },
    });
    const gh = await api({ rateLimitBaseMs: 1000 });
    await gh.createStatus('acme', 'widgets', sha(11), { context: 'retired', state: 'success' });
    const writes = double.requests.entries.filter((r) => r.operationId === 'repos/create-commit-status');
    expect(writes.map((w) => w.status)).toEqual([403, 201]);
    expect((writes[1]?.startedAt ?? 0) - (writes[0]?.endedAt ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(
      double.statusHistory('acme', 'widgets', sha(11)).filter((s) => s.context === 'retired'),
    ).toHaveLength(1);
  });

  test('the client pacing writes never hits a write-rate secondary limit; unpaced writes do', async () => {
    const limited = await startGitHubDouble({
      scenario: smallScenario,
      logger: silentLogger,
      limits: { secondary: { writes: [{ limit: 2, windowMs: 1000 }] } },
    });
    try {
      const paced = new GitHubApi(
        await createGitHubClient({
          baseUrl: limited.url,
          auth: { token: limited.issueToken() },
          ...fast,
          writeSpacingMs: 550,
        }),
      );
      for (let i = 0; i < 4; i++)
        await paced.createStatus('acme', 'widgets', sha(11), { context: `p${i}`, state: 'success' });
      expect(limited.requests.entries.map((r) => r.status)).toEqual([201, 201, 201, 201]);

      limited.reset();
      const unpaced = new GitHubApi(
        await createGitHubClient({
          baseUrl: limited.url,
          auth: { token: limited.issueToken() },
          ...fast,
          maxSecondaryRetries: 0,
        }),
      );
      const attempts = [0, 1, 2].map((i) =>
        unpaced.createStatus('acme', 'widgets', sha(11), { context: `u${i}`, state: 'success' }).then(
          () => 'ok',
          (e: { status?: number; message?: string }) => `${e.status} ${e.message}`,
        ),
      );
      const results = await Promise.all(attempts);
      expect(results.filter((r) => r === 'ok')).toHaveLength(2);
      expect(results.find((r) => r !== 'ok')).toMatch(/^403 You have exceeded a secondary rate limit/);
      expect(limited.violations).toEqual([]);
    } finally {
      await limited.close();
    }
  });

  test('5xx answers are retried', async () => {
    double.faults.add({
      match: { operationId: 'git/get-ref' },
      action: { kind: 'status', status: 502, body: { message: 'Bad gateway' } },
      times: 2,
    });
    expect(await (await api()).getBranchSha('acme', 'widgets', 'main')).toBe(sha(1));
    expect(double.requests.entries.map((r) => r.status)).toEqual([502, 502, 200]);
  });

  test('a dropped connection is retried', async () => {
    double.faults.add({
      match: { operationId: 'repos/get-combined-status-for-ref' },
      action: { kind: 'drop' },
    });
    const statuses = await (await api()).getCombinedStatus('acme', 'widgets', sha(11));
    expect(statuses).toHaveLength(2);
    expect(double.requests.entries.map((r) => r.status)).toEqual([0, 200]);
  });

  test('conditional request: the second read is a 304 served from cache and spends no rate limit', async () => {
    const gh = await api();
    const first = await gh.listOpenPullRequests('acme', 'widgets');
    const before = await gh.getRateLimit();
    const second = await gh.listOpenPullRequests('acme', 'widgets');
    const after = await gh.getRateLimit();
    expect(second).toEqual(first);
    expect(double.requests.count('pulls/list', 304)).toBe(1);
    expect(after.used).toBe(before.used);
    // A change is seen: the ETag no longer matches.
    await gh.createStatus('acme', 'widgets', sha(11), { context: 'n', state: 'success' });
    const statusesA = await gh.getCombinedStatus('acme', 'widgets', sha(11));
    await gh.createStatus('acme', 'widgets', sha(11), { context: 'm', state: 'failure' });
    const statusesB = await gh.getCombinedStatus('acme', 'widgets', sha(11));
    expect(statusesB).toHaveLength(statusesA.length + 1);
  });

  test('one cache shared by several clients (one per org) revalidates for all of them', async () => {
    const cache = new ResponseCache();
    const token = double.issueToken();
    const first = await api({ conditionalRequests: cache }, token);
    const second = await api({ conditionalRequests: cache }, token);
    const listed = await first.listOpenPullRequests('acme', 'widgets');
    expect(await second.listOpenPullRequests('acme', 'widgets')).toEqual(listed);
    expect(double.requests.count('pulls/list', 304)).toBe(1);
    expect(cache.count).toBe(1);
  });

  test('the cache keeps the most recently used responses within its byte bound', async () => {
    const heads = [sha(11), sha(12), sha(13), sha(14)];
    const probe = new ResponseCache();
    await (await api({ conditionalRequests: probe })).getCombinedStatus('acme', 'widgets', sha(14));
    // Room for about two responses.
    const cache = new ResponseCache(Math.floor(probe.bytes * 2.5));
    const gh = await api({ conditionalRequests: cache });
    for (const head of heads) await gh.getCombinedStatus('acme', 'widgets', head);
    expect(cache.bytes).toBeLessThanOrEqual(cache.maxBytes);
    expect(cache.count).toBeGreaterThan(0);
    expect(cache.count).toBeLessThan(heads.length);
    // The newest is kept and revalidated; the oldest was dropped and is read in full.
    await gh.getCombinedStatus('acme', 'widgets', sha(14));
    await gh.getCombinedStatus('acme', 'widgets', sha(11));
    expect(double.requests.entries.slice(-2).map((r) => r.status)).toEqual([304, 200]);
  });
});

describe('GitHub App authentication', () => {
  test('JWT -> installation token -> calls, acting as <slug>[bot]', async () => {
    const client = await createGitHubClient({
      baseUrl: double.url,
      auth: {
        appId: double.app.appId,
        privateKey: double.app.privateKeyPem,
        installationId: double.app.installationId,
      },
      ...fast,
    });
    const gh = new GitHubApi(client);
    expect(await gh.getBotLogin()).toBe('status-reconciler[bot]');
    expect((await gh.listOpenPullRequests('acme', 'widgets')).length).toBe(3);
    await gh.createStatus('acme', 'widgets', sha(11), { context: 'ci/lint', state: 'failure' });
    expect(double.latestStatus('acme', 'widgets', sha(11), 'ci/lint')?.creator).toBe(
      'status-reconciler[bot]',
    );
    expect(double.requests.count('apps/create-installation-access-token', 201)).toBe(1);
    // Repository calls all used the one installation token (JWTs, one per App call, differ by iat).
    const repoCalls = double.requests.entries.filter((r) => r.path.startsWith('/repos/'));
    expect(new Set(repoCalls.map((r) => r.tokenHash)).size).toBe(1);
  });

  test('finds the installation from a repository', async () => {
    const client = await createGitHubClient({
      baseUrl: double.url,
      auth: {
        appId: double.app.appId,
        privateKey: double.app.privateKeyPem,
        installationRepo: { owner: 'acme', repo: 'widgets' },
      },
      ...fast,
    });
    expect(await new GitHubApi(client).getBranchSha('acme', 'widgets', 'main')).toBe(sha(1));
    expect(double.requests.count('apps/get-repo-installation', 200)).toBe(1);
  });

  test('a token the double never issued gets 401 Bad credentials, not retried', async () => {
    const gh = await api({}, 'ghs_notissuedbythedouble000000000000000');
    await expect(gh.getBranchSha('acme', 'widgets', 'main')).rejects.toMatchObject({
      status: 401,
      message: expect.stringContaining('Bad credentials') as unknown,
    });
    expect(double.requests.entries).toHaveLength(1);
  });

  test('a personal access token resolves the bot login through GET /user', async () => {
    expect(await (await api({}, 'pat-alice-0123456789')).getBotLogin()).toBe('alice');
  });
});
