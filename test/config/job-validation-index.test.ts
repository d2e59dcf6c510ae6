import type { DecodedPresubmit } from '../../src/config/prow/decoded-config';
import { validatePresubmits, type JobListProblem } from '../../src/config/prow/job-validation';
import { goList } from '../../src/config/go/kubernetes-names';
import { branchersIntersect } from '../../src/config/presubmit-index/presubmit';
import {
  branchListPattern,
  compileRe2,
  regexCacheStats,
  REGEX_CACHE_PROGRAM_SIZE,
} from '../../src/config/go/re2';
import { regexCost } from '../../src/config/go/regex-cost';

/**
 * The indexed validation (issue 17) gives exactly what Prow's pairwise loop gives (validatePresubmits in
 * Prow's config.go: every job against every other), on random lists over a few names, contexts, branches and
 * skip lists, a skip list that does not compile included.
 */

const settings = { podNamespace: 'test-pods', jobQueueNames: new Set<string>() };

/** Prow's loop, as the port had it before the index: O(n²) Brancher.Intersects. */
function pairwise(jobs: readonly DecodedPresubmit[]): string[] {
  const intersects = (a: DecodedPresubmit, b: DecodedPresubmit): boolean => {
    try {
      return branchersIntersect(a, b);
    } catch {
      return true;
    }
  };
  const out: string[] = [];
  const seen = new Map<string, DecodedPresubmit[]>();
  const duplicates = new Set<string>();
  for (const job of jobs) {
    const name = job.name ?? '';
    for (const existing of seen.get(name) ?? []) if (intersects(existing, job)) duplicates.add(name);
    for (const other of jobs) {
      if (other.name === name || !intersects(other, job) || other.context !== job.context) continue;
      out.push(
        `jobs ${other.name} and ${name} report to the same GitHub context ${JSON.stringify(job.context)}`,
      );
    }
    seen.set(name, [...(seen.get(name) ?? []), job]);
  }
  if (duplicates.size > 0)
    out.push(
      `duplicated presubmit jobs (consider both inrepo and central config): ${goList([...duplicates].sort())}`,
    );
  return out;
}

/** A small deterministic generator (xorshift), so a failure names a reproducible seed. */
function random(seed: number): (n: number) => number {
  let x = seed || 1;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return Math.abs(x) % n;
  };
}

const pick = <T>(next: (n: number) => number, from: readonly T[]): T => from[next(from.length)] as T;
const BRANCHES = ['main', 'release-1.0', 'release-1.1', 'dev'];
const SKIPS = [['^release-'], ['^main$'], ['.*'], ['dev', 'main'], ['(']];

function randomJobs(seed: number): DecodedPresubmit[] {
  const next = random(seed);
  return Array.from({ length: 2 + next(14) }, () => {
    const job: DecodedPresubmit = {
      name: pick(next, ['a', 'b', 'c', 'd']),
      context: pick(next, ['x', 'y']),
      always_run: true,
      spec: { containers: [{ image: 'alpine', command: ['echo'] }] },
      trigger: '/test',
      rerun_command: '/test',
    } as DecodedPresubmit;
    const filter = next(3);
    if (filter === 1) job.branches = BRANCHES.filter(() => next(2) === 0).slice(0, 1 + next(2));
    if (filter === 2) job.skip_branches = pick(next, SKIPS);
    if (job.branches?.length === 0) delete job.branches;
    return job;
  });
}

const messages = (problems: readonly JobListProblem[]): string[] =>
  problems.map((p) => p.message).filter((m) => m.startsWith('jobs ') || m.startsWith('duplicated'));

describe('indexed job validation', () => {
  it.each(Array.from({ length: 400 }, (_, i) => i + 1))('matches the pairwise loop (seed %i)', (seed) => {
    const jobs = randomJobs(seed);
    expect(messages(validatePresubmits(jobs, settings))).toEqual(pairwise(jobs));
  });

  it('checks 50,000 presubmits of one repository without comparing every pair', () => {
    const jobs = Array.from(
      { length: 50_000 },
      (_, i) =>
        ({
          name: `job-${i}`,
          context: `job-${i}`,
          always_run: true,
          spec: { containers: [{ image: 'alpine', command: ['echo'] }] },
          trigger: '/test',
          rerun_command: '/test',
        }) as DecodedPresubmit,
    );
    expect(validatePresubmits(jobs, settings)).toEqual([]);
  });
});

describe('regex budgets', () => {
  // Go's calcSize: one instruction per literal rune, a split per extra alternative, two per capture, x{n,m}
  // m copies; plus the match instruction.
  it.each([
    ['main', 5],
    ['^release-1\\.[0-9]+$', 15],
    ['a|b|c', 6],
    ['(ab)*', 7],
    ['x{3,5}', 8],
    ['(a{1000}){1000}', 1_002_001],
  ])('costs %s at %i instructions', (pattern, instructions) => {
    expect(regexCost(pattern).instructions).toBe(instructions);
  });

  it('lists a repeated plain branch once, and keeps branches that could change how others read', () => {
    expect(branchListPattern(['main', 'dev', 'main'])).toBe('main|dev');
    expect(branchListPattern(['(?i)x', 'y', '(?i)x'])).toBe('(?i)x|y|(?i)x');
  });

  it('keeps the compiled-expression cache within its budget', () => {
    for (let i = 0; i < 1_000; i++) compileRe2(`^branch-${i}-${'z'.repeat(200)}$`);
    expect(regexCacheStats().programSize).toBeLessThanOrEqual(REGEX_CACHE_PROGRAM_SIZE);
  });
});
