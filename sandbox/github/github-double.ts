import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type Logger } from '../../src/log';
import { AppIdentity, tokenHash, type AuthResult, type Caller } from './app-identity';
import { handleControlPlane } from './control-plane';
import { apiVersion, Exchange, type Reply, SerializedBody, sendJson } from './exchange';
import { FaultPlan, type FaultAction } from './faults';
import { GitHubState, type RepoRecord, type StatusRecord } from './github-state';
import { GraphQLEndpoint } from './graphql-endpoint';
import { githubOpenApiSlice } from './openapi-document';
import { buildRoutes, matchRoute, type OperationRoute, type RouteMatch } from './operation-routes';
import { authorizationProblem, docsUrl, operations, type OperationResult } from './operations';
import { RateLimits, secondaryLimitMessage, type GitHubDoubleLimits } from './rate-limits';
import { Representations } from './representations';
import { RequestLog, type LoggedRequest } from './request-log';
import { checkScenario, type GitHubScenario } from './scenario';
import { GitHubSchemaValidator } from './schema-validator';

/**
 * A stateful GitHub REST and GraphQL double on node:http, bound to 127.0.0.1 (github-api.md §9). Every REST
 * request and response is checked against GitHub's OpenAPI slice, every GraphQL query against GitHub's
 * published GraphQL schema (graphql-endpoint.ts); limits, faults and a request log let tests prove a client
 * behaves as GitHub expects. `startGitHubDouble` is the only entry point.
 */
export interface GitHubDoubleOptions {
  port?: number;
  scenario?: GitHubScenario;
  limits?: GitHubDoubleLimits;
  /** Origin of web links (html_url); default https://github.com. */
  htmlOrigin?: string;
  /** Injectable clock for token expiry, JWT checks, rate-limit windows and timestamps. */
  now?: () => number;
  logger?: Logger;
  /** Reuse a key pair (the demo keeps one across restarts); generated otherwise. */
  privateKeyPem?: string;
}

export interface SchemaViolation {
  at: number;
  method: string;
  path: string;
  operationId: string;
  status: number;
  problems: string[];
}

export interface GitHubDouble {
  /** Base URL for Octokit's `baseUrl`, e.g. http://127.0.0.1:40123. */
  readonly url: string;
  readonly app: { appId: number; slug: string; installationId: number; privateKeyPem: string };
  readonly state: GitHubState;
  readonly requests: RequestLog;
  readonly violations: SchemaViolation[];
  readonly faults: FaultPlan;
  readonly limits: RateLimits;
  /** Back to the start scenario: state, log, violations, faults, tokens and buckets. */
  reset(): void;
  /** Replaces the world with this scenario (the App identity stays). */
  seed(scenario: GitHubScenario): void;
  /** An installation token, as auth-app would obtain it. */
  issueToken(): string;
  /** Makes `orgs/check-membership-for-user` answer 302 for this org (requester not a member). */
  redirectMembershipChecks(org: string, on?: boolean): void;
  latestStatus(owner: string, repo: string, sha: string, context: string): StatusRecord | undefined;
  statusHistory(owner: string, repo: string, sha: string): StatusRecord[];
  combinedState(owner: string, repo: string, sha: string): string | undefined;
  /** Requests that matched no operation (404, recorded). */
  unknownRequests(): LoggedRequest[];
  close(): Promise<void>;
}

const maxBodyBytes = 1 << 20;

function identityOf(caller: Caller, remote: string): { id: string; describe: string } {
  switch (caller.kind) {
    case 'installation':
      return {
        id: `installation:${caller.installationId}`,
        describe: `installation ID ${caller.installationId}`,
      };
    case 'user':
      return { id: `user:${caller.login.toLowerCase()}`, describe: `user ID ${caller.login}` };
    case 'app':
      return { id: `app:${caller.appId}`, describe: `app ID ${caller.appId}` };
    default:
      return { id: `anonymous:${remote}`, describe: remote };
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBodyBytes) reject(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Who is calling, as the rate limits count them. */
type Who = ReturnType<typeof identityOf>;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

class Double implements GitHubDouble {
  url = '';
  readonly requests = new RequestLog();
  readonly violations: SchemaViolation[] = [];
  readonly faults = new FaultPlan();
  readonly limits: RateLimits;
  state: GitHubState;
  private reps: Representations;
  private readonly identity: AppIdentity;
  private readonly validator = new GitHubSchemaValidator(githubOpenApiSlice);
  private readonly graphql: GraphQLEndpoint;
  private readonly routes: OperationRoute[] = buildRoutes(githubOpenApiSlice);
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly membershipRedirects = new Set<string>();
  private scenario: GitHubScenario;
  private readonly startScenario: GitHubScenario;
  readonly server: Server;

  constructor(private readonly options: GitHubDoubleOptions) {
    this.now = options.now ?? Date.now;
    this.log = options.logger ?? createLogger({ component: 'github-double' });
    this.scenario = checkScenario(options.scenario ?? {}, 'scenario');
    this.startScenario = this.scenario;
    const a = this.scenario.app ?? {};
    this.identity = new AppIdentity(
      a.id ?? 4242,
      a.slug ?? 'status-reconciler',
      a.name ?? 'Status Reconciler (sandbox)',
      a.installationId ?? 4343,
      this.now,
      options.privateKeyPem ? { privateKeyPem: options.privateKeyPem } : undefined,
    );
    this.limits = new RateLimits(options.limits ?? {}, this.now);
    this.graphql = new GraphQLEndpoint(
      () => this.state,
      () => this.options.htmlOrigin ?? 'https://github.com',
      this.limits,
    );
    this.state = new GitHubState(this.now, this.identity.botLogin);
    this.reps = this.newRepresentations();
    this.load(this.scenario);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.log.error('github double failed a request', { err: err as Error });
        if (!res.headersSent)
          sendJson(res, 500, { message: 'GitHub double error', documentation_url: docsUrl });
      });
    });
  }

  get app() {
    return {
      appId: this.identity.appId,
      slug: this.identity.slug,
      installationId: this.identity.installationId,
      privateKeyPem: this.identity.privateKeyPem,
    };
  }

  private newRepresentations(): Representations {
    return new Representations(this.state, this.identity, {
      api: this.url || 'http://127.0.0.1',
      html: this.options.htmlOrigin ?? 'https://github.com',
    });
  }

  private load(scenario: GitHubScenario): void {
    this.state = new GitHubState(this.now, this.identity.botLogin);
    this.state.load(scenario);
    this.identity.setPersonalTokens(scenario.tokens ?? []);
    this.reps = this.newRepresentations();
    this.reps.accountOverride = scenario.app?.installationAccount;
  }

  reset(): void {
    this.scenario = this.startScenario;
    this.load(this.scenario);
    this.requests.clear();
    this.violations.length = 0;
    this.faults.clear();
    this.limits.reset();
    this.identity.forgetInstallationTokens();
    this.membershipRedirects.clear();
  }

  seed(scenario: GitHubScenario): void {
    this.scenario = checkScenario(scenario, 'scenario');
    this.load(this.scenario);
  }

  issueToken(): string {
    return this.identity.issueInstallationToken().token;
  }

  redirectMembershipChecks(org: string, on = true): void {
    if (on) this.membershipRedirects.add(org.toLowerCase());
    else this.membershipRedirects.delete(org.toLowerCase());
  }

  private repoOrThrow(owner: string, repo: string): RepoRecord {
    const r = this.state.repo(owner, repo);
    if (!r) throw new Error(`github double: no repository ${owner}/${repo}`);
    return r;
  }

  latestStatus(owner: string, repo: string, sha: string, context: string): StatusRecord | undefined {
    const r = this.repoOrThrow(owner, repo);
    return this.state
      .combinedStatus(r, sha.toLowerCase())
      .latest.find((s) => s.context.toLowerCase() === context.toLowerCase());
  }

  statusHistory(owner: string, repo: string, sha: string): StatusRecord[] {
    return this.state.statusHistory(this.repoOrThrow(owner, repo), sha.toLowerCase());
  }

  combinedState(owner: string, repo: string, sha: string): string | undefined {
    const r = this.repoOrThrow(owner, repo);
    return this.state.combinedStatus(r, sha.toLowerCase()).state;
  }

  unknownRequests(): LoggedRequest[] {
    return this.requests.entries.filter((r) => r.operationId === undefined);
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    const { port: actual } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${actual}`;
    this.reps = this.newRepresentations();
    this.reps.accountOverride = this.scenario.app?.installationAccount;
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.closeAllConnections();
      this.server.close((err) => (err ? reject(err) : resolve()));
    });
  }

  /**
   * One request, in GitHub's order: the control plane aside, it is routed, its version and route checked,
   * faults injected, the caller authenticated and authorized, the rate limits applied, and then it is
   * answered by the GraphQL endpoint or a REST operation. Each step either answers (and the request ends)
   * or lets it through.
   */
  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', this.url);
    if (url.pathname.startsWith('/_sandbox/')) {
      const raw = await readBody(req);
      return handleControlPlane(this, { method, url, raw }, res, this.log);
    }
    const route = matchRoute(this.routes, method, url.pathname);
    const auth = this.identity.authenticate(req.headers.authorization);
    const exchange = this.openExchange(req, res, method, url, route, auth);
    const raw = await readBody(req);
    if (!this.servable(exchange)) return;
    const delayMs = await this.injectFault(exchange, auth);
    if (delayMs === undefined) return;
    const caller = this.authenticated(exchange, auth);
    if (!caller) return;
    const who = identityOf(caller, req.socket.remoteAddress ?? '127.0.0.1');
    exchange.identity = who.id;
    if (!this.authorized(exchange, caller)) return;
    if (!this.admittedByRateLimits(exchange, who)) return;
    if (delayMs > 0) {
      exchange.fault = 'delay';
      await sleep(delayMs);
    }
    if (exchange.operationId === 'graphql') return this.answerGraphQL(exchange, raw, who);
    return this.answerRest(exchange, raw, route as RouteMatch, caller, who);
  }

  /** Routing: the OpenAPI operation (or GraphQL) the request is for, and its log entry from now on. */
  private openExchange(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    url: URL,
    route: RouteMatch | undefined,
    auth: AuthResult,
  ): Exchange {
    const operationId =
      route?.route.operationId ?? (method === 'POST' && url.pathname === '/graphql' ? 'graphql' : undefined);
    const hash = auth.ok && auth.caller.kind !== 'anonymous' ? tokenHash(auth.caller.token) : undefined;
    return new Exchange(
      { requests: this.requests, limits: this.limits, now: this.now },
      req,
      res,
      method,
      url,
      operationId,
      hash,
    );
  }

  /** Version pinning (§6: 2022-11-28 or absent) and the routes the double serves; 400 or 404 otherwise. */
  private servable(exchange: Exchange): boolean {
    const version = exchange.req.headers['x-github-api-version'];
    if (version !== undefined && version !== apiVersion) {
      exchange.reply(400, { message: `Invalid API version: ${String(version)}`, documentation_url: docsUrl });
      return false;
    }
    if (!exchange.operationId) {
      this.log.warn('github double: route not served', {
        method: exchange.method,
        path: exchange.url.pathname,
      });
      exchange.reply(404, { message: 'Not Found', documentation_url: docsUrl });
      return false;
    }
    return true;
  }

  /**
   * Fault injection: a fault armed for this request answers or drops it (undefined: the request is over),
   * except a delay, which models slow processing and is served once the request counts as in flight (the
   * milliseconds returned; 0 without one).
   */
  private async injectFault(exchange: Exchange, auth: AuthResult): Promise<number | undefined> {
    const fault = this.faults.take(exchange.method, exchange.operationId ?? '', exchange.url.pathname);
    if (!fault) return 0;
    if (fault.kind === 'delay') return fault.ms;
    exchange.fault = fault.kind;
    const handled = await this.applyFault(fault, exchange, auth.ok ? auth.caller : { kind: 'anonymous' });
    return handled ? undefined : 0;
  }

  /** Authentication: the caller, or the 401 the credentials earned. */
  private authenticated(exchange: Exchange, auth: AuthResult): Caller | undefined {
    if (auth.ok) return auth.caller;
    exchange.reply(auth.status, { message: auth.message, documentation_url: docsUrl });
    return undefined;
  }

  /** Authorization: whether this kind of caller may call the operation (App-only endpoints, ...). */
  private authorized(exchange: Exchange, caller: Caller): boolean {
    const denied = authorizationProblem(exchange.operationId ?? '', caller);
    if (denied) this.replyValidated(exchange, denied);
    return !denied;
  }

  /**
   * Rate limits: the primary limit of `core` (GraphQL spends its own bucket once the query's cost is known;
   * GET /rate_limit is free), then the secondary limit, under which the request now counts as in flight.
   */
  private admittedByRateLimits(exchange: Exchange, who: Who): boolean {
    if (exchange.operationId !== 'rate-limit/get' && exchange.operationId !== 'graphql') {
      const primary = this.limits.checkPrimary(who.id, who.describe);
      if (!primary.ok) {
        exchange.reply(
          primary.status,
          { message: primary.message, documentation_url: docsUrl },
          primary.headers,
        );
        return false;
      }
    }
    const secondary = this.limits.enter(who.id, exchange.write);
    if (!secondary.ok) {
      exchange.reply(
        secondary.status,
        { message: secondaryLimitMessage, documentation_url: docsUrl },
        secondary.headers,
      );
      return false;
    }
    exchange.entered = true;
    return true;
  }

  /** Dispatch to GraphQL: the endpoint checks, costs, charges and answers the query. */
  private answerGraphQL(exchange: Exchange, raw: string, who: Who): void {
    const answer = this.graphql.answer(raw, who);
    exchange.points = answer.points;
    exchange.write = answer.mutation;
    exchange.reply(answer.status, answer.body, answer.headers);
  }

  /**
   * Dispatch to a REST operation: the request is checked against the OpenAPI slice, handled, answered 304
   * when the client's ETag still matches, and otherwise answered with a response checked against the slice.
   */
  private answerRest(exchange: Exchange, raw: string, route: RouteMatch, caller: Caller, who: Who): void {
    const operationId = exchange.operationId ?? '';
    const free = operationId === 'rate-limit/get';
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        return exchange.reply(400, { message: 'Problems parsing JSON', documentation_url: docsUrl });
      }
    }
    const checked = this.validator.validateRequest(operationId, {
      params: route.params,
      query: Object.fromEntries(exchange.url.searchParams.entries()),
      body,
    });
    if (!checked.ok) {
      if (!free) this.limits.spend(who.id);
      return this.replyValidated(exchange, {
        status: checked.status,
        body: { message: checked.message, documentation_url: docsUrl },
      });
    }
    const handler = operations[operationId];
    if (!handler) throw new Error(`operation ${operationId} is in the slice but has no handler`);
    const result = handler({
      ...checked.request,
      caller,
      identity: who.id,
      url: exchange.url,
      state: this.state,
      reps: this.reps,
      app: this.identity,
      limits: this.limits,
      membershipRedirects: this.membershipRedirects,
    });
    const serialized = this.withEtag(exchange, result);
    // A 304 does not spend the primary bucket.
    if (serialized === 'not-modified') return;
    if (!free) this.limits.spend(who.id);
    return this.replyValidated(exchange, result, serialized);
  }

  /**
   * Conditional requests (§6): a 200 to a GET gets an ETag covering body and token (so another token's
   * ETag misses); a matching If-None-Match is answered 304 here ('not-modified'). The serialized body
   * otherwise, so it is serialized once.
   */
  private withEtag(exchange: Exchange, result: OperationResult): SerializedBody | 'not-modified' | undefined {
    if (exchange.method !== 'GET' || result.status !== 200) return undefined;
    const serialized = new SerializedBody(JSON.stringify(result.body));
    const etag = `W/"${createHash('sha256')
      .update(exchange.tokenHash ?? '')
      .update(serialized.text)
      .digest('hex')
      .slice(0, 40)}"`;
    result.headers = { ...result.headers, etag };
    const ifNoneMatch = exchange.req.headers['if-none-match'];
    if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim() === etag)) {
      exchange.reply(304, undefined, { etag });
      return 'not-modified';
    }
    return serialized;
  }

  /** Emits a response only if it satisfies the schema; otherwise records a violation and answers 500. */
  private replyValidated(exchange: Exchange, result: OperationResult, serialized?: SerializedBody): void {
    const operationId = exchange.operationId ?? '';
    const problems = this.validator.validateResponse(operationId, result.status, result.body);
    if (problems.length > 0) {
      const violation = {
        at: this.now(),
        method: exchange.method,
        path: exchange.url.pathname,
        operationId,
        status: result.status,
        problems,
      };
      this.violations.push(violation);
      this.log.error('github double: response violates GitHub schema', { ...violation });
      return exchange.reply(500, {
        message: `GitHub double: response for ${operationId} violates GitHub's schema: ${problems.slice(0, 3).join('; ')}`,
        documentation_url: docsUrl,
      });
    }
    exchange.reply(result.status, serialized ?? result.body, result.headers);
  }

  /** Returns true when the fault answered (or dropped) the request itself. */
  private async applyFault(fault: FaultAction, exchange: Exchange, caller: Caller): Promise<boolean> {
    const reply: Reply = exchange.reply;
    switch (fault.kind) {
      case 'delay':
        return false;
      case 'drop':
        exchange.drop();
        return true;
      case 'timeout':
        await sleep(fault.ms);
        exchange.drop();
        return true;
      case 'status':
        reply(fault.status, fault.body, fault.headers);
        return true;
      case 'primary-limit': {
        const who = identityOf(caller, exchange.req.socket.remoteAddress ?? '127.0.0.1');
        this.limits.exhaust(who.id, fault.resetInSeconds * 1000);
        const headers = { ...this.limits.headers(who.id), 'x-ratelimit-remaining': '0' };
        reply(
          fault.status ?? 403,
          { message: `API rate limit exceeded for ${who.describe}.`, documentation_url: docsUrl },
          headers,
        );
        return true;
      }
      case 'secondary-limit':
        reply(
          fault.status ?? 403,
          { message: secondaryLimitMessage, documentation_url: docsUrl },
          { 'retry-after': String(fault.retryAfterSeconds) },
        );
        return true;
    }
  }
}

export async function startGitHubDouble(options: GitHubDoubleOptions = {}): Promise<GitHubDouble> {
  const double = new Double(options);
  await double.listen(options.port ?? 0);
  return double;
}
