import { createHash } from 'node:crypto';
import type { Octokit } from '@octokit/rest';
import { packJson, unpackJson } from '../packed-json';

/**
 * Conditional GETs (github-api.md §6): remember each response's ETag and revalidate with
 * If-None-Match. A 304 costs no primary rate limit and Octokit turns it into a RequestError, which
 * this hook answers from the cache. ETags are per token, so the key holds a hash of the current
 * token (installation tokens rotate hourly), the method and the full URL; POSTs are never cached.
 */
interface CachedResponse {
  etag: string;
  status: number;
  url: string;
  headers: Record<string, string | number | undefined>;
  /** The body, compressed: a combined status embeds the whole repository object, ~10 KB as JSON. */
  body: Buffer;
  bytes: number;
}

/**
 * The responses kept for revalidation, least recently used first out, bounded by their size. One cache
 * serves every client of a worker (a GitHub App has one per org): a bound per client would let a worker
 * serving a hundred orgs keep a hundred times as much.
 */
export class ResponseCache {
  private readonly entries = new Map<string, CachedResponse>();
  private size = 0;

  constructor(readonly maxBytes = 16 * 1024 * 1024) {}

  get(key: string): CachedResponse | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      // Most recently used last.
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, response: Omit<CachedResponse, 'body' | 'bytes'> & { data: unknown }): void {
    this.delete(key);
    const { data, ...rest } = response;
    const body = packJson(data);
    // Headers and the key are small; count them roughly.
    const entry = { ...rest, body, bytes: body.length + key.length + 512 };
    if (entry.bytes > this.maxBytes) return;
    this.entries.set(key, entry);
    this.size += entry.bytes;
    for (const [oldest, old] of this.entries) {
      if (this.size <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.size -= old.bytes;
    }
  }

  private delete(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.entries.delete(key);
    this.size -= old.bytes;
  }

  get bytes(): number {
    return this.size;
  }

  get count(): number {
    return this.entries.size;
  }
}

export function enableConditionalRequests(octokit: Octokit, app: boolean, cache: ResponseCache): void {
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
      const response = (await request(options)) as unknown as {
        status: number;
        url: string;
        headers: CachedResponse['headers'];
        data: unknown;
      };
      const etag = response.headers.etag;
      if (typeof etag === 'string') cache.set(key, { etag, ...response });
      return response as never;
    } catch (err) {
      if (hit && (err as { status?: number }).status === 304) {
        const { status, url: cachedUrl, headers, body } = hit;
        return { status, url: cachedUrl, headers, data: unpackJson(body) } as never;
      }
      throw err;
    }
  });
}
