import type { ProwJobTriggerer, PullRequestRecord, TriggerRequest } from '../reconcile/repository';
import type { ProwJobCreator } from './client';
import { buildPresubmitProwJob, type PullRequestFacts } from './prowjob';
import { prowJobName } from './prowjob-name';

export interface PresubmitTriggererOptions {
  creator: ProwJobCreator;
  /** Revision of the transition's baseline: with the PR and job it makes the names deterministic (Q11). */
  baselineRevision: string;
  namespace: string;
  schedulerEnabled: boolean;
  githubHost: string;
  now: () => Date;
  signal?: AbortSignal;
}

function pullRequestFacts(org: string, repo: string, pr: PullRequestRecord): PullRequestFacts {
  return {
    number: pr.number,
    title: pr.title,
    html_url: pr.htmlUrl,
    user: { login: pr.author },
    head: { sha: pr.headSha, ref: pr.headRef },
    base: { ref: pr.baseRef, repo: { name: repo, owner: { login: org } } },
  };
}

/** Names of the ProwJobs a trigger request would create; the dry-run plan shows exactly these (Q14). */
export function plannedProwJobNames(
  baselineRevision: string,
  req: TriggerRequest,
): { job: string; name: string }[] {
  return req.jobs.map((job) => ({
    job: job.name,
    name: prowJobName({
      baselineRevision,
      org: req.org,
      repo: req.repo,
      pr: req.pr.number,
      headSha: req.pr.headSha,
      job: job.name,
    }),
  }));
}

/**
 * Builds and creates the ProwJobs of one PR (R18.3): every job is attempted, AlreadyExists counts as
 * success (a retried activity finds its own earlier jobs), and the errors are aggregated.
 */
export function createPresubmitTriggerer(options: PresubmitTriggererOptions): ProwJobTriggerer {
  return {
    async trigger(req) {
      const results: { job: string; name: string; result: 'created' | 'exists' }[] = [];
      const errors: string[] = [];
      for (const { job, name } of plannedProwJobNames(options.baselineRevision, req)) {
        const presubmit = req.jobs.find((p) => p.name === job);
        if (!presubmit) continue;
        const prowJob = buildPresubmitProwJob({
          presubmit,
          pullRequest: pullRequestFacts(req.org, req.repo, req.pr),
          baseSha: req.baseSha,
          name,
          namespace: options.namespace,
          schedulerEnabled: options.schedulerEnabled,
          startTime: options.now(),
          githubHost: options.githubHost,
        });
        try {
          results.push({ job, name, result: await options.creator.create(prowJob, options.signal) });
        } catch (err) {
          errors.push(err instanceof Error ? err.message : String(err));
        }
      }
      if (errors.length > 0) throw new Error(errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`);
      return results;
    },
  };
}
