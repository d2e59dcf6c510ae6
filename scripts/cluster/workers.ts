import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { projectRoot } from '../../src/project-root';
import { killOnExit } from './kill-on-exit';

/** The compiled `status-reconciler` command (`npm run build`). */
export const reconcilerCli = path.join(projectRoot, 'dist', 'src', 'cli', 'main.js');

interface ComposeFile {
  services: Record<string, { command?: string[] }>;
}

/** The `worker` command of a docker-compose.yml worker service, flags only. */
export function composeWorkerFlags(service = 'worker-1'): string[] {
  const compose = parse(readFileSync(path.join(projectRoot, 'docker-compose.yml'), 'utf8')) as ComposeFile;
  const command = compose.services[service]?.command;
  if (!command || command[0] !== 'worker')
    throw new Error(`docker-compose.yml: service ${service} has no \`worker\` command`);
  return command.slice(1);
}

/** Where a worker of the local cluster finds what compose mounts into its container or reaches on its network. */
export interface WorkerEnvironment {
  /** A config tree laid out like examples/config (prow/config.yaml, prow/plugins.yaml, jobs/). */
  configDir: string;
  temporalAddress: string;
  githubUrl: string;
  githubAppId: number;
  githubPrivateKeyPath: string;
  kubeconfigPath: string;
  /** Health, metrics and Temporal metrics ports (0: any free port). */
  ports?: { health: number; metrics: number; temporalMetrics: number };
}

/**
 * Compose's flags with what must differ on one machine without containers: container paths become host
 * paths, the service names become loopback addresses, the App id is the double's, and each worker gets its
 * own ports (compose's workers share one network namespace too, so there they differ as well; the codec
 * server's is any free one, as nothing here calls it). Every other
 * flag is compose's, unchanged; test/cluster/cluster-settings.test.ts holds this list to exactly these flags.
 */
export const hostSpecificFlags = [
  'config-path',
  'job-config-path',
  'plugin-config',
  'github-endpoint',
  'github-app-id',
  'github-app-private-key-path',
  'kubeconfig',
  'temporal-address',
  'health-port',
  'metrics-port',
  'temporal-metrics-port',
  'codec-server-address',
] as const;

export function clusterWorkerFlags(env: WorkerEnvironment, service = 'worker-1'): string[] {
  const ports = env.ports ?? { health: 0, metrics: 0, temporalMetrics: 0 };
  const host: Record<(typeof hostSpecificFlags)[number], string> = {
    'config-path': path.join(env.configDir, 'prow', 'config.yaml'),
    'job-config-path': path.join(env.configDir, 'jobs'),
    'plugin-config': path.join(env.configDir, 'prow', 'plugins.yaml'),
    'github-endpoint': env.githubUrl,
    'github-app-id': String(env.githubAppId),
    'github-app-private-key-path': env.githubPrivateKeyPath,
    kubeconfig: env.kubeconfigPath,
    'temporal-address': env.temporalAddress,
    'health-port': String(ports.health),
    'metrics-port': String(ports.metrics),
    'temporal-metrics-port': String(ports.temporalMetrics),
    // Any free loopback port: compose's fixed ones would collide between workers of one host.
    'codec-server-address': '127.0.0.1:0',
  };
  return composeWorkerFlags(service).map((flag) => {
    const name = /^--([^=]+)=/.exec(flag)?.[1] as (typeof hostSpecificFlags)[number] | undefined;
    return name && name in host ? `--${name}=${host[name]}` : flag;
  });
}

/**
 * `status-reconciler worker` processes, each logging to a file of its own. With `restart`, a worker that
 * exits without being stopped here is started again after a second, as compose's `restart: unless-stopped`
 * and a Deployment's pods are; `restarts()` counts those.
 */
export class WorkerProcesses {
  private readonly children = new Map<string, ChildProcess>();
  private readonly flags = new Map<string, string[]>();
  private readonly exits = new Map<string, string>();
  private readonly stopping = new Set<string>();
  private restarted = 0;
  private closed = false;

  private readonly forget: () => void;

  constructor(
    private readonly logDir: string,
    private readonly policy: { restart?: boolean } = {},
  ) {
    this.forget = killOnExit(this);
  }

  /** Starts `node dist/src/cli/main.js worker <flags>` as `name`. */
  start(name: string, flags: string[]): ChildProcess {
    if (this.children.has(name) && !this.exits.has(name))
      throw new Error(`worker ${name} is already running`);
    const log = createWriteStream(path.join(this.logDir, `${name}.log`), { flags: 'a' });
    const child = spawn(process.execPath, [reconcilerCli, 'worker', ...flags], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    child.once('exit', (code, signal) => {
      this.exits.set(name, `${signal ?? code}`);
      if (this.stopping.delete(name) || this.closed || !this.policy.restart) return;
      log.write(`\n--- ${name} exited with ${signal ?? code}; restarting it (restart: unless-stopped) ---\n`);
      setTimeout(() => {
        if (this.closed || !this.exits.has(name)) return;
        this.restarted++;
        this.start(name, flags);
      }, 1_000);
    });
    this.children.set(name, child);
    this.flags.set(name, flags);
    this.exits.delete(name);
    return child;
  }

  /** Exits the restart policy answered. */
  restarts(): number {
    return this.restarted;
  }

  /** The worker running as this process id (a Temporal worker's default identity is `<pid>@<host>`). */
  nameOfPid(pid: number): string | undefined {
    return [...this.children].find(([name, child]) => child.pid === pid && !this.exits.has(name))?.[0];
  }

  names(): string[] {
    return [...this.children.keys()];
  }

  running(): string[] {
    return this.names().filter((name) => !this.exits.has(name));
  }

  exitOf(name: string): string | undefined {
    return this.exits.get(name);
  }

  logOf(name: string): string {
    try {
      return readFileSync(path.join(this.logDir, `${name}.log`), 'utf8');
    } catch {
      return '';
    }
  }

  /** Sends `signal` and waits for the exit (SIGKILL after `graceMs`). */
  async stop(name: string, signal: NodeJS.Signals = 'SIGTERM', graceMs = 30_000): Promise<void> {
    const child = this.children.get(name);
    if (!child || this.exits.has(name)) return;
    this.stopping.add(name);
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }

  async stopAll(graceMs = 30_000): Promise<void> {
    this.closed = true;
    await Promise.all(this.running().map((name) => this.stop(name, 'SIGTERM', graceMs)));
    this.forget();
  }

  killNow(): void {
    this.closed = true;
    for (const name of this.running()) this.children.get(name)?.kill('SIGKILL');
  }
}

/** Polls a worker's /healthz/ready (compose's and the Deployment's readiness check) until it answers 200. */
export async function waitReady(healthPort: number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(`http://127.0.0.1:${healthPort}/healthz/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the worker with health port ${healthPort} was not ready within ${timeoutMs / 1000} s`);
}
