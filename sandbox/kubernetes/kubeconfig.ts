import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';

/** What a kubeconfig for the double needs to know of it. */
export interface KubeconfigTarget {
  url: string;
  token: string;
  namespace: string;
  /** PEM of the CA that signed the double's certificate, when it serves HTTPS. */
  caPem?: string;
}

export interface KubeconfigOptions {
  /** Another token than the double's, e.g. to test a rejected credential. */
  token?: string;
  /** Name of the cluster, user and context. */
  name?: string;
}

/**
 * An ordinary kubeconfig file for the double: server URL, bearer token, and either the CA (HTTPS) or
 * `insecure-skip-tls-verify: true` (HTTP: @kubernetes/client-node refuses a plain-HTTP server unless
 * TLS verification is switched off, which kubectl ignores for HTTP anyway).
 */
export function kubeconfigFor(target: KubeconfigTarget, options: KubeconfigOptions = {}): string {
  const name = options.name ?? 'kubernetes-double';
  const cluster: Record<string, unknown> = { server: target.url };
  if (target.caPem) cluster['certificate-authority-data'] = Buffer.from(target.caPem).toString('base64');
  else cluster['insecure-skip-tls-verify'] = true;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster }],
    users: [{ name, user: { token: options.token ?? target.token } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: target.namespace } }],
    'current-context': name,
  });
}

/** Writes the kubeconfig (mode 0600: it holds a token) and returns its path. */
export function writeKubeconfig(
  target: KubeconfigTarget,
  file: string,
  options: KubeconfigOptions = {},
): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, kubeconfigFor(target, options), { mode: 0o600 });
  return file;
}
