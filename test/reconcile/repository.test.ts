import type { IndexedPresubmit, PresubmitsByRepo } from '../../src/config/types';
import {
  reconcileRepository,
  type PullRequestDone,
  type RepositoryInput,
} from '../../src/reconcile/repository';
import type { CommitStatus } from '../../src/reconcile/status-decisions';
import { asPresubmit, FakeGitHub, FakeTriggerer, pullRequest } from './fake-github';
import { presubmit } from './prow-yaml';
import { reconcileDelta } from './reconcile-delta';

const failing: CommitStatus = {
  context: 'old',
  state: 'failure',
  description: 'Job failed.',
  target_url: 'u1',
};

function input(partial: Partial<RepositoryInput>): RepositoryInput {
  return {
    org: 'org',
    name: 'repo',
    trigger: [],
    retire: [],
    migrate: [],
    triggers: [],
    dryRun: false,
    continueOnError: true,
    ...partial,
  };
}

const job = (p: Partial<IndexedPresubmit> & { name: string }) =>
  asPresubmit(presubmit({ context: p.name, always_run: true, ...p }));

// Ported from kubernetes-sigs/prow pkg/statusreconciler/migrator/migrator_test.go (spec §15.3). Prow's filter
// records its argument; ours is the retired presubmit's real branch filter (R20.3).
describe('TestProcessPR', () => {
  it.each([
    { name: 'branch matching filter should proceed', branches: ['^branch$'], retrieved: true },
    { name: 'branch not matching filter should not proceed', branches: ['^other$'], retrieved: false },
  ])('$name', async ({ branches, retrieved }) => {
    const gh = new FakeGitHub();
    gh.prs.set('org/repo', [pullRequest({ number: 1, baseRef: 'branch', headSha: 'fake' })]);
    gh.combinedErrors.add('org/repo@fake');
    await reconcileRepository(
      gh.deps(new FakeTriggerer()),
      input({ retire: [{ job: 'a', context: 'a', branches }] }),
    );
    expect(gh.combinedShas).toEqual(retrieved ? ['org/repo@fake'] : []);
  });
});

describe('per-repository reconcile', () => {
  it('continue-on-error off: a trigger error stops the later phases', async () => {
    const gh = new FakeGitHub();
    const triggerer = new FakeTriggerer();
    gh.prs.set('org/repo', [pullRequest({ number: 1 }), pullRequest({ number: 2 })]);
    gh.members.add('org/user');
    gh.setStatuses('org/repo', 'sha-1', [failing]);
    gh.setStatuses('org/repo', 'sha-2', [failing]);
    triggerer.errors.set('org/repo#1', new Set(['new']));
    const outcome = await reconcileRepository(
      gh.deps(triggerer),
      input({
        trigger: [job({ name: 'new' })],
        retire: [{ job: 'old', context: 'old' }],
        continueOnError: false,
      }),
    );
    expect(outcome.errors).toEqual(['failed to trigger jobs for org/repo#1: failed to trigger prow job']);
    expect(outcome.stopped).toBe('error');
    expect(triggerer.requests.map((r) => r.pr.number)).toEqual([1]);
    expect(gh.calls.combined).toBe(0);
    expect(gh.writes).toEqual([]);
  });

  it('continue-on-error off: the first repository with an error stops the others', async () => {
    const gh = new FakeGitHub();
    const triggerer = new FakeTriggerer();
    for (const repo of ['org/a', 'org/b']) {
      gh.prs.set(repo, [pullRequest({ number: 1 })]);
      gh.setStatuses(repo, 'sha-1', [failing]);
    }
    gh.prErrors.add('org/a');
    const before = {
      'org/a': [presubmit({ name: 'old', context: 'old' })],
      'org/b': [presubmit({ name: 'old', context: 'old' })],
    };
    const { errors, outcomes } = await reconcileDelta(
      before,
      { 'org/a': [], 'org/b': [] },
      gh.deps(triggerer),
      {
        continueOnError: false,
      },
    );
    expect(errors).toEqual(['failed to list pull requests for org/a: failed to get PRs']);
    expect(outcomes.map((o) => o.repo)).toEqual(['org/a']);
    expect(gh.writes).toEqual([]);
  });

  it('a real trigger error: trust succeeds, creation fails; retire and migrate still run', async () => {
    const gh = new FakeGitHub();
    const triggerer = new FakeTriggerer();
    gh.prs.set('org/repo', [pullRequest({ number: 1 })]);
    gh.members.add('org/user');
    gh.refs.set('org/repo heads/base', 'abc');
    gh.setStatuses('org/repo', 'sha-1', [failing, { context: 'mig', state: 'pending' }]);
    triggerer.errors.set('org/repo#1', new Set(['new']));
    const outcome = await reconcileRepository(
      gh.deps(triggerer),
      input({
        trigger: [job({ name: 'new' })],
        retire: [{ job: 'old', context: 'old' }],
        migrate: [{ job: 'm', from: 'mig', to: 'mig2' }],
      }),
    );
    expect(outcome.errors).toEqual(['failed to trigger jobs for org/repo#1: failed to trigger prow job']);
    expect(gh.calls.member).toBe(1);
    expect(outcome.statusWrites.map((w) => `${w.phase}:${w.context}`)).toEqual([
      'retire:old',
      'migrate:mig2',
      'migrate:mig',
    ]);
  });

  it('a base-ref error reads as Prow', async () => {
    const gh = new FakeGitHub();
    gh.prs.set('org/repo', [pullRequest({ number: 1 })]);
    gh.members.add('org/user');
    gh.refErrors.add('org/repo heads/base');
    const outcome = await reconcileRepository(
      gh.deps(new FakeTriggerer()),
      input({ trigger: [job({ name: 'new' })] }),
    );
    expect(outcome.errors).toEqual([
      'failed to trigger jobs for org/repo#1: failed to get baseSHA: failed to get ref',
    ]);
  });

  it('looks the base branch SHA up once per branch', async () => {
    const gh = new FakeGitHub();
    gh.prs.set('org/repo', [
      pullRequest({ number: 1 }),
      pullRequest({ number: 2 }),
      pullRequest({ number: 3, baseRef: 'dev' }),
    ]);
    gh.members.add('org/user');
    gh.refs.set('org/repo heads/base', 'abc');
    gh.refs.set('org/repo heads/dev', 'def');
    const triggerer = new FakeTriggerer();
    await reconcileRepository(gh.deps(triggerer), input({ trigger: [job({ name: 'new' })] }));
    expect(gh.calls.refs).toBe(2);
    expect(triggerer.requests.map((r) => r.baseSha)).toEqual(['abc', 'abc', 'def']);
    // Membership is memoized per (org, user) for the repository run.
    expect(gh.calls.member).toBe(1);
  });

  it('Q1: a new repository is triggered only with --trigger-new-repos, never on a baseline', async () => {
    const before = { 'org/repo': [presubmit({ name: 'a', context: 'a', always_run: true })] };
    const after = {
      ...before,
      'org/new': [presubmit({ name: 'pull-unit', context: 'pull-unit', always_run: true })],
    };
    const setup = () => {
      const gh = new FakeGitHub();
      gh.prs.set('org/new', [pullRequest({ number: 1 })]);
      gh.members.add('org/user');
      return gh;
    };
    const off = new FakeTriggerer();
    await reconcileDelta(before, after, setup().deps(off), { continueOnError: true });
    expect(off.createdJobs()).toEqual({});
    const on = new FakeTriggerer();
    await reconcileDelta(before, after, setup().deps(on), { continueOnError: true, triggerNewRepos: true });
    expect(on.createdJobs()).toEqual({ 'org/new#1': ['pull-unit'] });
    const baseline = new FakeTriggerer();
    await reconcileDelta({}, after, setup().deps(baseline), { continueOnError: true, triggerNewRepos: true });
    expect(baseline.createdJobs()).toEqual({});
  });

  it('Q2: always_run false → true on a blocking presubmit triggers it', async () => {
    const gh = new FakeGitHub();
    const triggerer = new FakeTriggerer();
    gh.prs.set('org/repo', [pullRequest({ number: 1 })]);
    gh.members.add('org/user');
    await reconcileDelta(
      { 'org/repo': [presubmit({ name: 'pull-manual', context: 'pull-manual' })] },
      { 'org/repo': [presubmit({ name: 'pull-manual', context: 'pull-manual', always_run: true })] },
      gh.deps(triggerer),
      { continueOnError: true },
    );
    expect(triggerer.createdJobs()).toEqual({ 'org/repo#1': ['pull-manual'] });
  });

  it('Q3: skip_report true → false plus a run_if_changed change yields one ProwJob', async () => {
    const gh = new FakeGitHub();
    const triggerer = new FakeTriggerer();
    gh.prs.set('org/repo', [pullRequest({ number: 1 })]);
    gh.files.set('org/repo#1', ['docs/a.md']);
    gh.members.add('org/user');
    await reconcileDelta(
      {
        'org/repo': [
          presubmit({ name: 'pull-docs', context: 'pull-docs', skip_report: true, run_if_changed: '^docs/' }),
        ],
      },
      {
        'org/repo': [presubmit({ name: 'pull-docs', context: 'pull-docs', run_if_changed: '^(docs|site)/' })],
      },
      gh.deps(triggerer),
      { continueOnError: true },
    );
    expect(triggerer.requests.map((r) => r.jobs.map((j) => j.name))).toEqual([['pull-docs']]);
  });

  it('Q4: a PR with no matching job causes no trust, ref or create call', async () => {
    const gh = new FakeGitHub();
    const triggerer = new FakeTriggerer();
    gh.prs.set('org/repo', [pullRequest({ number: 1, baseRef: 'release-1.0' })]);
    gh.members.add('org/user');
    const outcome = await reconcileRepository(
      gh.deps(triggerer),
      input({
        trigger: [
          job({ name: 'e2e', branches: ['^main$'] }),
          job({ name: 'docs', always_run: false, run_if_changed: '^docs/' }),
        ],
      }),
    );
    expect(outcome).toMatchObject({ errors: [], triggered: [] });
    expect(gh.trustCalls).toBe(0);
    expect(gh.calls.refs).toBe(0);
    expect(triggerer.requests).toEqual([]);
    expect(outcome.reads).toMatchObject({ files: 1, trust: 0, refs: 0 });
  });

  it('Q5: a changed-files error belongs to its PR; earlier errors are kept and other PRs still trigger', async () => {
    const gh = new FakeGitHub();
    const triggerer = new FakeTriggerer();
    gh.prs.set('org/repo', [
      pullRequest({ number: 1, author: 'suspicious' }),
      pullRequest({ number: 2 }),
      pullRequest({ number: 3 }),
    ]);
    gh.files.set('org/repo#1', ['docs/x']);
    gh.files.set('org/repo#3', ['docs/y']);
    gh.members.add('org/user');
    gh.memberErrors.add('org/suspicious');
    gh.fileErrors.add('org/repo#2');
    const outcome = await reconcileRepository(
      gh.deps(triggerer),
      input({ trigger: [job({ name: 'pull-docs', always_run: false, run_if_changed: '^docs/' })] }),
    );
    expect(outcome.errors).toEqual([
      'failed to trigger jobs for org/repo#1: failed to determine if org/repo#1 is trusted: error checking suspicious for trust: error in IsMember(org): failed to check trusted',
      'failed to trigger jobs for org/repo#2: pull-docs: should run: error getting pull request changes: failed to get changes',
    ]);
    expect(triggerer.createdJobs()).toEqual({ 'org/repo#3': ['pull-docs'] });
  });

  it('Q12: branches [main] matches main-foo (unanchored), file regexes too', async () => {
    const gh = new FakeGitHub();
    const triggerer = new FakeTriggerer();
    gh.prs.set('org/repo', [
      pullRequest({ number: 1, baseRef: 'main-foo' }),
      pullRequest({ number: 2, baseRef: 'not-main' }),
      pullRequest({ number: 3, baseRef: 'release' }),
    ]);
    gh.files.set('org/repo#1', ['pkg/docs/readme']);
    gh.members.add('org/user');
    await reconcileRepository(
      gh.deps(triggerer),
      input({
        trigger: [
          job({ name: 'e2e', branches: ['main'] }),
          job({ name: 'docs', always_run: false, run_if_changed: 'docs/' }),
        ],
      }),
    );
    expect(triggerer.createdJobs()).toEqual({ 'org/repo#1': ['docs', 'e2e'], 'org/repo#2': ['e2e'] });
  });

  it('skip_if_only_changed runs when some file does not match; no files, no run', async () => {
    const gh = new FakeGitHub();
    const triggerer = new FakeTriggerer();
    gh.prs.set('org/repo', [
      pullRequest({ number: 1 }),
      pullRequest({ number: 2 }),
      pullRequest({ number: 3 }),
    ]);
    gh.files.set('org/repo#1', ['docs/a.md', 'main.go']);
    gh.files.set('org/repo#2', ['docs/a.md', 'README.md']);
    gh.members.add('org/user');
    await reconcileRepository(
      gh.deps(triggerer),
      input({ trigger: [job({ name: 'unit', always_run: false, skip_if_only_changed: '^docs/|\\.md$' })] }),
    );
    expect(triggerer.createdJobs()).toEqual({ 'org/repo#1': ['unit'] });
  });

  it('drafts and unmergeable PRs get no new jobs but do get retire and migrate', async () => {
    const gh = new FakeGitHub();
    const triggerer = new FakeTriggerer();
    gh.prs.set('org/repo', [
      pullRequest({ number: 1, draft: true }),
      pullRequest({ number: 2, mergeable: false }),
      pullRequest({ number: 3, mergeable: null }),
    ]);
    for (const n of [1, 2, 3]) gh.setStatuses('org/repo', `sha-${n}`, [failing]);
    gh.members.add('org/user');
    const outcome = await reconcileRepository(
      gh.deps(triggerer),
      input({ trigger: [job({ name: 'new' })], retire: [{ job: 'old', context: 'old' }] }),
    );
    expect(triggerer.createdJobs()).toEqual({ 'org/repo#3': ['new'] });
    expect(outcome.statusWrites.map((w) => w.pr)).toEqual([1, 2, 3]);
  });

  it('trust uses the triggers config of the repository', async () => {
    const gh = new FakeGitHub();
    const triggerer = new FakeTriggerer();
    gh.prs.set('org/repo', [
      pullRequest({ number: 1, author: 'renovate[bot]' }),
      pullRequest({ number: 2, author: 'collab' }),
    ]);
    gh.collaborators.add('org/repo/collab');
    await reconcileRepository(
      gh.deps(triggerer),
      input({
        trigger: [job({ name: 'new' })],
        triggers: [{ repos: ['org/repo'], only_org_members: true, trusted_apps: ['renovate'] }],
      }),
    );
    expect(triggerer.createdJobs()).toEqual({ 'org/repo#1': ['new'] });
  });

  it('Q14: dry run reads, writes nothing, and returns the planned jobs and statuses', async () => {
    const gh = new FakeGitHub();
    const triggerer = new FakeTriggerer();
    gh.prs.set('org/repo', [pullRequest({ number: 1 })]);
    gh.members.add('org/user');
    gh.refs.set('org/repo heads/base', 'abc');
    gh.setStatuses('org/repo', 'sha-1', [
      failing,
      { context: 'mig', state: 'pending', description: 'running' },
    ]);
    const outcome = await reconcileRepository(
      gh.deps(triggerer),
      input({
        dryRun: true,
        trigger: [job({ name: 'new' })],
        retire: [{ job: 'old', context: 'old' }],
        migrate: [{ job: 'm', from: 'mig', to: 'mig2' }],
      }),
    );
    expect(triggerer.requests).toEqual([]);
    expect(gh.calls.create).toBe(0);
    expect(outcome.triggered).toEqual([
      { pr: 1, job: 'new', name: 'org/repo#1@sha-1/new', result: 'planned' },
    ]);
    expect(outcome.statusWrites).toEqual([
      {
        pr: 1,
        sha: 'sha-1',
        context: 'old',
        state: 'success',
        description: 'Context retired without replacement.',
        phase: 'retire',
        result: 'planned',
      },
      {
        pr: 1,
        sha: 'sha-1',
        context: 'mig2',
        state: 'pending',
        description: 'running',
        phase: 'migrate',
        result: 'planned',
      },
      {
        pr: 1,
        sha: 'sha-1',
        context: 'mig',
        state: 'success',
        description: 'Context retired. Status moved to "mig2".',
        phase: 'migrate',
        result: 'planned',
      },
    ]);
    expect(outcome.reads).toMatchObject({ pullLists: 1, combinedStatus: 1, refs: 1 });
  });

  it("a list error ends the repository with Prow's message", async () => {
    const gh = new FakeGitHub();
    gh.prErrors.add('org/repo');
    const outcome = await reconcileRepository(
      gh.deps(new FakeTriggerer()),
      input({ retire: [{ job: 'a', context: 'a' }] }),
    );
    expect(outcome).toMatchObject({
      errors: ['failed to list pull requests for org/repo: failed to get PRs'],
      stopped: 'error',
    });
  });

  it('writes only where the latest status differs from the target', async () => {
    const gh = new FakeGitHub();
    gh.prs.set('org/repo', [pullRequest({ number: 1 }), pullRequest({ number: 2 })]);
    gh.setStatuses('org/repo', 'sha-1', [
      { context: 'old', state: 'success', description: 'Context retired without replacement.' },
    ]);
    gh.setStatuses('org/repo', 'sha-2', [failing]);
    const outcome = await reconcileRepository(
      gh.deps(new FakeTriggerer()),
      input({ retire: [{ job: 'old', context: 'old' }] }),
    );
    expect(outcome.statusWrites.map((w) => w.pr)).toEqual([2]);
    expect(gh.calls.create).toBe(1);
  });
});

describe('idempotence', () => {
  function world() {
    const gh = new FakeGitHub();
    const triggerer = new FakeTriggerer();
    gh.prs.set('org/repo', [pullRequest({ number: 1 }), pullRequest({ number: 2, draft: true })]);
    gh.members.add('org/user');
    gh.refs.set('org/repo heads/base', 'abc');
    for (const n of [1, 2]) {
      gh.setStatuses('org/repo', `sha-${n}`, [
        failing,
        { context: 'mig', state: 'failure', description: 'Job failed.', target_url: 'u2' },
      ]);
    }
    const run = input({
      trigger: [job({ name: 'new' })],
      retire: [{ job: 'old', context: 'old' }],
      migrate: [{ job: 'm', from: 'mig', to: 'mig2' }],
    });
    return { gh, triggerer, run };
  }

  it('a second run against the same state writes nothing and creates no new ProwJob', async () => {
    const { gh, triggerer, run } = world();
    const first = await reconcileRepository(gh.deps(triggerer), run);
    expect(first.statusWrites).toHaveLength(6);
    expect(first.triggered.map((t) => t.result)).toEqual(['created']);
    const writesBefore = gh.calls.create;
    const second = await reconcileRepository(gh.deps(triggerer), run);
    expect(gh.calls.create).toBe(writesBefore);
    expect(second.statusWrites).toEqual([]);
    expect(second.triggered.map((t) => t.result)).toEqual(['exists']);
    expect(second.errors).toEqual([]);
  });

  it('a partial move (copy written, retire failed) completes on retry', async () => {
    const { gh, triggerer, run } = world();
    gh.failCreate = (_repo, sha, status) =>
      sha === 'sha-1' && status.context === 'mig' && status.state === 'success';
    const first = await reconcileRepository(gh.deps(triggerer), run);
    expect(first.errors).toEqual([
      'failed to migrate context "mig" to "mig2" on org/repo#1: failed to create status',
    ]);
    expect(gh.combined('org/repo', 'sha-1').find((s) => s.context === 'mig2')).toEqual({
      context: 'mig2',
      state: 'failure',
      description: 'Job failed.',
      target_url: 'u2',
    });

    gh.failCreate = () => false;
    const retry = await reconcileRepository(gh.deps(triggerer), run);
    expect(retry.errors).toEqual([]);
    expect(retry.statusWrites).toEqual([
      {
        pr: 1,
        sha: 'sha-1',
        context: 'mig',
        state: 'success',
        description: 'Context retired. Status moved to "mig2".',
        phase: 'migrate',
        result: 'written',
      },
    ]);
    const third = await reconcileRepository(gh.deps(triggerer), run);
    expect(third.statusWrites).toEqual([]);
  });
});

describe('reads per repository', () => {
  it('= ⌈PRs/100⌉ list pages + one combined status per PR, retiring 5 contexts and migrating 1', async () => {
    const gh = new FakeGitHub();
    const prs = Array.from({ length: 250 }, (_, i) => pullRequest({ number: i + 1 }));
    gh.prs.set('org/repo', prs);
    const contexts = ['c1', 'c2', 'c3', 'c4', 'c5'];
    for (const pr of prs) {
      gh.setStatuses('org/repo', pr.headSha, [
        ...contexts.map((context): CommitStatus => ({
          context,
          state: 'pending',
          description: 'Job triggered.',
        })),
        { context: 'from', state: 'success', description: 'Job succeeded.', target_url: 'u' },
      ]);
    }
    const outcome = await reconcileRepository(
      gh.deps(new FakeTriggerer()),
      input({
        retire: contexts.map((context) => ({ job: context, context })),
        migrate: [{ job: 'm', from: 'from', to: 'to' }],
      }),
    );
    expect(outcome.errors).toEqual([]);
    expect(gh.calls.list).toBe(1);
    expect(gh.calls.listPages).toBe(3);
    expect(gh.calls.combined).toBe(250);
    expect(outcome.reads).toEqual({
      pullLists: 1,
      pullListPages: 3,
      combinedStatus: 250,
      files: 0,
      trust: 0,
      refs: 0,
    });
    expect(gh.calls.create).toBe(250 * 7);
  });
});

describe('progress, resume and cancellation', () => {
  function world() {
    const gh = new FakeGitHub();
    gh.prs.set(
      'org/repo',
      [1, 2, 3].map((number) => pullRequest({ number })),
    );
    gh.members.add('org/user');
    gh.refs.set('org/repo heads/base', 'abc');
    for (const n of [1, 2, 3]) gh.setStatuses('org/repo', `sha-${n}`, [failing]);
    const run = input({ trigger: [job({ name: 'new' })], retire: [{ job: 'old', context: 'old' }] });
    return { gh, run };
  }

  it('reports each finished PR with everything done so far', async () => {
    const { gh, run } = world();
    const states: PullRequestDone[] = [];
    await reconcileRepository(gh.deps(new FakeTriggerer()), run, {
      onPullRequestDone: (s) => void states.push(s),
    });
    expect(states.map((s) => `${s.phase}:${s.pr}`)).toEqual([
      'trigger:1',
      'trigger:2',
      'trigger:3',
      'statuses:1',
      'statuses:2',
      'statuses:3',
    ]);
    expect(states.at(-1)?.done).toEqual({ trigger: [1, 2, 3], statuses: [1, 2, 3] });
  });

  it('a PR that failed is not reported done, so a resumed attempt retries it', async () => {
    const { gh, run } = world();
    gh.combinedErrors.add('org/repo@sha-2');
    const states: PullRequestDone[] = [];
    const outcome = await reconcileRepository(gh.deps(new FakeTriggerer()), run, {
      onPullRequestDone: (s) => void states.push(s),
    });
    expect(outcome.errors).toEqual([
      'failed to get combined status of org/repo#2 (sha-2): failed to get combined status',
    ]);
    expect(states.at(-1)?.done.statuses).toEqual([1, 3]);
  });

  it('resumes from a heartbeat without redoing finished PRs', async () => {
    const { gh, run } = world();
    const triggerer = new FakeTriggerer();
    const outcome = await reconcileRepository(gh.deps(triggerer), {
      ...run,
      resumeFrom: { trigger: [1, 2, 3], statuses: [1] },
    });
    expect(triggerer.requests).toEqual([]);
    expect(gh.combinedShas).toEqual(['org/repo@sha-2', 'org/repo@sha-3']);
    expect(outcome.resumed).toEqual({ trigger: 3, statuses: 1 });
  });

  it('stops between GitHub calls when cancelled and reports what it did', async () => {
    const { gh, run } = world();
    const triggerer = new FakeTriggerer();
    const outcome = await reconcileRepository(gh.deps(triggerer), run, {
      isCancelled: () => triggerer.requests.length >= 2,
    });
    expect(outcome.stopped).toBe('cancelled');
    expect(outcome.triggered.map((t) => t.pr)).toEqual([1, 2]);
    expect(gh.calls.combined).toBe(0);
  });

  it('honours an AbortSignal', async () => {
    const { gh, run } = world();
    const controller = new AbortController();
    controller.abort();
    const outcome = await reconcileRepository(gh.deps(new FakeTriggerer()), run, {
      signal: controller.signal,
    });
    expect(outcome).toMatchObject({ stopped: 'cancelled', triggered: [], statusWrites: [] });
    expect(gh.calls.list).toBe(0);
  });
});

describe('the spec §18 example, per repository', () => {
  it('triggers, retires and migrates as the table says', async () => {
    const spec = (p: Partial<IndexedPresubmit> & { name: string }) => presubmit({ context: p.name, ...p });
    const before: PresubmitsByRepo = {
      'my-org/my-repo': [
        spec({ name: 'pull-unit', always_run: true }),
        spec({ name: 'pull-lint', always_run: true, optional: true }),
        spec({ name: 'pull-docs', run_if_changed: '^docs/' }),
        spec({ name: 'pull-legacy', always_run: true, context: 'ci/legacy' }),
        spec({ name: 'pull-old', always_run: true }),
        spec({ name: 'pull-shadow', always_run: true, skip_report: true }),
        spec({ name: 'pull-manual' }),
      ],
    };
    const after: PresubmitsByRepo = {
      'my-org/my-repo': [
        spec({ name: 'pull-unit', always_run: true }),
        spec({ name: 'pull-lint', always_run: true }),
        spec({ name: 'pull-docs', run_if_changed: '^(docs|site)/' }),
        spec({ name: 'pull-legacy', always_run: true, context: 'ci/legacy-v2' }),
        spec({ name: 'pull-shadow', always_run: true }),
        spec({ name: 'pull-manual', always_run: true }),
        spec({ name: 'pull-e2e', skip_if_only_changed: '^docs/|\\.md$', branches: ['main'] }),
        spec({
          name: 'pull-integration',
          always_run: true,
          context: 'ci/integration',
          skip_branches: ['^release-1\\.0$'],
        }),
        spec({ name: 'pull-expensive', run_before_merge: true } as Partial<IndexedPresubmit> & {
          name: string;
        }),
        spec({ name: 'pull-extra-lint', always_run: true, optional: true }),
      ],
      'my-org/brand-new-repo': [spec({ name: 'pull-unit', always_run: true })],
    };
    const gh = new FakeGitHub();
    const triggerer = new FakeTriggerer();
    gh.prs.set('my-org/my-repo', [pullRequest({ number: 1, baseRef: 'main' })]);
    gh.prs.set('my-org/brand-new-repo', [pullRequest({ number: 1, baseRef: 'main' })]);
    gh.files.set('my-org/my-repo#1', ['site/index.md', 'cmd/main.go']);
    gh.members.add('my-org/user');
    gh.setStatuses('my-org/my-repo', 'sha-1', [
      { context: 'pull-old', state: 'failure', description: 'Job failed.', target_url: 'u1' },
      { context: 'ci/legacy', state: 'success', description: 'Job succeeded.', target_url: 'u2' },
    ]);
    const { plan, errors } = await reconcileDelta(before, after, gh.deps(triggerer), {
      continueOnError: true,
    });
    expect(errors).toEqual([]);
    expect(plan.repos.map((r) => r.repo)).toEqual(['my-org/my-repo']);
    expect(triggerer.requests.map((r) => r.jobs.map((j) => j.name))).toEqual([
      ['pull-docs', 'pull-shadow', 'pull-manual', 'pull-e2e', 'pull-integration'],
    ]);
    expect(gh.writes.map((w) => `${w.status.context}=${w.status.description}`)).toEqual([
      'pull-old=Context retired without replacement.',
      'ci/legacy-v2=Job succeeded.',
      'ci/legacy=Context retired. Status moved to "ci/legacy-v2".',
    ]);
  });
});
