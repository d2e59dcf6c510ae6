import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RateLimits } from './rate-limits';
import type { RequestLog } from './request-log';

/** The API version the double serves (github-api.md §6); a request may pin it or send none. */
export const apiVersion = '2022-11-28';

/** A body already turned into JSON text, so it is serialized once per response. */
export class SerializedBody {
  constructor(readonly text: string) {}
}

/** Writes a JSON answer (`body` may come serialized already: the ETag needed the text). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : body instanceof SerializedBody ? body.text : JSON.stringify(body);
  res.writeHead(status, {
    ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export type Reply = (status: number, body: unknown, headers?: Record<string, string>) => void;

/**
 * One GitHub API request from arrival to its entry in the request log: what it asked for, who sent it,
 * what it cost, and the one answer it gets. The entry is written once: in the same tick as the answer (so
 * a client in this process always finds it logged), or when the connection is gone without one (status 0).
 * Writing it also ends the request's place among the caller's concurrent requests (the secondary limit).
 */
export class Exchange {
  readonly startedAt: number;
  /** A content-creating request (GitHub's secondary limit); a GraphQL answer says whether it was a mutation. */
  write: boolean;
  /** GraphQL: the points the query was charged. */
  points?: number;
  /** The fault that shaped the answer, if any. */
  fault?: string;
  /** The caller's rate-limit identity, once known: every later answer carries its rate-limit headers. */
  identity?: string;
  /** Whether the request counts among the identity's requests in flight until it is logged. */
  entered = false;
  private answered?: number;
  private recorded = false;

  constructor(
    private readonly log: { requests: RequestLog; limits: RateLimits; now: () => number },
    readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    readonly method: string,
    readonly url: URL,
    readonly operationId: string | undefined,
    readonly tokenHash: string | undefined,
  ) {
    this.startedAt = log.now();
    // GitHub counts only content creation as a write: not token minting, not a GraphQL query.
    this.write =
      method !== 'GET' &&
      method !== 'HEAD' &&
      operationId !== 'apps/create-installation-access-token' &&
      operationId !== 'graphql';
    res.once('close', () => this.recordOnce());
  }

  /** Sends the answer with GitHub's response headers, then logs the request. */
  readonly reply: Reply = (status, body, headers = {}) => {
    this.answered = status;
    sendJson(this.res, status, body, {
      'x-github-request-id': randomUUID().toUpperCase(),
      'x-github-media-type': 'github.v3; format=json',
      'x-github-api-version-selected': apiVersion,
      ...(this.identity ? this.log.limits.headers(this.identity) : {}),
      ...headers,
    });
    this.recordOnce();
  };

  /** Closes the connection without an answer (a dropped request), logged with status 0. */
  drop(): void {
    this.recordOnce();
    this.req.socket.destroy();
  }

  private recordOnce(): void {
    if (this.recorded) return;
    this.recorded = true;
    const version = this.req.headers['x-github-api-version'];
    this.log.requests.record({
      method: this.method,
      path: this.url.pathname,
      query: this.url.search,
      operationId: this.operationId,
      status: this.answered ?? 0,
      tokenHash: this.tokenHash,
      write: this.write,
      ...(this.points !== undefined ? { points: this.points } : {}),
      apiVersion: typeof version === 'string' ? version : undefined,
      fault: this.fault,
      startedAt: this.startedAt,
      endedAt: this.log.now(),
    });
    if (this.entered && this.identity) this.log.limits.leave(this.identity);
    this.entered = false;
  }
}
