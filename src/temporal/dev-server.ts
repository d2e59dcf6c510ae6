import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { projectRoot } from '../project-root';
import { searchAttributeFlags } from '../../workflows/search-attributes';

export interface DevServerOptions {
  /** Without the Web UI (tests, CI). */
  headless: boolean;
  /** SQLite file that keeps runs across restarts; in memory when absent. */
  dbFile?: string;
  /** Frontend gRPC port; a free loopback port when absent. */
  port?: number;
  uiPort?: number;
  /** The Web UI's codec endpoint (`--ui-codec-endpoint`): the worker's codec server, which decodes payloads. */
  uiCodecEndpoint?: string;
  /** Where the server's own log goes. */
  logFile: string;
  readyTimeoutMs?: number;
  /** Register the reconciler's search attributes at start (default); false: a bare namespace, as in tests. */
  searchAttributes?: boolean;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  pid: number;
  stop(): Promise<void>;
}

/** The Temporal CLI: TEMPORAL_CLI, else the one scripts/install-temporal-cli.sh built. */
export function temporalCliPath(): string {
  const cli = process.env.TEMPORAL_CLI ?? path.join(projectRoot, '.tools', 'bin', 'temporal');
  if (!existsSync(cli)) {
    throw new Error(
      `Temporal CLI not found at ${cli}. Run \`npm run temporal:install\` (needs Go 1.25+), ` +
        'or set TEMPORAL_CLI to a temporal binary, or TEMPORAL_ADDRESS to a running server.',
    );
  }
  return cli;
}

export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts `temporal server start-dev` on loopback and resolves once its frontend answers health checks. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const cli = temporalCliPath();
  const port = options.port ?? (await freeLoopbackPort());
  const address = `127.0.0.1:${port}`;
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--namespace',
    'default',
    '--log-level',
    'warn',
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecution=true',
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
    ...(options.searchAttributes === false ? [] : searchAttributeFlags()).flatMap((flag) => [
      '--search-attribute',
      flag,
    ]),
  ];
  if (options.headless) args.push('--headless');
  else {
    args.push('--ui-ip', '127.0.0.1', '--ui-port', String(options.uiPort ?? 8233));
    if (options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  }
  if (options.dbFile) {
    mkdirSync(path.dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  const log = createWriteStream(options.logFile, { flags: 'w' });
  const child: ChildProcess = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
  });

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await done;
    clearTimeout(timer);
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 90_000);
  while (Date.now() < deadline) {
    if (exited) break;
    if (await isServing(cli, address)) {
      return {
        address,
        uiUrl: options.headless ? undefined : `http://127.0.0.1:${options.uiPort ?? 8233}`,
        pid: child.pid ?? -1,
        stop,
      };
    }
    await delay(250);
  }
  await stop();
  const serverLog = existsSync(options.logFile) ? readFileSync(options.logFile, 'utf8') : '';
  throw new Error(
    `Temporal dev server at ${address} did not become ready (${exited ?? 'timed out'}). Its log (${options.logFile}):\n${serverLog}`,
  );
}

/** `temporal operator cluster health` answers SERVING. */
export function isServing(cli: string, address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = spawn(cli, ['operator', 'cluster', 'health', '--address', address], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    probe.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    probe.on('error', () => resolve(false));
    probe.on('exit', (code) => resolve(code === 0 && out.includes('SERVING')));
  });
}
