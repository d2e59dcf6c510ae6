import { existsSync } from 'node:fs';
import path from 'node:path';
import type { GitHubScenario } from '../../../sandbox/github';
import { projectRoot } from '../../../src/project-root';

/**
 * The fault tests' world: 64 repositories of one org, one open PR each whose head carries six failing
 * contexts. Long names, as in Kubernetes' orgs, so a change's ReconcileRepositories keyword list reaches
 * the 2 KB a search attribute value may hold on SQL visibility.
 */
export const org = 'kubernetes-sigs';
export const repoCount = 64;
export const repos = Array.from(
  { length: repoCount },
  (_, i) => `cluster-api-provider-reconciler-fixture-${String(i + 1).padStart(2, '0')}`,
);
export const headSha = (repo: string): string => (repos.indexOf(repo) + 1).toString(16).padStart(40, 'a');
export const contexts = ['ctx-1', 'ctx-2', 'ctx-3', 'ctx-4', 'ctx-5', 'ctx-6'];
export const retiredDescription = 'Context retired without replacement.';

export const scenario: GitHubScenario = {
  app: { id: 4343, slug: 'reconciler-cluster', installationId: 61, installationAccount: org },
  orgs: [{ login: org, members: ['dev'] }],
  repos: repos.map((name) => ({
    owner: org,
    name,
    branches: { main: 'b'.repeat(40) },
    pulls: [{ number: 1, author: 'dev', baseRef: 'main', headSha: headSha(name), files: ['main.go'] }],
    statuses: {
      [headSha(name)]: contexts.map((context) => ({
        context,
        state: 'failure' as const,
        description: `${context} failed`,
      })),
    },
  })),
};

/** The job config: these always-run presubmits on every repository. */
export function jobsYaml(jobs: string[]): string {
  const lines = jobs
    .map((job) => `    - {name: ${job}, always_run: true, spec: {containers: [{image: golang}]}}\n`)
    .join('');
  return `presubmits:\n${repos.map((repo) => `  ${org}/${repo}:\n${lines}`).join('')}`;
}

export const jobFile = `jobs/${org}/presubmits.yaml`;

/** The server binaries scripts/build-temporal-server.sh builds, or why they are missing. */
export function clusterBinariesMissing(): string | undefined {
  const bin = path.join(projectRoot, '.tools', 'bin');
  const needed = [
    process.env.TEMPORAL_SERVER ?? path.join(bin, 'temporal-server'),
    process.env.TEMPORAL_SQL_TOOL ?? path.join(bin, 'temporal-sql-tool'),
  ];
  const missing = needed.filter((file) => !existsSync(file));
  if (missing.length > 0) return `${missing.join(', ')} missing: run bash scripts/build-temporal-server.sh`;
  if (!existsSync('/usr/lib/postgresql') && !process.env.PG_BIN)
    return 'PostgreSQL is not installed: apt-get install postgresql';
  return undefined;
}
