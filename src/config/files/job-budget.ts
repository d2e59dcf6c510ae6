import type { ConfigProblem } from '../types';

/**
 * How many jobs one load may hold (issue 17). Every job costs heap from the moment its file is decoded until
 * the load ends, and a repository's jobs are defaulted and validated together: 50,000 presubmits of one
 * repository take about 150 MB of the worker's 256 MB heap at their peak, and a 1 MB file of one-line jobs
 * defines 80,000. Past these budgets a load fails closed, naming the file and the limit, before the jobs
 * are kept. The Kubernetes config has 2,261 presubmits in 240 repositories; ten times it fits well below.
 */
export const MAX_JOBS_PER_REPOSITORY = 60_000;
export const MAX_JOBS_PER_LOAD = 150_000;

interface Sink {
  add(problem: ConfigProblem): void;
}

type JobLists = Record<string, unknown>;

/** Counts the jobs of the decoded files of one load, in the order they are read. */
export class JobBudget {
  private total = 0;
  private readonly perRepository = new Map<string, number>();
  private exceeded = false;

  /** Whether the jobs of one decoded job (or Prow) config file fit; records a problem when they do not. */
  admit(file: string, value: Record<string, unknown> | undefined, sink: Sink): boolean {
    if (this.exceeded) return false;
    for (const section of ['presubmits', 'postsubmits'] as const) {
      const byRepo = value?.[section];
      if (!byRepo || typeof byRepo !== 'object') continue;
      for (const [repo, list] of Object.entries(byRepo as JobLists)) {
        if (!Array.isArray(list)) continue;
        const key = `${section}\0${repo}`;
        const count = (this.perRepository.get(key) ?? 0) + list.length;
        this.perRepository.set(key, count);
        if (count > MAX_JOBS_PER_REPOSITORY) {
          return this.refuse(sink, {
            file,
            field: `${section}.${repo}`,
            message: `the config defines more than ${MAX_JOBS_PER_REPOSITORY} ${section} for ${repo}, the limit for one repository`,
          });
        }
        this.total += list.length;
      }
    }
    const periodics = value?.periodics;
    if (Array.isArray(periodics)) this.total += periodics.length;
    if (this.total > MAX_JOBS_PER_LOAD) {
      return this.refuse(sink, {
        file,
        message: `the config defines more than ${MAX_JOBS_PER_LOAD} jobs, the limit for one load`,
      });
    }
    return true;
  }

  private refuse(sink: Sink, problem: ConfigProblem): false {
    this.exceeded = true;
    sink.add(problem);
    return false;
  }
}
