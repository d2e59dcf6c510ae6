/**
 * GitHub's primary and secondary REST limits (github-api.md §5), enforced per caller identity
 * (installation, user, app, anonymous), all configurable so tests can exhaust them in milliseconds.
 */
export interface PrimaryLimitOptions {
  /** Requests per window (GitHub: 5,000 per hour for tokens, 60 unauthenticated). */
  limit: number;
  windowMs: number;
  /** GitHub answers 403 or 429; 403 is the common case. */
  status?: 403 | 429;
  anonymousLimit?: number;
}

export interface SecondaryLimitOptions {
  /** Concurrent requests per identity (GitHub: 100). */
  maxConcurrent?: number;
  /**
   * Content-creating requests allowed per sliding window (GitHub: 80 per minute and 500 per hour);
   * tests use short windows.
   */
  writes?: { limit: number; windowMs: number }[];
  /** `retry-after` sent with a concurrency rejection, seconds (GitHub: often 60). */
  retryAfterSeconds?: number;
  status?: 403 | 429;
}

export interface GitHubDoubleLimits {
  primary?: PrimaryLimitOptions | false;
  secondary?: SecondaryLimitOptions | false;
}

export const githubLimits: Required<{ primary: PrimaryLimitOptions; secondary: SecondaryLimitOptions }> = {
  primary: { limit: 5000, windowMs: 60 * 60 * 1000, status: 403, anonymousLimit: 60 },
  secondary: {
    maxConcurrent: 100,
    writes: [
      { limit: 80, windowMs: 60_000 },
      { limit: 500, windowMs: 3_600_000 },
    ],
    retryAfterSeconds: 60,
    status: 403,
  },
};

/** REST requests spend `core`; GraphQL queries spend points of `graphql`, a bucket of its own (github-api.md §5). */
export type LimitResource = 'core' | 'graphql';

export interface Bucket {
  limit: number;
  used: number;
  /** Epoch ms when the window ends. */
  resetAt: number;
}

/** plugin-throttling recognizes a secondary limit only by /\bsecondary rate\b/i in this message. */
export const secondaryLimitMessage =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';

export type LimitVerdict =
  { ok: true } | { ok: false; status: 403 | 429; message: string; headers: Record<string, string> };

export class RateLimits {
  private readonly buckets = new Map<string, Bucket>();
  private readonly inFlight = new Map<string, number>();
  private readonly writes = new Map<string, number[]>();

  constructor(
    private readonly options: GitHubDoubleLimits,
    private readonly now: () => number,
  ) {}

  get primary(): PrimaryLimitOptions | undefined {
    return this.options.primary === false ? undefined : { ...githubLimits.primary, ...this.options.primary };
  }

  get secondary(): SecondaryLimitOptions | undefined {
    return this.options.secondary === false
      ? undefined
      : { ...githubLimits.secondary, ...this.options.secondary };
  }

  reset(): void {
    this.buckets.clear();
    this.inFlight.clear();
    this.writes.clear();
  }

  /** The identity's current window (starts a new one when the last has ended). */
  bucket(identity: string, resource: LimitResource = 'core'): Bucket {
    const p = this.primary ?? githubLimits.primary;
    const limit = identity.startsWith('anonymous') ? (p.anonymousLimit ?? 60) : p.limit;
    const key = resource === 'core' ? identity : `${resource} ${identity}`;
    let b = this.buckets.get(key);
    const t = this.now();
    if (!b || b.resetAt <= t) {
      b = { limit, used: 0, resetAt: t + p.windowMs };
      this.buckets.set(key, b);
    }
    return b;
  }

  /** Headers GitHub sends on every response: the reset is in epoch seconds. */
  headers(identity: string, resource: LimitResource = 'core'): Record<string, string> {
    const b = this.bucket(identity, resource);
    return {
      'x-ratelimit-limit': String(b.limit),
      'x-ratelimit-remaining': String(Math.max(0, b.limit - b.used)),
      'x-ratelimit-used': String(b.used),
      'x-ratelimit-reset': String(Math.ceil(b.resetAt / 1000)),
      'x-ratelimit-resource': resource,
    };
  }

  /** Primary limit: checked before the request, spent after it (a 304 spends nothing). */
  checkPrimary(identity: string, describe: string): LimitVerdict {
    const p = this.primary;
    if (!p) return { ok: true };
    const b = this.bucket(identity);
    if (b.used < b.limit) return { ok: true };
    return {
      ok: false,
      status: p.status ?? 403,
      message: `API rate limit exceeded for ${describe}.`,
      headers: { ...this.headers(identity), 'x-ratelimit-remaining': '0' },
    };
  }

  /** A REST request spends 1 of `core`; a GraphQL query its cost in points of `graphql`. */
  spend(identity: string, resource: LimitResource = 'core', amount = 1): void {
    if (this.primary) this.bucket(identity, resource).used += amount;
  }

  /** Forces an identity's bucket empty until `resetInMs` from now (fault injection). */
  exhaust(identity: string, resetInMs: number, resource: LimitResource = 'core'): void {
    const b = this.bucket(identity, resource);
    b.used = b.limit;
    b.resetAt = this.now() + resetInMs;
  }

  /** Secondary limits: concurrency and content creation. On success the request is counted in flight. */
  enter(identity: string, contentCreating: boolean): LimitVerdict {
    const s = this.secondary;
    const current = this.inFlight.get(identity) ?? 0;
    if (s) {
      const reject = (retryAfter: number): LimitVerdict => ({
        ok: false,
        status: s.status ?? 403,
        message: secondaryLimitMessage,
        headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfter))) },
      });
      if (s.maxConcurrent !== undefined && current >= s.maxConcurrent)
        return reject(s.retryAfterSeconds ?? 60);
      if (contentCreating && s.writes && s.writes.length > 0) {
        const t = this.now();
        const longest = Math.max(...s.writes.map((w) => w.windowMs));
        const times = (this.writes.get(identity) ?? []).filter((w) => w > t - longest);
        this.writes.set(identity, times);
        for (const window of s.writes) {
          const inWindow = times.filter((w) => w > t - window.windowMs);
          if (inWindow.length >= window.limit) {
            // retry-after: when the oldest write in the window leaves it.
            return reject(((inWindow[0] as number) + window.windowMs - t) / 1000);
          }
        }
        times.push(t);
      }
    }
    this.inFlight.set(identity, current + 1);
    return { ok: true };
  }

  /** Requests of an identity being served now (e.g. `installation:99`). */
  inFlightFor(identity: string): number {
    return this.inFlight.get(identity) ?? 0;
  }

  leave(identity: string): void {
    const current = this.inFlight.get(identity) ?? 0;
    if (current <= 1) this.inFlight.delete(identity);
    else this.inFlight.set(identity, current - 1);
  }
}
