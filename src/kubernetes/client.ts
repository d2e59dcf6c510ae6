/**
 * The one place that builds the Kubernetes client (architecture: one factory per outside client).
 *
 * Library choice: `@kubernetes/client-node` 1.4.0. Version 2.x depends on undici 8, which needs Node
 * 22.19 and fails to load on this project's Node 20 (`createZstdDecompress` is missing). 1.4.0 is also
 * ESM-only but loads through Node 20.19+'s require(esm) and Jest's transform (jest.config.js), and it
 * brings what a hand-written client would have to redo: kubeconfig parsing (CA, client certificates,
 * bearer tokens, token files, exec and auth-provider plugins) and TLS agents. The API calls go through its
 * generated `CustomObjectsApi`; this file adds deadlines, cancellation, typed errors and Prow's backoff.
 */
import {
  CustomObjectsApi,
  Observable,
  type ConfigurationOptions,
  type KubeConfig,
  type ObservableMiddleware,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import { backoffDelay, prowJobCreateBackoff, sleep, type Backoff } from './backoff';
import { loadProwJobClusterConfig, type KubernetesOptions } from './cluster-config';
import {
  KubernetesApiError,
  KubernetesAuthError,
  KubernetesUnavailableError,
  ProwJobInvalidError,
} from './errors';
import { prowJobGroup, prowJobPlural, prowJobVersion, type ProwJob } from './prowjob-types';

export type CreateOutcome = 'created' | 'exists';

/** What the trigger phase needs of Kubernetes: create ProwJobs idempotently, and read them back. */
export interface ProwJobCreator {
  /**
   * Creates the ProwJob in the client's namespace. `'exists'` when a ProwJob of that name is already
   * there (HTTP 409 AlreadyExists): with deterministic names (Q11) that is an earlier attempt's job, so
   * it counts as success, as in Prow (R18.3). Retryable failures are retried with Prow's backoff first.
   */
  create(job: ProwJob, signal?: AbortSignal): Promise<CreateOutcome>;
  /** The ProwJob of that name, or undefined when there is none. */
  get(name: string, signal?: AbortSignal): Promise<ProwJob | undefined>;
  list(options?: { labelSelector?: string }, signal?: AbortSignal): Promise<ProwJob[]>;
}

export interface ProwJobClientOptions {
  kubeConfig: KubeConfig;
  /** `prowjob_namespace`. */
  namespace: string;
  /** Retry schedule for create; Prow's (250 ms, ×2, jitter 0.1, 8 attempts) by default. */
  backoff?: Backoff;
  /** Deadline of one HTTP request. */
  requestTimeoutMs?: number;
  logger?: Logger;
  /** Source of jitter, for tests. */
  random?: () => number;
}

interface KubernetesStatus {
  kind?: string;
  message?: string;
  reason?: string;
  details?: { causes?: { field?: string; message?: string; reason?: string }[] };
}

function parseStatus(body: unknown): KubernetesStatus | undefined {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return typeof value === 'object' && value !== null ? (value as KubernetesStatus) : undefined;
}

function isApiException(err: unknown): err is { code: number; body: unknown } {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'number';
}

/** Maps whatever the client library threw to a typed error (see errors.ts). */
export function classifyError(
  err: unknown,
  what: string,
  server: string,
  timedOut: boolean,
): KubernetesApiError {
  if (isApiException(err)) {
    const code = err.code;
    const status = parseStatus(err.body);
    // client-node drops the body of a 401 (its OpenAPI declares none); the server's Status says Unauthorized.
    const detail = status?.message ?? (code === 401 ? 'Unauthorized' : `HTTP ${code}`);
    const reason = status?.reason ?? (code === 401 ? 'Unauthorized' : undefined);
    const message = `${what}: ${detail} (HTTP ${code}${reason ? ` ${reason}` : ''} from ${server})`;
    if (code === 422 || code === 400)
      return new ProwJobInvalidError(message, code, reason, status?.details?.causes);
    if (code === 401) {
      return new KubernetesAuthError(
        `${message}: the credentials of the kubeconfig context were rejected; check its token or certificate`,
        code,
        reason,
      );
    }
    if (code === 403) {
      return new KubernetesAuthError(
        `${message}: RBAC must allow this verb on prowjobs.prow.k8s.io`,
        code,
        reason,
      );
    }
    if (code === 429 || code >= 500) return new KubernetesUnavailableError(message, code, reason);
    return new KubernetesApiError(message, code, reason, false);
  }
  if (timedOut)
    return new KubernetesUnavailableError(`${what}: no answer from ${server} in time`, undefined, undefined, {
      cause: err,
    });
  const cause = err as { message?: string; code?: string };
  // node-fetch words it "request to <url> failed, reason: <why>"; keep the why and the system code.
  const why = /reason: (.*)$/.exec(cause.message ?? '')?.[1] ?? cause.message ?? String(err);
  return new KubernetesUnavailableError(
    `${what}: request to ${server} failed: ${cause.code && !why.includes(cause.code) ? `${cause.code}: ` : ''}${why}`,
    undefined,
    undefined,
    { cause: err },
  );
}

/** Request options that give one call a deadline and the caller's cancellation. */
function withSignal(signal: AbortSignal): ConfigurationOptions<ObservableMiddleware> {
  const middleware: ObservableMiddleware = {
    pre: (context: RequestContext) => {
      context.setSignal(signal);
      return new Observable(Promise.resolve(context));
    },
    post: (context: ResponseContext) => new Observable(Promise.resolve(context)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' };
}

export function createProwJobClient(options: ProwJobClientOptions): ProwJobCreator {
  const { kubeConfig, namespace } = options;
  const backoff = options.backoff ?? prowJobCreateBackoff;
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const logger = options.logger ?? silentLogger;
  const random = options.random ?? Math.random;
  const cluster = kubeConfig.getCurrentCluster();
  const server = cluster?.server ?? '(no cluster)';
  if (!cluster) throw new Error('Kubernetes client: the kubeconfig has no current cluster');
  if (server.startsWith('http:') && !cluster.skipTLSVerify) {
    // client-node would refuse every request; say so once, here, instead of retrying a config error.
    throw new Error(
      `Kubernetes client: cluster ${cluster.name} uses plain HTTP (${server}); @kubernetes/client-node ` +
        'requires insecure-skip-tls-verify: true in the kubeconfig for that',
    );
  }
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const target = { group: prowJobGroup, version: prowJobVersion, namespace, plural: prowJobPlural };

  /** One HTTP request with a deadline; the caller's abort is passed through untouched. */
  async function call<T>(
    what: string,
    signal: AbortSignal | undefined,
    send: (opts: ConfigurationOptions<ObservableMiddleware>) => Promise<T>,
  ): Promise<T> {
    signal?.throwIfAborted();
    const deadline = AbortSignal.timeout(requestTimeoutMs);
    const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
    try {
      return await send(withSignal(combined));
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw classifyError(err, what, server, deadline.aborted);
    }
  }

  return {
    async create(job, signal) {
      const name = job.metadata.name;
      if (job.metadata.namespace && job.metadata.namespace !== namespace) {
        throw new ProwJobInvalidError(
          `create ProwJob ${name}: its namespace ${job.metadata.namespace} is not the client's ${namespace}`,
          400,
          'BadRequest',
        );
      }
      const what = `create ProwJob ${namespace}/${name}`;
      let last: KubernetesApiError | undefined;
      for (let attempt = 1; attempt <= backoff.steps; attempt++) {
        try {
          await call(what, signal, (opts) =>
            api.createNamespacedCustomObject({ ...target, body: job }, opts),
          );
          logger.info('prowjob created', { prowjob: name, namespace, job: job.spec.job, attempt });
          return 'created';
        } catch (err) {
          if (!(err instanceof KubernetesApiError)) throw err;
          if (err.status === 409 && err.reason === 'AlreadyExists') {
            logger.info('prowjob already exists', { prowjob: name, namespace, job: job.spec.job, attempt });
            return 'exists';
          }
          if (!err.retryable) throw err;
          last = err;
          if (attempt === backoff.steps) break;
          const delay = backoffDelay(backoff, attempt, random());
          logger.warn('prowjob create failed, retrying', {
            prowjob: name,
            attempt,
            delayMs: delay,
            error: err.message,
          });
          await sleep(delay, signal);
        }
      }
      throw new KubernetesUnavailableError(
        `${what}: gave up after ${backoff.steps} attempts: ${last?.message ?? 'no attempt made'}`,
        last?.status,
        last?.reason,
        { cause: last },
      );
    },

    async get(name, signal) {
      try {
        return (await call(`get ProwJob ${namespace}/${name}`, signal, (opts) =>
          api.getNamespacedCustomObject({ ...target, name }, opts),
        )) as ProwJob;
      } catch (err) {
        if (err instanceof KubernetesApiError && err.status === 404) return undefined;
        throw err;
      }
    },

    async list(listOptions = {}, signal) {
      const result = (await call(`list ProwJobs in ${namespace}`, signal, (opts) =>
        api.listNamespacedCustomObject({ ...target, labelSelector: listOptions.labelSelector }, opts),
      )) as { items?: ProwJob[] };
      return result.items ?? [];
    },
  };
}

/** The ProwJob client from Prow's Kubernetes flags (§16). */
export function createProwJobClientFromFlags(
  flags: KubernetesOptions,
  options: Omit<ProwJobClientOptions, 'kubeConfig'>,
): ProwJobCreator {
  return createProwJobClient({ ...options, kubeConfig: loadProwJobClusterConfig(flags) });
}
