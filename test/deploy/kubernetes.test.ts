import { readdirSync } from 'node:fs';
import { request, type Server } from 'node:http';
import path from 'node:path';
import { OptionsError, parseFlags, readOptions, type ProcessOptions } from '../../src/options';
import { serverPort, startHealthServer } from '../../src/worker/health-server';
import type { ConfigHealth } from '../../workflows/types';
import { fromRoot, readYamlDocuments } from './support/deploy-files';
import { createManifestValidator } from './support/kubernetes-schema';

type Obj = Record<string, unknown>;
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}
interface Probe {
  httpGet?: { path: string; port: number | string };
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  ports?: { name?: string; containerPort: number }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Obj;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface Volume {
  name: string;
  configMap?: { name: string };
  secret?: { secretName: string };
  emptyDir?: Obj;
}

const dir = 'deploy/kubernetes';
const manifestFiles = readdirSync(fromRoot(dir))
  .filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml')
  .sort();
const objects = manifestFiles.flatMap((file) =>
  readYamlDocuments(path.join(dir, file)).map((object) => ({ file, object: object as K8sObject })),
);
const kustomization = readYamlDocuments(path.join(dir, 'kustomization.yaml'))[0] as {
  resources: string[];
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
};
const find = (kind: string): K8sObject[] =>
  objects.filter((o) => o.object.kind === kind).map((o) => o.object);
const one = (kind: string): K8sObject => {
  const found = find(kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0] as K8sObject;
};

const deployment = one('Deployment') as K8sObject & {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: { serviceAccountName: string; securityContext?: Obj; containers: Container[]; volumes: Volume[] };
    };
  };
};
const pod = deployment.spec.template.spec;
const container = pod.containers[0] as Container;
/** The container's args with `$(VAR)` expanded as the kubelet does, secrets standing in as placeholders. */
const expandedArgs = (container.args ?? []).map((arg) =>
  arg.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (all, name: string) => {
    const env = container.env?.find((e) => e.name === name);
    if (!env) return all;
    return env.value ?? (env.valueFrom?.secretKeyRef ? '123456' : all);
  }),
);
const [command, ...flags] = expandedArgs;
const options: ProcessOptions = readOptions(flags, {});
const portNumber = (port: number | string): number =>
  typeof port === 'number' ? port : (container.ports?.find((p) => p.name === port)?.containerPort ?? -1);
const mountFor = (file: string) =>
  container.volumeMounts?.find((m) => file === m.mountPath || file.startsWith(`${m.mountPath}/`));
const volumeOf = (mountName: string): Volume | undefined => pod.volumes.find((v) => v.name === mountName);

describe('deploy/kubernetes: offline schema validation (Kubernetes v1.34 OpenAPI via @kubernetes/client-node)', () => {
  const validator = createManifestValidator();

  it.each(objects.map((o) => [`${o.file}: ${o.object.kind} ${o.object.metadata?.name}`, o.object]))(
    '%s is valid',
    (_name, object) => {
      expect(validator.errors(object)).toEqual([]);
    },
  );

  // The validator itself: a typo, a wrong type, a missing required field, an unknown kind all fail.
  const mutate = (edit: (d: typeof deployment) => void): unknown => {
    const copy = structuredClone(deployment);
    edit(copy);
    return copy;
  };
  it.each([
    [
      'an unknown field (readinesProbe)',
      mutate((d) => {
        (d.spec.template.spec.containers[0] as unknown as Obj).readinesProbe = {};
      }),
      /additional properties \(readinesProbe\)/,
    ],
    [
      'a wrong type (replicas: "2")',
      mutate((d) => {
        (d.spec as unknown as Obj).replicas = '2';
      }),
      /^\/spec\/replicas: must be integer/,
    ],
    [
      'a missing required field (spec.selector)',
      mutate((d) => {
        delete (d.spec as unknown as Obj).selector;
      }),
      /required property 'selector'/,
    ],
    [
      'a missing container name',
      mutate((d) => {
        delete (d.spec.template.spec.containers[0] as unknown as Obj).name;
      }),
      /required property 'name'/,
    ],
    [
      'a wrong apiVersion',
      mutate((d) => {
        d.apiVersion = 'apps/v1beta1';
      }),
      /unsupported kind apps\/v1beta1 Deployment/,
    ],
  ])('rejects %s', (_what, object, message) => {
    const errors = validator.errors(object);
    expect(errors.some((e) => message.test(e))).toBe(true);
  });
});

describe('deploy/kubernetes: kustomization', () => {
  it('lists every manifest in the directory, and only those', () => {
    expect([...kustomization.resources].sort()).toEqual(manifestFiles);
  });

  it('pins the image to an exact version (never latest)', () => {
    const image = kustomization.images?.find((i) => i.name === container.image.split(':')[0]);
    expect(image?.newTag ?? image?.digest).toMatch(/^(\d+\.\d+\.\d+|sha256:[a-f0-9]{64})$/);
    expect(container.image).toMatch(/^[a-z0-9./_-]+:\d+\.\d+\.\d+$/);
  });

  it.each(objects.map((o) => [`${o.object.kind} ${o.object.metadata.name}`, o.object]))(
    '%s: in namespace prow (where Prow runs it and creates ProwJobs)',
    (_name, object) => {
      expect(object.metadata.namespace).toBe('prow');
    },
  );
});

describe('deploy/kubernetes: Deployment', () => {
  it('runs 2 replicas of one container', () => {
    expect(deployment.spec.replicas).toBe(2);
    expect(pod.containers).toHaveLength(1);
    expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
  });

  it('runs `status-reconciler worker` (the image entrypoint, the first argument)', () => {
    expect(container.command).toBeUndefined();
    expect(command).toBe('worker');
  });

  it.each(flags.map((flag) => [flag]))('flag %s exists in src/options.ts', (flag) => {
    expect(() => parseFlags([flag])).not.toThrow();
  });

  it('would catch a misspelled flag', () => {
    expect(() => parseFlags(['--dry-runn=false'])).toThrow(OptionsError);
  });

  it("mirrors Prow's starter args, keeps no flag Prow's port ignores, and adds --temporal-address", () => {
    expect(() => readOptions(flags, {})).not.toThrow();
    expect(options.ignoredFlags).toEqual([]);
    expect(options.dryRun).toBe(false);
    expect(options.continueOnError).toBe(true);
    expect(options.github.appId).toBe('123456');
    expect(flags.some((f) => f.startsWith('--temporal-address='))).toBe(true);
    expect(options.temporal.address).not.toBe(readOptions([], {}).temporal.address);
  });

  it.each([
    ['config', '--config-path', '/etc/config', 'configMap'],
    ['job-config', '--job-config-path', '/etc/job-config', 'configMap'],
    ['plugins', '--plugin-config', '/etc/plugins', 'configMap'],
    ['github-token', '--github-app-private-key-path', '/etc/github', 'secret'],
  ] as const)('mounts %s read-only where %s points, at %s as Prow does', (name, flag, mountPath, source) => {
    const value = flags.find((f) => f.startsWith(`${flag}=`))?.slice(flag.length + 1) ?? '';
    const mount = mountFor(value);
    expect(mount).toMatchObject({ mountPath, readOnly: true });
    const volume = volumeOf(mount?.name ?? '');
    expect(source === 'secret' ? volume?.secret?.secretName : volume?.configMap?.name).toBe(name);
  });

  it('reads the App ID from the github-token secret, as Prow does', () => {
    const env = container.env?.find((e) => e.name === 'GITHUB_APP_ID');
    expect(env?.valueFrom?.secretKeyRef).toEqual({ name: 'github-token', key: 'appid' });
    expect(options.github.appPrivateKeyPath).toBe('/etc/github/cert');
  });

  it.each([
    ['health', () => options.healthPort],
    ['metrics', () => options.metricsPort],
    ['temporal-metrics', () => options.temporalMetricsPort],
  ] as const)('declares container port %s where the worker serves it', (name, port) => {
    expect(container.ports?.find((p) => p.name === name)?.containerPort).toBe(port());
  });

  it.each([
    ['readinessProbe', '/healthz/ready'],
    ['livenessProbe', '/livez'],
    ['startupProbe', '/livez'],
  ] as const)('%s: GET %s on --health-port', (probe, probePath) => {
    const get = container[probe]?.httpGet;
    expect(get?.path).toBe(probePath);
    expect(portNumber(get?.port ?? -1)).toBe(options.healthPort);
  });

  it('sets CPU and memory requests and limits', () => {
    for (const kind of ['requests', 'limits'] as const) {
      expect(Object.keys(container.resources?.[kind] ?? {}).sort()).toEqual(['cpu', 'memory']);
    }
  });

  it('caps the JavaScript heap well inside the memory limit (the rest of a worker is ~200 MB off the heap)', () => {
    const nodeOptions = container.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '';
    const heapMb = Number(/--max-old-space-size=(\d+)/.exec(nodeOptions)?.[1]);
    expect(heapMb).toBeGreaterThan(0);
    const limit = String(container.resources?.limits?.memory);
    const limitMb =
      Number(/^(\d+)Gi$/.exec(limit)?.[1] ?? NaN) * 1024 || Number(/^(\d+)Mi$/.exec(limit)?.[1]);
    expect(heapMb + 256).toBeLessThanOrEqual(limitMb);
  });

  it('runs non-root with a read-only root filesystem, no privilege escalation, no capabilities', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
  });

  it('writes only to emptyDirs: /tmp and the saved config load cache', () => {
    const cacheDir = container.env?.find((e) => e.name === 'STATUS_RECONCILER_CACHE_DIR')?.value ?? '';
    expect(cacheDir).toMatch(/^\//);
    for (const dir of ['/tmp', cacheDir]) {
      const mount = mountFor(dir);
      expect(mount?.mountPath).toBe(dir);
      expect(volumeOf(mount?.name ?? '')?.emptyDir).toBeDefined();
    }
    const writable = (container.volumeMounts ?? []).filter((m) => !m.readOnly).map((m) => m.mountPath);
    expect(writable.sort()).toEqual(['/tmp', cacheDir].sort());
  });
});

describe('deploy/kubernetes: the probe paths are the health server’s, with the meaning the manifest expects', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });
  const get = (port: number, urlPath: string): Promise<number> =>
    new Promise((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: urlPath }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
  const brokenConfig: ConfigHealth = { ok: false, reason: 'config cannot be loaded' };

  it.each([
    { state: 'running, config good', ready: true, live: true, probe: 'readinessProbe', status: 200 },
    { state: 'running, config good', ready: true, live: true, probe: 'livenessProbe', status: 200 },
    { state: 'starting (not polling yet)', ready: false, live: true, probe: 'readinessProbe', status: 503 },
    { state: 'starting (not polling yet)', ready: false, live: true, probe: 'startupProbe', status: 200 },
    {
      state: 'config broken (actuation halted)',
      ready: true,
      live: true,
      broken: true,
      probe: 'livenessProbe',
      status: 200,
    },
    {
      state: 'config broken (actuation halted)',
      ready: true,
      live: true,
      broken: true,
      probe: 'readinessProbe',
      status: 200,
    },
    { state: 'worker failed', ready: false, live: false, probe: 'livenessProbe', status: 503 },
  ] as const)('$state: the $probe answers $status', async (row) => {
    const server = await startHealthServer(
      {
        configHealth: () => ('broken' in row ? brokenConfig : undefined),
        ready: () => row.ready,
        live: () => row.live,
      },
      0,
      '127.0.0.1',
    );
    servers.push(server);
    const probePath = container[row.probe]?.httpGet?.path ?? '';
    expect(await get(serverPort(server), probePath)).toBe(row.status);
  });

  it("keeps Prow's fail-closed /healthz for whoever wants Prow's restart-on-broken-config", async () => {
    const server = await startHealthServer(
      { configHealth: () => brokenConfig, ready: () => true, live: () => true },
      0,
      '127.0.0.1',
    );
    servers.push(server);
    expect(await get(serverPort(server), '/healthz')).toBe(503);
  });
});

describe('deploy/kubernetes: RBAC, Service, PodDisruptionBudget', () => {
  it('allows exactly create and get on prowjobs.prow.k8s.io, nothing else', () => {
    const role = one('Role') as K8sObject & { rules: Obj[] };
    expect(role.rules).toEqual([
      { apiGroups: ['prow.k8s.io'], resources: ['prowjobs'], verbs: ['create', 'get'] },
    ]);
    expect(find('ClusterRole')).toEqual([]);
    expect(find('ClusterRoleBinding')).toEqual([]);
  });

  it("binds the Role to the Deployment's ServiceAccount", () => {
    const binding = one('RoleBinding') as K8sObject & {
      roleRef: Obj;
      subjects: { kind: string; name: string; namespace: string }[];
    };
    const role = one('Role');
    const account = one('ServiceAccount');
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: role.metadata.name,
    });
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: account.metadata.name, namespace: account.metadata.namespace },
    ]);
    expect(pod.serviceAccountName).toBe(account.metadata.name);
    expect(binding.metadata.namespace).toBe(role.metadata.namespace);
  });

  it('exposes the metrics ports of the pods', () => {
    const service = one('Service') as K8sObject & {
      spec: { selector: Record<string, string>; ports: { name: string; port: number; targetPort: string }[] };
    };
    expect(deployment.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    expect(service.spec.ports.map((p) => [p.name, p.port, portNumber(p.targetPort)])).toEqual([
      ['metrics', options.metricsPort, options.metricsPort],
      ['temporal-metrics', options.temporalMetricsPort, options.temporalMetricsPort],
    ]);
  });

  it('keeps at least one worker through voluntary disruptions, fewer than all', () => {
    const pdb = one('PodDisruptionBudget') as K8sObject & {
      spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } };
    };
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(pdb.spec.minAvailable).toBeGreaterThanOrEqual(1);
    expect(pdb.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
  });
});
