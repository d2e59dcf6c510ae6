import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { projectRoot } from '../../src/project-root';
import { createLogger } from '../../src/log';
import { readOptions } from '../../src/options';
import { startGitHubDouble } from '../../sandbox/github/github-double';
import { loadScenarioFile } from '../../sandbox/github/scenario';
import { startKubernetesDouble } from '../../sandbox/kubernetes/server';
import { controllerStatus, waitForController } from '../../src/temporal/controller-client';
import { freeLoopbackPort } from '../../src/temporal/dev-server';
import { reconcilerDataConverter } from '../../src/temporal/payload-codec';
import { LocalCluster } from './cluster';
import { clusterWorkerFlags, waitReady, WorkerProcesses } from './workers';

const usage = `npm run cluster -- [--workers N] [--check] [--keep]

docker-compose.yml without containers: PostgreSQL, the Temporal server 1.29.1 on it (compose's settings,
namespace and search attributes), the GitHub and Kubernetes sandboxes, and N \`status-reconciler worker\`
processes with compose's worker flags on the example config. Ctrl-C tears everything down.

  --workers N   worker processes (default 2, as compose)
  --check       bring everything up, apply examples/changes/rename-retire-add, wait for the run, print its
                counts, tear everything down; exit 0 when the change was reconciled
  --keep        keep the temp dir (database, logs) after tear-down
`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      workers: { type: 'string', default: '2' },
      check: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const workerCount = Number(values.workers);
  if (!Number.isInteger(workerCount) || workerCount < 1)
    throw new Error(`--workers: want a positive integer, not ${values.workers}`);

  const started = Date.now();
  const cleanups: (() => Promise<void>)[] = [];
  let stopping: Promise<void> | undefined;
  const tearDown = (): Promise<void> =>
    (stopping ??= (async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    })());
  // `on`, not `once`: while this listener is registered, kill-on-exit leaves the signal to it.
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => {
      process.stderr.write(`cluster: ${signal}: tearing down\n`);
      void tearDown().then(() => process.exit(0));
    });

  try {
    const cluster = await LocalCluster.start({ keep: values.keep });
    cleanups.push(() => cluster.stop());
    const dir = path.join(cluster.dir, 'workers');
    mkdirSync(dir, { recursive: true });
    const configDir = path.join(cluster.dir, 'config');
    cpSync(path.join(projectRoot, 'examples', 'config'), configDir, { recursive: true });

    const github = await startGitHubDouble({
      scenario: loadScenarioFile(path.join(projectRoot, 'examples', 'github-scenario.yaml')),
      logger: createLogger({ component: 'github-sandbox' }),
    });
    cleanups.push(() => github.close());
    const keyFile = path.join(dir, 'github-app.pem');
    writeFileSync(keyFile, github.app.privateKeyPem, { mode: 0o600 });
    const kubernetes = await startKubernetesDouble({ namespace: 'prow' });
    cleanups.push(() => kubernetes.close());
    const kubeconfig = kubernetes.writeKubeconfig(path.join(dir, 'kubeconfig'));

    const workers = new WorkerProcesses(dir);
    cleanups.push(() => workers.stopAll());
    const environment = {
      configDir,
      temporalAddress: cluster.address,
      githubUrl: github.url,
      githubAppId: github.app.appId,
      githubPrivateKeyPath: keyFile,
      kubeconfigPath: kubeconfig,
    };
    const healthPorts: number[] = [];
    for (let i = 1; i <= workerCount; i++) {
      const ports = {
        health: await freeLoopbackPort(),
        metrics: await freeLoopbackPort(),
        temporalMetrics: await freeLoopbackPort(),
      };
      healthPorts.push(ports.health);
      workers.start(`worker-${i}`, clusterWorkerFlags({ ...environment, ports }));
    }
    await Promise.all(healthPorts.map((port) => waitReady(port)));

    const options = readOptions(clusterWorkerFlags(environment));
    const connection = await Connection.connect({ address: cluster.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, dataConverter: reconcilerDataConverter() });
    // The workers' config watchers take the baseline on their own, as in compose.
    await waitForController(client, options.instance, (v) => v.lastReconciled !== undefined, {
      timeoutMs: 120_000,
      everyMs: 500,
    });
    process.stdout.write(
      [
        '',
        `local production cluster is up (${((Date.now() - started) / 1000).toFixed(0)} s; ${JSON.stringify(cluster.timings)}):`,
        `  Temporal frontend   ${cluster.address}   (node dist/src/cli/main.js status --temporal-address=${cluster.address})`,
        `  PostgreSQL          ${cluster.postgres.address}   user temporal, databases temporal, temporal_visibility`,
        `  GitHub sandbox      ${github.url}/_sandbox/state`,
        ...healthPorts.map((port, i) => `  worker-${i + 1}            http://127.0.0.1:${port}/healthz`),
        `  watched config      ${configDir}`,
        `  logs                ${cluster.dir}`,
        '',
      ].join('\n'),
    );

    if (!values.check) {
      process.stdout.write('Ctrl-C tears everything down.\n');
      await new Promise<never>(() => undefined);
    }

    const before = await controllerStatus(client, options.instance);
    cpSync(path.join(projectRoot, 'examples', 'changes', 'rename-retire-add'), path.join(configDir, 'jobs'), {
      recursive: true,
    });
    const view = await waitForController(
      client,
      options.instance,
      (v) => !v.running && !v.pending && v.recent[0] !== undefined && v.recent[0].at !== before.recent[0]?.at,
      { timeoutMs: 180_000, everyMs: 500 },
    );
    const run = view.recent[0];
    process.stdout.write(
      `check: example change ${run?.outcome} (${JSON.stringify(run)}); ProwJobs ${kubernetes.prowJobs().length}, ` +
        `status writes ${github.requests.count('repos/create-commit-status', 201)}\n`,
    );
    return run?.outcome === 'reconciled' ? 0 : 1;
  } finally {
    await tearDown();
    process.stderr.write('cluster: everything stopped\n');
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`cluster: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
