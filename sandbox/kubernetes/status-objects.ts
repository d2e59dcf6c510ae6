/**
 * Kubernetes `Status` objects (meta/v1) as the API server sends them with an error, with the messages
 * of k8s.io/apimachinery/pkg/api/errors, so clients see exactly the shapes and texts of a real server.
 */
export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface KubernetesStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[] };
  code: number;
}

/** An error the double answers with: HTTP status and its Status body. */
export class StatusError extends Error {
  constructor(readonly status: KubernetesStatus) {
    super(status.message);
  }
}

function failure(
  code: number,
  reason: string,
  message: string,
  details?: KubernetesStatus['details'],
): StatusError {
  return new StatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  });
}

/** `errors.NewAlreadyExists`: `prowjobs.prow.k8s.io "<name>" already exists`. */
export function alreadyExists(group: string, resource: string, name: string): StatusError {
  return failure(409, 'AlreadyExists', `${resource}.${group} "${name}" already exists`, {
    name,
    group,
    kind: resource,
  });
}

/** `errors.NewNotFound`; a core resource (namespaces) has no group prefix. */
export function notFound(group: string, resource: string, name: string): StatusError {
  const qualified = group ? `${resource}.${group}` : resource;
  return failure(404, 'NotFound', `${qualified} "${name}" not found`, {
    name,
    ...(group ? { group } : {}),
    kind: resource,
  });
}

/** The answer for a path no API serves. */
export function pathNotFound(): StatusError {
  return failure(404, 'NotFound', 'the server could not find the requested resource', {});
}

/**
 * `errors.NewInvalid`: `ProwJob.prow.k8s.io "<name>" is invalid: <cause>`, the causes in brackets when
 * there are several.
 */
export function invalid(group: string, kind: string, name: string, causes: StatusCause[]): StatusError {
  const texts = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const list = texts.length === 1 ? (texts[0] ?? '') : `[${texts.join(', ')}]`;
  return failure(422, 'Invalid', `${kind}.${group} "${name}" is invalid: ${list}`, {
    name,
    group,
    kind,
    causes,
  });
}

export function badRequest(message: string): StatusError {
  return failure(400, 'BadRequest', message);
}

export function unauthorized(): StatusError {
  return failure(401, 'Unauthorized', 'Unauthorized');
}

export function methodNotAllowed(): StatusError {
  return failure(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource',
    {},
  );
}

export function unsupportedMediaType(contentType: string): StatusError {
  return failure(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (got ${contentType || 'none'})`,
  );
}

/** A fault injected by a test: any status code with a plausible Status body. */
export function injected(code: number): StatusError {
  const reason =
    code === 429
      ? 'TooManyRequests'
      : code === 503
        ? 'ServiceUnavailable'
        : code === 504
          ? 'Timeout'
          : 'InternalError';
  return failure(code, reason, `injected fault: HTTP ${code}`);
}
