import { randomUUID } from 'node:crypto';
import type { ProwJob } from '../../src/kubernetes/prowjob-types';
import { apiVersion, group, resource } from './discovery';
import { parseLabelSelector } from './label-selector';
import { generateName } from './object-meta';
import { admitProwJob } from './prowjob-admission';
import { alreadyExists, badRequest, notFound } from './status-objects';

type StoredObject = Record<string, unknown>;

/** An answer of the API: status, body, Warning texts. */
export type ApiAnswer = [status: number, body: unknown, warnings: string[]];

function kubernetesTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The ProwJobs of the namespaces that exist, and the operations on them the way the API server does them:
 * a create is decoded, checked against the request's group, kind and namespace, named (generateName),
 * admitted (admitProwJob: pruning, defaults, schema and metadata rules) and given its server-set metadata.
 */
export class ProwJobStore {
  private readonly objects: Map<string, Map<string, StoredObject>>;
  private resourceVersion = 1000;

  constructor(
    namespaces: readonly string[],
    private readonly now: () => Date,
  ) {
    this.objects = new Map(namespaces.map((ns) => [ns, new Map()]));
  }

  /** Copies of the stored ProwJobs of a namespace, oldest first. */
  prowJobs(ns: string): ProwJob[] {
    return [...(this.objects.get(ns)?.values() ?? [])].map((o) => structuredClone(o) as unknown as ProwJob);
  }

  /** POST .../prowjobs; `onName` learns the object's name as soon as it is known (for the request log). */
  create(ns: string, bodyText: string, query: URLSearchParams, onName: (name: string) => void): ApiAnswer {
    const objects = this.namespace(ns);
    const object = decodeProwJob(bodyText);
    const metadata = (object.metadata ?? {}) as StoredObject;
    if (metadata.namespace !== undefined && metadata.namespace !== '' && metadata.namespace !== ns) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    metadata.namespace = ns;
    object.metadata = metadata;
    // As the API server: a name is generated before validation, which then checks it.
    if (!metadata.name && typeof metadata.generateName === 'string' && metadata.generateName)
      metadata.name = generateName(metadata.generateName);
    const admitted = admitProwJob(object, query.get('fieldValidation') === 'Strict');
    const name = String(metadata.name);
    onName(name);
    if (objects.has(name)) throw alreadyExists(group, resource, name);
    this.setServerMetadata(metadata);
    if (query.get('dryRun') !== 'All') objects.set(name, admitted.object);
    return [201, admitted.object, admitted.warnings];
  }

  /** GET .../prowjobs, with an optional label selector. */
  list(ns: string, query: URLSearchParams): ApiAnswer {
    const objects = this.namespace(ns);
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
      matches(((o.metadata as StoredObject).labels ?? {}) as Record<string, string>),
    );
    return [
      200,
      { apiVersion, kind: 'ProwJobList', metadata: { resourceVersion: String(this.resourceVersion) }, items },
      [],
    ];
  }

  /** GET .../prowjobs/<name>. */
  get(ns: string, name: string): ApiAnswer {
    const object = this.namespace(ns).get(name);
    if (!object) throw notFound(group, resource, name);
    return [200, object, []];
  }

  private namespace(ns: string): Map<string, StoredObject> {
    const objects = this.objects.get(ns);
    if (!objects) throw notFound('', 'namespaces', ns);
    return objects;
  }

  /** What the server sets on create, whatever the client sent. */
  private setServerMetadata(metadata: StoredObject): void {
    Object.assign(metadata, {
      uid: randomUUID(),
      resourceVersion: String(++this.resourceVersion),
      generation: 1,
      creationTimestamp: kubernetesTime(this.now()),
    });
    delete metadata.deletionTimestamp;
    delete metadata.deletionGracePeriodSeconds;
    delete metadata.selfLink;
  }
}

/** The request body as a ProwJob object of this API: JSON, an object, apiVersion prow.k8s.io/v1, kind ProwJob. */
function decodeProwJob(bodyText: string): StoredObject {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch (err) {
    throw badRequest(`the body of the request could not be decoded as JSON: ${(err as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('the body of the request must be a JSON object');
  }
  const object = body as StoredObject;
  if (!object.kind) throw badRequest(`Object 'Kind' is missing in '${bodyText.slice(0, 200)}'`);
  if (object.apiVersion !== apiVersion) {
    throw badRequest(
      `the API version in the data (${String(object.apiVersion)}) does not match the expected API version (${apiVersion})`,
    );
  }
  if (object.kind !== 'ProwJob') {
    throw badRequest(
      `the kind in the data (${String(object.kind)}) does not match the expected kind (ProwJob)`,
    );
  }
  return object;
}
