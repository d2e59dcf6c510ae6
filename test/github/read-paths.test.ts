import { createGitHubClient } from '../../src/github/client';
import { GitHubApi } from '../../src/github/github-api';
import { repositoryGitHub, type GitHubReadApi } from '../../src/github/repository-github';
import { silentLogger } from '../../src/log';
import { reconcileRepository, type RepositoryInput } from '../../src/reconcile/repository';
import { startGitHubDouble, type GitHubDouble } from '../../sandbox/github/github-double';
import type { GitHubScenario, ScenarioRepo } from '../../sandbox/github/scenario';
import { generateScenario } from '../../sandbox/github/scenario-generator';
import { asPresubmit, FakeTriggerer } from '../reconcile/fake-github';
import { presubmit } from '../reconcile/prow-yaml';

/**
 * `--github-read-api=rest` and `=graphql` on the same world give the same plan: the same ProwJobs for the same
 * PRs (with the same PR records and base SHAs), the same status writes, the same errors, and the same statuses
 * on GitHub afterwards. The world has what makes the two paths differ if anything is wrong: two pages of PRs,
 * PRs with more than a page of files, contexts and labels, a bot author, drafts, outside authors trusted by
 * ok-to-test (past the first page of labels), two PRs sharing a head SHA, and a PR on a deleted branch.
 */
let double: GitHubDouble;
const org = 'acme';

function world(): GitHubScenario {
  // Two pages of PRs in repo-0, a few in repo-1; statuses only where the test needs them (writes are slow).
  const scenario = generateScenario({ repos: 2, prsPerRepo: 105, contextsPerPr: 0, seed: 14, org });
  const [first, second] = scenario.repos as [ScenarioRepo, ScenarioRepo];
  second.pulls = (second.pulls ?? []).slice(0, 6);
  const pulls = first.pulls ?? [];
  const statuses: NonNullable<ScenarioRepo['statuses']> = {};
  first.statuses = statuses;
  const at = (n: number) => pulls[n - 1] as NonNullable<(typeof pulls)[number]>;
  const contexts = (repo: string) => [
    {
      context: `pull-${repo}-job-1`,
      state: 'failure' as const,
      description: 'Job failed.',
      targetUrl: 'https://prow/1',
    },
    { context: `pull-${repo}-job-2`, state: 'success' as const, description: 'Job succeeded.' },
  ];
  for (const n of [4, 7, 10, 20, 104]) statuses[at(n).headSha] = contexts('repo-0');
  second.statuses = Object.fromEntries(
    (second.pulls ?? []).slice(0, 3).map((p) => [p.headSha, contexts('repo-1')]),
  );
  // More than a page of files: the file-filtered job matches only the 150th.
  at(3).files = Array.from({ length: 149 }, (_, i) => `docs/${i}.md`).concat(['pkg/late.go']);
  at(3).draft = false;
  at(3).baseRef = 'main';
  // More than a page of contexts: the retired and moved contexts come last.
  statuses[at(4).headSha] = [
    ...Array.from({ length: 130 }, (_, i) => ({ context: `other-${i}`, state: 'success' as const })),
    ...contexts('repo-0'),
  ];
  // An outsider trusted only by ok-to-test, after a hundred other labels.
  at(5).author = 'outsider-9';
  at(5).draft = false;
  at(5).labels = [...Array.from({ length: 104 }, (_, i) => `label-${i}`), 'ok-to-test'];
  // A bot (trusted as a member: the App's own bot login).
  at(6).author = 'status-reconciler[bot]';
  at(6).draft = false;
  // Two PRs with one head SHA: the second must see the first one's writes.
  at(8).headSha = at(7).headSha;
  at(8).baseRef = at(7).baseRef;
  // A base branch that no longer exists: the trigger fails on this PR in both paths.
  at(9).baseRef = 'gone';
  at(9).baseSha = first.branches.main;
  at(9).draft = false;
  at(9).author = 'member-1';
  return scenario;
}

function inputFor(name: string): RepositoryInput {
  const job = (p: Parameters<typeof presubmit>[0]) => asPresubmit(presubmit({ context: p.name, ...p }));
  return {
    org,
    name,
    trigger: [
      job({ name: 'pull-always', always_run: true, branches: ['^main$', 'gone'] }),
      job({ name: 'pull-pkg', run_if_changed: '^pkg/' }),
      job({ name: 'pull-release', always_run: true, branches: ['release'] }),
    ],
    retire: [{ job: 'old', context: `pull-${name}-job-1` }],
    migrate: [{ job: 'moved', from: `pull-${name}-job-2`, to: 'pull-new-name' }],
    triggers: [],
    dryRun: false,
    continueOnError: true,
  };
}

async function run(readApi: GitHubReadApi) {
  double.reset();
  double.seed(world());
  const client = await createGitHubClient({
    baseUrl: double.url,
    auth: {
      appId: double.app.appId,
      privateKey: double.app.privateKeyPem,
      installationId: double.app.installationId,
    },
    retryBaseMs: 1,
    rateLimitBaseMs: 1,
    writeSpacingMs: 0,
    logger: silentLogger,
  });
  const api = new GitHubApi(client);
  const github = repositoryGitHub(async () => api, undefined, readApi);
  const triggerer = new FakeTriggerer();
  const outcomes = [];
  for (const repo of ['repo-0', 'repo-1']) {
    const outcome = await reconcileRepository(
      { ...(await github(org, repo)), triggerer, log: silentLogger },
      inputFor(repo),
    );
    outcomes.push({
      triggered: outcome.triggered,
      statusWrites: outcome.statusWrites,
      errors: outcome.errors,
      stopped: outcome.stopped,
    });
  }
  const statuses = [...double.state.repos.values()].flatMap((repo) =>
    [...repo.statuses.keys()].sort().map((sha) => ({
      repo: repo.name,
      sha,
      history: double
        .statusHistory(repo.owner, repo.name, sha)
        .map((s) => [s.context, s.state, s.description, s.targetUrl]),
    })),
  );
  return {
    outcomes,
    triggerRequests: triggerer.requests.map((r) => ({
      repo: r.repo,
      pr: { ...r.pr, labels: [...(r.pr.labels ?? [])].sort() },
      baseSha: r.baseSha,
      jobs: r.jobs.map((j) => j.name),
    })),
    statuses,
    requests: double.requests.countsByOperation(),
    points: double.requests.graphqlPoints(),
  };
}

beforeAll(async () => {
  // GitHub's 80 writes a minute would make this test wait minutes; the primary limits (and points) stay on.
  double = await startGitHubDouble({ scenario: world(), logger: silentLogger, limits: { secondary: false } });
});
afterAll(() => double.close());
afterEach(() => {
  expect(double.violations).toEqual([]);
  expect(double.unknownRequests()).toEqual([]);
});

test('REST and GraphQL reads give the same plan, writes and errors on the same world', async () => {
  const rest = await run('rest');
  const graphql = await run('graphql');

  // The world exercises what it should.
  const triggeredPrs = new Set(rest.triggerRequests.map((r) => `${r.repo}#${r.pr.number}`));
  expect(triggeredPrs).toEqual(expect.objectContaining({ size: expect.any(Number) }));
  expect(triggeredPrs.has('repo-0#3')).toBe(true); // pkg/late.go, file 150
  expect(triggeredPrs.has('repo-0#5')).toBe(true); // ok-to-test, label 105
  expect(triggeredPrs.has('repo-0#6')).toBe(true); // the App's bot
  expect(rest.outcomes[0]?.errors.some((e) => e.startsWith('failed to trigger jobs for acme/repo-0#9'))).toBe(
    true,
  );
  expect(rest.outcomes[0]?.statusWrites.some((w) => w.pr === 4 && w.phase === 'migrate')).toBe(true);
  // PRs 7 and 8 share a SHA: the one listed first (newest, 8) writes, the other finds the writes.
  expect(rest.outcomes[0]?.statusWrites.filter((w) => w.pr === 8)).toHaveLength(3);
  expect(rest.outcomes[0]?.statusWrites.filter((w) => w.pr === 7)).toEqual([]);
  expect(rest.outcomes.flatMap((o) => o.statusWrites).length).toBeGreaterThanOrEqual(3 * (4 + 3));

  expect(graphql.outcomes).toEqual(rest.outcomes);
  expect(graphql.triggerRequests).toEqual(rest.triggerRequests);
  expect(graphql.statuses).toEqual(rest.statuses);

  // REST: a PR page per 100, a combined status per PR, files per file-filtered PR, a ref per branch.
  expect(rest.requests['pulls/list']).toBe(3);
  expect(rest.requests['repos/get-combined-status-for-ref']).toBeGreaterThan(100);
  // GraphQL: 2 pages for repo-0 and 1 for repo-1, plus follow-ups for PR 3's files, PR 4's contexts and PR 5's
  // labels; REST only for the deleted branch (its 404 is the error) and the status of the SHA written for PR 7.
  expect(graphql.requests['graphql']).toBe(2 + 1 + 3);
  expect(graphql.requests['pulls/list']).toBeUndefined();
  expect(graphql.requests['pulls/list-files']).toBeUndefined();
  expect(graphql.requests['repos/get-combined-status-for-ref']).toBe(1);
  expect(graphql.requests['git/get-ref']).toBe(1);
  // Each PR page: (1 + 100 labels + 100 files + 100 commits + 100 contexts) / 100 = 4 points; follow-ups 1.
  expect(graphql.points).toBe(3 * 4 + 3);
  expect(graphql.requests['repos/create-commit-status']).toBe(rest.requests['repos/create-commit-status']);
}, 240_000);
