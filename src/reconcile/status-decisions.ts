/**
 * What to write on a PR's head commit, given its combined status: Prow's migrator modes
 * (`pkg/statusreconciler/migrator`), R20 (retire) and R22 (move), as pure functions.
 *
 * A mode is a list of conditions on contexts plus the statuses to write when they hold. Contexts are
 * compared case-sensitively, as Prow does (R20.4), and statuses with an empty context are ignored (R20.7).
 *
 * Deviation from Prow, a decision of ours for idempotence (issue 5: "re-running a finished run makes no
 * writes"; spec §20 leaves it open): a write is never emitted when the context's latest status already is
 * exactly the target. So retire skips a context that already carries the retire status (Prow writes it
 * again, R20.6), and move mode finishes a move that a failed retire left half done: when `to` exists with
 * the same state, description and target URL as `from` (our own earlier copy), `from` is retired. Any
 * other `to` means nothing is written (R22.5).
 */

export type StatusState = 'error' | 'failure' | 'pending' | 'success';

/** One commit status as the combined-status endpoint reports it and as the create endpoint takes it. */
export interface CommitStatus {
  context: string;
  state: StatusState;
  description?: string;
  /** Omitted when empty: Prow's `omitempty` leaves it out of the request body (R20.5). */
  target_url?: string;
}

/** The latest status of each context on one commit. */
export type LatestStatuses = ReadonlyMap<string, CommitStatus>;

export interface StatusMode {
  /** The statuses to write, in order, for a commit whose statuses are given. */
  writes(statuses: readonly CommitStatus[] | LatestStatuses): CommitStatus[];
}

// §17, exact strings.
export const retiredWithoutReplacement = 'Context retired without replacement.';
export function retiredMovedTo(to: string): string {
  return `Context retired. Status moved to "${to}".`;
}

/**
 * The latest status per context. GitHub's combined status already holds one entry per context, newest
 * first; like Prow, the first entry of a context wins.
 */
export function latestStatuses(
  statuses: readonly CommitStatus[] | LatestStatuses,
): Map<string, CommitStatus> {
  if (!Array.isArray(statuses)) return new Map(statuses as LatestStatuses);
  const latest = new Map<string, CommitStatus>();
  for (const status of statuses as readonly CommitStatus[]) {
    if (status.context === '' || latest.has(status.context)) continue;
    latest.set(status.context, status);
  }
  return latest;
}

/** The commit's latest statuses once the given writes have landed (each becomes its context's latest). */
export function withWrites(
  latest: LatestStatuses,
  writes: readonly CommitStatus[],
): Map<string, CommitStatus> {
  const next = new Map(latest);
  for (const write of writes) next.set(write.context, write);
  return next;
}

/** Same state, description and target URL; an absent description or URL equals an empty one. */
export function sameStatus(a: CommitStatus, b: CommitStatus): boolean {
  return (
    a.state === b.state &&
    (a.description ?? '') === (b.description ?? '') &&
    (a.target_url ?? '') === (b.target_url ?? '')
  );
}

function retireStatus(context: string, replacement?: string): CommitStatus {
  return {
    context,
    state: 'success',
    description: replacement ? retiredMovedTo(replacement) : retiredWithoutReplacement,
  };
}

function copyStatus(from: CommitStatus, to: string): CommitStatus {
  const copy: CommitStatus = { context: to, state: from.state };
  if (from.description) copy.description = from.description;
  if (from.target_url) copy.target_url = from.target_url;
  return copy;
}

/** Keeps a write only when it changes the context's latest status. */
function unlessAlready(latest: LatestStatuses, write: CommitStatus): CommitStatus[] {
  const current = latest.get(write.context);
  return current && sameStatus(current, write) ? [] : [write];
}

/**
 * Prow's `RetireMode(context, replacement, "")`: when `context` exists (in any state), and `replacement`
 * too if one is given, set `context` to success with the retired description (R20).
 */
export function retireMode(context: string, replacement?: string): StatusMode {
  return {
    writes(statuses) {
      const latest = latestStatuses(statuses);
      if (!latest.has(context)) return [];
      if (replacement && !latest.has(replacement)) return [];
      return unlessAlready(latest, retireStatus(context, replacement));
    },
  };
}

/**
 * Prow's `MoveMode(from, to, "")` (R22): when `from` exists and `to` does not, copy `from` to `to`, then
 * retire `from` with `Context retired. Status moved to "<to>".` Plus our completion of a half-done move
 * (see the file comment).
 */
export function moveMode(from: string, to: string): StatusMode {
  return {
    writes(statuses) {
      const latest = latestStatuses(statuses);
      const old = latest.get(from);
      if (!old) return [];
      const current = latest.get(to);
      if (!current) {
        const copy = copyStatus(old, to);
        return [copy, ...unlessAlready(withWrites(latest, [copy]), retireStatus(from, to))];
      }
      if (sameStatus(current, old)) return unlessAlready(latest, retireStatus(from, to));
      return [];
    },
  };
}

/** Prow's `CopyMode(from, to)`: when `from` exists and `to` does not, copy `from` to `to`. */
export function copyMode(from: string, to: string): StatusMode {
  return {
    writes(statuses) {
      const latest = latestStatuses(statuses);
      const old = latest.get(from);
      return old && !latest.has(to) ? [copyStatus(old, to)] : [];
    },
  };
}
