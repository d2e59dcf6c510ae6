import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startGitHubDouble, type GitHubDouble } from '../../sandbox/github';
import { createLogger } from '../../src/log';
import { controllerStatus } from '../../src/temporal/controller-client';
import { checkNamespace } from '../../src/worker/namespace-check';
import { freeLoopbackPort, startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { searchAttributeFlags } from '../../workflows/search-attributes';
import { smallScenario } from '../sandbox/github/small-scenario';
import { configFixture, temporalAddress } from '../support/reconciler-harness';
import { cli } from '../support/worker-process';

/**
 * The worker's start-up checks, as a process: on a Temporal namespace without the reconciler's search
 * attributes it registers them (and its runs then work) or, with --register-search-attributes=false, exits
 * within 30 s naming the exact `temporal operator` commands; a missing namespace and a port in use are
 * named the same way, with the flag to change.
 */
const config = configFixture();
let bare: DevServer;
let github: GitHubDouble;
const tokenFile = path.join(config.dir, 'github-token');

beforeAll(async () => {
  // A second dev server whose namespace has none of the search attributes (the shared one registers them).
  bare = await startDevServer({
    headless: true,
    searchAttributes: false,
    logFile: path.join(config.dir, 'temporal.log'),
  });
  github = await startGitHubDouble({ scenario: smallScenario });
  writeFileSync(tokenFile, github.issueToken(), { mode: 0o600 });
}, 120_000);
afterAll(async () => {
  await bare?.stop();
  await github?.close();
  config.remove();
});

const workerArgs = (address: string, extra: string[]): string[] => [
  'worker',
  ...config.argv,
  `--temporal-address=${address}`,
  `--github-endpoint=${github.url}`,
  `--github-token-path=${tokenFile}`,
  '--instance=startup-checks',
  '--health-port=0',
  '--metrics-port=0',
  '--temporal-metrics-port=0',
  ...extra,
];

interface WorkerRun {
  /** Resolves when the process exits: its code, its log (stderr, JSON lines) and how long it ran. */
  done: Promise<{ code: number | null; log: string; ms: number }>;
  stop(): void;
}

/** Starts a worker process; it is stopped (SIGTERM) once `until` matches its log, or killed after the timeout. */
function startWorker(args: string[], until?: RegExp, timeoutMs = 60_000): WorkerRun {
  const started = Date.now();
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  child.stderr?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
    if (until?.test(log)) child.kill('SIGTERM');
  });
  return {
    done: new Promise((resolve) =>
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, log, ms: Date.now() - started });
      }),
    ),
    stop: () => child.kill('SIGTERM'),
  };
}

/** The JSON log line of a worker that could not start. */
function cannotStart(log: string): { level?: string; msg?: string; fix?: string } {
  const line = log.split('\n').find((l) => l.includes('worker cannot start'));
  if (!line) throw new Error(`no "worker cannot start" line in the log:\n${log}`);
  return JSON.parse(line);
}

const createCommands = searchAttributeFlags().map((flag) => {
  const [name, type] = flag.split('=');
  return `temporal operator search-attribute create --namespace default --name ${name} --type ${type}`;
});

async function listed(address: string): Promise<string[]> {
  const connection = await Connection.connect({ address });
  try {
    const response = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    return Object.keys(response.customAttributes ?? {});
  } finally {
    await connection.close();
  }
}

describe('a namespace without the search attributes', () => {
  it('--register-search-attributes=false: exits 1 within 30 s, naming the command for each attribute', async () => {
    const result = await startWorker(workerArgs(bare.address, ['--register-search-attributes=false'])).done;
    expect(result.code).toBe(1);
    expect(result.ms).toBeLessThan(30_000);
    const line = cannotStart(result.log);
    expect(line).toMatchObject({
      level: 'error',
      msg: expect.stringContaining('lacks the search attributes'),
    });
    for (const command of createCommands) expect(line.fix).toContain(`\`${command}\``);
    expect(await listed(bare.address)).toEqual([]);
  });

  it('by default: registers them, and the controller then runs (no BadSearchAttributes)', async () => {
    const first = await startWorker(workerArgs(bare.address, []), /"msg":"worker running"/).done;
    expect(first.log).toContain('"msg":"registered search attributes"');
    expect((await listed(bare.address)).sort()).toEqual(
      searchAttributeFlags()
        .map((f) => f.split('=')[0])
        .sort(),
    );

    // The next worker finds them registered, and its controller takes the baseline.
    const second = startWorker(workerArgs(bare.address, ['--config-poll-interval=500ms']), undefined, 90_000);
    const connection = await Connection.connect({ address: bare.address });
    const client = new Client({ connection, namespace: 'default' });
    let baselineTaken = false;
    try {
      const deadline = Date.now() + 60_000;
      while (!baselineTaken && Date.now() < deadline) {
        baselineTaken = await controllerStatus(client, 'startup-checks').then(
          (v) => v.lastReconciled !== undefined,
          () => false,
        );
        if (!baselineTaken) await new Promise((r) => setTimeout(r, 500));
      }
    } finally {
      second.stop();
      await connection.close();
    }
    const { log } = await second.done;
    expect(log).not.toContain('registered search attributes');
    expect(log).not.toContain('BadSearchAttributes');
    expect(baselineTaken).toBe(true);
  }, 150_000);
});

describe('other start-up failures name the fix', () => {
  let taken: Server;
  let takenPort: number;
  beforeAll(async () => {
    takenPort = await freeLoopbackPort();
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(takenPort, '0.0.0.0', resolve));
  });
  afterAll(() => new Promise((resolve) => taken.close(resolve)));

  it.each([
    [
      'a namespace that does not exist',
      ['--temporal-namespace=no-such-namespace'],
      'Temporal namespace "no-such-namespace" does not exist',
      'temporal operator namespace create --namespace no-such-namespace',
    ],
    [
      'the health port in use',
      ['--health-port=PORT'],
      'the health address 0.0.0.0:PORT is already in use',
      'choose another port with --health-port',
    ],
    [
      'the metrics port in use',
      ['--metrics-port=PORT'],
      'the metrics address 0.0.0.0:PORT is already in use',
      'choose another port with --metrics-port',
    ],
    [
      "the Temporal SDK's metrics port in use",
      ['--temporal-metrics-port=PORT'],
      'the Temporal SDK metrics address 0.0.0.0:PORT is already in use',
      'choose another port with --temporal-metrics-port',
    ],
    [
      'a health address not on this host',
      ['--health-address=192.0.2.1'],
      'the health address 192.0.2.1:0 cannot be bound (EADDRNOTAVAIL)',
      'set --health-address to an address of this host',
    ],
  ])('%s: exit 1 with the fix', async (_name, extra, message, fix) => {
    const port = (text: string): string => text.replace('PORT', String(takenPort));
    const result = await startWorker(workerArgs(temporalAddress(), extra.map(port))).done;
    expect(result.code).toBe(1);
    const line = cannotStart(result.log);
    expect(line.msg).toContain(port(message));
    expect(line.fix).toContain(fix);
  });

  it('--health-address and --metrics-address: the worker binds there and says so', async () => {
    const result = await startWorker(
      workerArgs(temporalAddress(), ['--health-address=127.0.0.1', '--metrics-address=127.0.0.1']),
      /"msg":"worker running"/,
    ).done;
    const running = JSON.parse(result.log.split('\n').find((l) => l.includes('"worker running"')) ?? '{}');
    expect(running.health).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(running.metrics).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(running.temporalMetrics).toBe('off');
  });
});

describe('registration races', () => {
  // Replicas start together. The dev server accepts a repeated registration; servers that refuse it
  // (AlreadyExists) are handled by re-listing, which this server does not exercise.
  it('workers checking a bare namespace at once all pass the check', async () => {
    const server = await startDevServer({
      headless: true,
      searchAttributes: false,
      logFile: path.join(config.dir, 'temporal-race.log'),
    });
    const connection = await Connection.connect({ address: server.address });
    try {
      const client = new Client({ connection, namespace: 'default' });
      const messages: string[] = [];
      const log = createLogger({}, 'debug', (line) => messages.push(JSON.parse(line).msg));
      await Promise.all(
        Array.from({ length: 3 }, () =>
          checkNamespace(client, { namespace: 'default', register: true, log }),
        ),
      );
      expect((await listed(server.address)).sort()).toEqual(
        searchAttributeFlags()
          .map((f) => f.split('=')[0])
          .sort(),
      );
      expect(messages.length).toBeGreaterThanOrEqual(1);
    } finally {
      await connection.close();
      await server.stop();
    }
  }, 120_000);
});
