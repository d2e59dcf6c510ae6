/**
 * Go's `fmt.Errorf("…: %w", err)`: the message reads exactly like Prow's wrapped errors (§17), and the cause
 * stays attached for callers that inspect it (e.g. a retryable HTTP error under a trust error).
 */
export function wrapError(message: string, cause: unknown): Error {
  return new Error(`${message}: ${errorMessage(cause)}`, { cause });
}

/**
 * The text of anything thrown, as `%v` would print it. An error without a message (an HTTP error whose
 * response had an empty body, say a 502 from a proxy) still says what it was: its name and HTTP status.
 */
export function errorMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.message !== '') return err.message;
  const status = (err as { status?: unknown }).status;
  return `${err.name}${typeof status === 'number' ? ` ${status}` : ''} (no message)`;
}
