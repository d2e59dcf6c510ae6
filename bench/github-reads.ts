/**
 * GitHub reads per change, REST against GraphQL (issue 14): the same change on the same world, once with
 * `--github-read-api=rest` and once with `=graphql`, through the production activities (createActivities with
 * the project's GitHub client, called in MockActivityEnvironment: Temporal adds no GitHub requests) against the
 * GitHub double, which counts every request and charges GraphQL points by GitHub's formula.
 *
 * The world is the scale benchmark's (bench/support/prow-config-scale.ts): the Kubernetes project's real Prow
 * config (1x) or ten copies of its job files (10x), `BENCH_PRS` open PRs per repository (default 8) carrying
 * the contexts their presubmits would have reported, and a change removing `BENCH_REMOVE_FRACTION` (default
 * 5%) of the presubmits. Dry run: the reads are those of a real run (statuses are read, writes planned), and
 * no write competes with them for time. Repositories run one at a time, so each one's requests are its own.
 *
 *   npm run build && node dist/bench/github-reads.js          # 1x and 10x
 *   BENCH_SIZES=1 BENCH_PRS=8 node dist/bench/github-reads.js
 */
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../activities';
import type { GitHubReadApi } from '../src/github/repository-github';
import { silentLogger } from '../src/log';
import { projectRoot } from '../src/project-root';
import { hasWork, type RepoPlan } from '../src/reconcile/plan';
import { sandboxActivityDeps } from '../sandbox/activity-deps';
import { startGitHubDouble, type GitHubDouble, type LoggedRequest } from '../sandbox/github';
import type { DeploymentSettings } from '../workflows/types';
import { buildScaleFixture, scenarioFromIndex, type ScaleFixture } from './support/prow-config-scale';

const sourceDir = [
  path.join(projectRoot, '..', 'shared', 'data', 'kubernetes-prow-config', 'config'),
  path.join(projectRoot, '..', '..', 'shared', 'data', 'kubernetes-prow-config', 'config'),
].find((dir) => existsSync(dir));
const sizes = (process.env.BENCH_SIZES ?? '1,10').split(',').map(Number);
const prsPerRepo = Number(process.env.BENCH_PRS ?? 8);
const removeFraction = Number(process.env.BENCH_REMOVE_FRACTION ?? 0.05);

// The Kubernetes double is not called in a dry run; the ProwJob client only needs a kubeconfig to exist.
const kubeconfig = `apiVersion: v1
kind: Config
clusters: [{ name: none, cluster: { server: 'http://127.0.0.1:9', insecure-skip-tls-verify: true } }]
users: [{ name: none, user: {} }]
contexts: [{ name: none, context: { cluster: none, user: none } }]
current-context: none
`;

const options: DeploymentSettings = {
  dryRun: true,
  continueOnError: true,
  denylist: [],
  denylistAll: [],
  triggerNewRepos: false,
  guard: { enabled: false, maxRemovedFraction: 1, maxRepoRemovedFraction: 1, approvalTimeoutMs: 0 },
  repoConcurrency: 1,
  retryBlockedAfterMs: 0,
  heartbeatTimeoutMs: 60_000,
};

const out = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (n: number) => n.toLocaleString('en-US');

interface PassResult {
  readApi: GitHubReadApi;
  direction: Direction;
  prowJobsPlanned: number;
  repos: number;
  pulls: number;
  /** Every request of the change's repository activities. */
  requests: number;
  byOperation: Record<string, number>;
  points: number;
  /** Repositories whose reads beyond trust lookups were at most ⌈PRs/100⌉. */
  withinGoal: number;
  worstRepo: { repo: string; reads: number; pulls: number };
  statusesPlanned: number;
  wallMs: number;
}

const trustOperations = new Set([
  'orgs/check-membership-for-user',
  'repos/check-collaborator',
  'issues/list-labels-on-issue',
]);
// Once per client, not per repository or change: the App's installation token and its bot login.
const perClient = new Set(['apps/create-installation-access-token', 'apps/get-authenticated']);

/** The fixture's change removes presubmits; run backwards, it adds them (trust, ref and file reads). */
type Direction = 'remove' | 'add';

async function pass(
  readApi: GitHubReadApi,
  direction: Direction,
  double: GitHubDouble,
  fixture: ScaleFixture,
  openPulls: (repo: string) => number,
): Promise<PassResult> {
  double.reset();
  const acts = createActivities(
    sandboxActivityDeps({
      configSource: fixture.source,
      github: { url: double.url, app: double.app },
      kubeconfig,
      writeSpacingMs: 0,
      githubReadApi: readApi,
    }),
  );
  const inActivity = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> =>
    new MockActivityEnvironment().run(fn, ...args);
  const jobs = fixture.source.jobConfigPath as string;
  const toAfter = () => {
    renameSync(jobs, fixture.beforeJobsDir);
    renameSync(fixture.afterJobsDir, jobs);
  };
  const toBefore = () => {
    renameSync(jobs, fixture.afterJobsDir);
    renameSync(fixture.beforeJobsDir, jobs);
  };
  if (direction === 'add') toAfter();
  const baseline = await inActivity(acts.loadAndValidateConfig, {});
  if (direction === 'add') toBefore();
  else toAfter();
  try {
    const newest = await inActivity(acts.loadAndValidateConfig, {});
    const { plan } = await inActivity(acts.diffConfigs, {
      baseline,
      newestRevision: newest.revision,
      options,
    });
    const work = plan.repos.filter(hasWork);
    const started = performance.now();
    const result: PassResult = {
      readApi,
      direction,
      prowJobsPlanned: 0,
      repos: work.length,
      pulls: 0,
      requests: 0,
      byOperation: {},
      points: 0,
      withinGoal: 0,
      worstRepo: { repo: '', reads: 0, pulls: 0 },
      statusesPlanned: 0,
      wallMs: 0,
    };
    let seen = double.requests.entries.length;
    for (const repo of work as RepoPlan[]) {
      const outcome = await inActivity(acts.reconcileRepository, {
        plan: repo,
        baselineRevision: baseline.revision,
        newestRevision: newest.revision,
        options,
      });
      result.statusesPlanned += outcome.counts.statusesPlanned;
      result.prowJobsPlanned += outcome.counts.prowJobsPlanned;
      const mine: LoggedRequest[] = double.requests.entries.slice(seen);
      seen = double.requests.entries.length;
      const pulls = openPulls(repo.repo);
      result.pulls += pulls;
      let reads = 0;
      for (const r of mine) {
        const op = r.operationId ?? `${r.method} ${r.path}`;
        result.byOperation[op] = (result.byOperation[op] ?? 0) + 1;
        result.requests++;
        result.points += r.points ?? 0;
        if (!r.write && !trustOperations.has(op) && !perClient.has(op)) reads++;
      }
      if (reads <= Math.ceil(pulls / 100)) result.withinGoal++;
      if (reads > result.worstRepo.reads) result.worstRepo = { repo: repo.repo, reads, pulls };
    }
    result.wallMs = performance.now() - started;
    return result;
  } finally {
    if (direction === 'remove') toBefore();
  }
}

function report(size: number, fixture: ScaleFixture, direction: Direction, passes: PassResult[]): void {
  out(
    `\n=== ${size}x: ${fmt(fixture.before.presubmits)} presubmits in ${fmt(fixture.before.repos)} repositories, ` +
      `${prsPerRepo} open PRs each; the change ${direction === 'remove' ? 'removes' : 'adds back'} ` +
      `${fmt(fixture.removed.presubmits)} presubmits ===`,
  );
  for (const p of passes) {
    out(
      `${p.readApi.padEnd(7)} ${fmt(p.repos)} repositories, ${fmt(p.pulls)} PRs: ${fmt(p.requests)} requests ` +
        `(${(p.requests / p.repos).toFixed(2)} per repository), ${fmt(p.points)} GraphQL points; planned ` +
        `${fmt(p.statusesPlanned)} status writes, ${fmt(p.prowJobsPlanned)} ProwJobs; ${(p.wallMs / 1000).toFixed(1)} s`,
    );
    out(`        by operation: ${JSON.stringify(p.byOperation)}`);
    out(
      `        repositories with reads (trust lookups aside) <= ceil(PRs/100): ${fmt(p.withinGoal)} of ${fmt(p.repos)}; ` +
        `most: ${p.worstRepo.reads} (${p.worstRepo.repo}, ${p.worstRepo.pulls} PRs)`,
    );
  }
  const [rest, graphql] = passes as [PassResult, PassResult];
  const same =
    rest.statusesPlanned === graphql.statusesPlanned && rest.prowJobsPlanned === graphql.prowJobsPlanned;
  out(
    `same plan: ${same ? 'yes' : 'NO'} (writes ${fmt(rest.statusesPlanned)} / ${fmt(graphql.statusesPlanned)}, ` +
      `ProwJobs ${fmt(rest.prowJobsPlanned)} / ${fmt(graphql.prowJobsPlanned)}); ` +
      `GraphQL makes ${(rest.requests / graphql.requests).toFixed(1)}x fewer requests`,
  );
}

async function main(): Promise<void> {
  if (!sourceDir)
    throw new Error('the Kubernetes Prow config (shared/data/kubernetes-prow-config) was not found');
  const summary: string[] = [];
  for (const size of sizes) {
    const workDir = mkdtempSync(path.join(tmpdir(), 'bench-github-reads-'));
    try {
      const fixture = await buildScaleFixture({ sourceDir, workDir, copies: size, removeFraction });
      const scenario = scenarioFromIndex(fixture.beforeIndex, { prsPerRepo, seed: 7 });
      const pullsOf = new Map(
        (scenario.repos ?? []).map((r) => [`${r.owner}/${r.name}`, r.pulls?.length ?? 0]),
      );
      // Limits high enough that no pass waits: the point is to count, and the log counts points either way.
      const double = await startGitHubDouble({
        scenario,
        limits: { primary: { limit: 100_000_000, windowMs: 3_600_000 }, secondary: false },
        logger: silentLogger,
      });
      try {
        for (const direction of ['remove', 'add'] as const) {
          const passes: PassResult[] = [];
          for (const readApi of ['rest', 'graphql'] as const)
            passes.push(await pass(readApi, direction, double, fixture, (repo) => pullsOf.get(repo) ?? 0));
          report(size, fixture, direction, passes);
          const [rest, graphql] = passes as [PassResult, PassResult];
          summary.push(
            `| ${size}x | ${direction} ${fmt(fixture.removed.presubmits)} | ${fmt(rest.repos)} | ${fmt(rest.pulls)} | ` +
              `${fmt(rest.requests)} | ${fmt(graphql.requests)} | ${fmt(graphql.points)} | ` +
              `${fmt(graphql.withinGoal)} of ${fmt(graphql.repos)} |`,
          );
        }
      } finally {
        await double.close();
      }
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  }
  out(
    '\n| size | change | repositories | PRs | REST requests | GraphQL requests | GraphQL points | repos within ⌈PRs/100⌉ |',
  );
  out(
    '| ---- | ------ | ------------ | --- | ------------- | ---------------- | -------------- | ---------------------- |',
  );
  for (const line of summary) out(line);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
