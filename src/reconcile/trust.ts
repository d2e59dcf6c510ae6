import type { TriggerConfig } from '../config/types';
import { wrapError } from './wrapped-error';

/**
 * Whether a PR's author may have jobs run automatically: Prow's `trigger.TrustedPullRequest` (R17), over
 * facts supplied by the caller so the rule itself has no I/O.
 */

/** The GitHub facts trust depends on; defined here, by its consumer. */
export interface TrustFacts {
  /** `GET /orgs/{org}/members/{user}`: 204 true, 404 false. */
  isOrgMember(org: string, user: string): Promise<boolean>;
  /** `GET /repos/{org}/{repo}/collaborators/{user}`: 204 true, 404 false. */
  isCollaborator(org: string, repo: string, user: string): Promise<boolean>;
  /** Label names of the PR (`GET /repos/{org}/{repo}/issues/{number}/labels`). */
  listIssueLabels(org: string, repo: string, number: number): Promise<string[]>;
}

export interface TrustQuery {
  org: string;
  repo: string;
  author: string;
  number: number;
  /** The reconciler's own login; with GitHub App auth `<slug>[bot]` or the bare slug. */
  botLogin: string;
  trigger: TriggerConfig;
  /** The PR's labels when the caller already has them (the PR list carries them): no label request then. */
  labels?: readonly string[];
}

export const okToTestLabel = 'ok-to-test';

/**
 * Prow's `TriggerFor`: the first `triggers:` entry naming `org/repo`, else the first naming `org`, else the
 * defaults (collaborators trusted, no trusted apps, no trusted org).
 */
export function triggerFor(triggers: readonly TriggerConfig[], org: string, repo: string): TriggerConfig {
  const fullName = `${org}/${repo}`;
  return (
    triggers.find((t) => (t.repos ?? []).includes(fullName)) ??
    triggers.find((t) => (t.repos ?? []).includes(org)) ??
    {}
  );
}

/**
 * R17 in Prow's order: the bot itself; a member of `org`; a collaborator unless `only_org_members`;
 * `<app>[bot]` with `<app>` in `trusted_apps`; a member of `trusted_org` when set and not `org`; else the
 * `ok-to-test` label (case-insensitive). Errors read as Prow's:
 * `failed to determine if %s/%s#%d is trusted: %w`, with `error checking %s for trust: %w` inside for the
 * membership checks (a label error is not wrapped by the inner format).
 */
export async function isTrusted(facts: TrustFacts, q: TrustQuery): Promise<boolean> {
  const outer = `failed to determine if ${q.org}/${q.repo}#${q.number} is trusted`;
  let trustedUser: boolean;
  try {
    trustedUser = await isTrustedUser(facts, q);
  } catch (err) {
    throw wrapError(outer, wrapError(`error checking ${q.author} for trust`, err));
  }
  if (trustedUser) return true;
  let labels = q.labels;
  if (labels === undefined) {
    try {
      labels = await facts.listIssueLabels(q.org, q.repo, q.number);
    } catch (err) {
      throw wrapError(outer, err);
    }
  }
  return labels.some((label) => label.toLowerCase() === okToTestLabel);
}

/** Prow's `TrustedUser`, whose own error texts (`error in IsMember(%s): %w`, …) are kept as well. */
async function isTrustedUser(facts: TrustFacts, q: TrustQuery): Promise<boolean> {
  const { org, repo, author, trigger } = q;
  if (q.botLogin !== '' && withoutBotSuffix(author) === withoutBotSuffix(q.botLogin)) return true;
  // Prow's GitHub client answers "member" and "collaborator" for the org itself (personal repositories)
  // without a request.
  if (author === org) return true;
  if (await ask(`error in IsMember(${org})`, () => facts.isOrgMember(org, author))) return true;
  if (!trigger.only_org_members) {
    if (await ask('error in IsCollaborator', () => facts.isCollaborator(org, repo, author))) return true;
  }
  for (const app of trigger.trusted_apps ?? []) {
    if (author.endsWith('[bot]') && withoutBotSuffix(author) === app) return true;
  }
  const trustedOrg = trigger.trusted_org ?? '';
  if (trustedOrg === '' || trustedOrg === org) return false;
  if (author === trustedOrg) return true;
  return ask(`error in IsMember(${trustedOrg})`, () => facts.isOrgMember(trustedOrg, author));
}

async function ask(context: string, question: () => Promise<boolean>): Promise<boolean> {
  try {
    return await question();
  } catch (err) {
    throw wrapError(context, err);
  }
}

/** With App auth GitHub names the app's user `<slug>[bot]`; Prow strips the suffix before comparing. */
function withoutBotSuffix(login: string): string {
  return login.endsWith('[bot]') ? login.slice(0, -'[bot]'.length) : login;
}

/** Membership and collaborator answers, memoized; label reads, counted. For one repository run. */
export interface CountedTrustFacts extends TrustFacts {
  /** Requests actually passed to the underlying facts. */
  readonly requests: number;
}

/**
 * Memoizes org membership per (org, user) and collaboration per (org, repo, user) for one repository run:
 * a repository's open PRs mostly come from a few authors, and every avoided request saves rate-limit
 * budget (Prow's client caches membership the same way). Failures are not remembered, so a later PR asks
 * again. Labels are per PR and never memoized.
 */
export function memoizedTrustFacts(facts: TrustFacts): CountedTrustFacts {
  const answers = new Map<string, Promise<boolean>>();
  let requests = 0;
  const memo = (key: string, question: () => Promise<boolean>): Promise<boolean> => {
    const known = answers.get(key);
    if (known) return known;
    requests++;
    const answer = Promise.resolve().then(question);
    answers.set(key, answer);
    answer.catch(() => answers.delete(key));
    return answer;
  };
  return {
    get requests() {
      return requests;
    },
    isOrgMember: (org, user) =>
      memo(JSON.stringify(['member', org, user]), () => facts.isOrgMember(org, user)),
    isCollaborator: (org, repo, user) =>
      memo(JSON.stringify(['collaborator', org, repo, user]), () => facts.isCollaborator(org, repo, user)),
    listIssueLabels: (org, repo, number) => {
      requests++;
      return facts.listIssueLabels(org, repo, number);
    },
  };
}
