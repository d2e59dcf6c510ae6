import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createProwJobClientFromFlags } from '../../../src/kubernetes/client';
import { buildPresubmitProwJob } from '../../../src/kubernetes/prowjob';
import { parseKubernetesDoubleArgs, runKubernetesDouble } from '../../../sandbox/kubernetes/main';
import { silentLogger } from '../../../src/log';
import { prowJobInput } from '../../kubernetes/presubmit-fixture';

describe('kubernetes double command', () => {
  it.each([
    [[], { port: 0, namespaces: ['prow'] }],
    [['--port=8443', '--namespace', 'prow', '--namespace=ci'], { port: 8443, namespaces: ['prow', 'ci'] }],
    [['-port', '0'], { port: 0, namespaces: ['prow'] }],
  ])('parses %j', (argv, expected) => {
    expect(parseKubernetesDoubleArgs(argv)).toMatchObject(expected);
  });

  it.each([
    [['--port=http'], /--port must be an integer 0\.\.65535, got "http"/],
    [['--port'], /--port needs a value/],
    [['--colour=blue'], /unknown flag --colour \(known: --port, --namespace, --kubeconfig-out\)/],
    [['stray'], /unexpected argument "stray"/],
  ])('rejects %j clearly', (argv, message) => {
    expect(() => parseKubernetesDoubleArgs(argv)).toThrow(message);
  });

  it('starts, writes a private kubeconfig that the client uses, and reports both as one JSON line', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'k8s-double-main-'));
    const lines: string[] = [];
    const out = path.join(dir, 'nested', 'kubeconfig');
    const argv = ['--kubeconfig-out', out, '--namespace', 'ci'];
    const double = await runKubernetesDouble(argv, (l) => lines.push(l), silentLogger);
    try {
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0] ?? '')).toEqual({ url: double.url, namespaces: ['ci'], kubeconfig: out });
      expect(statSync(out).mode & 0o777).toBe(0o600);
      expect(readFileSync(out, 'utf8')).toContain('namespace: ci');
      const client = createProwJobClientFromFlags(
        { kubeconfig: out, noInClusterConfig: true },
        { namespace: 'ci' },
      );
      const job = buildPresubmitProwJob(prowJobInput({ name: 'from-main', namespace: 'ci' }));
      await expect(client.create(job)).resolves.toBe('created');
      expect(double.prowJobs('ci')).toHaveLength(1);
    } finally {
      await double.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
