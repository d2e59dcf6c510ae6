import { errorMessage, wrapError } from '../../src/reconcile/wrapped-error';

describe('wrapError and errorMessage: Go’s "%v: %w"', () => {
  const httpError = (status: number, message: string): Error =>
    Object.assign(new Error(message), { name: 'HttpError', status });

  it.each([
    ['an error', new Error('boom'), 'boom'],
    ['a thrown string', 'plain text', 'plain text'],
    ['an HTTP error with a message', httpError(502, 'Bad Gateway'), 'Bad Gateway'],
    // A 502 with an empty body: Octokit's error has no message; the operator still learns what happened.
    ['an HTTP error with an empty body', httpError(502, ''), 'HttpError 502 (no message)'],
    ['an error without a message or status', new TypeError(''), 'TypeError (no message)'],
  ])('prints %s', (_label, err, text) => {
    expect(errorMessage(err)).toBe(text);
  });

  it('wraps with the cause kept', () => {
    const cause = httpError(503, '');
    const wrapped = wrapError('failed to list pull requests for acme/busy', cause);
    expect(wrapped.message).toBe('failed to list pull requests for acme/busy: HttpError 503 (no message)');
    expect(wrapped.cause).toBe(cause);
  });
});
