import type { GitHubScenario } from '../../sandbox/github';

/** A repository with many open PRs whose head SHAs carry the given contexts: load for resilience tests. */
export function busyRepository(
  pulls: number,
  contexts: string[],
): { scenario: GitHubScenario; sha(n: number): string } {
  const sha = (n: number): string => n.toString(16).padStart(40, 'c');
  return {
    sha,
    scenario: {
      app: { id: 9100, slug: 'reconciler-test', installationId: 41, installationAccount: 'acme' },
      orgs: [{ login: 'acme', members: ['dev'] }],
      repos: [
        {
          owner: 'acme',
          name: 'busy',
          branches: { main: 'd'.repeat(40) },
          pulls: Array.from({ length: pulls }, (_, i) => ({
            number: i + 1,
            author: 'dev',
            baseRef: 'main',
            headSha: sha(i + 1),
            files: ['main.go'],
          })),
          statuses: Object.fromEntries(
            Array.from({ length: pulls }, (_, i) => [
              sha(i + 1),
              contexts.map((context) => ({
                context,
                state: 'failure' as const,
                description: `${context} failed`,
              })),
            ]),
          ),
        },
      ],
    },
  };
}

/** A job config for acme/busy with these always-run presubmits (`name` or `name:context`). */
export function busyJobs(jobs: string[]): string {
  const lines = jobs.map((job) => {
    const [name, context] = job.split(':');
    return `    - {name: ${name}, always_run: true,${context ? ` context: ${context},` : ''} spec: {containers: [{image: golang}]}}\n`;
  });
  return `presubmits:\n  acme/busy:\n${lines.join('')}`;
}
