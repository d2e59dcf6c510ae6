/** The GitHub flags a worker reads (`--github-*`), as src/options.ts assembles them. */
export interface GitHubOptions {
  endpoint: string;
  host: string;
  tokenPath?: string;
  appId?: string;
  appPrivateKeyPath?: string;
  appInstallationId?: number;
  requestTimeoutMs: number;
  maxRetries: number;
  maxRateLimitWaitMs: number;
  /** `--github-read-api`. */
  readApi: 'graphql' | 'rest';
  /** Deployment-wide write budget windows (`--github-write-budget`). */
  writeBudget: { limit: number; windowMs: number }[];
  workerReplicas: number;
}
