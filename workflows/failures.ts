/**
 * Reading Temporal's failures, in one place for both workflows: an activity's or a child workflow's failure
 * wraps the error that actually happened (its cause), which carries the type, message and details that matter.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  ChildWorkflowFailure,
  isCancellation,
} from '@temporalio/workflow';
import type { RunFailure } from './controller-state';
import type { ConfigSnapshot } from './types';

/** The error behind an activity's or a child workflow's failure; any other error is its own cause. */
export function causeOf(err: unknown): unknown {
  return (err instanceof ActivityFailure || err instanceof ChildWorkflowFailure) && err.cause
    ? err.cause
    : err;
}

export function failureMessage(err: unknown): string {
  const cause = causeOf(err);
  return cause instanceof Error ? cause.message : String(cause);
}

/** The application error type (`ConfigInvalidError`, `TypeError`, ...), when the cause has one. */
export function failureType(err: unknown): string | undefined {
  const cause = causeOf(err);
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

/** The first detail of a cancellation (a repository activity reports what it did before it stopped). */
export function cancellationDetail<T>(err: unknown): T | undefined {
  const cause = causeOf(err);
  return cause instanceof CancelledFailure ? (cause.details?.[0] as T | undefined) : undefined;
}

/** A change run's failure as the controller records it; the newest validated config rides in its details. */
export function describeRunFailure(err: unknown): RunFailure {
  const cancelled: RunFailure = { message: 'cancelled by an operator', type: 'Cancelled', cancelled: true };
  if (isCancellation(err)) return cancelled;
  const cause = causeOf(err);
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as { newest?: ConfigSnapshot; stage?: string } | undefined;
    return {
      message: cause.message,
      type: cause.type ?? undefined,
      newest: details?.newest,
      cancelled: false,
      loadFailed: details?.stage === 'load',
    };
  }
  if (isCancellation(cause)) return cancelled;
  return { message: cause instanceof Error ? cause.message : String(cause), cancelled: false };
}
