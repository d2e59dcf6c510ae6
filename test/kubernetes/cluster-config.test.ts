import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { createProwJobClient } from '../../src/kubernetes/client';
import { loadProwJobClusterConfig, type ClusterConfigEnvironment } from '../../src/kubernetes/cluster-config';
import { buildPresubmitProwJob } from '../../src/kubernetes/prowjob';
import { startKubernetesDouble } from '../../sandbox/kubernetes/server';
import { prowJobInput } from './presubmit-fixture';

/** A kubeconfig with one context per entry; the first is current unless `current` says otherwise. */
function kubeconfigText(
  contexts: { name: string; server: string; token?: string }[],
  current?: string,
): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: contexts.map((c) => ({
      name: c.name,
      cluster: { server: c.server, 'insecure-skip-tls-verify': true },
    })),
    users: contexts.map((c) => ({ name: c.name, user: { token: c.token ?? `token-${c.name}` } })),
    contexts: contexts.map((c) => ({ name: c.name, context: { cluster: c.name, user: c.name } })),
    ...(current === '' ? {} : { 'current-context': current ?? contexts[0]?.name }),
  });
}

describe('loadProwJobClusterConfig (Prow kube.LoadClusterConfigs, spec §16 flags)', () => {
  let dir: string;
  let noCluster: ClusterConfigEnvironment;

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cluster-config-'));
    noCluster = { env: {}, serviceAccountRoot: path.join(dir, 'no-sa'), home: path.join(dir, 'home') };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string): string => {
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    return file;
  };

  it('uses the current context of --kubeconfig', () => {
    const file = write(
      'kc',
      kubeconfigText(
        [
          { name: 'build', server: 'https://build:6443' },
          { name: 'prow', server: 'https://prow:6443' },
        ],
        'prow',
      ),
    );
    const config = loadProwJobClusterConfig({ kubeconfig: file }, noCluster);
    expect(config.getCurrentCluster()?.server).toBe('https://prow:6443');
    expect(config.getCurrentUser()?.token).toBe('token-prow');
  });

  it('reads --kubeconfig-dir files with the suffix, skipping "..*" entries and folders; the last file\'s context wins', () => {
    const kdir = path.join(dir, 'kubeconfigs');
    write('kubeconfigs/a-config.yaml', kubeconfigText([{ name: 'a', server: 'https://a' }]));
    write('kubeconfigs/b-config.yaml', kubeconfigText([{ name: 'b', server: 'https://b' }]));
    write('kubeconfigs/c-other.txt', kubeconfigText([{ name: 'c', server: 'https://c' }]));
    write('kubeconfigs/..data-config.yaml', kubeconfigText([{ name: 'hidden', server: 'https://hidden' }]));
    mkdirSync(path.join(kdir, 'sub-config.yaml'));
    const config = loadProwJobClusterConfig(
      { kubeconfigDir: kdir, kubeconfigSuffix: '-config.yaml' },
      noCluster,
    );
    expect(config.getCurrentCluster()?.server).toBe('https://b');
    expect(
      config
        .getContexts()
        .map((c) => c.name)
        .sort(),
    ).toEqual(['a', 'b']);
  });

  it("takes --kubeconfig before the directory files, so a directory file's context wins", () => {
    const file = write('kc', kubeconfigText([{ name: 'main', server: 'https://main' }]));
    write('d/x', kubeconfigText([{ name: 'x', server: 'https://x' }]));
    const config = loadProwJobClusterConfig(
      { kubeconfig: file, kubeconfigDir: path.join(dir, 'd') },
      noCluster,
    );
    expect(config.getCurrentCluster()?.server).toBe('https://x');
  });

  it.each([
    [
      'a context defined twice across files',
      () => {
        write('d/1', kubeconfigText([{ name: 'same', server: 'https://1' }]));
        write('d/2', kubeconfigText([{ name: 'same', server: 'https://2' }]));
        return { kubeconfigDir: path.join(dir, 'd') };
      },
      /context same occurred more than once in kubeconfig dir/,
    ],
    [
      'a missing --kubeconfig',
      () => ({ kubeconfig: path.join(dir, 'absent') }),
      /^error accessing --kubeconfig: ENOENT/,
    ],
    [
      '--kubeconfig-dir that is a file',
      () => ({ kubeconfigDir: write('plain', 'x') }),
      /^--kubeconfig-dir must be a directory$/,
    ],
    [
      '--kubeconfig-suffix without --kubeconfig-dir',
      () => ({ kubeconfigSuffix: '.yaml' }),
      /^--kubeconfig-dir must be set if --kubeconfig-suffix is set$/,
    ],
    [
      'no current context in the last file',
      () => ({ kubeconfig: write('kc', kubeconfigText([{ name: 'a', server: 'https://a' }], '')) }),
      /^no prow cluster access: in-cluster current kubecfg context required/,
    ],
    [
      'a current context that is not defined',
      () => ({ kubeconfig: write('kc', kubeconfigText([{ name: 'a', server: 'https://a' }], 'ghost')) }),
      /current context "ghost" is not defined/,
    ],
    [
      'a kubeconfig that does not parse',
      () => ({ kubeconfig: write('kc', 'clusters: [{name: x}]\ncurrent-context: x\n') }),
      /^fail to load kubecfg from ".*kc": /,
    ],
    ['nothing at all', () => ({}), /^no prow cluster access: .*no kubeconfig file found/],
  ])('fails clearly on %s', (_name, options, message) => {
    expect(() => loadProwJobClusterConfig(options(), noCluster)).toThrow(message);
  });

  it('falls back to $KUBECONFIG (first file setting the current context wins), then ~/.kube/config', () => {
    const one = write('one', kubeconfigText([{ name: 'one', server: 'https://one' }], ''));
    const two = write('two', kubeconfigText([{ name: 'two', server: 'https://two' }]));
    const env = {
      ...noCluster,
      env: { KUBECONFIG: [one, path.join(dir, 'missing'), two].join(path.delimiter) },
    };
    expect(loadProwJobClusterConfig({}, env).getCurrentCluster()?.server).toBe('https://two');
    write('home/.kube/config', kubeconfigText([{ name: 'home', server: 'https://home' }]));
    expect(loadProwJobClusterConfig({}, noCluster).getCurrentCluster()?.server).toBe('https://home');
  });

  describe('in-cluster', () => {
    let inCluster: ClusterConfigEnvironment;
    beforeEach(() => {
      const sa = path.join(dir, 'sa');
      write('sa/var/run/secrets/kubernetes.io/serviceaccount/token', 'sa-token');
      write('sa/var/run/secrets/kubernetes.io/serviceaccount/ca.crt', 'not used here');
      inCluster = {
        env: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' },
        serviceAccountRoot: sa,
        home: path.join(dir, 'home'),
      };
    });

    it('is preferred to kubeconfig files, as Prow uses it for the ProwJob cluster', () => {
      const file = write('kc', kubeconfigText([{ name: 'a', server: 'https://a' }]));
      const config = loadProwJobClusterConfig({ kubeconfig: file }, inCluster);
      expect(config.getCurrentCluster()).toMatchObject({
        server: 'https://10.0.0.1:443',
        caFile: path.join(dir, 'sa/var/run/secrets/kubernetes.io/serviceaccount/ca.crt'),
      });
      expect(config.getCurrentUser()?.authProvider).toEqual({
        name: 'tokenFile',
        config: { tokenFile: path.join(dir, 'sa/var/run/secrets/kubernetes.io/serviceaccount/token') },
      });
    });

    it('brackets an IPv6 service address', () => {
      const env = {
        ...inCluster,
        env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' },
      };
      expect(loadProwJobClusterConfig({}, env).getCurrentCluster()?.server).toBe('https://[fd00::1]:443');
    });

    it('uses --projected-token-file instead of the service account token', () => {
      const config = loadProwJobClusterConfig(
        { projectedTokenFile: '/var/run/secrets/projected/token' },
        inCluster,
      );
      expect(config.getCurrentUser()?.authProvider?.config).toEqual({
        tokenFile: '/var/run/secrets/projected/token',
      });
    });

    it('is skipped with --no-in-cluster-config', () => {
      const file = write('kc', kubeconfigText([{ name: 'a', server: 'https://a' }]));
      const config = loadProwJobClusterConfig({ kubeconfig: file, noInClusterConfig: true }, inCluster);
      expect(config.getCurrentCluster()?.server).toBe('https://a');
    });

    it('needs the service account token, as client-go does', () => {
      rmSync(path.join(dir, 'sa/var/run/secrets/kubernetes.io/serviceaccount/token'));
      const file = write('kc', kubeconfigText([{ name: 'a', server: 'https://a' }]));
      expect(loadProwJobClusterConfig({ kubeconfig: file }, inCluster).getCurrentCluster()?.server).toBe(
        'https://a',
      );
    });
  });
});

const hasOpenssl = ((): boolean => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!hasOpenssl)
  console.warn('skipping the TLS tests of the Kubernetes client: no openssl to make a test certificate');

(hasOpenssl ? describe : describe.skip)(
  'TLS: CA verification and in-cluster config against the HTTPS double',
  () => {
    let dir: string;
    let tls: { cert: string; key: string };

    beforeAll(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'kube-tls-'));
      execFileSync(
        'openssl',
        ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
        '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], // prettier-ignore
        { stdio: 'ignore', timeout: 20_000 },
      );
      tls = {
        cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
        key: readFileSync(path.join(dir, 'key.pem'), 'utf8'),
      };
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const job = buildPresubmitProwJob(prowJobInput({ name: 'tls-job' }));

    it('verifies the server with certificate-authority-data from the kubeconfig', async () => {
      const double = await startKubernetesDouble({ tls, token: 't' });
      try {
        const file = double.writeKubeconfig(path.join(dir, 'kc-ca'));
        const kubeConfig = loadProwJobClusterConfig({ kubeconfig: file, noInClusterConfig: true });
        await expect(createProwJobClient({ kubeConfig, namespace: 'prow' }).create(job)).resolves.toBe(
          'created',
        );
      } finally {
        await double.close();
      }
    });

    it('refuses a server whose certificate the kubeconfig does not trust, unless told to skip verification', async () => {
      const double = await startKubernetesDouble({ tls, token: 't' });
      try {
        const untrusted = path.join(dir, 'kc-untrusted');
        writeFileSync(
          untrusted,
          kubeconfigText([{ name: 'x', server: double.url, token: 't' }]).replace(
            'insecure-skip-tls-verify: true',
            'insecure-skip-tls-verify: false',
          ),
        );
        const strict = createProwJobClient({
          kubeConfig: loadProwJobClusterConfig({ kubeconfig: untrusted, noInClusterConfig: true }),
          namespace: 'prow',
          backoff: { delayMs: 1, factor: 1, jitter: 0, steps: 1 },
        });
        await expect(strict.create(job)).rejects.toThrow(/self[- ]signed certificate|unable to verify/i);
        const skipping = path.join(dir, 'kc-skip');
        writeFileSync(skipping, kubeconfigText([{ name: 'x', server: double.url, token: 't' }]));
        const lax = createProwJobClient({
          kubeConfig: loadProwJobClusterConfig({ kubeconfig: skipping, noInClusterConfig: true }),
          namespace: 'prow',
        });
        await expect(lax.create(job)).resolves.toBe('created');
      } finally {
        await double.close();
      }
    });

    it('works in-cluster: service address from the environment, service account CA and token', async () => {
      const double = await startKubernetesDouble({ tls, token: 'sa-token' });
      try {
        const sa = path.join(dir, 'root');
        const accountDir = path.join(sa, 'var/run/secrets/kubernetes.io/serviceaccount');
        mkdirSync(accountDir, { recursive: true });
        writeFileSync(path.join(accountDir, 'token'), 'sa-token');
        writeFileSync(path.join(accountDir, 'ca.crt'), tls.cert);
        const kubeConfig = loadProwJobClusterConfig(
          {},
          {
            env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: new URL(double.url).port },
            serviceAccountRoot: sa,
            home: dir,
          },
        );
        await expect(createProwJobClient({ kubeConfig, namespace: 'prow' }).create(job)).resolves.toBe(
          'created',
        );
        expect(double.prowJobs()).toHaveLength(1);
      } finally {
        await double.close();
      }
    });
  },
);
