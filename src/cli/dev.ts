import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createLogger } from '../log';
import { readOptions } from '../options';
import { projectRoot } from '../project-root';
import { startGitHubDouble } from '../sandbox/github/github-double';
import { loadScenarioFile } from '../sandbox/github/scenario';
import { startKubernetesDouble } from '../sandbox/kubernetes/server';
import { startDevServer } from '../temporal/dev-server';
import { runWorker } from '../worker/run-worker';

/**
 * Where the demo keeps its state: `<project>/.data`, or the directory named by the environment variable
 * STATUS_RECONCILER_DATA_DIR (tests use a temporary one, so they never touch a developer's running demo).
 * It holds `demo/` (the watched config, the sandbox's App key, the kubeconfig), `temporal.db` and
 * `temporal.log`; `demo-change` reads the same variable.
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

/**
 * `npm start`: the Temporal dev server with its Web UI (runs kept in .data/temporal.db), the local GitHub and
 * Kubernetes sandboxes when no real credentials are given, and a worker reconciling the example config.
 * Extra flags are passed to the worker. Ctrl-C stops everything.
 */
export async function runDev(argv: string[]): Promise<number> {
  const log = createLogger({ component: 'dev' });
  if (!existsSync(demoConfigDir)) {
    mkdirSync(demoDir, { recursive: true });
    cpSync(path.join(projectRoot, 'examples', 'config'), demoConfigDir, { recursive: true });
  }
  const cleanups: (() => Promise<void>)[] = [];
  const flags = [
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
  let uiUrl = process.env.TEMPORAL_ADDRESS ? undefined : `http://127.0.0.1:${ports.ui}`;
  try {
    if (process.env.TEMPORAL_ADDRESS) {
      flags.push(`--temporal-address=${process.env.TEMPORAL_ADDRESS}`);
    } else {
      const server = await startDevServer({
        headless: false,
        port: ports.temporal,
        uiPort: ports.ui,
        dbFile: path.join(dataDir, 'temporal.db'),
        logFile: path.join(dataDir, 'temporal.log'),
        uiCodecEndpoint: `http://127.0.0.1:${ports.codec}`,
      });
      cleanups.push(() => server.stop());
      flags.push(`--temporal-address=${server.address}`);
      uiUrl = server.uiUrl;
    }
    let githubUrl = 'the GitHub API given by your flags';
    if (!hasGitHubCredentials(argv)) {
      const github = await startGitHubDouble({
        port: ports.github,
        scenario: loadScenarioFile(path.join(projectRoot, 'examples', 'github-scenario.yaml')),
        logger: log.child({ component: 'github-sandbox' }),
      });
      cleanups.push(() => github.close());
      const keyFile = path.join(demoDir, 'github-app.pem');
      writeFileSync(keyFile, github.app.privateKeyPem, { mode: 0o600 });
      flags.push(
        `--github-endpoint=${github.url}`,
        `--github-app-id=${github.app.appId}`,
        `--github-app-private-key-path=${keyFile}`,
      );
      githubUrl = `${github.url} (state: ${github.url}/_sandbox/state)`;
    }
    if (!argv.some((a) => /^--?kubeconfig/.test(a))) {
      const kube = await startKubernetesDouble({ port: ports.kubernetes, namespace: 'prow' });
      cleanups.push(() => kube.close());
      flags.push(`--kubeconfig=${kube.writeKubeconfig(path.join(demoDir, 'kubeconfig'))}`);
    }
    const options = readOptions([...flags, ...argv]);
    process.stdout.write(
      [
        '',
        'status-reconciler demo is up:',
        `  Temporal Web UI   ${uiUrl ?? '(existing server)'}`,
        `  codec server      ${options.codecServer ? `http://${options.codecServer.host}:${options.codecServer.port}` : 'off'} (the Web UI's codec endpoint)`,
        `  GitHub sandbox    ${githubUrl}`,
        `  health            http://${options.healthAddress}:${options.healthPort}/healthz`,
        `  metrics           http://${options.metricsAddress}:${options.metricsPort}/metrics`,
        `  SDK metrics       ${options.temporalMetricsPort ? `http://${options.temporalMetricsAddress}:${options.temporalMetricsPort}/metrics` : 'off'}`,
        `  watched config    ${demoConfigDir}`,
        '  apply a change    node dist/src/cli/main.js demo-change rename-retire-add',
        'Ctrl-C stops everything.',
        '',
      ].join('\n'),
    );
    return await runWorker(options, log.child({ component: 'worker' }));
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
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
