import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../src/project-root';
import { configFixture } from '../support/reconciler-harness';
import { cli } from '../support/worker-process';

/**
 * Commands load only what they use: the offline ones (check-config, diff, help) never load the Temporal SDK,
 * Octokit or the Kubernetes client — about a second of a check-config run before (bench numbers in the
 * README's "Operator commands").
 */
const preload = path.join(projectRoot, 'test', 'support', 'report-loaded-packages.js');

async function loadedPackages(args: string[]): Promise<string[]> {
  const result = await promisify(execFile)(process.execPath, ['-r', preload, cli, ...args]).catch(
    (err: { stderr: string }) => err,
  );
  const line = result.stderr.split('\n').find((l) => l.startsWith('loaded-packages:'));
  if (line === undefined) throw new Error(`no loaded-packages line:\n${result.stderr}`);
  return line.slice('loaded-packages:'.length).trim().split(' ').filter(Boolean);
}

const heavy = /^(@temporalio\/|@kubernetes\/|@octokit\/|@grpc\/|prom-client$|webpack$)/;

describe('commands import only what they use', () => {
  const config = configFixture();
  afterAll(() => config.remove());

  it.each([
    ['check-config', () => ['check-config', ...config.argv]],
    ['check-config -o yaml', () => ['check-config', '-o', 'yaml', ...config.argv]],
    [
      'diff',
      () => [
        'diff',
        `--before-config-path=${path.join(config.dir, 'prow', 'config.yaml')}`,
        `--before-job-config-path=${path.join(config.dir, 'jobs')}`,
        `--after-config-path=${path.join(config.dir, 'prow', 'config.yaml')}`,
        `--after-job-config-path=${path.join(config.dir, 'jobs')}`,
      ],
    ],
    ['worker --help', () => ['worker', '--help']],
    ['help', () => ['help']],
  ])('%s loads no Temporal, GitHub or Kubernetes library', async (_name, args) => {
    const loaded = await loadedPackages(args());
    expect(loaded.filter((p) => heavy.test(p))).toEqual([]);
  });

  it('the yaml package only for -o yaml', async () => {
    expect(await loadedPackages(['check-config', ...config.argv])).not.toContain('yaml');
    expect(await loadedPackages(['check-config', '-o', 'yaml', ...config.argv])).toContain('yaml');
  });

  it('status loads the Temporal client, not the worker, Octokit or Kubernetes', async () => {
    // No server at this address: the command fails, but only after loading what it needs.
    const loaded = await loadedPackages(['status', '--temporal-address=127.0.0.1:1']);
    expect(loaded).toContain('@temporalio/client');
    expect(loaded.filter((p) => /^(@temporalio\/worker|@octokit\/|@kubernetes\/)/.test(p))).toEqual([]);
  });
});
