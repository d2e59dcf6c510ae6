import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type Logger } from '../../src/log';
import { AppIdentity, tokenHash, type Caller } from './app-identity';
import { handleControlPlane } from './control-plane';
import { FaultPlan, type FaultAction } from './faults';
import { GitHubState, type RepoRecord, type StatusRecord } from './github-state';
import { GraphQLEndpoint } from './graphql-endpoint';
import { githubOpenApiSlice } from './openapi-document';
import { buildRoutes, matchRoute, type OperationRoute } from './operation-routes';
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

const apiVersion = '2022-11-28';
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

/** A body already turned into JSON text, so it is serialized once per response. */
class SerializedBody {
  constructor(readonly text: string) {}
}

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
          this.send(res, 500, { message: 'GitHub double error', documentation_url: docsUrl });
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

  /** `body` may come serialized already (the ETag needed the text). */
  private send(
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

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = this.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', this.url);
    if (url.pathname.startsWith('/_sandbox/')) {
      const raw = await readBody(req);
      return handleControlPlane(this, { method, url, raw }, res, this.log);
    }

    const route = matchRoute(this.routes, method, url.pathname);
    const operationId =
      route?.route.operationId ?? (method === 'POST' && url.pathname === '/graphql' ? 'graphql' : undefined);
    // A GraphQL query reads (GitHub counts only mutations as content creation); the double serves no mutations.
    let write =
      method !== 'GET' &&
      method !== 'HEAD' &&
      operationId !== 'apps/create-installation-access-token' &&
      operationId !== 'graphql';
    let points: number | undefined;
    const auth = this.identity.authenticate(req.headers.authorization);
    const hash = auth.ok && auth.caller.kind !== 'anonymous' ? tokenHash(auth.caller.token) : undefined;
    let faultName: string | undefined;
    // Set once the caller is known; read by the closures below when the answer completes.
    const flight: { identity?: string; entered: boolean } = { entered: false };
    const record = (status: number) => {
      this.requests.record({
        method,
        path: url.pathname,
        query: url.search,
        operationId,
        status,
        tokenHash: hash,
        write,
        ...(points !== undefined ? { points } : {}),
        apiVersion:
          typeof req.headers['x-github-api-version'] === 'string'
            ? req.headers['x-github-api-version']
            : undefined,
        fault: faultName,
        startedAt,
        endedAt: this.now(),
      });
      if (flight.entered && flight.identity) this.limits.leave(flight.identity);
      flight.entered = false;
    };
    // The log entry is written once: when the answer is sent, or when the connection is gone
    // without one (status 0).
    let answered: number | undefined;
    let recorded = false;
    const recordOnce = () => {
      if (recorded) return;
      recorded = true;
      record(answered ?? 0);
    };
    res.once('close', recordOnce);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      answered = status;
      this.send(res, status, body, {
        'x-github-request-id': randomUUID().toUpperCase(),
        'x-github-media-type': 'github.v3; format=json',
        'x-github-api-version-selected': apiVersion,
        ...(flight.identity ? this.limits.headers(flight.identity) : {}),
        ...headers,
      });
      // Recorded in the same tick as the answer, so a client in this process always finds it logged.
      recordOnce();
    };

    const raw = await readBody(req);

    // Version pinning (§6): 2022-11-28 or absent.
    const version = req.headers['x-github-api-version'];
    if (version !== undefined && version !== apiVersion) {
      return reply(400, { message: `Invalid API version: ${String(version)}`, documentation_url: docsUrl });
    }

    if (!operationId) {
      this.log.warn('github double: route not served', { method, path: url.pathname });
      return reply(404, { message: 'Not Found', documentation_url: docsUrl });
    }

    const fault = this.faults.take(method, operationId, url.pathname);
    // A delay models slow processing: it is served after the request counts as in flight.
    const delayMs = fault?.kind === 'delay' ? fault.ms : 0;
    if (fault && fault.kind !== 'delay') {
      faultName = fault.kind;
      const handled = await this.applyFault(
        fault,
        req,
        reply,
        auth.ok ? auth.caller : { kind: 'anonymous' },
        recordOnce,
      );
      if (handled) return;
    }

    if (!auth.ok) return reply(auth.status, { message: auth.message, documentation_url: docsUrl });
    const caller = auth.caller;
    const who = identityOf(caller, req.socket.remoteAddress ?? '127.0.0.1');
    flight.identity = who.id;

    const denied = authorizationProblem(operationId, caller);
    if (denied) return this.replyValidated(reply, method, url, operationId, denied);

    const free = operationId === 'rate-limit/get';
    // GraphQL spends points of its own bucket, checked and charged once the query's cost is known.
    if (!free && operationId !== 'graphql') {
      const primary = this.limits.checkPrimary(who.id, who.describe);
      if (!primary.ok) {
        return reply(
          primary.status,
          { message: primary.message, documentation_url: docsUrl },
          primary.headers,
        );
      }
    }
    const secondary = this.limits.enter(who.id, write);
    if (!secondary.ok) {
      return reply(
        secondary.status,
        { message: secondaryLimitMessage, documentation_url: docsUrl },
        secondary.headers,
      );
    }
    flight.entered = true;
    if (delayMs > 0) {
      faultName = 'delay';
      await sleep(delayMs);
    }

    if (operationId === 'graphql') {
      const answer = this.graphql.answer(raw, who);
      points = answer.points;
      write = answer.mutation;
      return reply(answer.status, answer.body, answer.headers);
    }

    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        return reply(400, { message: 'Problems parsing JSON', documentation_url: docsUrl });
      }
    }
    const query = Object.fromEntries(url.searchParams.entries());
    const checked = this.validator.validateRequest(operationId, {
      params: (route as NonNullable<typeof route>).params,
      query,
      body,
    });
    if (!checked.ok) {
      if (!free) this.limits.spend(who.id);
      return this.replyValidated(reply, method, url, operationId, {
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
      url,
      state: this.state,
      reps: this.reps,
      app: this.identity,
      limits: this.limits,
      membershipRedirects: this.membershipRedirects,
    });

    // Conditional requests (§6): the ETag covers body and token, so another token's ETag misses.
    let serialized: SerializedBody | undefined;
    if (method === 'GET' && result.status === 200) {
      serialized = new SerializedBody(JSON.stringify(result.body));
      const etag = `W/"${createHash('sha256')
        .update(hash ?? '')
        .update(serialized.text)
        .digest('hex')
        .slice(0, 40)}"`;
      result.headers = { ...result.headers, etag };
      const ifNoneMatch = req.headers['if-none-match'];
      if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim() === etag)) {
        // A 304 does not spend the primary bucket.
        return reply(304, undefined, { etag });
      }
    }
    if (!free) this.limits.spend(who.id);
    return this.replyValidated(reply, method, url, operationId, result, serialized);
  }

  /** Emits a response only if it satisfies the schema; otherwise records a violation and answers 500. */
  private replyValidated(
    reply: (status: number, body: unknown, headers?: Record<string, string>) => void,
    method: string,
    url: URL,
    operationId: string,
    result: OperationResult,
    serialized?: SerializedBody,
  ): void {
    const problems = this.validator.validateResponse(operationId, result.status, result.body);
    if (problems.length > 0) {
      const violation = {
        at: this.now(),
        method,
        path: url.pathname,
        operationId,
        status: result.status,
        problems,
      };
      this.violations.push(violation);
      this.log.error('github double: response violates GitHub schema', { ...violation });
      return reply(500, {
        message: `GitHub double: response for ${operationId} violates GitHub's schema: ${problems.slice(0, 3).join('; ')}`,
        documentation_url: docsUrl,
      });
    }
    reply(result.status, serialized ?? result.body, result.headers);
  }

  /** Returns true when the fault answered (or dropped) the request itself. */
  private async applyFault(
    fault: FaultAction,
    req: IncomingMessage,
    reply: (status: number, body: unknown, headers?: Record<string, string>) => void,
    caller: Caller,
    dropped: () => void,
  ): Promise<boolean> {
    switch (fault.kind) {
      case 'delay':
        return false;
      case 'drop':
        dropped();
        req.socket.destroy();
        return true;
      case 'timeout':
        await sleep(fault.ms);
        dropped();
        req.socket.destroy();
        return true;
      case 'status':
        reply(fault.status, fault.body, fault.headers);
        return true;
      case 'primary-limit': {
        const who = identityOf(caller, req.socket.remoteAddress ?? '127.0.0.1');
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
