import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/project-root';
import type { ReconcilerHarness } from './reconciler-harness';
import { temporalAddress } from './reconciler-harness';

/** The compiled `status-reconciler` command (Jest's global setup builds it). */
export const cli = path.join(projectRoot, 'dist', 'src', 'cli', 'main.js');

/** The compiled local demo (`npm start`'s entry point, sandbox/demo/main.ts; not part of the production CLI). */
export const demoCli = path.join(projectRoot, 'dist', 'sandbox', 'demo', 'main.js');

/** Flags for a `status-reconciler worker` process on the harness's task queue, GitHub and Kubernetes doubles. */
export function workerProcessArgs(harness: ReconcilerHarness, dir: string, extra: string[] = []): string[] {
  const key = path.join(dir, 'app.pem');
  writeFileSync(key, harness.github.app.privateKeyPem, { mode: 0o600 });
  return [
    `--config-path=${harness.options.config.configPath}`,
    `--job-config-path=${harness.options.config.jobConfigPath}`,
    `--plugin-config=${harness.options.config.pluginConfigPath}`,
    `--temporal-address=${temporalAddress()}`,
    `--temporal-task-queue=${harness.options.temporal.taskQueue}`,
    `--instance=${harness.options.instance}`,
    // The harness's run-shaping flags, so the process's deployment settings agree with the harness's.
    '--dry-run=false',
    '--retry-blocked-after=0',
    `--github-endpoint=${harness.github.url}`,
    `--github-app-id=${harness.github.app.appId}`,
    `--github-app-private-key-path=${key}`,
    `--kubeconfig=${harness.kubernetes.writeKubeconfig(path.join(dir, 'kubeconfig'))}`,
    '--temporal-metrics-port=0',
    '--health-port=0',
    '--metrics-port=0',
    ...extra,
  ];
}

/** Starts a worker process; its log is printed if it fails. */
export function startWorkerProcess(args: string[]): ChildProcess {
  const child = spawn(process.execPath, [cli, 'worker', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-20_000)));
  child.on('exit', (code, signal) => {
    if (code) process.stderr.write(`worker process exited ${code ?? signal}:\n${log}\n`);
  });
  return child;
}
