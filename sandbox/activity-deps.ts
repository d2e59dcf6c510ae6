import { KubeConfig } from '@kubernetes/client-node';
import type { ActivityDeps } from '../activities';
import type { ConfigSource } from '../src/config/types';
import { createGitHubClient } from '../src/github/client';
import { GitHubApi } from '../src/github/github-api';
import { repositoryGitHub, type GitHubReadApi } from '../src/github/repository-github';
import type { WriteBudget } from '../src/github/write-budget';
import { createProwJobClient } from '../src/kubernetes/client';
import { silentLogger } from '../src/log';
import type { Metrics } from '../src/metrics/metrics';

export interface SandboxActivityOptions {
  configSource: ConfigSource;
  /** The GitHub double: its URL and the GitHub App it issues installation tokens for. */
  github: { url: string; app: { appId: number; privateKeyPem: string; installationId: number } };
  /** The Kubernetes double's kubeconfig (YAML). */
  kubeconfig: string;
  /** GitHub's write spacing: 1000 in production, 0 where a test or benchmark does not wait for it. */
  writeSpacingMs: number;
  writeBudget?: WriteBudget;
  /** `--github-read-api` (default graphql). */
  githubReadApi?: GitHubReadApi;
  metrics?: Metrics;
  heartbeatIntervalMs?: number;
  /** Where the saved config load cache is kept, as a worker's STATUS_RECONCILER_CACHE_DIR (none: no cache). */
  configCacheDir?: string;
}

/**
 * The production activities' dependencies against the local GitHub and Kubernetes doubles, for tests and
 * benchmarks: the project's own GitHub client (one, built on first use) and ProwJob client, with retries and
 * backoffs shortened so injected faults do not slow them down.
 */
export function sandboxActivityDeps(options: SandboxActivityOptions): ActivityDeps {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(options.kubeconfig);
  const { url, app } = options.github;
  let api: Promise<GitHubApi> | undefined;
  return {
    configSource: options.configSource,
    github: repositoryGitHub(
      () => {
        api ??= createGitHubClient({
          baseUrl: url,
          auth: { appId: app.appId, privateKey: app.privateKeyPem, installationId: app.installationId },
          writeSpacingMs: options.writeSpacingMs,
          retryBaseMs: 1,
          rateLimitBaseMs: 1,
        }).then((client) => new GitHubApi(client));
        return api;
      },
      options.writeBudget,
      options.githubReadApi,
    ),
    prowJobs: (namespace) =>
      createProwJobClient({
        kubeConfig,
        namespace,
        backoff: { delayMs: 1, factor: 2, jitter: 0, steps: 3 },
      }),
    githubHost: 'github.com',
    log: silentLogger,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.heartbeatIntervalMs ? { heartbeatIntervalMs: options.heartbeatIntervalMs } : {}),
    ...(options.configCacheDir ? { configCacheDir: options.configCacheDir } : {}),
  };
}
