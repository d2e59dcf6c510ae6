import type { TriggerConfig } from '../../src/config/types';
import { isTrusted, memoizedTrustFacts, triggerFor, type TrustFacts } from '../../src/reconcile/trust';

/** Map-based facts that record every question, with set-membership error injection (Prow's fake style). */
class FakeTrustFacts implements TrustFacts {
  members = new Set<string>(); // "org/user"
  collaborators = new Set<string>(); // "org/repo/user"
  labels = new Map<number, string[]>();
  errors = new Set<string>(); // "member:org/user", "collaborator:org/repo/user", "labels:n"
  calls: string[] = [];

  async isOrgMember(org: string, user: string): Promise<boolean> {
    this.calls.push(`member:${org}/${user}`);
    if (this.errors.has(`member:${org}/${user}`)) throw new Error('boom');
    return this.members.has(`${org}/${user}`);
  }
  async isCollaborator(org: string, repo: string, user: string): Promise<boolean> {
    this.calls.push(`collaborator:${org}/${repo}/${user}`);
    if (this.errors.has(`collaborator:${org}/${repo}/${user}`)) throw new Error('boom');
    return this.collaborators.has(`${org}/${repo}/${user}`);
  }
  async listIssueLabels(_org: string, _repo: string, number: number): Promise<string[]> {
    this.calls.push(`labels:${number}`);
    if (this.errors.has(`labels:${number}`)) throw new Error('labels unavailable');
    return this.labels.get(number) ?? [];
  }
}

const query = (
  author: string,
  trigger: TriggerConfig = {},
  extra: { botLogin?: string; labels?: string[] } = {},
) => ({
  org: 'org',
  repo: 'repo',
  author,
  number: 7,
  botLogin: extra.botLogin ?? 'k8s-ci-robot',
  trigger,
  ...(extra.labels ? { labels: extra.labels } : {}),
});

describe('triggerFor', () => {
  const triggers: TriggerConfig[] = [
    { repos: ['org'], trusted_apps: ['org-level'] },
    { repos: ['other/repo', 'org/repo'], trusted_apps: ['repo-level'] },
  ];
  it('prefers an entry naming org/repo', () => {
    expect(triggerFor(triggers, 'org', 'repo').trusted_apps).toEqual(['repo-level']);
  });
  it('falls back to an entry naming the org', () => {
    expect(triggerFor(triggers, 'org', 'another').trusted_apps).toEqual(['org-level']);
  });
  it('defaults to collaborators trusted', () => {
    expect(triggerFor(triggers, 'nobody', 'repo')).toEqual({});
  });
});

describe('isTrusted (R17)', () => {
  interface Case {
    name: string;
    author: string;
    trigger?: TriggerConfig;
    botLogin?: string;
    setup?: (f: FakeTrustFacts) => void;
    labels?: string[];
    trusted: boolean;
    calls: string[];
  }
  const cases: Case[] = [
    { name: 'the bot itself', author: 'k8s-ci-robot', trusted: true, calls: [] },
    {
      name: 'the app bot with [bot] suffix',
      author: 'my-app[bot]',
      botLogin: 'my-app',
      trusted: true,
      calls: [],
    },
    {
      name: 'the app bot login given with suffix',
      author: 'my-app[bot]',
      botLogin: 'my-app[bot]',
      trusted: true,
      calls: [],
    },
    { name: 'author equal to org (personal repository)', author: 'org', trusted: true, calls: [] },
    {
      name: 'org member',
      author: 'alice',
      setup: (f) => f.members.add('org/alice'),
      trusted: true,
      calls: ['member:org/alice'],
    },
    {
      name: 'collaborator',
      author: 'bob',
      setup: (f) => f.collaborators.add('org/repo/bob'),
      trusted: true,
      calls: ['member:org/bob', 'collaborator:org/repo/bob'],
    },
    {
      name: 'collaborator not enough with only_org_members',
      author: 'bob',
      trigger: { only_org_members: true },
      setup: (f) => f.collaborators.add('org/repo/bob'),
      trusted: false,
      calls: ['member:org/bob', 'labels:7'],
    },
    {
      name: 'trusted app',
      author: 'dependabot[bot]',
      trigger: { trusted_apps: ['dependabot'] },
      trusted: true,
      calls: ['member:org/dependabot[bot]', 'collaborator:org/repo/dependabot[bot]'],
    },
    {
      name: 'trusted app needs the [bot] suffix',
      author: 'dependabot',
      trigger: { trusted_apps: ['dependabot'] },
      trusted: false,
      calls: ['member:org/dependabot', 'collaborator:org/repo/dependabot', 'labels:7'],
    },
    {
      name: 'trusted_org member',
      author: 'carol',
      trigger: { trusted_org: 'friends' },
      setup: (f) => f.members.add('friends/carol'),
      trusted: true,
      calls: ['member:org/carol', 'collaborator:org/repo/carol', 'member:friends/carol'],
    },
    {
      name: 'trusted_org equal to org is not asked twice',
      author: 'carol',
      trigger: { trusted_org: 'org' },
      trusted: false,
      calls: ['member:org/carol', 'collaborator:org/repo/carol', 'labels:7'],
    },
    {
      name: 'ok-to-test label, case-insensitive',
      author: 'dave',
      setup: (f) => f.labels.set(7, ['lgtm', 'OK-To-Test']),
      trusted: true,
      calls: ['member:org/dave', 'collaborator:org/repo/dave', 'labels:7'],
    },
    {
      name: 'labels from the PR list need no request',
      author: 'dave',
      labels: ['ok-to-test'],
      trusted: true,
      calls: ['member:org/dave', 'collaborator:org/repo/dave'],
    },
    {
      name: 'nobody',
      author: 'eve',
      trusted: false,
      calls: ['member:org/eve', 'collaborator:org/repo/eve', 'labels:7'],
    },
  ];
  it.each(cases)('$name', async (c) => {
    const facts = new FakeTrustFacts();
    c.setup?.(facts);
    const q = query(c.author, c.trigger, {
      ...(c.botLogin ? { botLogin: c.botLogin } : {}),
      ...(c.labels ? { labels: c.labels } : {}),
    });
    await expect(isTrusted(facts, q)).resolves.toBe(c.trusted);
    expect(facts.calls).toEqual(c.calls);
  });

  it('wraps a membership error as Prow does', async () => {
    const facts = new FakeTrustFacts();
    facts.errors.add('member:org/alice');
    await expect(isTrusted(facts, query('alice'))).rejects.toThrow(
      'failed to determine if org/repo#7 is trusted: error checking alice for trust: error in IsMember(org): boom',
    );
  });

  it('wraps a collaborator error as Prow does', async () => {
    const facts = new FakeTrustFacts();
    facts.errors.add('collaborator:org/repo/alice');
    await expect(isTrusted(facts, query('alice'))).rejects.toThrow(
      'failed to determine if org/repo#7 is trusted: error checking alice for trust: error in IsCollaborator: boom',
    );
  });

  it('does not wrap a label error with the inner format', async () => {
    const facts = new FakeTrustFacts();
    facts.errors.add('labels:7');
    await expect(isTrusted(facts, query('alice'))).rejects.toThrow(
      /^failed to determine if org\/repo#7 is trusted: labels unavailable$/,
    );
  });
});

describe('memoizedTrustFacts', () => {
  it('asks for membership once per (org, user) and collaboration once per (org, repo, user)', async () => {
    const facts = new FakeTrustFacts();
    const memo = memoizedTrustFacts(facts);
    for (const n of [1, 2, 3]) await isTrusted(memo, { ...query('eve'), number: n });
    expect(facts.calls).toEqual([
      'member:org/eve',
      'collaborator:org/repo/eve',
      'labels:1',
      'labels:2',
      'labels:3',
    ]);
    expect(memo.requests).toBe(5);
  });

  it('does not remember failures', async () => {
    const facts = new FakeTrustFacts();
    facts.errors.add('member:org/eve');
    const memo = memoizedTrustFacts(facts);
    await expect(memo.isOrgMember('org', 'eve')).rejects.toThrow('boom');
    facts.errors.clear();
    await expect(memo.isOrgMember('org', 'eve')).resolves.toBe(false);
    expect(memo.requests).toBe(2);
  });
});
