import { abortableWait as wait } from './abortable-wait';

/**
 * GitHub asks integrations to "pause at least 1 second between mutating requests" (github-api.md §5,
 * best practice 4). plugin-throttling's write group spaces the *starts* of jobs inside Octokit's hook
 * chain; the hooks after it (auth, retry) take varying time, so under load the gap GitHub sees can
 * shrink well below the setting. This fetch wrapper sits at the wire: a mutating request is sent
 * only `spacingMs` after the previous one was answered, which bounds the server-side gap from below.
 */
const isMutating = (method: string) => method !== 'GET' && method !== 'HEAD';
/**
 * A GraphQL query is a read sent as POST: GitHub asks for the pause between mutations only (and counts only
 * them as content creation), so queries are not held behind writes.
 */
export function isGraphQLQuery(url: string, body: unknown): boolean {
  if (!/\/graphql$/.test(url.replace(/\?.*$/, '')) || typeof body !== 'string') return false;
  try {
    const { query } = JSON.parse(body) as { query?: unknown };
    return typeof query === 'string' && !/^(\s|#[^\n]*\n)*mutation\b/.test(query);
  } catch {
    return false;
  }
}
// Minting installation tokens is authentication, not content (plugin-throttling excludes it too).
const isTokenMint = (url: string) => /\/app\/installations\/[^/]+\/access_tokens$/.test(url);

export function pacedFetch(inner: typeof fetch, spacingMs: number): typeof fetch {
  if (spacingMs <= 0) return inner;
  let queue: Promise<void> = Promise.resolve();
  let lastAnswered = 0;
  return async (input, init) => {
    const method = (init?.method ?? 'GET').toUpperCase();
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!isMutating(method) || isTokenMint(url) || isGraphQLQuery(url, init?.body)) return inner(input, init);
    // One mutating request at a time, in call order.
    let release!: () => void;
    const turn = queue;
    queue = new Promise((r) => (release = r));
    await turn;
    try {
      const remaining = lastAnswered + spacingMs - Date.now();
      if (remaining > 0) await wait(remaining, init?.signal);
      return await inner(input, init);
    } finally {
      lastAnswered = Date.now();
      release();
    }
  };
}
