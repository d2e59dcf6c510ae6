import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readOptions, type ProcessOptions } from '../../src/options';
import { parseGitHubDoubleArgs } from '../../sandbox/github/main';
import { loadScenarioFile } from '../../sandbox/github/scenario';
import { parseKubernetesDoubleArgs } from '../../sandbox/kubernetes/main';
import {
  findExecutable,
  fromRoot,
  inCi,
  interpolateDefaults,
  projectRoot,
  readCompose,
  readText,
  type ComposeService,
} from './support/deploy-files';

const { services, volumes } = readCompose();
const serviceNames = Object.keys(services);
const packageVersion = (JSON.parse(readText('package.json')) as { version: string }).version;

/** Services that run once and exit: someone waits for them with `service_completed_successfully`. */
const oneShots = new Set(
  Object.values(services).flatMap((s) =>
    Object.entries(s.depends_on ?? {})
      .filter(([, d]) => d.condition === 'service_completed_successfully')
      .map(([name]) => name),
  ),
);
const longRunning = serviceNames.filter((name) => !oneShots.has(name));
const workers = Object.entries(services).filter(([, s]) => s.command?.[0] === 'worker');
const service = (name: string): ComposeService => {
  const s = services[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
};
const workerOptions = (s: ComposeService): ProcessOptions => readOptions((s.command ?? []).slice(1), {});
const healthTest = (s: ComposeService): string => [s.healthcheck?.test ?? []].flat().join(' ');
/** A container path's mount in a service, and the path inside the mounted source. */
const mountOf = (s: ComposeService, containerPath: string) => {
  const mount = s.volumes
    .filter((v) => containerPath === v.target || containerPath.startsWith(`${v.target}/`))
    .sort((a, b) => b.target.length - a.target.length)[0];
  return mount && { mount, rest: path.posix.relative(mount.target, containerPath) };
};
/** Where a container path of a service is on the host (through its bind mounts). */
const hostPath = (s: ComposeService, containerPath: string): string => {
  const found = mountOf(s, containerPath);
  if (!found || found.mount.type !== 'bind') throw new Error(`${containerPath} is not bind-mounted`);
  return path.join(projectRoot, interpolateDefaults(found.mount.source), found.rest);
};

describe('docker-compose.yml: static check', () => {
  const binary = findExecutable('docker-compose');
  const run = binary || inCi() ? it : it.skip;
  run(
    binary
      ? "passes Debian docker-compose's `config -q`"
      : "passes Debian docker-compose's `config -q` (docker-compose not installed: skipped locally, a failure when CI=true; `apt-get install -y docker-compose`)",
    () => {
      if (!binary) {
        throw new Error(
          "docker-compose is not installed: CI must install Debian's docker-compose (apt-get install -y docker-compose)",
        );
      }
      const result = spawnSync(binary, ['-f', 'docker-compose.yml', 'config', '-q'], {
        cwd: projectRoot,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
      });
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    },
  );
});

describe('docker-compose.yml: images', () => {
  it.each(serviceNames)('%s: image pinned to an exact version (never latest)', (name) => {
    const image = service(name).image ?? '';
    const match = /^([a-z0-9][a-z0-9./_-]*):([A-Za-z0-9_.-]+)(@sha256:[a-f0-9]{64})?$/.exec(image);
    expect(match).not.toBeNull();
    const tag = match?.[2] ?? '';
    expect(tag).not.toMatch(/latest/);
    // At least major.minor, with an optional variant suffix: 16.15-bookworm, 1.29.1, 1.29.1-tctl-1.18.4-cli-1.5.0.
    expect(tag).toMatch(/^v?\d+\.\d+(\.\d+)?([-.][A-Za-z0-9_.-]+)?$/);
  });

  it.each([
    ['temporalio/auto-setup', /^1\.29\.\d+$/],
    ['temporalio/admin-tools', /^1\.29\.\d+-tctl-[\d.]+-cli-1\.5\.\d+$/],
    ['temporalio/ui', /^2\.42\.\d+$/],
    ['postgres', /^\d+\.\d+(-[a-z]+)?$/],
  ])('%s matches the Temporal of `npm start` (server 1.29, CLI 1.5, UI 2.42)', (repository, tag) => {
    const images = Object.values(services)
      .map((s) => s.image ?? '')
      .filter((image) => image.startsWith(`${repository}:`));
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image.slice(repository.length + 1)).toMatch(tag);
  });

  it("builds the workers' image from the production Dockerfile, tagged with package.json's version", () => {
    const built = Object.entries(services).filter(([, s]) => s.build !== undefined);
    const production = built.filter(([, s]) => typeof s.build === 'string' || !s.build?.dockerfile);
    expect(production.map(([name]) => name).sort()).toEqual(workers.map(([name]) => name).sort());
    for (const [, s] of production) {
      expect(s.image).toBe(`status-reconciler:${packageVersion}`);
      expect(typeof s.build === 'string' ? s.build : s.build?.context).toBe('.');
    }
  });

  it('runs the doubles from their own image (sandbox/Dockerfile), never the production one', () => {
    const built = Object.entries(services).filter(([, s]) => s.build !== undefined);
    const sandboxes = built.filter(([, s]) => typeof s.build === 'object' && s.build.dockerfile);
    expect(sandboxes.map(([name]) => name).sort()).toEqual(
      ['github-sandbox', 'kubernetes-sandbox', 'sandbox-net'].sort(),
    );
    for (const [, s] of sandboxes) {
      expect(s.image).toBe(`status-reconciler-sandbox:${packageVersion}`);
      expect(s.build).toEqual({ context: '.', dockerfile: 'sandbox/Dockerfile' });
    }
    for (const name of ['github-sandbox', 'kubernetes-sandbox']) {
      const script = service(name).entrypoint?.[1] ?? '';
      expect(script).toMatch(/^dist\/sandbox\/(github|kubernetes)\/main\.js$/);
      expect(existsSync(fromRoot(script.replace(/^dist\//, '').replace(/\.js$/, '.ts')))).toBe(true);
    }
  });
});

describe('docker-compose.yml: health and start order', () => {
  it('has exactly one one-shot job: the search-attribute registration', () => {
    expect([...oneShots]).toEqual(['search-attributes']);
    expect(service('search-attributes').restart).toBe('no');
  });

  it.each(longRunning)('%s: has a health check', (name) => {
    expect(healthTest(service(name))).not.toBe('');
  });

  it.each(serviceNames)('%s: waits for its dependencies to be healthy (or done)', (name) => {
    for (const [dependency, { condition }] of Object.entries(service(name).depends_on ?? {})) {
      expect(serviceNames).toContain(dependency);
      expect([dependency, condition]).toEqual([
        dependency,
        oneShots.has(dependency) ? 'service_completed_successfully' : 'service_healthy',
      ]);
    }
  });

  const joiners = serviceNames.filter((name) => service(name).network_mode);
  it.each(joiners)('%s: depends on the service whose network it joins', (name) => {
    const mode = service(name).network_mode ?? '';
    const holder = /^service:(.+)$/.exec(mode)?.[1] ?? '';
    expect(Object.keys(service(name).depends_on ?? {})).toContain(holder);
    expect(service(name).ports).toBeUndefined();
  });

  it('workers start after Temporal, the search attributes, and both sandboxes', () => {
    for (const [, s] of workers) {
      expect(Object.keys(s.depends_on ?? {})).toEqual(
        expect.arrayContaining(['temporal', 'search-attributes', 'github-sandbox', 'kubernetes-sandbox']),
      );
    }
  });
});

describe('docker-compose.yml: workers', () => {
  it('runs two worker replicas on one task queue, namespace and instance', () => {
    expect(workers).toHaveLength(2);
    const [a, b] = workers.map(([, s]) => workerOptions(s));
    expect(a?.temporal.taskQueue).toBe(b?.temporal.taskQueue);
    expect(a?.temporal.namespace).toBe(b?.temporal.namespace);
    expect(a?.instance).toBe(b?.instance);
  });

  it('gives both workers the same flags except their own health, metrics and codec server ports', () => {
    const portFlag = /^--(health-port|metrics-port|temporal-metrics-port|codec-server-address)=/;
    const [a, b] = workers.map(([, s]) => (s.command ?? []).filter((arg) => !portFlag.test(arg)));
    expect(a).toEqual(b);
    const ports = workers.flatMap(([, s]) => {
      const o = workerOptions(s);
      return [o.healthPort, o.metricsPort, o.temporalMetricsPort, o.codecServer?.port];
    });
    // One network namespace: no two listeners on one port.
    expect(new Set(ports).size).toBe(ports.length);
  });

  describe.each(workers.map(([name, s]) => [name, s] as const))('%s', (_name, s) => {
    const options = workerOptions(s);

    it("takes only flags that src/options.ts defines, none of them Prow's ignored ones", () => {
      expect(options.ignoredFlags).toEqual([]);
      expect(options.dryRun).toBe(false);
    });

    it('connects to the compose Temporal service', () => {
      expect(options.temporal.address).toBe('temporal:7233');
      expect(services.temporal?.ports).toContain('7233:7233');
    });

    it("reads the example config where Prow's manifests mount it, read-only", () => {
      expect(options.config.configPath).toBe('/etc/config/config.yaml');
      expect(options.config.jobConfigPath).toBe('/etc/job-config');
      expect(options.config.pluginConfigPath).toBe('/etc/plugins/plugins.yaml');
      for (const file of [options.config.configPath, options.config.pluginConfigPath ?? '']) {
        expect(existsSync(hostPath(s, file))).toBe(true);
      }
      expect(hostPath(s, '/etc/job-config')).toBe(fromRoot('examples', 'config', 'jobs'));
    });

    it('mounts everything read-only, on a read-only root filesystem with a /tmp', () => {
      expect(s.volumes.length).toBeGreaterThan(0);
      for (const volume of s.volumes)
        expect([volume.target, volume.read_only]).toEqual([volume.target, true]);
      expect(s.read_only).toBe(true);
      expect(s.tmpfs).toContain('/tmp');
    });

    it("authenticates as the GitHub sandbox's App, with the key the sandbox writes", () => {
      const github = service('github-sandbox');
      const sandbox = parseGitHubDoubleArgs(
        (github.command ?? []).map((arg) =>
          arg.replace(/^--scenario=(.*)$/, (_all, file: string) => `--scenario=${hostPath(github, file)}`),
        ),
      );
      expect(options.github.endpoint).toBe(`http://127.0.0.1:${sandbox.port}`);
      expect(s.network_mode).toBe(github.network_mode);
      const scenario = loadScenarioFile(fromRoot('examples', 'github-scenario.yaml'));
      expect(options.github.appId).toBe(String(scenario.app?.id));
      const written = mountOf(github, sandbox.privateKeyFile ?? '');
      const read = mountOf(s, options.github.appPrivateKeyPath ?? '');
      expect(written?.mount.type).toBe('volume');
      expect(read?.mount.source).toBe(written?.mount.source);
      expect(read?.rest).toBe(written?.rest);
      expect(options.github.appPrivateKeyPath).toBe('/etc/github/cert');
    });

    it('creates ProwJobs through the kubeconfig the Kubernetes sandbox writes', () => {
      const kube = service('kubernetes-sandbox');
      const sandbox = parseKubernetesDoubleArgs(kube.command ?? []);
      expect(sandbox.namespaces).toEqual(['prow']);
      const written = mountOf(kube, sandbox.kubeconfigOut);
      const read = mountOf(s, options.kubernetes.kubeconfig ?? '');
      expect(written?.mount.type).toBe('volume');
      expect(read?.mount.source).toBe(written?.mount.source);
      expect(read?.rest).toBe(written?.rest);
      expect(s.network_mode).toBe(kube.network_mode);
    });

    it('is healthy when ready: /healthz/ready on its own --health-port', () => {
      expect(healthTest(s)).toContain(`http://127.0.0.1:${options.healthPort}/healthz/ready`);
    });

    it('publishes its health, metrics and codec server ports on the shared network namespace', () => {
      const holder = service((s.network_mode ?? '').replace(/^service:/, ''));
      expect(options.codecServer?.host).toBe('0.0.0.0');
      const ports = [
        options.healthPort,
        options.metricsPort,
        options.temporalMetricsPort,
        options.codecServer?.port,
      ];
      for (const port of ports) {
        expect(holder.ports).toContain(`${port}:${port}`);
      }
    });
  });
});

describe('docker-compose.yml: the rest', () => {
  it("registers the search attributes with deploy/temporal's script, read-only", () => {
    const s = service('search-attributes');
    expect(s.image).toMatch(/^temporalio\/admin-tools:/);
    const script = s.volumes.find((v) => v.source === './deploy/temporal/register-search-attributes.sh');
    expect(script?.read_only).toBe(true);
    expect(s.entrypoint).toEqual(['/bin/sh', script?.target]);
    expect(s.environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it("gives Temporal the dev server's dynamic config (workflow Updates on)", () => {
    const s = service('temporal');
    const file = s.environment?.DYNAMIC_CONFIG_FILE_PATH ?? '';
    const mount = mountOf(s, path.posix.join('/etc/temporal', file));
    expect(mount?.mount.read_only).toBe(true);
    const text = readText(path.join(interpolateDefaults(mount?.mount.source ?? ''), mount?.rest ?? ''));
    expect(text).toMatch(/^frontend\.enableUpdateWorkflowExecution:\n {2}- value: true$/m);
    expect(text).toMatch(/^frontend\.enableUpdateWorkflowExecutionAsyncAccepted:\n {2}- value: true$/m);
  });

  it('serves the Web UI where `npm start` does (8233)', () => {
    expect(service('temporal-ui').ports).toEqual(['8233:8080']);
  });

  it("points the Web UI's codec endpoint at a worker's published codec server, which lets the UI's origin call it", () => {
    const endpoint = new URL(service('temporal-ui').environment?.TEMPORAL_CODEC_ENDPOINT ?? 'missing:');
    // The browser calls it, so it is a host address, not a compose service name.
    expect(endpoint.hostname).toBe('localhost');
    const serving = workers
      .map(([, s]) => workerOptions(s))
      .find((o) => o.codecServer?.port === Number(endpoint.port));
    expect(serving).toBeDefined();
    const [uiPort] = (service('temporal-ui').ports ?? [''])[0]?.split(':') ?? [];
    expect(serving?.codecServerCorsOrigins).toEqual(
      expect.arrayContaining([`http://localhost:${uiPort}`, `http://127.0.0.1:${uiPort}`]),
    );
  });

  it.each(serviceNames)('%s: bind-mount sources exist', (name) => {
    for (const v of service(name).volumes.filter((x) => x.type === 'bind')) {
      expect([v.source, existsSync(path.join(projectRoot, interpolateDefaults(v.source)))]).toEqual([
        v.source,
        true,
      ]);
    }
  });

  it('declares every named volume it uses', () => {
    const used = Object.values(services).flatMap((s) =>
      s.volumes.filter((v) => v.type === 'volume').map((v) => v.source),
    );
    expect(Object.keys(volumes).sort()).toEqual([...new Set(used)].sort());
  });
});
