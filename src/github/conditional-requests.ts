import { createHash } from 'node:crypto';
import type { Octokit } from '@octokit/rest';

/**
 * Conditional GETs (github-api.md §6): remember each response's ETag and revalidate with
 * If-None-Match. A 304 costs no primary rate limit and Octokit turns it into a RequestError, which
 * this hook answers from the cache. ETags are per token, so the key holds a hash of the current
 * token (installation tokens rotate hourly), the method and the full URL; POSTs are never cached.
 */
interface CachedResponse {
  etag: string;
  response: {
    status: number;
    url: string;
    headers: Record<string, string | number | undefined>;
    data: unknown;
  };
}

const maxEntries = 2000;

export function enableConditionalRequests(octokit: Octokit, app: boolean): void {
  const cache = new Map<string, CachedResponse>();
  octokit.hook.wrap('request', async (request, options) => {
    const opts = options as typeof options & { headers: Record<string, string> };
    const { method, url } = octokit.request.endpoint.parse(options);
    if (method !== 'GET' || url.includes('/app/installations/')) return request(options);
    // Only the auth layer knows the token; it is hashed at once and never kept or logged.
    const auth = (await (app ? octokit.auth({ type: 'installation' }) : octokit.auth())) as {
      token?: string;
    };
    const key = `${createHash('sha256')
      .update(auth.token ?? '')
      .digest('hex')} ${method} ${url}`;
    const hit = cache.get(key);
    if (hit) opts.headers = { ...opts.headers, 'if-none-match': hit.etag };
    try {
      const response = (await request(options)) as unknown as CachedResponse['response'];
      const etag = response.headers.etag;
      if (typeof etag === 'string') {
        cache.delete(key);
        cache.set(key, { etag, response });
        if (cache.size > maxEntries) cache.delete(cache.keys().next().value as string);
      }
      return response as never;
    } catch (err) {
      if (hit && (err as { status?: number }).status === 304) {
        cache.delete(key);
        cache.set(key, hit);
        return { ...hit.response, data: structuredClone(hit.response.data) } as never;
      }
      throw err;
    }
  });
}
