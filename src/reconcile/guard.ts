import type { IndexedPresubmit, PresubmitsByRepo } from '../config/types';
import { presubmitsFor } from './diff';
import { defaultGuardOptions, type GuardOptions } from './guard-options';
import type { ChangePlan } from './plan';

/**
 * The blast-radius guard (Q10, spec §3.4, issue 6): Prow retires whatever a config that loaded "successfully"
 * lacks (kubernetes-sigs/prow#540). A plan that crosses these limits is held for an operator's decision
 * before anything is written.
 *
 * Counting: only retirements the plan would attempt count, so `--denylist-all` repositories and bad keys
 * (which the plan already leaves out) count for nothing; migrations never count, they carry the status over.
 * The denominators are the baseline's presubmits (all repositories, or the one repository).
 */

export interface GuardVerdict {
  held: boolean;
  /** Human-readable, one per crossed limit; empty when not held. */
  reasons: string[];
}

export function blastRadiusVerdict(
  before: PresubmitsByRepo<IndexedPresubmit>,
  after: PresubmitsByRepo<IndexedPresubmit>,
  plan: ChangePlan,
  options: Partial<GuardOptions> = {},
): GuardVerdict {
  const { enabled, maxRemovedFraction, maxRemovedContexts, maxRepoRemovedFraction } = {
    ...defaultGuardOptions,
    ...options,
  };
  if (!enabled) return { held: false, reasons: [] };
  const emptied: string[] = [];
  const overRepoShare: string[] = [];
  let baselineTotal = 0;
  for (const presubmits of Object.values(before)) baselineTotal += presubmits.length;
  let removedTotal = 0;
  for (const repoPlan of plan.repos) {
    const removed = repoPlan.retire.length;
    if (removed === 0) continue;
    removedTotal += removed;
    const baseline = (presubmitsFor(before, repoPlan.repo) ?? []).length;
    // Rule 1, whatever the thresholds: a repository that had presubmits and has none now.
    if (baseline > 0 && (presubmitsFor(after, repoPlan.repo) ?? []).length === 0) {
      emptied.push(`${repoPlan.repo}: all ${baseline} presubmits removed`);
    } else if (baseline > 0 && removed / baseline > maxRepoRemovedFraction) {
      overRepoShare.push(
        `${repoPlan.repo}: ${removed} of ${baseline} presubmits (${percent(removed / baseline)}) removed, ` +
          `over ${percent(maxRepoRemovedFraction)}`,
      );
    }
  }
  const reasons = [...emptied];
  if (baselineTotal > 0 && removedTotal / baselineTotal > maxRemovedFraction) {
    reasons.push(
      `${removedTotal} of ${baselineTotal} presubmits (${percent(removedTotal / baselineTotal)}) removed, ` +
        `over ${percent(maxRemovedFraction)}`,
    );
  }
  if (maxRemovedContexts > 0 && removedTotal > maxRemovedContexts)
    reasons.push(`${removedTotal} presubmit contexts to retire, over ${maxRemovedContexts}`);
  reasons.push(...overRepoShare);
  return { held: reasons.length > 0, reasons };
}

/** 0.015 → "1.5%", 0.1 → "10%": one decimal, none when whole. */
function percent(share: number): string {
  const tenths = Math.round(share * 1000);
  return `${tenths % 10 === 0 ? tenths / 10 : (tenths / 10).toFixed(1)}%`;
}
