/**
 * Every request the double saw, for assertions: which operations a client called, how often, and
 * whether it kept GitHub's best practices (serial requests, at least 1 s between writes; §5, §9.5).
 * Tokens are recorded only as a short hash.
 */
export interface LoggedRequest {
  seq: number;
  method: string;
  /** Path without the query string. */
  path: string;
  query: string;
  operationId?: string;
  status: number;
  /** sha256 prefix of the token; undefined when unauthenticated. */
  tokenHash?: string;
  /** A POST/PATCH/PUT/DELETE that creates content (token minting excluded). */
  write: boolean;
  /** The X-GitHub-Api-Version header the client sent, if any. */
  apiVersion?: string;
  /** GraphQL: the points the query was charged (GitHub's cost formula; 0 when refused before running). */
  points?: number;
  /** Fault that shaped the answer, if any. */
  fault?: string;
  startedAt: number;
  endedAt: number;
}

export class RequestLog {
  private readonly list: LoggedRequest[] = [];
  private nextSeq = 1;

  get entries(): readonly LoggedRequest[] {
    return this.list;
  }

  record(entry: Omit<LoggedRequest, 'seq'>): LoggedRequest {
    const full = { seq: this.nextSeq++, ...entry };
    this.list.push(full);
    return full;
  }

  clear(): void {
    this.list.length = 0;
  }

  /** Requests with this operationId (optionally only with this status). */
  count(operationId: string, status?: number): number {
    return this.list.filter(
      (r) => r.operationId === operationId && (status === undefined || r.status === status),
    ).length;
  }

  /** GraphQL points charged, in all or to one token. */
  graphqlPoints(tokenHash?: string): number {
    return this.list
      .filter((r) => tokenHash === undefined || r.tokenHash === tokenHash)
      .reduce((sum, r) => sum + (r.points ?? 0), 0);
  }

  countsByOperation(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.list) {
      const k = r.operationId ?? `unknown ${r.method} ${r.path}`;
      out[k] = (out[k] ?? 0) + 1;
    }
    return out;
  }

  /** Most requests of one token that were in flight at the same time. */
  maxConcurrency(tokenHash?: string): number {
    const events: [number, number][] = [];
    for (const r of this.list) {
      if (tokenHash !== undefined && r.tokenHash !== tokenHash) continue;
      // A request answered within the same millisecond still occupied the server for a moment.
      events.push([r.startedAt, 1], [Math.max(r.endedAt, r.startedAt + 0.5), -1]);
    }
    // Ends sort before starts at the same instant: back-to-back requests are not concurrent.
    events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let current = 0;
    let max = 0;
    for (const [, delta] of events) {
      current += delta;
      max = Math.max(max, current);
    }
    return max;
  }

  /** Smallest gap in ms between the starts of consecutive writes (Infinity with fewer than two). */
  minWriteSpacingMs(tokenHash?: string): number {
    const starts = this.list
      .filter((r) => r.write && (tokenHash === undefined || r.tokenHash === tokenHash))
      .map((r) => r.startedAt)
      .sort((a, b) => a - b);
    let min = Infinity;
    for (let i = 1; i < starts.length; i++)
      min = Math.min(min, (starts[i] as number) - (starts[i - 1] as number));
    return min;
  }
}
