/**
 * Go's `fmt.Errorf("…: %w", err)`: the message reads exactly like Prow's wrapped errors (§17), and the cause
 * stays attached for callers that inspect it (e.g. a retryable HTTP error under a trust error).
 */
export function wrapError(message: string, cause: unknown): Error {
  return new Error(`${message}: ${errorMessage(cause)}`, { cause });
}

/** The text of anything thrown, as `%v` would print it. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
