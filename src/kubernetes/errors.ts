/**
 * Typed failures of Kubernetes API calls. `retryable` tells the caller (the creator's own backoff, then
 * the activity's retry policy) whether repeating the same request can succeed. Messages carry the
 * Kubernetes Status message and reason, never credentials.
 */
export class KubernetesApiError extends Error {
  override name = 'KubernetesApiError';
  constructor(
    message: string,
    /** HTTP status, absent for network failures and timeouts. */
    readonly status: number | undefined,
    /** Kubernetes Status `reason` (e.g. `Invalid`, `Forbidden`) when the server sent one. */
    readonly reason: string | undefined,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The API server rejected the ProwJob itself (422 Invalid, 400 BadRequest): schema, name or label
 * violations. Sending it again cannot succeed, so it is never retried.
 */
export class ProwJobInvalidError extends KubernetesApiError {
  override name = 'ProwJobInvalidError';
  constructor(
    message: string,
    status: number,
    reason: string | undefined,
    /** Field-level causes from the Status `details.causes`, e.g. `spec.type: Unsupported value`. */
    readonly causes: { field?: string; message?: string; reason?: string }[] = [],
  ) {
    super(message, status, reason, false);
  }
}

/** 401 or 403: the credentials are wrong or lack RBAC `create` on `prowjobs`. Not retried. */
export class KubernetesAuthError extends KubernetesApiError {
  override name = 'KubernetesAuthError';
  constructor(message: string, status: number, reason: string | undefined) {
    super(message, status, reason, false);
  }
}

/** 5xx, 429, a dropped connection or a timeout: the server may accept the same request later. */
export class KubernetesUnavailableError extends KubernetesApiError {
  override name = 'KubernetesUnavailableError';
  constructor(
    message: string,
    status: number | undefined,
    reason: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, status, reason, true, options);
  }
}
