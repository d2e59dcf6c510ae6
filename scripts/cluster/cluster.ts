import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../src/project-root';
import { freeLoopbackPort } from '../../src/temporal/dev-server';
import { killOnExit } from './kill-on-exit';
import { LocalPostgres } from './postgres';
import {
  composeServerSettings,
  setupSchemas,
  temporalBinaries,
  TemporalServerProcess,
  temporalServerServices,
  type ServicePorts,
  type TemporalBinaries,
} from './temporal-server';

const run = promisify(execFile);

export interface LocalClusterOptions {
  /** Keep the temp dir (logs, database) after stop. */
  keep?: boolean;
  /** Progress lines (to stderr by default). */
  progress?: (line: string) => void;
}

/**
 * A free loopback port below 32768. The server records its services' ports in PostgreSQL's
 * cluster_membership table, whose rpc_port column is a smallint: a port above 32767 (every ephemeral port
 * Linux hands out for port 0) fails the server's start with `value "41545" is out of range for type smallint`.
 */
const usedPorts = new Set<number>();
export async function freeServerPort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (usedPorts.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) {
      usedPorts.add(port);
      return port;
    }
  }
  throw new Error('no free loopback port between 20000 and 32000');
}

/**
 * docker-compose.yml's Temporal without containers: a throwaway PostgreSQL (its `postgresql` service), the
 * schemas auto-setup creates, the Temporal server 1.29.1 on them with compose's settings and dynamic config,
 * the `default` namespace as auto-setup creates it, and the reconciler's search attributes registered by
 * deploy/temporal/register-search-attributes.sh (compose's `search-attributes` job, the script the README
 * gives production users). Only loopback addresses and free ports; everything lives in one temp dir.
 */
export class LocalCluster {
  private forget: () => void = () => undefined;

  private constructor(
    readonly dir: string,
    readonly binaries: TemporalBinaries,
    readonly postgres: LocalPostgres,
    readonly server: TemporalServerProcess,
    private readonly options: LocalClusterOptions,
    /** Seconds each start-up step took. */
    readonly timings: Record<string, number>,
  ) {}

  static async start(options: LocalClusterOptions = {}): Promise<LocalCluster> {
    const progress = options.progress ?? ((line: string) => process.stderr.write(`cluster: ${line}\n`));
    const binaries = temporalBinaries();
    const dir = mkdtempSync(path.join(tmpdir(), 'status-reconciler-cluster-'));
    const timings: Record<string, number> = {};
    const timed = async <T>(name: string, step: () => Promise<T>): Promise<T> => {
      const start = Date.now();
      const result = await step();
      timings[name] = (Date.now() - start) / 1000;
      return result;
    };
    const s = composeServerSettings;
    const postgres = new LocalPostgres({
      dir: path.join(dir, 'postgresql'),
      port: await freeLoopbackPort(),
      user: s.user,
      password: s.password,
    });
    const ports = {} as ServicePorts;
    for (const name of temporalServerServices)
      ports[name] = { grpc: await freeServerPort(), membership: await freeServerPort() };
    const server = new TemporalServerProcess(
      binaries,
      path.join(dir, 'temporal'),
      { host: '127.0.0.1', port: postgres.options.port },
      ports,
    );
    const cluster = new LocalCluster(dir, binaries, postgres, server, options, timings);
    cluster.forget = killOnExit(cluster);
    try {
      progress(`PostgreSQL ${postgres.version} on ${postgres.address} (data in ${postgres.dataDir})`);
      await timed('postgresql', async () => {
        await postgres.init();
        await postgres.start();
      });
      progress('creating the temporal and temporal_visibility schemas');
      await timed('schemas', () =>
        setupSchemas(binaries, { host: '127.0.0.1', port: postgres.options.port }),
      );
      progress(`starting the Temporal server on ${server.address} (log ${server.logFile})`);
      await timed('server', () => server.start());
      progress(`namespace ${s.namespace} and the search attributes`);
      await timed('namespace', () => cluster.createNamespaceAndSearchAttributes());
      return cluster;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  get address(): string {
    return this.server.address;
  }

  /** The Temporal CLI with the cluster's address, as an operator runs it. */
  temporal(args: string[]): Promise<{ stdout: string; stderr: string }> {
    return run(this.binaries.cli, [...args, '--address', this.address], { maxBuffer: 64 * 1024 * 1024 });
  }

  /**
   * auto-setup's register_default_namespace (`temporal operator namespace create --retention 24h`), then
   * compose's `search-attributes` job: deploy/temporal/register-search-attributes.sh with the CLI as `temporal`
   * on PATH and the connection in TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE, as the admin-tools image runs it.
   */
  private async createNamespaceAndSearchAttributes(): Promise<void> {
    const s = composeServerSettings;
    await this.temporal([
      'operator',
      'namespace',
      'create',
      '--retention',
      s.namespaceRetention,
      '--description',
      'Default namespace for Temporal Server.',
      '--namespace',
      s.namespace,
    ]);
    const binDir = path.join(this.dir, 'bin');
    mkdirSync(binDir, { recursive: true });
    symlinkSync(this.binaries.cli, path.join(binDir, 'temporal'));
    await run('sh', [path.join(projectRoot, 'deploy', 'temporal', 'register-search-attributes.sh')], {
      env: {
        PATH: `${binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
        HOME: process.env.HOME ?? this.dir,
        TEMPORAL_ADDRESS: this.address,
        TEMPORAL_NAMESPACE: s.namespace,
      },
    });
  }

  /** SIGKILLs the server and starts it again on the same ports and database; resolves once it serves. */
  async restartServer(downMs = 0): Promise<void> {
    await this.server.kill();
    if (downMs) await new Promise((r) => setTimeout(r, downMs));
    await this.server.start();
  }

  /** Stops PostgreSQL abruptly (immediate: every connection cut, crash recovery at start) and starts it again. */
  async restartPostgres(downMs = 0): Promise<void> {
    await this.postgres.stop('immediate');
    if (downMs) await new Promise((r) => setTimeout(r, downMs));
    await this.postgres.start();
  }

  async stop(): Promise<void> {
    await this.server.stop().catch(() => this.server.killNow());
    await this.postgres.stop('fast').catch(() => this.postgres.killNow());
    this.forget();
    if (!this.options.keep) rmSync(this.dir, { recursive: true, force: true });
  }

  killNow(): void {
    this.server.killNow();
    this.postgres.killNow();
  }
}
