import type { RepoPlan } from '../reconcile/plan';
import type { ChangeRunView } from '../../workflows/types';
import { fields, plural, textTable, unknownNumber } from './text-table';

/** What `plan` prints as JSON: the run's ID and its plan query's answer. */
export type PlanOutput = ChangeRunView & { workflowId: string };

/** Items listed per repository in the table view; `-o json` has them all. */
const listedPerRepository = 20;

function branches(item: { branches?: string[]; skip_branches?: string[] }): string {
  if (item.branches?.length) return `  [branches: ${item.branches.join(', ')}]`;
  if (item.skip_branches?.length) return `  [not on: ${item.skip_branches.join(', ')}]`;
  return '';
}

/** Terraform's symbols: + added (trigger), - destroyed (retire), ~ changed (migrate). */
function repositoryItems(repo: RepoPlan): string[] {
  const lines = [
    ...repo.trigger.map((job) => `  + trigger  ${job}`),
    ...repo.retire.map(
      (r) => `  - retire   ${r.context}${r.context === r.job ? '' : `  (job ${r.job})`}${branches(r)}`,
    ),
    ...repo.migrate.map((m) => `  ~ migrate  ${m.from} → ${m.to}  (job ${m.job})${branches(m)}`),
  ];
  if (lines.length <= listedPerRepository) return lines;
  return [
    ...lines.slice(0, listedPerRepository),
    `  … and ${lines.length - listedPerRepository} more (-o json lists all)`,
  ];
}

/** The guard's reason about one repository (`org/repo: all 2 presubmits removed`), without the name. */
function guardOf(repo: string, view: PlanOutput): string {
  if (!view.verdict) return '';
  const reason = view.verdict.reasons.find((r) => r.startsWith(`${repo}: `));
  if (reason) return `held: ${reason.slice(repo.length + 2)}`;
  return view.verdict.held ? '' : 'ok';
}

/** What is known of the open PRs each repository touches, for the line under the table. */
function pullRequestsNote(view: PlanOutput, repos: number): string {
  const known = Object.keys(view.pullRequestsAffected ?? {}).length;
  const how = "PRS: open pull requests a repository's ProwJobs and status writes touch";
  if (view.phase === 'awaiting-approval')
    return `${how}: not read yet. Each repository reads its open PRs when it is reconciled, after approval.`;
  if (known === 0 && view.phase !== 'reconciling')
    return `${how}: not known (read when a repository is reconciled).`;
  const rest = known < repos ? ` (${unknownNumber}: not reconciled yet)` : '';
  return `${how}: known for ${known} of ${plural(repos, 'repository', 'repositories')}${rest}.`;
}

/**
 * `plan` for people, as `terraform plan` reads: the run and its transition, a table of what each repository
 * gets (trigger, retire, migrate), the open PRs it touched once known, and the guard's verdict about it; the
 * items per repository, the guard's verdict with its reasons and what to run next, and a one-line total.
 */
export function planTable(view: PlanOutput): string {
  const out: string[] = [
    fields([
      ['Change run', view.workflowId],
      ['Phase', view.phase],
      ['Transition', `${view.baselineRevision ?? '?'} → ${view.newestRevision ?? '(loading)'}`],
    ]),
  ];
  const plan = view.plan;
  if (!plan) {
    out.push('', `No plan yet: the run is ${view.phase}.`);
    return out.join('\n');
  }
  const affected = view.pullRequestsAffected ?? {};
  const rows = plan.repos.map((r) => [
    r.repo,
    r.trigger.length,
    r.retire.length,
    r.migrate.length,
    affected[r.repo] ?? unknownNumber,
    guardOf(r.repo, view),
    r.skipped === 'denylist' ? 'trigger phase denylisted' : '',
  ]);
  const { totals } = plan;
  const knownPulls = Object.values(affected);
  out.push(
    '',
    textTable(
      ['REPOSITORY', 'TRIGGER', 'RETIRE', 'MIGRATE', 'PRS', 'GUARD', 'NOTE'],
      [
        ...rows,
        [
          `TOTAL (${plural(totals.repos, 'repository', 'repositories')})`,
          totals.trigger,
          totals.retire,
          totals.migrate,
          knownPulls.length > 0 ? knownPulls.reduce((n, count) => n + count, 0) : unknownNumber,
          view.verdict ? (view.verdict.held ? 'HELD' : 'ok') : '',
          '',
        ],
      ],
    ),
    pullRequestsNote(view, totals.repos),
  );
  for (const repo of plan.repos) out.push('', repo.repo, ...repositoryItems(repo));
  if (plan.skipped.length > 0)
    out.push('', 'Not reconciled (denylisted):', ...plan.skipped.map((s) => `  ${s.repo}  (--${s.reason})`));
  if (plan.errors.length > 0)
    out.push('', 'Errors (the change fails on them):', ...plan.errors.map((e) => `  ${e}`));

  const verdict = view.verdict;
  if (verdict?.held && view.decision) {
    out.push('', 'Guard: HELD by the blast-radius guard until an operator decided (below).');
    out.push(...verdict.reasons.map((r) => `  - ${r}`));
  } else if (verdict?.held) {
    out.push('', 'Guard: HELD by the blast-radius guard; nothing is written until an operator decides.');
    out.push(...verdict.reasons.map((r) => `  - ${r}`));
  } else if (verdict) {
    out.push('', 'Guard: passed (within the blast-radius limits).');
  }
  if (view.decision)
    out.push(
      `Decision: ${view.decision.approved ? 'approved' : 'rejected'} by ${view.decision.by} at ${view.decision.at}${view.decision.reason ? `: ${view.decision.reason}` : ''}`,
    );
  if (view.phase === 'awaiting-approval')
    out.push(
      '',
      'Decide with:',
      '  status-reconciler approve --reason "…"',
      '  status-reconciler reject --reason "…"',
    );
  if (view.phase === 'reconciling' || view.phase === 'done' || view.phase === 'failed')
    out.push(
      '',
      `Progress: ${view.repositoriesDone} of ${totals.repos} repositories done` +
        (view.repositoriesFailed.length > 0 ? `; failed: ${view.repositoriesFailed.join(', ')}` : ''),
    );
  out.push(
    '',
    `Plan: ${totals.trigger} to trigger, ${totals.retire} to retire, ${totals.migrate} to migrate, in ${plural(totals.repos, 'repository', 'repositories')}.`,
  );
  return out.join('\n');
}
