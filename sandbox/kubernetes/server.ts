import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../src/log';
import { silentLogger } from '../../src/log';
import { dnsLabelErrors } from '../../src/kubernetes/object-meta-rules';
import type { ProwJob } from '../../src/kubernetes/prowjob-types';
import { Faults } from './fault-injection';
import { kubeconfigFor, writeKubeconfig, type KubeconfigOptions } from './kubeconfig';
import { parseLabelSelector } from './label-selector';
import { admitProwJob } from './prowjob-admission';
import {
  alreadyExists,
  badRequest,
  injected,
  methodNotAllowed,
  notFound,
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

const group = 'prow.k8s.io';
const version = 'v1';
const resource = 'prowjobs';
const serverVersion = {
  major: '1',
  minor: '33',
  gitVersion: 'v1.33.0-prow-double',
  gitCommit: '',
  gitTreeState: 'clean',
  buildDate: '1970-01-01T00:00:00Z',
  goVersion: 'go1.24',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const apiResourceList = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: `${group}/${version}`,
  resources: [
    {
      name: resource,
      singularName: 'prowjob',
      namespaced: true,
      kind: 'ProwJob',
      verbs: ['create', 'get', 'list'],
    },
  ],
};

const apiGroup = {
  name: group,
  versions: [{ groupVersion: `${group}/${version}`, version }],
  preferredVersion: { groupVersion: `${group}/${version}`, version },
};

const collectionPath = /^\/apis\/prow\.k8s\.io\/v1\/namespaces\/([^/]+)\/prowjobs$/;
const objectPath = /^\/apis\/prow\.k8s\.io\/v1\/namespaces\/([^/]+)\/prowjobs\/([^/]+)$/;

const maxBodyBytes = 3 * 1024 * 1024;

function kubernetesTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

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

export async function startKubernetesDouble(
  options: KubernetesDoubleOptions = {},
): Promise<KubernetesDouble> {
  const namespaces = [options.namespace ?? 'prow'].flat();
  for (const ns of namespaces) {
    const errors = dnsLabelErrors(ns);
    if (errors.length > 0)
      throw new Error(`kubernetes double: namespace ${JSON.stringify(ns)}: ${errors.join('; ')}`);
  }
  const defaultNamespace = namespaces[0] ?? 'prow';
  const token = options.token ?? randomBytes(24).toString('hex');
  const logger = (options.logger ?? silentLogger).child({ component: 'kubernetes-double' });
  const now = options.now ?? (() => new Date());
  const store = new Map<string, Map<string, Record<string, unknown>>>(
    namespaces.map((ns) => [ns, new Map()]),
  );
  const requests: RecordedRequest[] = [];
  const faults = new Faults();
  let resourceVersion = 1000;

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

  function existingNamespace(ns: string): Map<string, Record<string, unknown>> {
    const objects = store.get(ns);
    if (!objects) throw notFound('', 'namespaces', ns);
    return objects;
  }

  function create(
    ns: string,
    bodyText: string,
    query: URLSearchParams,
    record: RecordedRequest,
  ): [number, unknown, string[]] {
    const objects = existingNamespace(ns);
    let body: unknown;
    try {
      body = JSON.parse(bodyText);
    } catch (err) {
      throw badRequest(`the body of the request could not be decoded as JSON: ${(err as Error).message}`);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw badRequest('the body of the request must be a JSON object');
    }
    const object = body as Record<string, unknown>;
    if (!object.kind) throw badRequest(`Object 'Kind' is missing in '${bodyText.slice(0, 200)}'`);
    if (object.apiVersion !== `${group}/${version}`) {
      throw badRequest(
        `the API version in the data (${String(object.apiVersion)}) does not match the expected API version (${group}/${version})`,
      );
    }
    if (object.kind !== 'ProwJob') {
      throw badRequest(
        `the kind in the data (${String(object.kind)}) does not match the expected kind (ProwJob)`,
      );
    }
    const metadata = (object.metadata ?? {}) as Record<string, unknown>;
    if (metadata.namespace !== undefined && metadata.namespace !== '' && metadata.namespace !== ns) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    metadata.namespace = ns;
    object.metadata = metadata;
    if (!metadata.name && typeof metadata.generateName === 'string' && metadata.generateName) {
      metadata.name = `${metadata.generateName}${randomBytes(3).toString('hex').slice(0, 5)}`;
    }
    const admitted = admitProwJob(object, query.get('fieldValidation') === 'Strict');
    const name = String(metadata.name);
    record.name = name;
    if (objects.has(name)) throw alreadyExists(group, resource, name);
    Object.assign(metadata, {
      uid: randomUUID(),
      resourceVersion: String(++resourceVersion),
      generation: 1,
      creationTimestamp: kubernetesTime(now()),
    });
    delete metadata.deletionTimestamp;
    delete metadata.deletionGracePeriodSeconds;
    delete metadata.selfLink;
    if (query.get('dryRun') !== 'All') objects.set(name, admitted.object);
    return [201, admitted.object, admitted.warnings];
  }

  function list(ns: string, query: URLSearchParams): [number, unknown, string[]] {
    const objects = existingNamespace(ns);
    let matches = (_labels: Record<string, string>): boolean => true;
    const selector = query.get('labelSelector');
    if (selector) {
      try {
        matches = parseLabelSelector(selector);
      } catch (err) {
        throw badRequest(`unable to parse requirement: ${(err as Error).message}`);
      }
    }
    const items = [...objects.values()].filter((o) =>
      matches(((o.metadata as Record<string, unknown>).labels ?? {}) as Record<string, string>),
    );
    return [
      200,
      {
        apiVersion: `${group}/${version}`,
        kind: 'ProwJobList',
        metadata: { resourceVersion: String(resourceVersion) },
        items,
      },
      [],
    ];
  }

  async function route(
    req: http.IncomingMessage,
    url: URL,
    record: RecordedRequest,
  ): Promise<[number, unknown, string[]]> {
    const method = req.method ?? 'GET';
    const p = url.pathname.replace(/\/+$/, '') || '/';
    if (p === '/version' && method === 'GET') return [200, serverVersion, []];
    if (!tokenMatches(req.headers.authorization, token)) throw unauthorized();
    if (method === 'GET' && p === '/apis') {
      return [200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [apiGroup] }, []];
    }
    if (method === 'GET' && p === `/apis/${group}`)
      return [200, { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup }, []];
    if (method === 'GET' && p === `/apis/${group}/${version}`) return [200, apiResourceList, []];
    let m = collectionPath.exec(p);
    if (m) {
      const ns = decodeURIComponent(m[1] ?? '');
      if (method === 'POST') {
        const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
        if (contentType !== 'application/json') throw unsupportedMediaType(contentType);
        return create(ns, await readBody(req), url.searchParams, record);
      }
      if (method === 'GET') return list(ns, url.searchParams);
      throw methodNotAllowed();
    }
    m = objectPath.exec(p);
    if (m) {
      const ns = decodeURIComponent(m[1] ?? '');
      const name = decodeURIComponent(m[2] ?? '');
      record.name = name;
      if (method !== 'GET') throw methodNotAllowed();
      const object = existingNamespace(ns).get(name);
      if (!object) throw notFound(group, resource, name);
      return [200, object, []];
    }
    throw pathNotFound();
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://double');
    const method = req.method ?? 'GET';
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
      bearer: /^Bearer\s/i.test(req.headers.authorization ?? ''),
    };
    requests.push(record);
    const fault = faults.take(method, url.pathname);
    if (fault) {
      record.fault = fault.drop
        ? `drop-${fault.drop}`
        : fault.status
          ? `status-${fault.status}`
          : `delay-${fault.delayMs}`;
      if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (fault.drop === 'before') {
        req.socket.destroy();
        return;
      }
      if (fault.status) {
        record.status = fault.status;
        send(res, fault.status, injected(fault.status).status);
        return;
      }
    }
    let status: number;
    let body: unknown;
    let warnings: string[] = [];
    try {
      [status, body, warnings] = await route(req, url, record);
    } catch (err) {
      if (!(err instanceof StatusError)) throw err;
      [status, body] = [err.status.code, err.status];
    }
    if (fault?.drop === 'after') {
      req.socket.destroy();
      return;
    }
    record.status = status;
    if (warnings.length > 0) record.warnings = warnings;
    send(res, status, body, warnings);
    logger.debug('request', { method, path: url.pathname, status, prowjob: record.name });
  }

  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    handle(req, res).catch((err: unknown) => {
      logger.error('kubernetes double failed on a request', { error: err as Error });
      if (!res.headersSent)
        send(res, 500, {
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          code: 500,
          reason: 'InternalError',
          message: 'internal error',
        });
      else res.destroy();
    });
  };
  const server = options.tls
    ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, listener)
    : http.createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const target = {
    url,
    token,
    namespace: defaultNamespace,
    caPem: options.tls ? (options.tls.caPem ?? options.tls.cert) : undefined,
  };
  logger.info('kubernetes double listening', { url, namespaces });

  return {
    url,
    token,
    namespace: defaultNamespace,
    ...(target.caPem ? { caPem: target.caPem } : {}),
    requests,
    faults,
    prowJobs: (ns = defaultNamespace) =>
      [...(store.get(ns)?.values() ?? [])].map((o) => structuredClone(o) as unknown as ProwJob),
    kubeconfig: (kubeconfigOptions) => kubeconfigFor(target, kubeconfigOptions),
    writeKubeconfig: (file, kubeconfigOptions) => writeKubeconfig(target, file, kubeconfigOptions),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
