import type { GitHubScenario } from '../../../sandbox/github/scenario';

/** A small world shared by the double's and the client's tests. */
export const sha = (n: number): string => n.toString(16).padStart(40, '0');

export const smallScenario: GitHubScenario = {
  app: { id: 777, slug: 'status-reconciler', installationId: 99, installationAccount: 'acme' },
  tokens: [{ token: 'pat-alice-0123456789', login: 'alice' }],
  orgs: [{ login: 'acme', members: ['alice', 'bob'] }],
  repos: [
    {
      owner: 'acme',
      name: 'widgets',
      collaborators: ['carol'],
      branches: { main: sha(1), 'release-1.0': sha(2) },
      commits: [sha(99)],
      pulls: [
        {
          number: 1,
          author: 'alice',
          title: 'Add widget',
          baseRef: 'main',
          headRef: 'widget',
          headSha: sha(11),
          labels: ['lgtm'],
          files: ['pkg/a.go', 'docs/a.md'],
        },
        {
          number: 2,
          author: 'mallory',
          title: 'Draft',
          draft: true,
          baseRef: 'release-1.0',
          headSha: sha(12),
          labels: ['ok-to-test'],
        },
        {
          number: 3,
          author: 'carol',
          title: 'Closed one',
          state: 'closed',
          baseRef: 'main',
          headSha: sha(13),
        },
        {
          number: 4,
          author: 'dependabot[bot]',
          title: 'Bump',
          baseRef: 'main',
          headSha: sha(14),
          mergeable: null,
        },
      ],
      statuses: {
        [sha(11)]: [
          { context: 'ci/unit', state: 'pending' },
          {
            context: 'ci/lint',
            state: 'success',
            description: 'ok',
            targetUrl: 'https://prow.example.com/1',
          },
          { context: 'CI/Unit', state: 'success', description: 'done' },
        ],
      },
    },
  ],
};
