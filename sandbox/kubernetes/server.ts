import { randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '../../src/log';
import type { ProwJob } from '../../src/kubernetes/prowjob-types';
import { discoveryDocument, serverVersion } from './discovery';
import { Faults, type FaultRule } from './fault-injection';
import { kubeconfigFor, writeKubeconfig, type KubeconfigOptions, type KubeconfigTarget } from './kubeconfig';
import { dns1123LabelErrors } from './object-meta';
import { type ApiAnswer, ProwJobStore } from './prowjob-store';
import {
  badRequest,
  injected,
  methodNotAllowed,
  pathNotFound,
  StatusError,
  unauthorized,
  unsupportedMediaType,
} from './status-objects';

/**
 * A local stand-in for the Kubernetes API server, serving only what triggering needs: ProwJobs in the
 * configured namespaces (create, get, list) and the discovery documents clients may ask for. It answers
 * as the real server would: 201 with server-set metadata, 409 AlreadyExists, 422 Invalid against the
 * CRD's schema, 400 for a namespace mismatch, 404 for unknown namespaces and objects, 401 for a wrong
 * bearer token. Every request is logged (without credentials) and faults can be injected.
 */
export interface KubernetesDoubleOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Namespaces that exist; the first is the default of the kubeconfig. Default `prow`. */
  namespace?: string | string[];
  /** The accepted bearer token; random when absent. */
  token?: string;
  /** Serve HTTPS with this certificate and key (PEM); `caPem` goes into the kubeconfig. */
  tls?: { cert: string; key: string; caPem?: string };
  logger?: Logger;
  /** Clock for creationTimestamp. */
  now?: () => Date;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** HTTP status answered; 0 when the connection was dropped before an answer. */
  status: number;
  /** Whether a bearer token was sent (never the token itself). */
  bearer: boolean;
  fault?: string;
  /** Name of the ProwJob created or read, when there is one. */
  name?: string;
  /** Warning headers sent. */
  warnings?: string[];
}

export interface KubernetesDouble {
  url: string;
  token: string;
  /** The default namespace. */
  namespace: string;
  /** CA of the HTTPS certificate, when serving HTTPS. */
  caPem?: string;
  /** Stored ProwJobs of a namespace (default: the default one), oldest first; copies. */
  prowJobs(namespace?: string): ProwJob[];
  requests: RecordedRequest[];
  faults: Faults;
  kubeconfig(options?: KubeconfigOptions): string;
  writeKubeconfig(file: string, options?: KubeconfigOptions): string;
  close(): Promise<void>;
}

const collectionPath = /^\/apis\/prow\.k8s\.io\/v1\/namespaces\/([^/]+)\/prowjobs$/;
const objectPath = /^\/apis\/prow\.k8s\.io\/v1\/namespaces\/([^/]+)\/prowjobs\/([^/]+)$/;

const maxBodyBytes = 3 * 1024 * 1024;

const internalError = {
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  code: 500,
  reason: 'InternalError',
  message: 'internal error',
};

function tokenMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!match?.[1]) return false;
  const given = Buffer.from(match[1].trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) throw badRequest('request entity too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: http.ServerResponse, status: number, body: unknown, warnings: string[] = []): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number | string[]> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  };
  if (warnings.length > 0) headers.warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(status, headers);
  res.end(text);
}

/** Namespaces must be DNS-1123 labels, as the API server requires. */
function checkedNamespaces(namespace: string | string[] | undefined): string[] {
  const namespaces = [namespace ?? 'prow'].flat();
  for (const ns of namespaces) {
    const errors = dns1123LabelErrors(ns);
    if (errors.length > 0)
      throw new Error(`kubernetes double: namespace ${JSON.stringify(ns)}: ${errors.join('; ')}`);
  }
  return namespaces;
}

/** The name a fault is logged under: `drop-before`, `status-503`, `delay-100`. */
function faultName(fault: FaultRule): string {
  if (fault.drop) return `drop-${fault.drop}`;
  return fault.status ? `status-${fault.status}` : `delay-${fault.delayMs}`;
}

/** The API server's request handling, one step per method; `handle` runs them in order. */
class KubernetesApi {
  readonly requests: RecordedRequest[] = [];
  readonly faults = new Faults();

  constructor(
    readonly store: ProwJobStore,
    private readonly token: string,
    private readonly logger: Logger,
  ) {}

  /**
   * One request: logged, then a fault injected before it (delay, drop, status), routed and answered
   * (as a Kubernetes Status on errors), possibly dropped after handling (created, but the answer lost).
   */
  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://double');
    const record = this.record(req, url);
    const fault = this.faults.take(record.method, url.pathname);
    if (fault && (await this.faultBefore(fault, record, req, res))) return;
    const [status, body, warnings] = await this.answer(req, url, record);
    if (fault?.drop === 'after') {
      req.socket.destroy();
      return;
    }
    record.status = status;
    if (warnings.length > 0) record.warnings = warnings;
    send(res, status, body, warnings);
    this.logger.debug('request', { method: record.method, path: url.pathname, status, prowjob: record.name });
  }

  /** The request log entry (credentials never: only whether a bearer token was sent). */
  private record(req: http.IncomingMessage, url: URL): RecordedRequest {
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
      bearer: /^Bearer\s/i.test(req.headers.authorization ?? ''),
    };
    this.requests.push(record);
    return record;
  }

  /** Fault injection before handling: waits, then drops or answers; true when the request is over. */
  private async faultBefore(
    fault: FaultRule,
    record: RecordedRequest,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<boolean> {
    record.fault = faultName(fault);
    if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault.drop === 'before') {
      req.socket.destroy();
      return true;
    }
    if (fault.status) {
      record.status = fault.status;
      send(res, fault.status, injected(fault.status).status);
      return true;
    }
    return false;
  }

  /** The route's answer, or the Status of the error it raised. */
  private async answer(req: http.IncomingMessage, url: URL, record: RecordedRequest): Promise<ApiAnswer> {
    try {
      return await this.route(req, url, record);
    } catch (err) {
      if (!(err instanceof StatusError)) throw err;
      return [err.status.code, err.status, []];
    }
  }

  /** Routing: /version without credentials; with the bearer token, discovery and the ProwJob paths. */
  private async route(req: http.IncomingMessage, url: URL, record: RecordedRequest): Promise<ApiAnswer> {
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (path === '/version' && method === 'GET') return [200, serverVersion, []];
    if (!tokenMatches(req.headers.authorization, this.token)) throw unauthorized();
    const discovery = method === 'GET' ? discoveryDocument(path) : undefined;
    if (discovery) return [200, discovery, []];
    const collection = collectionPath.exec(path);
    if (collection) return this.onCollection(req, url, decodeURIComponent(collection[1] ?? ''), record);
    const object = objectPath.exec(path);
    if (object) {
      const name = decodeURIComponent(object[2] ?? '');
      record.name = name;
      if (method !== 'GET') throw methodNotAllowed();
      return this.store.get(decodeURIComponent(object[1] ?? ''), name);
    }
    throw pathNotFound();
  }

  /** POST (create, JSON only) and GET (list) of a namespace's ProwJobs. */
  private async onCollection(
    req: http.IncomingMessage,
    url: URL,
    ns: string,
    record: RecordedRequest,
  ): Promise<ApiAnswer> {
    if (req.method === 'POST') {
      const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
      if (contentType !== 'application/json') throw unsupportedMediaType(contentType);
      return this.store.create(ns, await readBody(req), url.searchParams, (name) => (record.name = name));
    }
    if ((req.method ?? 'GET') === 'GET') return this.store.list(ns, url.searchParams);
    throw methodNotAllowed();
  }

  /** The server's listener: a request that fails unexpectedly gets a 500 Status (or its connection closed). */
  readonly listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    this.handle(req, res).catch((err: unknown) => {
      this.logger.error('kubernetes double failed on a request', { error: err as Error });
      if (!res.headersSent) send(res, 500, internalError);
      else res.destroy();
    });
  };
}

/** Listens on 127.0.0.1 (HTTPS with `tls`); the URL it serves. */
async function listen(
  listener: http.RequestListener,
  port: number,
  tls: KubernetesDoubleOptions['tls'],
): Promise<{ server: http.Server; url: string }> {
  const server = tls
    ? https.createServer({ cert: tls.cert, key: tls.key }, listener)
    : http.createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port: actual } = server.address() as AddressInfo;
  return { server, url: `${tls ? 'https' : 'http'}://127.0.0.1:${actual}` };
}

export async function startKubernetesDouble(
  options: KubernetesDoubleOptions = {},
): Promise<KubernetesDouble> {
  const namespaces = checkedNamespaces(options.namespace);
  const defaultNamespace = namespaces[0] ?? 'prow';
  const token = options.token ?? randomBytes(24).toString('hex');
  const logger = (options.logger ?? silentLogger).child({ component: 'kubernetes-double' });
  const store = new ProwJobStore(namespaces, options.now ?? (() => new Date()));
  const api = new KubernetesApi(store, token, logger);
  const { server, url } = await listen(api.listener, options.port ?? 0, options.tls);
  const caPem = options.tls ? (options.tls.caPem ?? options.tls.cert) : undefined;
  const target: KubeconfigTarget = { url, token, namespace: defaultNamespace, caPem };
  logger.info('kubernetes double listening', { url, namespaces });
  return {
    url,
    token,
    namespace: defaultNamespace,
    ...(caPem ? { caPem } : {}),
    requests: api.requests,
    faults: api.faults,
    prowJobs: (ns = defaultNamespace) => store.prowJobs(ns),
    kubeconfig: (kubeconfigOptions) => kubeconfigFor(target, kubeconfigOptions),
    writeKubeconfig: (file, kubeconfigOptions) => writeKubeconfig(target, file, kubeconfigOptions),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
