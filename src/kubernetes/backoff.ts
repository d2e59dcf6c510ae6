/**
 * Prow's ProwJob creation backoff (R18.3, `trigger.createWithRetry` over apimachinery's
 * `wait.ExponentialBackoff`): `steps` attempts; before attempt n+1 it sleeps
 * `delay * factor^(n-1)`, stretched by a random share of up to `jitter` of itself.
 */
export interface Backoff {
  /** First sleep in milliseconds. Prow: 250. */
  delayMs: number;
  /** Prow: 2. */
  factor: number;
  /** Prow: 0.1 (each sleep is between 100% and 110% of its nominal value). */
  jitter: number;
  /** Number of attempts in all. Prow: 8. */
  steps: number;
}

export const prowJobCreateBackoff: Backoff = { delayMs: 250, factor: 2, jitter: 0.1, steps: 8 };

/** The sleep before attempt `attempt + 1` (attempt counts from 1), given a random number in [0, 1). */
export function backoffDelay(backoff: Backoff, attempt: number, random: number): number {
  const nominal = backoff.delayMs * backoff.factor ** (attempt - 1);
  return backoff.jitter > 0 ? nominal + random * backoff.jitter * nominal : nominal;
}

/** Sleeps, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
