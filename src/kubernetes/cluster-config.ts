import { existsSync, readdirSync, statSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Cluster, Context, User } from '@kubernetes/client-node';

/** Prow's Kubernetes flags (spec §16; `pkg/flagutil/kubernetes_cluster_clients.go`). */
export interface KubernetesOptions {
  /** `--kubeconfig` */
  kubeconfig?: string;
  /** `--kubeconfig-dir` */
  kubeconfigDir?: string;
  /** `--kubeconfig-suffix` (only with `--kubeconfig-dir`) */
  kubeconfigSuffix?: string;
  /** `--projected-token-file`: replaces the service account token of the in-cluster config. */
  projectedTokenFile?: string;
  /** `--no-in-cluster-config` */
  noInClusterConfig?: boolean;
}

export interface ClusterConfigEnvironment {
  env: NodeJS.ProcessEnv;
  /** Prefix of `/var/run/secrets/kubernetes.io/serviceaccount` (tests point it at a temporary folder). */
  serviceAccountRoot: string;
  home: string;
}

const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

function defaultEnvironment(): ClusterConfigEnvironment {
  return { env: process.env, serviceAccountRoot: '', home: os.homedir() };
}

/** Prow's `KubernetesOptions.Validate`. */
export function validateKubernetesOptions(options: KubernetesOptions): void {
  if (options.kubeconfig) {
    try {
      statSync(options.kubeconfig);
    } catch (err) {
      throw new Error(`error accessing --kubeconfig: ${(err as Error).message}`, { cause: err });
    }
  }
  if (options.kubeconfigDir) {
    let isDir: boolean;
    try {
      isDir = statSync(options.kubeconfigDir).isDirectory();
    } catch (err) {
      throw new Error(`error accessing --kubeconfig-dir: ${(err as Error).message}`, { cause: err });
    }
    if (!isDir) throw new Error('--kubeconfig-dir must be a directory');
  }
  if (options.kubeconfigSuffix && !options.kubeconfigDir) {
    throw new Error('--kubeconfig-dir must be set if --kubeconfig-suffix is set');
  }
}

/** Prow's candidate files: `--kubeconfig`, then the files of `--kubeconfig-dir` with the suffix, by name. */
function candidateFiles(options: KubernetesOptions): string[] {
  const files: string[] = [];
  if (options.kubeconfig) files.push(options.kubeconfig);
  if (options.kubeconfigDir) {
    const entries = readdirSync(options.kubeconfigDir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const entry of entries) {
      if (entry.isDirectory() || entry.name.startsWith('..')) continue;
      if (!entry.name.endsWith(options.kubeconfigSuffix ?? '')) continue;
      files.push(path.join(options.kubeconfigDir, entry.name));
    }
  }
  return files;
}

interface LoadedFile {
  file: string;
  config: KubeConfig;
}

function loadFile(file: string): LoadedFile {
  const config = new KubeConfig();
  try {
    config.loadFromFile(file);
  } catch (err) {
    throw new Error(`fail to load kubecfg from ${JSON.stringify(file)}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return { file, config };
}

/**
 * Merges kubeconfig files. `strict` (Prow's explicit candidates) rejects a context defined twice;
 * otherwise (client-go's default loading rules, `$KUBECONFIG`) the first definition of a name wins.
 */
function merge(files: LoadedFile[], currentContext: string, strict: boolean, dir?: string): KubeConfig {
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  for (const { config } of files) {
    for (const context of config.getContexts()) {
      if (contexts.has(context.name)) {
        if (strict) {
          throw new Error(
            `context ${context.name} occurred more than once in kubeconfig dir ${JSON.stringify(dir ?? '')}`,
          );
        }
        continue;
      }
      contexts.set(context.name, context);
    }
    for (const cluster of config.getClusters())
      if (!clusters.has(cluster.name)) clusters.set(cluster.name, cluster);
    for (const user of config.getUsers()) if (!users.has(user.name)) users.set(user.name, user);
  }
  const merged = new KubeConfig();
  merged.loadFromOptions({
    clusters: [...clusters.values()],
    users: [...users.values()],
    contexts: [...contexts.values()],
    currentContext,
  });
  return merged;
}

/**
 * client-go's `rest.InClusterConfig`: the service address from the environment, the service account's
 * CA and token (re-read as it rotates). Built here rather than with `KubeConfig.loadFromCluster`, which
 * reads `process.env` and switches to plain HTTP on some ports, unlike client-go.
 */
function inClusterConfig(
  options: KubernetesOptions,
  environment: ClusterConfigEnvironment,
): KubeConfig | undefined {
  const { env, serviceAccountRoot } = environment;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  const accountDir = `${serviceAccountRoot}${serviceAccountDir}`;
  if (!host || !port || !existsSync(`${accountDir}/token`)) return undefined;
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [
      {
        name: 'inCluster',
        server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`,
        caFile: `${accountDir}/ca.crt`,
        skipTLSVerify: false,
      },
    ],
    users: [
      {
        name: 'inClusterUser',
        authProvider: {
          name: 'tokenFile',
          config: { tokenFile: options.projectedTokenFile || `${accountDir}/token` },
        },
      },
    ],
    contexts: [{ name: 'inClusterContext', cluster: 'inCluster', user: 'inClusterUser' }],
    currentContext: 'inClusterContext',
  });
  return config;
}

/**
 * The connection to the cluster that holds ProwJobs, chosen as Prow's `kube.LoadClusterConfigs` chooses
 * its "infrastructure" config:
 * 1. the in-cluster config (service account; `--projected-token-file` replaces its token) when running
 *    in a pod, even if kubeconfig files are given (their other contexts are Prow's build clusters);
 * 2. else the `current-context` of the last candidate file (`--kubeconfig`, then `--kubeconfig-dir`);
 * 3. with no candidate files, client-go's default rules: `$KUBECONFIG`, else `~/.kube/config`.
 * Port: with `--no-in-cluster-config`, Prow leaves the ProwJob client without a usable config; here
 * step 1 is skipped instead.
 */
export function loadProwJobClusterConfig(
  options: KubernetesOptions = {},
  environment: ClusterConfigEnvironment = defaultEnvironment(),
): KubeConfig {
  validateKubernetesOptions(options);
  if (!options.noInClusterConfig) {
    const inCluster = inClusterConfig(options, environment);
    if (inCluster) return inCluster;
  }
  const candidates = candidateFiles(options);
  let config: KubeConfig;
  let described: string;
  if (candidates.length > 0) {
    const loaded = candidates.map(loadFile);
    const currentContext = loaded[loaded.length - 1]?.config.getCurrentContext() ?? '';
    config = merge(loaded, currentContext, true, options.kubeconfigDir);
    described = candidates.join(', ');
  } else {
    const fromEnv = (environment.env.KUBECONFIG ?? '').split(path.delimiter).filter((f) => f !== '');
    const files = (fromEnv.length > 0 ? fromEnv : [path.join(environment.home, '.kube', 'config')]).filter(
      (f) => existsSync(f),
    );
    const loaded = files.map(loadFile);
    const currentContext = loaded.map((l) => l.config.getCurrentContext()).find((c) => c) ?? '';
    config = merge(loaded, currentContext, false);
    described = files.length > 0 ? files.join(', ') : 'no kubeconfig file found';
  }
  const contextName = config.getCurrentContext();
  if (!contextName) {
    throw new Error(`no prow cluster access: in-cluster current kubecfg context required (${described})`);
  }
  const context = config.getContextObject(contextName);
  if (!context)
    throw new Error(
      `kubeconfig (${described}): current context ${JSON.stringify(contextName)} is not defined`,
    );
  if (!config.getCluster(context.cluster)) {
    throw new Error(
      `kubeconfig (${described}): context ${JSON.stringify(contextName)} names undefined cluster ${JSON.stringify(context.cluster)}`,
    );
  }
  return config;
}
