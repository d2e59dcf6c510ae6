import { abortableWait as wait } from './abortable-wait';

/**
 * Pacing on GitHub's GraphQL rate limit: points, not requests (5,000 an hour for an installation, its own
 * bucket). Every query asks for `rateLimit { cost remaining resetAt }`; before the next one, a query that would
 * cost more than the points left waits for the reset when that is within the client's longest in-process wait,
 * and otherwise fails with the time of the reset, as a REST primary limit does (client.ts). GitHub's
 * RATE_LIMITED answers (HTTP 200, `x-ratelimit-remaining: 0`) are still handled by plugin-throttling's
 * `onRateLimit`, for limits this process could not see coming (other processes share the bucket).
 */
export interface GraphQLRateLimit {
  cost: number;
  remaining: number;
  /** ISO 8601, as GitHub sends it. */
  resetAt: string;
}

export class GraphQLRateLimitError extends Error {
  override name = 'GraphQLRateLimitError';
  constructor(
    message: string,
    /** Epoch ms when the points come back. */
    readonly resetAt: number,
  ) {
    super(message);
  }
}

export class GraphQLPoints {
  private known?: { remaining: number; resetAt: number };
  /** Points charged by every query this client sent. */
  spent = 0;
  queries = 0;

  constructor(
    private readonly maxWaitMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Holds a query of `cost` points until the bucket can pay for it, or fails when that is too far away. */
  async reserve(cost: number, signal?: AbortSignal): Promise<void> {
    const known = this.known;
    if (!known || this.now() >= known.resetAt) {
      this.known = undefined;
      return;
    }
    if (known.remaining >= cost) {
      // Counted down here too, so concurrent reads of one client do not all spend the last points.
      known.remaining -= cost;
      return;
    }
    const waitMs = known.resetAt - this.now() + 1000;
    if (waitMs > this.maxWaitMs)
      throw new GraphQLRateLimitError(
        `GitHub GraphQL rate limit: ${known.remaining} points left, a query costs ${cost}; the limit resets at ${new Date(known.resetAt).toISOString()}`,
        known.resetAt,
      );
    await wait(waitMs, signal);
    this.known = undefined;
  }

  /** What GitHub said after a query. */
  observe(rateLimit: GraphQLRateLimit | null | undefined): void {
    this.queries++;
    if (!rateLimit) return;
    this.spent += rateLimit.cost;
    const resetAt = Date.parse(rateLimit.resetAt);
    if (Number.isFinite(resetAt)) this.known = { remaining: rateLimit.remaining, resetAt };
  }
}

/**
 * GitHub's cost of a query before it is sent (the double computes the same from the query text): 1 request for
 * the outer connection of `pageSize` nodes plus `pageSize` requests for each connection nested in its nodes,
 * divided by 100 and rounded, at least 1.
 */
export function estimatedPoints(nestedConnections: number, pageSize = 100): number {
  return Math.max(1, Math.round((1 + nestedConnections * pageSize) / 100));
}
