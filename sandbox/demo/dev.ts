import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createLogger, type Logger } from '../../src/log';
import { readOptions, type ProcessOptions } from '../../src/options';
import { projectRoot } from '../../src/project-root';
import { startDevServer } from '../../src/temporal/dev-server';
import { runWorker } from '../../src/worker/run-worker';
import { startGitHubDouble } from '../github/github-double';
import { loadScenarioFile } from '../github/scenario';
import { startKubernetesDouble } from '../kubernetes/server';

/**
 * Where the demo keeps its state: `<project>/.data`, or the directory named by the environment variable
 * STATUS_RECONCILER_DATA_DIR (tests use a temporary one, so they never touch a developer's running demo).
 * It holds `demo/` (the watched config, the sandbox's App key, the kubeconfig), `temporal.db` and
 * `temporal.log`; `change` (main.ts) reads the same variable.
 */
export const dataDir = process.env.STATUS_RECONCILER_DATA_DIR || path.join(projectRoot, '.data');
export const demoDir = path.join(dataDir, 'demo');
export const demoConfigDir = path.join(demoDir, 'config');

/** Ports of the local demo; each can be moved with an environment variable. */
const ports = {
  temporal: Number(process.env.TEMPORAL_PORT ?? 7233),
  ui: Number(process.env.TEMPORAL_UI_PORT ?? 8233),
  github: Number(process.env.GITHUB_SANDBOX_PORT ?? 8780),
  kubernetes: Number(process.env.KUBERNETES_SANDBOX_PORT ?? 8781),
  codec: Number(process.env.CODEC_SERVER_PORT ?? 8234),
};

const hasGitHubCredentials = (argv: string[]): boolean =>
  argv.some((a) => /^--?github-(token-path|app-id)/.test(a)) || Boolean(process.env.GITHUB_TOKEN);

/** One part of the demo once started: the worker flags that point at it, how to stop it, what to print. */
interface Started {
  flags: string[];
  stop?: () => Promise<void>;
  shown?: string;
}

/** The worker flags of the demo: the watched copy of the example config, loopback addresses, demo pacing. */
function demoWorkerFlags(): string[] {
  return [
    `--config-path=${path.join(demoConfigDir, 'prow', 'config.yaml')}`,
    `--job-config-path=${path.join(demoConfigDir, 'jobs')}`,
    `--plugin-config=${path.join(demoConfigDir, 'prow', 'plugins.yaml')}`,
    '--dry-run=false',
    '--continue-on-error=true',
    '--config-poll-interval=2s',
    '--retry-blocked-after=1m',
    // The example change retires 1 of the demo's 9 presubmits, which the default 10% would hold.
    '--blast-radius-max-removed-fraction=0.2',
    // A developer's machine: loopback only (a deployment's default, 0.0.0.0, is for Kubernetes' probes).
    '--health-address=127.0.0.1',
    '--metrics-address=127.0.0.1',
    '--temporal-metrics-address=127.0.0.1',
    // The worker serves the codec server the Web UI decodes payloads with; the demo's configs are small, so it
    // compresses from 512 bytes on, to show runs' inputs and results decoded by it (production: 16 KB).
    `--codec-server-address=127.0.0.1:${ports.codec}`,
    `--codec-server-cors-origin=http://127.0.0.1:${ports.ui}`,
    `--codec-server-cors-origin=http://localhost:${ports.ui}`,
    '--payload-compression-threshold=512',
  ];
}

/** The watched config: a copy of examples/config, made on the first start and kept after. */
function ensureDemoConfig(): void {
  if (existsSync(demoConfigDir)) return;
  mkdirSync(demoDir, { recursive: true });
  cpSync(path.join(projectRoot, 'examples', 'config'), demoConfigDir, { recursive: true });
}

/** The Temporal dev server with its Web UI (runs kept in .data/temporal.db), or the one TEMPORAL_ADDRESS names. */
async function startTemporal(): Promise<Started> {
  if (process.env.TEMPORAL_ADDRESS)
    return { flags: [`--temporal-address=${process.env.TEMPORAL_ADDRESS}`], shown: '(existing server)' };
  const server = await startDevServer({
    headless: false,
    port: ports.temporal,
    uiPort: ports.ui,
    dbFile: path.join(dataDir, 'temporal.db'),
    logFile: path.join(dataDir, 'temporal.log'),
    uiCodecEndpoint: `http://127.0.0.1:${ports.codec}`,
  });
  return { flags: [`--temporal-address=${server.address}`], stop: () => server.stop(), shown: server.uiUrl };
}

/** The GitHub sandbox seeded from examples/github-scenario.yaml, unless the flags give real credentials. */
async function startGitHubSandbox(argv: string[], log: Logger): Promise<Started> {
  if (hasGitHubCredentials(argv)) return { flags: [], shown: 'the GitHub API given by your flags' };
  const github = await startGitHubDouble({
    port: ports.github,
    scenario: loadScenarioFile(path.join(projectRoot, 'examples', 'github-scenario.yaml')),
    logger: log.child({ component: 'github-sandbox' }),
  });
  const keyFile = path.join(demoDir, 'github-app.pem');
  writeFileSync(keyFile, github.app.privateKeyPem, { mode: 0o600 });
  return {
    flags: [
      `--github-endpoint=${github.url}`,
      `--github-app-id=${github.app.appId}`,
      `--github-app-private-key-path=${keyFile}`,
    ],
    stop: () => github.close(),
    shown: `${github.url} (state: ${github.url}/_sandbox/state)`,
  };
}

/** The Kubernetes sandbox (namespace prow) and its kubeconfig, unless the flags name a kubeconfig. */
async function startKubernetesSandbox(argv: string[]): Promise<Started> {
  if (argv.some((a) => /^--?kubeconfig/.test(a))) return { flags: [] };
  const kube = await startKubernetesDouble({ port: ports.kubernetes, namespace: 'prow' });
  return {
    flags: [`--kubeconfig=${kube.writeKubeconfig(path.join(demoDir, 'kubeconfig'))}`],
    stop: () => kube.close(),
  };
}

function banner(options: ProcessOptions, temporalUi: string | undefined, github: string | undefined): string {
  const sdkMetrics = options.temporalMetricsPort
    ? `http://${options.temporalMetricsAddress}:${options.temporalMetricsPort}/metrics`
    : 'off';
  return [
    '',
    'status-reconciler demo is up:',
    `  Temporal Web UI   ${temporalUi ?? '(existing server)'}`,
    `  codec server      ${options.codecServer ? `http://${options.codecServer.host}:${options.codecServer.port}` : 'off'} (the Web UI's codec endpoint)`,
    `  GitHub sandbox    ${github ?? ''}`,
    `  health            http://${options.healthAddress}:${options.healthPort}/healthz`,
    `  metrics           http://${options.metricsAddress}:${options.metricsPort}/metrics`,
    `  SDK metrics       ${sdkMetrics}`,
    `  watched config    ${demoConfigDir}`,
    '  apply a change    node dist/sandbox/demo/main.js change rename-retire-add',
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}

/**
 * `npm start`: the Temporal dev server with its Web UI (runs kept in .data/temporal.db), the local GitHub and
 * Kubernetes sandboxes when no real credentials are given, and a worker reconciling the example config.
 * Extra flags are passed to the worker. Ctrl-C stops everything.
 */
export async function runDev(argv: string[]): Promise<number> {
  const log = createLogger({ component: 'dev' });
  ensureDemoConfig();
  const started: Started[] = [];
  try {
    const temporal = await startTemporal();
    started.push(temporal);
    const github = await startGitHubSandbox(argv, log);
    started.push(github);
    started.push(await startKubernetesSandbox(argv));
    const options = readOptions([...demoWorkerFlags(), ...started.flatMap((s) => s.flags), ...argv]);
    process.stdout.write(banner(options, temporal.shown, github.shown));
    return await runWorker(options, log.child({ component: 'worker' }));
  } finally {
    for (const part of started.reverse()) await part.stop?.().catch(() => undefined);
  }
}

/** Copies an example change from examples/changes/<name> over the running demo's job config. */
export function applyDemoChange(name: string): string {
  const change = path.join(projectRoot, 'examples', 'changes', name);
  if (!name || !existsSync(change)) throw new Error(`no example change "${name}" in examples/changes/`);
  if (!existsSync(demoConfigDir))
    throw new Error(`no demo config at ${demoConfigDir}: run \`npm start\` first`);
  cpSync(change, path.join(demoConfigDir, 'jobs'), { recursive: true });
  return `applied ${name} to ${path.join(demoConfigDir, 'jobs')}; the worker picks it up within seconds`;
}
