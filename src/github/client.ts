import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { paginateGraphQL } from '@octokit/plugin-paginate-graphql';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import Bottleneck from 'bottleneck';
import { silentLogger, type Logger } from '../log';
import { enableConditionalRequests, ResponseCache } from './conditional-requests';
import { pacedFetch } from './write-pacing';

/**
 * The one place that builds the GitHub client (architecture: "one place builds each outside
 * client"): @octokit/rest with throttling and retry, token or GitHub App authentication, the pinned
 * API version, and settings from a typed options object (github-api.md §7.3).
 */
export const githubApiVersion = '2022-11-28';

export type GitHubAuthOptions =
  | { token: string }
  | {
      appId: number | string;
      /** PEM, PKCS#1 or PKCS#8. */
      privateKey: string;
      /** The installation to act as; or find it from a repository the App is installed on. */
      installationId?: number;
      installationRepo?: { owner: string; repo: string };
    };

export interface GitHubClientOptions {
  /** https://api.github.com, a GitHub Enterprise `…/api/v3`, or the double's URL. */
  baseUrl?: string;
  auth: GitHubAuthOptions;
  userAgent?: string;
  /** plugin-retry attempts for 5xx and network errors (default 3). */
  retries?: number;
  /** Base of plugin-retry's (n+1)² backoff, ms (default 1000; tests use 1). */
  retryBaseMs?: number;
  /** Multiplier for the seconds a rate limit asks to wait, ms (default 1000; tests may lower it). */
  rateLimitBaseMs?: number;
  /** Longest primary or secondary wait served in process, seconds; longer ones fail (default 60). */
  maxRateLimitWaitSeconds?: number;
  /** Retries after a primary limit (default 2) and after a secondary limit (default 2). */
  maxRateLimitRetries?: number;
  maxSecondaryRetries?: number;
  /**
   * Minimum gap between mutating requests, ms (GitHub asks for 1000; tests use 0): the pause after each
   * answered write (write-pacing.ts). GraphQL queries are reads and are not held by it.
   */
  writeSpacingMs?: number;
  /** Requests in flight at once through this client (plugin-throttling's default 10). */
  maxConcurrent?: number;
  /**
   * ETag cache with If-None-Match revalidation (§6): on by default with a cache of this client's own; pass
   * one cache to every client of a process to bound them together, or false for none.
   */
  conditionalRequests?: boolean | ResponseCache;
  logger?: Logger;
  /** Injectable fetch, e.g. for a proxy agent. */
  fetch?: typeof fetch;
}

export type GitHubAuthKind = 'token' | 'app';

const GitHubOctokit = Octokit.plugin(throttling, retry, paginateGraphQL);
export type GitHubClient = InstanceType<typeof GitHubOctokit>;

const authKinds = new WeakMap<object, GitHubAuthKind>();

/** Whether a client acts as a user token or a GitHub App installation (R17's bot identity). */
export function authKindOf(client: GitHubClient): GitHubAuthKind {
  return authKinds.get(client) ?? 'token';
}

/**
 * Octokit's request log reports every non-2xx answer as an error, but a 304 (an ETag cache hit) and a 404 from
 * a membership or collaborator check ("not a member") are answers the caller asked for, not failures.
 */
const expectedAnswer =
  /^GET \S+ - 304 with id |^GET \/(orgs\/[^/]+\/members|repos\/[^/]+\/[^/]+\/collaborators)\/[^/ ]+ - 404 with id /;

export function octokitLog(logger: Logger) {
  // Octokit logs URLs and timings, never headers; our logger redacts credential-named fields anyway.
  const text = (args: unknown[]) => args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ');
  return {
    debug: (...args: unknown[]) => logger.debug(text(args)),
    info: (...args: unknown[]) => logger.debug(text(args)),
    warn: (...args: unknown[]) => logger.warn(text(args)),
    error: (...args: unknown[]) =>
      expectedAnswer.test(text(args)) ? logger.debug(text(args)) : logger.error(text(args)),
  };
}

function build(
  options: GitHubClientOptions,
  auth: Record<string, unknown> | string,
  app: boolean,
): GitHubClient {
  const logger = (options.logger ?? silentLogger).child({ component: 'github-client' });
  const maxWait = options.maxRateLimitWaitSeconds ?? 60;
  const maxPrimary = options.maxRateLimitRetries ?? 2;
  const maxSecondary = options.maxSecondaryRetries ?? 2;
  // pacedFetch holds the gap between writes on the wire.
  const writeSpacing = options.writeSpacingMs ?? 1000;
  /** Retries a rate-limited request while the retry budget lasts and the wait is short enough to serve. */
  const rateLimitHandler =
    (kind: 'primary' | 'secondary', maxRetries: number) =>
    (retryAfter: number, o: { method: string; url: string }, _k: unknown, retryCount: number): boolean => {
      const again = retryCount < maxRetries && retryAfter <= maxWait;
      logger.warn(`github ${kind} rate limit`, {
        method: o.method,
        url: o.url,
        retryAfter,
        retryCount,
        again,
      });
      return again;
    };
  // `global` and `auth` are read by plugin-throttling at run time but missing from its types, hence
  // a variable instead of an object literal. Per-client groups: the plugin's defaults are shared by
  // every client in the process and would couple tests and instances.
  const throttle = {
    retryAfterBaseValue: options.rateLimitBaseMs ?? 1000,
    global: new Bottleneck.Group({ maxConcurrent: options.maxConcurrent ?? 10 }),
    auth: new Bottleneck.Group({ maxConcurrent: 1 }),
    // plugin-throttling puts every POST /graphql in this group too, so its spacing would hold GraphQL reads
    // 1 s apart; pacedFetch keeps the 1 s between writes on the wire (and lets GraphQL queries through).
    write: new Bottleneck.Group({ maxConcurrent: 1, minTime: 0 }),
    onRateLimit: rateLimitHandler('primary', maxPrimary),
    onSecondaryRateLimit: rateLimitHandler('secondary', maxSecondary),
  };
  const client = new GitHubOctokit({
    baseUrl: options.baseUrl ?? 'https://api.github.com',
    userAgent: options.userAgent ?? 'status-reconciler',
    ...(app ? { authStrategy: createAppAuth, auth } : { auth }),
    log: octokitLog(logger),
    request: { fetch: pacedFetch(options.fetch ?? globalThis.fetch, writeSpacing) },
    throttle,
    retry: {
      retries: options.retries ?? 3,
      retryAfterBaseValue: options.retryBaseMs ?? 1000,
      // 429 goes to the throttling handlers only, so a declined rate limit is not retried again here.
      doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
    },
  });
  client.hook.before('request', (req) => {
    req.headers['x-github-api-version'] = githubApiVersion;
  });
  if (options.conditionalRequests !== false)
    enableConditionalRequests(
      client,
      app,
      options.conditionalRequests instanceof ResponseCache
        ? options.conditionalRequests
        : new ResponseCache(),
    );
  authKinds.set(client, app ? 'app' : 'token');
  return client;
}

export async function createGitHubClient(options: GitHubClientOptions): Promise<GitHubClient> {
  const a = options.auth;
  if ('token' in a) {
    if (!a.token) throw new Error('github client: auth.token is empty');
    return build(options, a.token, false);
  }
  if (!a.privateKey.includes('PRIVATE KEY'))
    throw new Error('github client: auth.privateKey is not a PEM private key');
  let installationId = a.installationId;
  if (installationId === undefined) {
    if (!a.installationRepo) {
      throw new Error('github client: App auth needs auth.installationId or auth.installationRepo');
    }
    // The App's JWT finds the installation on the repository's owner (apps/get-repo-installation).
    const appClient = build(
      { ...options, conditionalRequests: false },
      { appId: a.appId, privateKey: a.privateKey },
      true,
    );
    const { data } = await appClient.rest.apps.getRepoInstallation(a.installationRepo);
    installationId = data.id;
  }
  return build(options, { appId: a.appId, privateKey: a.privateKey, installationId }, true);
}
