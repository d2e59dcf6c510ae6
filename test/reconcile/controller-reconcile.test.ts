import type { PullRequestRecord } from '../../src/reconcile/repository';
import { FakeGitHub, FakeTriggerer, pullRequest } from './fake-github';
import { presubmitsFromYaml } from './prow-yaml';
import { migratorRecords, reconcileDelta, type DeltaOptions } from './reconcile-delta';

// Ported from kubernetes-sigs/prow pkg/statusreconciler/controller_test.go TestControllerReconcile (spec
// §15.1), with Prow's case names. Prow's fakes replace the migrator; ours keep the real retire and migrate
// code and fake GitHub underneath, so a PR head carries the contexts to retire and migrate, and the
// "retired"/"migrated" records are derived from the statuses written.

// The diff from these configs causes a deletion (required-job), a creation (new-required-job) and a migration
// (other-required-job). Read like Prow's: no defaulting, so run-on-changes-job has no context.
const oldConfig = presubmitsFromYaml(`"org/repo":
- name: required-job
  context: required-job
  always_run: true
- name: other-required-job
  context: other-required-job
  always_run: true`);
const newConfig = presubmitsFromYaml(`"org/repo":
- name: other-required-job
  context: new-context
  always_run: true
- name: new-required-job
  context: new-required-context
  always_run: true
  branches:
  - base
- name: run-on-changes-job
  run_if_changed: "^mychange"`);

const migrate = { from: 'other-required-job', to: 'new-context' };
const pr = pullRequest({ number: 1, baseRef: 'base', headSha: 'prsha' });
const secondPr = pullRequest({ number: 2, baseRef: 'base', headSha: 'prsha2', mergeable: false });
const draftPr = pullRequest({ number: 2, baseRef: 'base', headSha: 'prsha-draft', draft: true });
const thirdPr = pullRequest({ number: 3, baseRef: 'other', headSha: 'prsha3' });

interface Case {
  name: string;
  pulls: PullRequestRecord[];
  options?: Partial<DeltaOptions>;
  setup?: (gh: FakeGitHub, triggerer: FakeTriggerer) => void;
  created: Record<string, string[]>;
  retired: string[];
  migrated: { from: string; to: string }[];
  expectErr?: boolean;
  /** Q4 checks: whether trust and base-ref requests were made at all. */
  trustAndRefCalls?: boolean;
}

const trusted = (gh: FakeGitHub) => gh.members.add('org/user');

const cases: Case[] = [
  {
    name: 'ignored org skips creation, retire and migrate',
    pulls: [pr],
    options: { denylist: ['org'] },
    setup: trusted,
    created: {},
    retired: ['required-job'],
    migrated: [migrate],
  },
  {
    name: 'ignored org/repo skips creation, retire and migrate',
    pulls: [pr],
    options: { denylist: ['org/repo'] },
    setup: trusted,
    created: {},
    retired: ['required-job'],
    migrated: [migrate],
  },
  {
    name: 'ignored all org skips creation, retire and migrate',
    pulls: [pr],
    options: { denylistAll: ['org'] },
    setup: trusted,
    created: {},
    retired: [],
    migrated: [],
  },
  {
    name: 'ignored all org/repo skips creation, retire and migrate',
    pulls: [pr],
    options: { denylistAll: ['org/repo'] },
    setup: trusted,
    created: {},
    retired: [],
    migrated: [],
  },
  {
    name: 'no errors and trusted PR means we should see a trigger, retire and migrate',
    pulls: [pr],
    setup: trusted,
    created: { 'org/repo#1': ['new-required-job'] },
    retired: ['required-job'],
    migrated: [migrate],
  },
  {
    name: 'no errors and untrusted PR means we should see no trigger, a retire and a migrate',
    pulls: [pr],
    created: {},
    retired: ['required-job'],
    migrated: [migrate],
  },
  {
    name: 'no errors and unmergable PR means we should see no trigger, a retire and a migrate',
    pulls: [secondPr],
    setup: trusted,
    created: {},
    retired: ['required-job'],
    migrated: [migrate],
  },
  {
    name: 'no errors and draft PR means we should see no trigger, a retire and a migrate',
    pulls: [draftPr],
    setup: trusted,
    created: {},
    retired: ['required-job'],
    migrated: [migrate],
  },
  {
    // Port (Q4): Prow calls the triggerer with an empty list here, recording `{#3: {}}`, after a trust check
    // and a base-ref lookup. With no matching job the port makes none of those calls.
    name: "no errors and PR that doesn't match the added job means we should see no trigger, a retire and a migrate",
    pulls: [thirdPr],
    setup: trusted,
    created: {},
    retired: ['required-job'],
    migrated: [migrate],
    trustAndRefCalls: false,
  },
  {
    name: 'trust check error means we should see no trigger, a retire and a migrate',
    pulls: [pr],
    setup: (gh) => gh.memberErrors.add('org/user'),
    created: {},
    retired: ['required-job'],
    migrated: [migrate],
    expectErr: true,
  },
  {
    // As in Prow, the trust error fires first, so this never reaches the trigger error (see the real one in
    // repository.test.ts).
    name: 'trigger error means we should see no trigger, a retire and a migrate',
    pulls: [pr],
    setup: (gh, triggerer) => {
      triggerer.errors.set('org/repo#1', new Set(['new-required-job']));
      gh.memberErrors.add('org/user');
    },
    created: {},
    retired: ['required-job'],
    migrated: [migrate],
    expectErr: true,
  },
  {
    name: 'retire errors and trusted PR means we should see a trigger and migrate',
    pulls: [pr],
    setup: (gh) => {
      trusted(gh);
      gh.failCreate = (_repo, _sha, status) => status.context === 'required-job';
    },
    created: { 'org/repo#1': ['new-required-job'] },
    retired: [],
    migrated: [migrate],
    expectErr: true,
  },
  {
    name: 'migrate errors and trusted PR means we should see a trigger and retire',
    pulls: [pr],
    setup: (gh) => {
      trusted(gh);
      gh.failCreate = (_repo, _sha, status) => status.context === 'new-context';
    },
    created: { 'org/repo#1': ['new-required-job'] },
    retired: ['required-job'],
    migrated: [],
    expectErr: true,
  },
  {
    name: "changes on PR that don't match run_if_changed we should not trigger run-on-changes-job",
    pulls: [pr],
    setup: (gh) => {
      trusted(gh);
      gh.files.set('org/repo#1', ['notmychange']);
    },
    created: { 'org/repo#1': ['new-required-job'] },
    retired: ['required-job'],
    migrated: [migrate],
  },
  {
    // Prow's name is misleading: the retire does happen.
    name: 'changes on PR that match run_if_changed we should see trigger and no retire',
    pulls: [pr],
    setup: (gh) => {
      trusted(gh);
      gh.files.set('org/repo#1', ['mychange']);
    },
    created: { 'org/repo#1': ['new-required-job', 'run-on-changes-job'] },
    retired: ['required-job'],
    migrated: [migrate],
  },
];

describe('TestControllerReconcile', () => {
  it.each(cases)('$name', async (c) => {
    const gh = new FakeGitHub();
    const triggerer = new FakeTriggerer();
    gh.prs.set('org/repo', c.pulls);
    for (const p of c.pulls) {
      gh.refs.set(`org/repo heads/${p.baseRef}`, 'abc');
      gh.setStatuses('org/repo', p.headSha, [
        {
          context: 'required-job',
          state: 'pending',
          description: 'Job triggered.',
          target_url: 'https://prow/1',
        },
        {
          context: 'other-required-job',
          state: 'failure',
          description: 'Job failed.',
          target_url: 'https://prow/2',
        },
      ]);
    }
    c.setup?.(gh, triggerer);

    const { errors } = await reconcileDelta(oldConfig, newConfig, gh.deps(triggerer), {
      continueOnError: true,
      ...c.options,
    });

    if (c.expectErr) expect(errors).not.toEqual([]);
    else expect(errors).toEqual([]);
    expect(triggerer.createdJobs()).toEqual(c.created);
    const { retired, migrated } = migratorRecords(gh, ['org/repo']);
    expect(retired).toEqual({ 'org/repo': c.retired });
    expect(migrated).toEqual({ 'org/repo': c.migrated });
    if (c.trustAndRefCalls === false) {
      expect(gh.trustCalls).toBe(0);
      expect(gh.calls.refs).toBe(0);
      expect(triggerer.requests).toEqual([]);
    }
  });

  it('a migration copies the old status to the new context, then retires the old one (R22.4)', async () => {
    const gh = new FakeGitHub();
    gh.prs.set('org/repo', [pr]);
    gh.setStatuses('org/repo', 'prsha', [
      {
        context: 'required-job',
        state: 'pending',
        description: 'Job triggered.',
        target_url: 'https://prow/1',
      },
      {
        context: 'other-required-job',
        state: 'failure',
        description: 'Job failed.',
        target_url: 'https://prow/2',
      },
    ]);
    await reconcileDelta(oldConfig, newConfig, gh.deps(new FakeTriggerer()), { continueOnError: true });
    expect(gh.writes.map((w) => w.status)).toEqual([
      { context: 'required-job', state: 'success', description: 'Context retired without replacement.' },
      { context: 'new-context', state: 'failure', description: 'Job failed.', target_url: 'https://prow/2' },
      {
        context: 'other-required-job',
        state: 'success',
        description: 'Context retired. Status moved to "new-context".',
      },
    ]);
  });
});
