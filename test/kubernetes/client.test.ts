import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  createProwJobClient,
  createProwJobClientFromFlags,
  type ProwJobCreator,
} from '../../src/kubernetes/client';
import { loadProwJobClusterConfig } from '../../src/kubernetes/cluster-config';
import {
  KubernetesApiError,
  KubernetesAuthError,
  KubernetesUnavailableError,
  ProwJobInvalidError,
} from '../../src/kubernetes/errors';
import { createLogger } from '../../src/log';
import { buildPresubmitProwJob } from '../../src/kubernetes/prowjob';
import type { ProwJob } from '../../src/kubernetes/prowjob-types';
import { startKubernetesDouble, type KubernetesDouble } from '../../sandbox/kubernetes/server';
import { prowJobInput } from './presubmit-fixture';

/** Prow's schedule with a 5 ms base, so retry tests take milliseconds. */
const fastBackoff = { delayMs: 5, factor: 2, jitter: 0.1, steps: 4 };

describe('ProwJob client through a kubeconfig file (client-node against the Kubernetes double)', () => {
  let double: KubernetesDouble;
  let dir: string;
  let kubeconfig: string;

  beforeEach(async () => {
    double = await startKubernetesDouble({ namespace: 'prow', token: 'test-token-123' });
    dir = mkdtempSync(path.join(os.tmpdir(), 'prowjob-client-'));
    kubeconfig = double.writeKubeconfig(path.join(dir, 'kubeconfig'));
  });
  afterEach(async () => {
    await double.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const client = (options: Partial<Parameters<typeof createProwJobClient>[0]> = {}): ProwJobCreator =>
    createProwJobClientFromFlags(
      { kubeconfig, noInClusterConfig: true },
      { namespace: 'prow', backoff: fastBackoff, random: () => 0.5, ...options },
    );
  const job = (name = '0b6f2a1e-7c3d-8e4f-9a5b-6c7d8e9f0a1b'): ProwJob =>
    buildPresubmitProwJob(prowJobInput({ name }));

  it('creates a realistic ProwJob, which the double accepts against the CRD schema', async () => {
    await expect(client().create(job())).resolves.toBe('created');
    const [stored] = double.prowJobs();
    expect(stored?.metadata.name).toBe('0b6f2a1e-7c3d-8e4f-9a5b-6c7d8e9f0a1b');
    expect(stored?.metadata.uid).toBeDefined();
    expect(double.requests[0]).toMatchObject({ method: 'POST', status: 201, bearer: true });
  });

  it('returns "exists" for a second create of the same name (409 AlreadyExists is success, R18.3)', async () => {
    const c = client();
    await expect(c.create(job('same'))).resolves.toBe('created');
    await expect(c.create(job('same'))).resolves.toBe('exists');
    expect(double.prowJobs()).toHaveLength(1);
    expect(double.requests.map((r) => r.status)).toEqual([201, 409]);
  });

  it('surfaces a schema violation as ProwJobInvalidError, without retrying', async () => {
    const bad = job('bad');
    (bad.spec as { type: string }).type = 'bogus';
    const err = await client()
      .create(bad)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProwJobInvalidError);
    expect(err).toMatchObject({ status: 422, reason: 'Invalid', retryable: false });
    expect((err as ProwJobInvalidError).message).toContain(
      'spec.type: Unsupported value: "bogus": supported values: "presubmit", "postsubmit", "periodic", "batch"',
    );
    expect((err as ProwJobInvalidError).causes).toContainEqual(
      expect.objectContaining({ field: 'spec.type', reason: 'FieldValueNotSupported' }),
    );
    expect(double.requests).toHaveLength(1);
  });

  it('rejects a job for another namespace before sending it', async () => {
    const other = job('elsewhere');
    other.metadata.namespace = 'test-pods';
    await expect(client().create(other)).rejects.toBeInstanceOf(ProwJobInvalidError);
    expect(double.requests).toHaveLength(0);
  });

  it('reports a wrong token clearly, as a non-retryable auth error that leaks no token', async () => {
    const wrong = double.writeKubeconfig(path.join(dir, 'wrong'), { token: 'not-the-token' });
    const c = createProwJobClientFromFlags(
      { kubeconfig: wrong, noInClusterConfig: true },
      { namespace: 'prow', backoff: fastBackoff },
    );
    const err = await c.create(job()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubernetesAuthError);
    expect(err).toMatchObject({ status: 401, retryable: false });
    expect((err as Error).message).toMatch(
      /^create ProwJob prow\/.*: Unauthorized \(HTTP 401 Unauthorized from http:\/\/127\.0\.0\.1:\d+\): the credentials of the kubeconfig context were rejected/,
    );
    expect((err as Error).message).not.toContain('not-the-token');
    expect(double.requests).toHaveLength(1);
  });

  it.each([500, 503, 504, 429])('retries HTTP %i with the backoff, then succeeds', async (status) => {
    double.faults.inject({ method: 'POST', status, times: 2 });
    const lines: string[] = [];
    const logger = createLogger({}, 'warn', (line) => lines.push(line));
    await expect(client({ logger }).create(job())).resolves.toBe('created');
    expect(double.requests.map((r) => r.status)).toEqual([status, status, 201]);
    const retries = lines.map((l) => JSON.parse(l) as { msg: string; attempt: number; delayMs: number });
    // 5 ms and 10 ms, each stretched by half of the 10% jitter.
    expect(retries.map((r) => [r.msg, r.attempt, r.delayMs])).toEqual([
      ['prowjob create failed, retrying', 1, 5.25],
      ['prowjob create failed, retrying', 2, 10.5],
    ]);
  });

  it('treats a connection dropped after the server created the job as retryable, then finds it existing', async () => {
    double.faults.inject({ method: 'POST', drop: 'after' });
    await expect(client().create(job('lost-answer'))).resolves.toBe('exists');
    expect(double.prowJobs().map((j) => j.metadata.name)).toEqual(['lost-answer']);
    expect(double.requests.map((r) => r.status)).toEqual([0, 409]);
  });

  it('gives up after the configured steps with a retryable error naming the attempts', async () => {
    const fault = double.faults.inject({ method: 'POST', status: 503, times: Infinity });
    const err = await client()
      .create(job())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubernetesUnavailableError);
    expect(err).toMatchObject({ status: 503, retryable: true });
    expect((err as Error).message).toMatch(
      /gave up after 4 attempts: .*injected fault: HTTP 503 \(HTTP 503 ServiceUnavailable/,
    );
    expect(fault.fired).toBe(4);
  });

  it('times out a request that gets no answer, as a retryable error', async () => {
    double.faults.inject({ method: 'POST', delayMs: 300, drop: 'before', times: Infinity });
    const err = await client({ requestTimeoutMs: 50, backoff: { ...fastBackoff, steps: 2 } })
      .create(job())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubernetesUnavailableError);
    expect((err as Error).message).toMatch(
      /gave up after 2 attempts: .*no answer from http:\/\/127\.0\.0\.1:\d+ in time/,
    );
  });

  it("stops at once when the caller aborts, with the caller's reason", async () => {
    double.faults.inject({ method: 'POST', status: 503, times: Infinity });
    const controller = new AbortController();
    const reason = new Error('activity cancelled');
    const pending = client({ backoff: { delayMs: 10_000, factor: 2, jitter: 0, steps: 3 } }).create(
      job(),
      controller.signal,
    );
    setTimeout(() => controller.abort(reason), 100);
    await expect(pending).rejects.toBe(reason);
    expect(double.requests).toHaveLength(1);
  });

  it('gets and lists ProwJobs; a missing one is undefined', async () => {
    const c = client();
    await c.create(job('first'));
    await c.create(job('second'));
    expect((await c.get('first'))?.metadata.name).toBe('first');
    expect(await c.get('missing')).toBeUndefined();
    expect((await c.list()).map((j) => j.metadata.name)).toEqual(['first', 'second']);
    expect(await c.list({ labelSelector: 'prow.k8s.io/refs.pull=17234' })).toHaveLength(2);
    expect(await c.list({ labelSelector: 'prow.k8s.io/refs.pull=1' })).toHaveLength(0);
  });

  it('classifies an unknown namespace (404 on create) as a non-retryable API error', async () => {
    const c = createProwJobClient({
      kubeConfig: loadProwJobClusterConfig({ kubeconfig, noInClusterConfig: true }),
      namespace: 'nowhere',
    });
    const nowhere = job('n');
    nowhere.metadata.namespace = 'nowhere';
    const err = await c.create(nowhere).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubernetesApiError);
    expect(err).toMatchObject({ status: 404, reason: 'NotFound', retryable: false });
    expect((err as Error).message).toContain('namespaces "nowhere" not found');
  });

  it('refuses at construction a plain-HTTP cluster without insecure-skip-tls-verify', () => {
    const file = path.join(dir, 'http-strict');
    writeFileSync(
      file,
      double.kubeconfig().replace('insecure-skip-tls-verify: true', 'insecure-skip-tls-verify: false'),
    );
    expect(() =>
      createProwJobClientFromFlags({ kubeconfig: file, noInClusterConfig: true }, { namespace: 'prow' }),
    ).toThrow(
      /^Kubernetes client: cluster kubernetes-double uses plain HTTP \(http:\/\/127\.0\.0\.1:\d+\); .*insecure-skip-tls-verify: true/,
    );
  });

  it('reports a server that is not listening as retryable', async () => {
    await double.close();
    const err = await client({ backoff: { ...fastBackoff, steps: 1 } })
      .create(job())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubernetesUnavailableError);
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
    double = await startKubernetesDouble({ namespace: 'prow' }); // for afterEach
  });
});
