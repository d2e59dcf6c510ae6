import { createSign } from 'node:crypto';
import { silentLogger } from '../../../src/log';
import { tokenHash } from '../../../sandbox/github/app-identity';
import { startGitHubDouble, type GitHubDouble } from '../../../sandbox/github/github-double';
import type { GitHubScenario } from '../../../sandbox/github/scenario';
import { generateScenario } from '../../../sandbox/github/scenario-generator';
import { sha, smallScenario } from './small-scenario';

/**
 * The double's GitHub semantics over plain HTTP (fetch, no Octokit): what the reconciler relies on
 * (github-api.md §3, §4, §5, §6, §9.4) and that its schema checks cannot silently pass.
 */
let double: GitHubDouble;
let token: string;

interface Reply {
  status: number;
  headers: Headers;
  body: unknown;
}

async function call(
  method: string,
  path: string,
  opts: { body?: unknown; auth?: string | null; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const auth = opts.auth === undefined ? `token ${token}` : opts.auth;
  const res = await fetch(double.url + path, {
    method,
    headers: {
      ...(auth ? { authorization: auth } : {}),
      ...(opts.body ? { 'content-type': 'application/json' } : {}),
      ...opts.headers,
    },
    body:
      opts.body === undefined
        ? undefined
        : typeof opts.body === 'string'
          ? opts.body
          : JSON.stringify(opts.body),
    redirect: 'manual',
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
}

function jwt(privateKeyPem: string, claims: Record<string, unknown>): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const data = `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc(claims)}`;
  const signature = createSign('RSA-SHA256').update(data).sign(privateKeyPem).toString('base64url');
  return `${data}.${signature}`;
}
const nowS = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  double = await startGitHubDouble({ scenario: smallScenario, logger: silentLogger });
});
afterAll(() => double.close());
beforeEach(() => {
  double.reset();
  token = double.issueToken();
});

describe('operations answer with GitHub semantics and schema-valid bodies', () => {
  const statusPath = `/repos/acme/widgets/commits/${sha(11)}`;
  test.each([
    ['GET', '/repos/acme/widgets/pulls', 200],
    ['GET', '/repos/acme/widgets/pulls?state=all', 200],
    ['GET', '/repos/acme/widgets/pulls/1', 200],
    ['GET', '/repos/acme/widgets/pulls/1/files', 200],
    ['GET', '/repos/acme/widgets/pulls/404', 404],
    ['GET', '/repos/acme/widgets/git/ref/heads/main', 200],
    ['GET', '/repos/acme/widgets/git/ref/heads/gone', 404],
    ['GET', '/orgs/acme/members/bob', 204],
    ['GET', '/orgs/acme/members/mallory', 404],
    ['GET', '/repos/acme/widgets/collaborators/carol', 204],
    ['GET', '/repos/acme/widgets/collaborators/alice', 404],
    ['GET', '/repos/acme/widgets/collaborators', 200],
    ['GET', '/repos/acme/widgets/issues/2/labels', 200],
    ['GET', `${statusPath}/status`, 200],
    ['GET', '/repos/acme/widgets/commits/heads/main/status', 200],
    ['GET', `/repos/acme/widgets/commits/${sha(404)}/status`, 404],
    ['GET', `${statusPath}/statuses`, 200],
    ['GET', '/repos/nobody/nothing/pulls', 404],
    ['GET', '/rate_limit', 200],
  ])('%s %s -> %i', async (method, path, status) => {
    const r = await call(method, path);
    expect(r.status).toBe(status);
    expect(double.violations).toEqual([]);
  });

  test('pull list: open PRs on every base, drafts included, no mergeable; pulls/get has it', async () => {
    const list = (await call('GET', '/repos/acme/widgets/pulls')).body as Record<string, unknown>[];
    expect(list.map((p) => p.number)).toEqual([4, 2, 1]);
    expect(list.every((p) => !('mergeable' in p) && !('changed_files' in p))).toBe(true);
    expect(list.find((p) => p.number === 2)).toMatchObject({
      draft: true,
      base: { ref: 'release-1.0', sha: sha(2) },
    });
    const closed = (await call('GET', '/repos/acme/widgets/pulls?state=closed')).body as { number: number }[];
    expect(closed.map((p) => p.number)).toEqual([3]);
    expect((await call('GET', '/repos/acme/widgets/pulls/1')).body).toMatchObject({
      mergeable: true,
      changed_files: 2,
    });
    expect((await call('GET', '/repos/acme/widgets/pulls/4')).body).toMatchObject({
      mergeable: null,
      mergeable_state: 'unknown',
    });
  });

  test('pagination: per_page default 30, clamped to 100, Link on the double origin', async () => {
    double.seed(generateScenario({ repos: 1, prsPerRepo: 250, contextsPerPr: 0, seed: 1, org: 'acme' }));
    const first = await call('GET', '/repos/acme/repo-0/pulls');
    expect((first.body as unknown[]).length).toBe(30);
    const link = first.headers.get('link') ?? '';
    expect(link).toBe(
      `<${double.url}/repos/acme/repo-0/pulls?page=2>; rel="next", <${double.url}/repos/acme/repo-0/pulls?page=9>; rel="last"`,
    );
    const clamped = await call('GET', '/repos/acme/repo-0/pulls?per_page=500&page=3');
    expect((clamped.body as unknown[]).length).toBe(50);
    expect(clamped.headers.get('link')).toBe(
      `<${double.url}/repos/acme/repo-0/pulls?per_page=500&page=2>; rel="prev", ` +
        `<${double.url}/repos/acme/repo-0/pulls?per_page=500&page=1>; rel="first"`,
    );
  });

  test('PR files stop at 3000; changed_files keeps the true count', async () => {
    const files = Array.from({ length: 3100 }, (_, i) => `f/${i}.go`);
    double.seed({
      repos: [
        {
          owner: 'acme',
          name: 'big',
          branches: { main: sha(1) },
          pulls: [{ number: 9, author: 'alice', baseRef: 'main', headSha: sha(5), files }],
        },
      ],
    });
    const last = await call('GET', '/repos/acme/big/pulls/9/files?per_page=100&page=30');
    expect((last.body as unknown[]).length).toBe(100);
    expect(last.headers.get('link')).not.toContain('rel="next"');
    expect((await call('GET', '/repos/acme/big/pulls/9/files?per_page=100&page=31')).body).toEqual([]);
    expect((await call('GET', '/repos/acme/big/pulls/9')).body).toMatchObject({ changed_files: 3100 });
  });

  test('git ref: branch names may contain slashes', async () => {
    double.seed({ repos: [{ owner: 'acme', name: 'r', branches: { 'release/1.x': sha(3) } }] });
    expect((await call('GET', '/repos/acme/r/git/ref/heads/release/1.x')).body).toMatchObject({
      ref: 'refs/heads/release/1.x',
      object: { sha: sha(3), type: 'commit' },
    });
    expect((await call('GET', '/repos/acme/r/git/ref/heads%2Frelease%2F1.x')).status).toBe(200);
  });

  test('membership answers 302 to public_members when the requester is not an org member', async () => {
    double.redirectMembershipChecks('acme');
    const r = await call('GET', '/orgs/acme/members/alice');
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe(`${double.url}/orgs/acme/public_members/alice`);
  });
});

describe('commit statuses', () => {
  const post = (body: unknown, s = sha(11)) => call('POST', `/repos/acme/widgets/statuses/${s}`, { body });

  test.each<[string, GitHubScenario['repos'], string, number]>(
    [
      ['no statuses', [], 'pending', 0],
      ['all success', [['a', 'success']], 'success', 1],
      [
        'one pending',
        [
          ['a', 'success'],
          ['b', 'pending'],
        ],
        'pending',
        2,
      ],
      [
        'error wins over pending',
        [
          ['a', 'pending'],
          ['b', 'error'],
        ],
        'failure',
        2,
      ],
      [
        'failure',
        [
          ['a', 'failure'],
          ['b', 'success'],
        ],
        'failure',
        2,
      ],
      [
        'latest per context decides',
        [
          ['a', 'failure'],
          ['A', 'success'],
        ],
        'success',
        1,
      ],
    ].map(([name, list, state, count]) => [
      name as string,
      [
        {
          owner: 'acme',
          name: 'widgets',
          branches: { main: sha(1) },
          commits: [sha(11)],
          statuses: {
            [sha(11)]: (list as [string, 'success'][]).map(([context, st]) => ({ context, state: st })),
          },
        },
      ],
      state as string,
      count as number,
    ]),
  )('combined state: %s', async (_name, repos, state, count) => {
    double.seed({ repos });
    const r = (await call('GET', `/repos/acme/widgets/commits/${sha(11)}/status`)).body as Record<
      string,
      unknown
    >;
    expect(r).toMatchObject({ state, total_count: count, sha: sha(11) });
    expect(double.violations).toEqual([]);
  });

  test('combined status pages run over contexts; state and total_count cover all of them', async () => {
    double.seed({
      repos: [
        {
          owner: 'acme',
          name: 'widgets',
          branches: { main: sha(1) },
          statuses: {
            [sha(1)]: Array.from({ length: 150 }, (_, i) => ({
              context: `c${i}`,
              state: i === 149 ? 'failure' : 'success',
            })),
          },
        },
      ],
    });
    const p1 = await call('GET', `/repos/acme/widgets/commits/${sha(1)}/status?per_page=100`);
    const p2 = await call('GET', `/repos/acme/widgets/commits/${sha(1)}/status?per_page=100&page=2`);
    expect(p1.body).toMatchObject({ total_count: 150, state: 'failure', url: expect.any(String) as unknown });
    expect((p1.body as { statuses: unknown[] }).statuses).toHaveLength(100);
    expect((p2.body as { statuses: unknown[] }).statuses).toHaveLength(50);
    expect(p1.headers.get('link')).toContain('rel="next"');
  });

  test('create: context defaults to "default", creator is the App bot, history is newest first', async () => {
    const created = await post({ state: 'pending' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      context: 'default',
      state: 'pending',
      description: null,
      creator: { login: 'status-reconciler[bot]', type: 'Bot' },
    });
    expect(created.headers.get('location')).toBe(`${double.url}/repos/acme/widgets/statuses/${sha(11)}`);
    await post({ state: 'success', context: 'ci/unit', description: 'retired' });
    const history = (await call('GET', `/repos/acme/widgets/commits/${sha(11)}/statuses`)).body as {
      context: string;
    }[];
    expect(history.map((h) => h.context)).toEqual(['ci/unit', 'default', 'CI/Unit', 'ci/lint', 'ci/unit']);
    expect(double.latestStatus('acme', 'widgets', sha(11), 'CI/UNIT')).toMatchObject({
      context: 'ci/unit',
      description: 'retired',
    });
  });

  test('a description of 141 characters gets GitHub 422 body; 140 is accepted', async () => {
    expect((await post({ state: 'success', description: 'x'.repeat(140) })).status).toBe(201);
    const r = await post({ state: 'success', description: 'x'.repeat(141) });
    expect(r.status).toBe(422);
    expect(r.body).toEqual({
      message: 'Validation Failed',
      errors: [
        {
          resource: 'Status',
          code: 'custom',
          field: 'description',
          message: 'description is too long (maximum is 140 characters)',
        },
      ],
      documentation_url: 'https://docs.github.com/rest/commits/statuses#create-a-commit-status',
    });
  });

  test('the 1001st status for a SHA and context (case-insensitive) is refused', async () => {
    double.seed({
      repos: [
        {
          owner: 'acme',
          name: 'widgets',
          branches: { main: sha(1) },
          statuses: {
            [sha(1)]: Array.from({ length: 1000 }, (_, i) => ({
              context: i % 2 ? 'Full' : 'full',
              state: 'success' as const,
            })),
          },
        },
      ],
    });
    const r = await post({ state: 'success', context: 'FULL' }, sha(1));
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({
      errors: [{ message: 'This SHA and context has reached the maximum number of statuses.' }],
    });
    expect((await post({ state: 'success', context: 'other' }, sha(1))).status).toBe(201);
  });

  test.each([
    ['bad state enum', { state: 'done' }, 422, /state.*must be equal to one of the allowed values/],
    ['missing state', { context: 'x' }, 422, /must have required property 'state'/],
    ['wrong type', { state: 'success', context: 5 }, 422, /context must be string/],
    ['not JSON', '{state:', 400, /Problems parsing JSON/],
  ])('invalid request: %s', async (_name, body, status, message) => {
    const r = await post(body);
    expect(r.status).toBe(status);
    expect((r.body as { message: string }).message).toMatch(message);
    expect(double.statusHistory('acme', 'widgets', sha(11))).toHaveLength(3);
  });

  test('an unknown SHA is refused with 422', async () => {
    const r = await post({ state: 'success' }, sha(12345));
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ message: `No commit found for SHA: ${sha(12345)}` });
  });

  test('writes need a token', async () => {
    expect(
      (
        await call('POST', `/repos/acme/widgets/statuses/${sha(11)}`, {
          body: { state: 'success' },
          auth: null,
        })
      ).status,
    ).toBe(401);
  });
});

describe('schema enforcement cannot silently pass', () => {
  test('a corrupted PR state makes the response violate the schema: 500 and a recorded violation', async () => {
    const pr = double.state.pull('acme', 'widgets', 1);
    if (!pr) throw new Error('fixture PR missing');
    (pr as { state: string }).state = 'merged';
    const r = await call('GET', '/repos/acme/widgets/pulls/1');
    expect(r.status).toBe(500);
    expect((r.body as { message: string }).message).toMatch(/violates GitHub's schema/);
    expect(double.violations).toHaveLength(1);
    expect(double.violations[0]).toMatchObject({ operationId: 'pulls/get', status: 200 });
    expect(double.violations[0]?.problems.join()).toMatch(
      /\/state must be equal to one of the allowed values/,
    );
  });

  test('unknown routes answer 404 Not Found and are recorded (Prow legacy plural refs included)', async () => {
    for (const p of ['/repos/acme/widgets/git/refs/heads/main', '/repos/acme/widgets/branches', '/nope']) {
      const r = await call('GET', p);
      expect(r.status).toBe(404);
      expect(r.body).toMatchObject({ message: 'Not Found' });
    }
    // GraphQL is served (graphql.test.ts), so it is not among them; GET /graphql is not a route.
    expect((await call('GET', '/graphql')).status).toBe(404);
    expect(double.unknownRequests().map((r) => r.path)).toEqual([
      '/repos/acme/widgets/git/refs/heads/main',
      '/repos/acme/widgets/branches',
      '/nope',
      '/graphql',
    ]);
  });

  test.each([
    [undefined, 200],
    ['2022-11-28', 200],
    ['2026-03-10', 400],
  ])('X-GitHub-Api-Version %s -> %i', async (version, status) => {
    const r = await call('GET', '/repos/acme/widgets/pulls', {
      headers: version ? { 'x-github-api-version': version } : {},
    });
    expect(r.status).toBe(status);
  });
});

describe('authentication', () => {
  const app = () => double.app;

  test('JWT -> GET /app -> installation token -> API call', async () => {
    const bearer = `Bearer ${jwt(app().privateKeyPem, { iat: nowS() - 30, exp: nowS() + 540, iss: app().appId })}`;
    const me = await call('GET', '/app', { auth: bearer });
    expect(me.body).toMatchObject({ id: app().appId, slug: 'status-reconciler' });
    const minted = await call('POST', `/app/installations/${app().installationId}/access_tokens`, {
      auth: bearer,
    });
    expect(minted.status).toBe(201);
    const { token: ghs, expires_at } = minted.body as { token: string; expires_at: string };
    expect(ghs).toMatch(/^ghs_[A-Za-z0-9]{36}$/);
    expect(Date.parse(expires_at) - Date.now()).toBeGreaterThan(59 * 60 * 1000);
    expect((await call('GET', '/repos/acme/widgets/pulls', { auth: `token ${ghs}` })).status).toBe(200);
    expect((await call('GET', '/repos/acme/installation', { auth: bearer })).status).toBe(404);
    expect((await call('GET', '/repos/acme/widgets/installation', { auth: bearer })).body).toMatchObject({
      id: app().installationId,
    });
    expect((await call('POST', '/app/installations/1/access_tokens', { auth: bearer })).status).toBe(404);
    expect(double.violations).toEqual([]);
  });

  test.each([
    ['wrong iss', () => ({ iat: nowS() - 30, exp: nowS() + 540, iss: 1 }), /Integration not found/],
    ['expired', () => ({ iat: nowS() - 700, exp: nowS() - 100, iss: double.app.appId }), /'Expiration time'/],
    [
      'lifetime over 10 minutes',
      () => ({ iat: nowS() - 30, exp: nowS() + 600, iss: double.app.appId }),
      /too far in the future/,
    ],
    [
      'issued in the future',
      () => ({ iat: nowS() + 300, exp: nowS() + 500, iss: double.app.appId }),
      /'Issued at'/,
    ],
  ])('JWT refused: %s', async (_name, claims, message) => {
    const r = await call('GET', '/app', { auth: `Bearer ${jwt(app().privateKeyPem, claims())}` });
    expect(r.status).toBe(401);
    expect((r.body as { message: string }).message).toMatch(message);
  });

  test('a JWT signed by another key is refused', async () => {
    const other = await startGitHubDouble({ logger: silentLogger });
    try {
      const forged = jwt(other.app.privateKeyPem, { iat: nowS() - 30, exp: nowS() + 540, iss: app().appId });
      expect((await call('GET', '/app', { auth: `Bearer ${forged}` })).status).toBe(401);
    } finally {
      await other.close();
    }
  });

  test.each([
    ['unknown token', 'token ghs_unknown', 401, 'Bad credentials'],
    ['installation token on GET /user', undefined, 403, 'Resource not accessible by integration'],
    ['installation token on GET /app', undefined, 401, 'A JSON web token could not be decoded'],
    ['anonymous GET /user', null, 401, 'Requires authentication'],
  ])('%s', async (name, auth, status, message) => {
    const path = name.includes('/app')
      ? '/app'
      : name.includes('/user')
        ? '/user'
        : '/repos/acme/widgets/pulls';
    const r = await call('GET', path, { auth });
    expect(r.status).toBe(status);
    expect((r.body as { message: string }).message).toBe(message);
  });

  test('a personal access token from the scenario is accepted; GET /user names its user', async () => {
    const r = await call('GET', '/user', { auth: 'token pat-alice-0123456789' });
    expect(r.body).toMatchObject({ login: 'alice' });
    expect(double.violations).toEqual([]);
  });

  test('installation tokens expire after one hour', async () => {
    let now = Date.now();
    const clocked = await startGitHubDouble({
      scenario: smallScenario,
      logger: silentLogger,
      now: () => now,
    });
    try {
      const t = clocked.issueToken();
      const get = () =>
        fetch(`${clocked.url}/repos/acme/widgets/pulls`, { headers: { authorization: `token ${t}` } });
      expect((await get()).status).toBe(200);
      now += 60 * 60 * 1000;
      expect((await get()).status).toBe(401);
    } finally {
      await clocked.close();
    }
  });
});

describe('rate limits, conditional requests, faults and the request log', () => {
  test('primary limit: headers on every response, then 403 with remaining 0; /rate_limit is free', async () => {
    const limited = await startGitHubDouble({
      scenario: smallScenario,
      logger: silentLogger,
      limits: { primary: { limit: 2, windowMs: 60_000 } },
    });
    try {
      const t = limited.issueToken();
      const get = (p: string) => fetch(limited.url + p, { headers: { authorization: `token ${t}` } });
      const a = await get('/repos/acme/widgets/pulls/1');
      expect(a.headers.get('x-ratelimit-limit')).toBe('2');
      expect(a.headers.get('x-ratelimit-remaining')).toBe('1');
      expect(a.headers.get('x-ratelimit-used')).toBe('1');
      expect(a.headers.get('x-ratelimit-resource')).toBe('core');
      const reset = Number(a.headers.get('x-ratelimit-reset'));
      expect(reset).toBeGreaterThan(Date.now() / 1000 + 50);
      expect(reset).toBeLessThan(Date.now() / 1000 + 70);
      await get('/repos/acme/widgets/pulls/2');
      const refused = await get('/repos/acme/widgets/pulls/1');
      expect(refused.status).toBe(403);
      expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(((await refused.json()) as { message: string }).message).toBe(
        'API rate limit exceeded for installation ID 99.',
      );
      const rl = await get('/rate_limit');
      expect(rl.status).toBe(200);
      expect(((await rl.json()) as { rate: unknown }).rate).toMatchObject({
        limit: 2,
        remaining: 0,
        used: 2,
      });
      expect(limited.violations).toEqual([]);
    } finally {
      await limited.close();
    }
  });

  test('primary limit answered with 429 when configured', async () => {
    const limited = await startGitHubDouble({
      logger: silentLogger,
      limits: { primary: { limit: 0, windowMs: 60_000, status: 429 } },
    });
    try {
      const r = await fetch(`${limited.url}/repos/a/b/pulls`, {
        headers: { authorization: `token ${limited.issueToken()}` },
      });
      expect(r.status).toBe(429);
    } finally {
      await limited.close();
    }
  });

  test('ETag + If-None-Match -> 304 without spending the bucket; another token gets 200', async () => {
    const first = await call('GET', '/repos/acme/widgets/pulls');
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^W\/"[0-9a-f]+"$/);
    const again = await call('GET', '/repos/acme/widgets/pulls', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.body).toBeUndefined();
    expect(again.headers.get('x-ratelimit-used')).toBe(first.headers.get('x-ratelimit-used'));
    const otherToken = await call('GET', '/repos/acme/widgets/pulls', {
      headers: { 'if-none-match': etag },
      auth: 'token pat-alice-0123456789',
    });
    expect(otherToken.status).toBe(200);
  });

  test('secondary limit: concurrency per token', async () => {
    const limited = await startGitHubDouble({
      scenario: smallScenario,
      logger: silentLogger,
      limits: { secondary: { maxConcurrent: 1, retryAfterSeconds: 7 } },
    });
    try {
      limited.faults.add({ match: { operationId: 'pulls/get' }, action: { kind: 'delay', ms: 1500 } });
      const t = limited.issueToken();
      const get = (p: string) => fetch(limited.url + p, { headers: { authorization: `token ${t}` } });
      const slow = get('/repos/acme/widgets/pulls/1');
      while (limited.limits.inFlightFor('installation:99') === 0) await new Promise((r) => setTimeout(r, 5));
      const second = await get('/repos/acme/widgets/pulls/2');
      expect(second.status).toBe(403);
      expect(second.headers.get('retry-after')).toBe('7');
      expect(((await second.json()) as { message: string }).message).toBe(
        'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      );
      expect((await slow).status).toBe(200);
      expect(limited.requests.maxConcurrency(tokenHash(t))).toBe(2);
    } finally {
      await limited.close();
    }
  });

  test('secondary limit: content-creating requests per window, with retry-after', async () => {
    const limited = await startGitHubDouble({
      scenario: smallScenario,
      logger: silentLogger,
      limits: { secondary: { writes: [{ limit: 2, windowMs: 10_000 }] } },
    });
    try {
      const t = limited.issueToken();
      const write = () =>
        fetch(`${limited.url}/repos/acme/widgets/statuses/${sha(11)}`, {
          method: 'POST',
          headers: { authorization: `token ${t}` },
          body: JSON.stringify({ state: 'success' }),
        });
      expect((await write()).status).toBe(201);
      expect((await write()).status).toBe(201);
      const third = await write();
      expect(third.status).toBe(403);
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(9);
      // Reads are not content creation.
      expect(
        (await fetch(`${limited.url}/repos/acme/widgets/pulls`, { headers: { authorization: `token ${t}` } }))
          .status,
      ).toBe(200);
    } finally {
      await limited.close();
    }
  });

  test.each([
    [
      'status 502 twice',
      { kind: 'status', status: 502, body: { message: 'Server Error' } } as const,
      2,
      [502, 502, 200],
    ],
    ['secondary limit', { kind: 'secondary-limit', retryAfterSeconds: 3 } as const, 1, [403, 200]],
    ['primary limit', { kind: 'primary-limit', resetInSeconds: 0 } as const, 1, [403, 200]],
    ['dropped connection', { kind: 'drop' } as const, 1, [0, 200]],
  ])('fault: %s', async (_name, action, times, statuses) => {
    double.faults.add({ match: { method: 'GET', path: '^/repos/acme/widgets/pulls$' }, action, times });
    for (let i = 0; i < statuses.length; i++)
      await call('GET', '/repos/acme/widgets/pulls').catch(() => undefined);
    await call('GET', '/repos/acme/widgets/pulls/1');
    expect(double.requests.entries.map((r) => r.status)).toEqual([...statuses, 200]);
    expect(double.faults.list()[0]).toMatchObject({ remaining: 0, fired: times });
  });

  test('fault: timeout holds the request, then drops the connection', async () => {
    double.faults.add({ match: { operationId: 'pulls/get' }, action: { kind: 'timeout', ms: 150 } });
    const t0 = Date.now();
    await expect(call('GET', '/repos/acme/widgets/pulls/1')).rejects.toThrow();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(double.requests.entries.map((r) => [r.status, r.fault])).toEqual([[0, 'timeout']]);
  });

  test('the request log records operations and token hashes, never tokens', async () => {
    await call('GET', '/repos/acme/widgets/pulls');
    await call('POST', `/repos/acme/widgets/statuses/${sha(11)}`, { body: { state: 'success' } });
    await call('POST', `/repos/acme/widgets/statuses/${sha(11)}`, { body: { state: 'success' } });
    const log = double.requests;
    expect(log.countsByOperation()).toEqual({ 'pulls/list': 1, 'repos/create-commit-status': 2 });
    expect(log.entries.every((r) => r.tokenHash === tokenHash(token))).toBe(true);
    expect(JSON.stringify(log.entries)).not.toContain(token);
    expect(log.maxConcurrency()).toBe(1);
    expect(log.minWriteSpacingMs()).toBeLessThan(1000);
    expect(log.entries.every((r) => r.endedAt >= r.startedAt)).toBe(true);
  });
});

describe('control plane under /_sandbox/', () => {
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${double.url}/_sandbox/${path}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  test('state, seed, faults, requests and reset', async () => {
    const state = await control('GET', 'state');
    expect(state.body).toMatchObject({ app: { appId: 777, installationId: 99 } });
    const repos = state.body.repos as {
      name: string;
      statuses: Record<string, { state: string; latest: unknown[] }>;
    }[];
    expect(repos[0]?.statuses[sha(11)]).toMatchObject({
      state: 'success',
      latest: [{ context: 'CI/Unit' }, { context: 'ci/lint' }],
    });

    const bad = await control('POST', 'seed', {
      repos: [{ owner: 'x', name: 'y', branches: { main: 'not-a-sha' } }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/\/repos\/0\/branches\/main: must match pattern/);

    expect(
      (await control('POST', 'seed', { repos: [{ owner: 'x', name: 'y', branches: { main: sha(1) } }] }))
        .status,
    ).toBe(200);
    expect(double.state.repo('x', 'y')).toBeDefined();
    const fault = await control('POST', 'faults', {
      match: { operationId: 'pulls/list' },
      action: { kind: 'status', status: 502 },
    });
    expect(fault.status).toBe(201);
    expect((await call('GET', '/repos/x/y/pulls')).status).toBe(502);
    const log = await fetch(`${double.url}/_sandbox/requests`).then(
      (r) => r.json() as Promise<{ status: number }[]>,
    );
    expect(log.map((r) => r.status)).toEqual([502]);
    expect(
      (await control('POST', 'faults', { match: {}, action: { kind: 'explode' } })).body.message,
    ).toMatch(/action.kind/);
    expect((await control('POST', 'membership-redirects', { org: 'x' })).status).toBe(200);
    expect((await call('GET', '/orgs/x/members/alice')).status).toBe(404); // no such org in this seed
    expect((await control('POST', 'membership-redirects', {})).body.message).toMatch(
      /membership-redirects.org/,
    );
    expect((await control('POST', 'reset')).status).toBe(200);
    expect(double.state.repo('acme', 'widgets')).toBeDefined();
    expect(double.faults.list()).toEqual([]);
  });
});
