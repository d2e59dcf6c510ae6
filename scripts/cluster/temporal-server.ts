import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { projectRoot } from '../../src/project-root';
import { isServing } from '../../src/temporal/dev-server';

const run = promisify(execFile);

/** The server docker-compose.yml runs (temporalio/auto-setup:1.29.1); scripts/build-temporal-server.sh builds it. */
export const temporalServerVersion = '1.29.1';

/**
 * Values docker-compose.yml's `temporal` service gets from the auto-setup image's config template
 * (config/docker.yaml of the server) for the environment compose sets: the postgres12 plugin for both the
 * default and the visibility store, four history shards (NUM_HISTORY_SHARDS' default), the template's
 * connection pools, and the dynamic config file compose mounts (deploy/temporal/dynamicconfig), polled every
 * 60 s. test/cluster/cluster-settings.test.ts compares them with docker-compose.yml.
 */
export const composeServerSettings = {
  plugin: 'postgres12',
  database: 'temporal',
  visibilityDatabase: 'temporal_visibility',
  user: 'temporal',
  password: 'temporal',
  numHistoryShards: 4,
  pools: {
    default: { maxConns: 20, maxIdleConns: 20, maxConnLifetime: '1h' },
    visibility: { maxConns: 10, maxIdleConns: 10, maxConnLifetime: '1h' },
  },
  dynamicConfigFile: path.join(projectRoot, 'deploy', 'temporal', 'dynamicconfig', 'status-reconciler.yaml'),
  dynamicConfigPollInterval: '60s',
  /** auto-setup's DEFAULT_NAMESPACE and DEFAULT_NAMESPACE_RETENTION. */
  namespace: 'default',
  namespaceRetention: '24h',
} as const;

export const temporalServerServices = ['frontend', 'history', 'matching', 'worker'] as const;
export type ServicePorts = Record<
  (typeof temporalServerServices)[number],
  { grpc: number; membership: number }
>;

export interface TemporalBinaries {
  server: string;
  sqlTool: string;
  /** The Temporal CLI (operator commands, health probe). */
  cli: string;
}

/** The binaries scripts/build-temporal-server.sh builds (or TEMPORAL_SERVER / TEMPORAL_SQL_TOOL), and the CLI. */
export function temporalBinaries(): TemporalBinaries {
  const bin = path.join(projectRoot, '.tools', 'bin');
  const found = {
    server: process.env.TEMPORAL_SERVER ?? path.join(bin, 'temporal-server'),
    sqlTool: process.env.TEMPORAL_SQL_TOOL ?? path.join(bin, 'temporal-sql-tool'),
    cli: process.env.TEMPORAL_CLI ?? path.join(bin, 'temporal'),
  };
  for (const [name, file] of Object.entries(found))
    if (!existsSync(file))
      throw new Error(
        `${name} not found at ${file}: run \`bash scripts/build-temporal-server.sh\` (server, SQL tool) ` +
          'and `npm run temporal:install` (CLI), or set TEMPORAL_SERVER, TEMPORAL_SQL_TOOL, TEMPORAL_CLI',
      );
  return found;
}

/** Where `go install` left the server module's SQL schemas (the module cache), or TEMPORAL_SCHEMA_DIR. */
export async function schemaDir(): Promise<string> {
  if (process.env.TEMPORAL_SCHEMA_DIR) return process.env.TEMPORAL_SCHEMA_DIR;
  const { stdout } = await run('go', ['env', 'GOMODCACHE']);
  const dir = path.join(stdout.trim(), `go.temporal.io/server@v${temporalServerVersion}`, 'schema');
  if (!existsSync(dir))
    throw new Error(`the server's schema is not at ${dir}: run \`bash scripts/build-temporal-server.sh\``);
  return dir;
}

export interface DatabaseEndpoint {
  host: string;
  port: number;
}

/**
 * What auto-setup does for `DB=postgres12` (setup_postgres_schema): create each database, set its schema up
 * at version 0.0 and apply the versioned updates shipped with the server.
 */
export async function setupSchemas(binaries: TemporalBinaries, db: DatabaseEndpoint): Promise<void> {
  const schemas = await schemaDir();
  const s = composeServerSettings;
  for (const [database, schema] of [
    [s.database, 'temporal'],
    [s.visibilityDatabase, 'visibility'],
  ] as const) {
    const tool = (args: string[]) =>
      run(
        binaries.sqlTool,
        [
          '--plugin',
          s.plugin,
          '--ep',
          db.host,
          '--port',
          String(db.port),
          '--user',
          s.user,
          '--password',
          s.password,
          '--db',
          database,
          ...args,
        ],
        { maxBuffer: 16 * 1024 * 1024 },
      );
    await tool(['create-database']);
    await tool(['setup-schema', '-v', '0.0']);
    await tool(['update-schema', '-d', path.join(schemas, 'postgresql', 'v12', schema, 'versioned')]);
  }
}

/** The server config (config/<env>.yaml): compose's values, loopback ports. */
export function serverConfigYaml(db: DatabaseEndpoint, ports: ServicePorts): string {
  const s = composeServerSettings;
  const store = (
    database: string,
    pool: { maxConns: number; maxIdleConns: number; maxConnLifetime: string },
  ) =>
    [
      '      sql:',
      `        pluginName: ${s.plugin}`,
      `        databaseName: ${database}`,
      `        connectAddr: "${db.host}:${db.port}"`,
      '        connectProtocol: tcp',
      `        user: ${s.user}`,
      `        password: ${s.password}`,
      `        maxConns: ${pool.maxConns}`,
      `        maxIdleConns: ${pool.maxIdleConns}`,
      `        maxConnLifetime: ${pool.maxConnLifetime}`,
    ].join('\n');
  const services = temporalServerServices
    .map((name) =>
      [
        `  ${name}:`,
        '    rpc:',
        `      grpcPort: ${ports[name].grpc}`,
        `      membershipPort: ${ports[name].membership}`,
        '      bindOnIP: 127.0.0.1',
      ].join('\n'),
    )
    .join('\n');
  return `# Written by scripts/cluster/temporal-server.ts: docker-compose.yml's server on loopback ports.
log:
  stdout: true
  level: info
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: ${s.numHistoryShards}
  datastores:
    default:
${store(s.database, s.pools.default)}
    visibility:
${store(s.visibilityDatabase, s.pools.visibility)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
  pprof:
    port: 0
services:
${services}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "127.0.0.1:${ports.frontend.grpc}"
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: "${s.dynamicConfigFile}"
  pollInterval: ${s.dynamicConfigPollInterval}
`;
}

/** The Temporal server as one process running all four services, as the temporalio/server image does. */
export class TemporalServerProcess {
  private child?: ChildProcess;
  private exited?: string;
  readonly logFile: string;
  readonly configDir: string;
  /** How many times the process was started (restarts + 1). */
  starts = 0;

  constructor(
    readonly binaries: TemporalBinaries,
    readonly dir: string,
    db: DatabaseEndpoint,
    readonly ports: ServicePorts,
  ) {
    this.configDir = path.join(dir, 'config');
    mkdirSync(this.configDir, { recursive: true });
    writeFileSync(path.join(this.configDir, 'cluster.yaml'), serverConfigYaml(db, ports));
    this.logFile = path.join(dir, 'temporal-server.log');
  }

  get address(): string {
    return `127.0.0.1:${this.ports.frontend.grpc}`;
  }

  get pid(): number | undefined {
    return this.child && this.child.exitCode === null && this.child.signalCode === null
      ? this.child.pid
      : undefined;
  }

  /** Starts the server and waits until its frontend serves. */
  async start(readyTimeoutMs = 120_000): Promise<void> {
    if (this.pid) throw new Error('the Temporal server is already running');
    this.starts++;
    const log = createWriteStream(this.logFile, { flags: 'a' });
    this.exited = undefined;
    const child = spawn(
      this.binaries.server,
      ['--root', this.dir, '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    child.once('exit', (code, signal) => (this.exited = `exited with ${signal ?? code}`));
    const deadline = Date.now() + readyTimeoutMs;
    while (Date.now() < deadline && !this.exited) {
      if (await isServing(this.binaries.cli, this.address)) return;
      await delay(500);
    }
    const why = this.exited ?? 'timed out';
    await this.kill();
    throw new Error(
      `the Temporal server at ${this.address} did not serve (${why}); its log is ${this.logFile}:\n` +
        readFileSync(this.logFile, 'utf8').slice(-4000),
    );
  }

  /** SIGKILL: the server dies without a chance to hand its shards over or flush anything. */
  async kill(): Promise<void> {
    await this.stopWith('SIGKILL');
  }

  /** SIGTERM, as `docker compose stop` sends it; SIGKILL after 30 s. */
  async stop(): Promise<void> {
    await this.stopWith('SIGTERM');
  }

  private async stopWith(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await gone;
    clearTimeout(timer);
  }

  /** Last resort for an exit handler. */
  killNow(): void {
    if (this.pid) this.child?.kill('SIGKILL');
  }
}
