import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import {
  createActivities,
  type LegacyRepositoryActivityInput,
  type RepositoryActivityInput,
} from '../../activities';
import { silentLogger } from '../../src/log';
import { projectRoot } from '../../src/project-root';
import type { RepoPlan } from '../../src/reconcile/plan';
import type { RepositoryGitHub } from '../../src/reconcile/repository';
import type { CommitStatus } from '../../src/reconcile/status-decisions';

/**
 * The repository activity's input names the plan `plan`; runs started before that name sent it as `repo`
 * (recorded in their histories), and a newer worker may retry such an activity: both give the same result.
 */
const examples = path.join(projectRoot, 'examples', 'config');

/** One open PR whose head carries the context to retire. */
function github(): RepositoryGitHub {
  const statuses: CommitStatus[] = [{ context: 'pull-gone', state: 'failure', description: 'failed' }];
  return {
    pulls: {
      listOpenPullRequests: async () => [
        {
          number: 1,
          draft: false,
          author: 'someone',
          title: 't',
          baseRef: 'main',
          headRef: 'x',
          headSha: 'abc',
        },
      ],
      listPullRequestFiles: async () => [],
    },
    statuses: { getCombinedStatus: async () => statuses, createStatus: async () => undefined },
    refs: { getBranchSha: async () => 'base' },
    trust: {
      botLogin: 'bot',
      isOrgMember: async () => false,
      isCollaborator: async () => false,
      listIssueLabels: async () => [],
    },
  };
}

describe('the repository activity input', () => {
  it('reads the plan from `plan`, and from `repo` as older runs send it', async () => {
    const activities = createActivities({
      configSource: {
        configPath: path.join(examples, 'prow', 'config.yaml'),
        jobConfigPath: path.join(examples, 'jobs'),
        pluginConfigPath: path.join(examples, 'prow', 'plugins.yaml'),
      },
      github: async () => github(),
      prowJobs: () => ({
        create: async () => {
          throw new Error('a dry run creates no ProwJob');
        },
        get: async () => undefined,
        list: async () => [],
      }),
      githubHost: 'github.com',
      log: silentLogger,
    });
    const env = new MockActivityEnvironment();
    const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> =>
      env.run(fn, ...args);
    const newest = await run(activities.loadAndValidateConfig, {});
    const plan: RepoPlan = {
      repo: 'my-org/my-repo',
      org: 'my-org',
      name: 'my-repo',
      trigger: [],
      retire: [{ job: 'pull-gone', context: 'pull-gone' }],
      migrate: [],
    };
    const common = {
      baselineRevision: 'baseline',
      newestRevision: newest.revision,
      options: { dryRun: true, continueOnError: false },
    };
    const current: RepositoryActivityInput = { plan, ...common };
    const legacy: LegacyRepositoryActivityInput = { repo: plan, ...common };

    const fromPlan = await run(activities.reconcileRepository, current);
    const fromRepo = await run(activities.reconcileRepository, legacy);

    expect(fromPlan.repo).toBe('my-org/my-repo');
    expect(fromPlan.statusWrites).toEqual([
      {
        pr: 1,
        sha: 'abc',
        context: 'pull-gone',
        state: 'success',
        description: 'Context retired without replacement.',
        phase: 'retire',
        result: 'planned',
      },
    ]);
    expect(fromRepo).toEqual(fromPlan);
  });
});
