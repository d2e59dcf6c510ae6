import { buildPresubmitProwJob } from '../../../src/kubernetes/prowjob';
import { startKubernetesDouble, type KubernetesDouble } from '../../../sandbox/kubernetes/server';
import { prowJobInput, realisticPresubmit } from '../../kubernetes/presubmit-fixture';

const collection = (ns = 'prow'): string => `/apis/prow.k8s.io/v1/namespaces/${ns}/prowjobs`;

describe('Kubernetes double over plain HTTP', () => {
  let double: KubernetesDouble;
  const fixedNow = new Date('2026-08-22T12:00:00.500Z');

  beforeEach(async () => {
    double = await startKubernetesDouble({
      namespace: ['prow', 'other'],
      token: 's3cret',
      now: () => fixedNow,
    });
  });
  afterEach(async () => {
    await double.close();
  });

  async function request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
    const res = await fetch(double.url + path, {
      method,
      headers: {
        authorization: 'Bearer s3cret',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
  }

  const prowJob = (name = 'f0e1d2c3-b4a5-8697-a8b9-cadbecfd0e1f'): Record<string, unknown> =>
    buildPresubmitProwJob(prowJobInput({ name })) as unknown as Record<string, unknown>;

  it('creates a ProwJob: 201, server-set uid, resourceVersion, generation and creationTimestamp', async () => {
    const first = await request('POST', collection(), prowJob('job-a'));
    const second = await request('POST', collection(), prowJob('job-b'));
    expect(first.status).toBe(201);
    const meta = first.body.metadata as Record<string, unknown>;
    expect(meta).toMatchObject({
      name: 'job-a',
      namespace: 'prow',
      generation: 1,
      creationTimestamp: '2026-08-22T12:00:00Z',
    });
    expect(meta.uid).toMatch(/^[0-9a-f-]{36}$/);
    const rv = (r: typeof first): number =>
      Number((r.body.metadata as Record<string, string>).resourceVersion);
    expect(rv(second)).toBeGreaterThan(rv(first));
    expect(double.prowJobs().map((j) => j.metadata.name)).toEqual(['job-a', 'job-b']);
    // Stored as sent, plus schema defaults (ports[].protocol).
    expect(first.body.spec).toMatchObject(prowJob().spec as object);
  });

  it('answers a second create of the same name with the exact 409 AlreadyExists Status', async () => {
    await request('POST', collection(), prowJob('dup'));
    const again = await request('POST', collection(), prowJob('dup'));
    expect(again.status).toBe(409);
    expect(again.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'prowjobs.prow.k8s.io "dup" already exists',
      reason: 'AlreadyExists',
      details: { name: 'dup', group: 'prow.k8s.io', kind: 'prowjobs' },
      code: 409,
    });
    expect(double.prowJobs()).toHaveLength(1);
  });

  it.each([
    [
      'spec.type not in the enum',
      (j: Record<string, any>) => (j.spec.type = 'bogus'), // eslint-disable-line @typescript-eslint/no-explicit-any
      'spec.type',
      'FieldValueNotSupported',
      'Unsupported value: "bogus": supported values: "presubmit", "postsubmit", "periodic", "batch"',
    ],
    [
      'spec.job missing',
      (j: Record<string, any>) => delete j.spec.job, // eslint-disable-line @typescript-eslint/no-explicit-any
      'spec.job',
      'FieldValueRequired',
      'Required value',
    ],
    [
      'status.state missing',
      (j: Record<string, any>) => delete j.status.state, // eslint-disable-line @typescript-eslint/no-explicit-any
      'status.state',
      'FieldValueRequired',
      'Required value',
    ],
    [
      'a container without name (Go would have sent "")',
      (j: Record<string, any>) => delete j.spec.pod_spec.containers[0].name, // eslint-disable-line @typescript-eslint/no-explicit-any
      'spec.pod_spec.containers[0].name',
      'FieldValueRequired',
      'Required value',
    ],
    [
      'spec.report of the wrong type',
      (j: Record<string, any>) => (j.spec.report = 'yes'), // eslint-disable-line @typescript-eslint/no-explicit-any
      'spec.report',
      'FieldValueTypeInvalid',
      'Invalid value: "yes": spec.report in body must be of type boolean: "yes"',
    ],
    [
      'a resource quantity that is no quantity',
      (j: Record<string, any>) => (j.spec.pod_spec.containers[0].resources.limits.cpu = 'lots'), // eslint-disable-line @typescript-eslint/no-explicit-any
      'spec.pod_spec.containers[0].resources.limits.cpu',
      'FieldValueInvalid',
      'Invalid value: "lots": spec.pod_spec.containers[0].resources.limits.cpu in body should match \'^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$\'',
    ],
    [
      'two containers with the same name (list-type map)',
      (j: Record<string, any>) => j.spec.pod_spec.containers.push({ ...j.spec.pod_spec.containers[0] }), // eslint-disable-line @typescript-eslint/no-explicit-any
      'spec.pod_spec.containers[1]',
      'FieldValueDuplicate',
      'Duplicate value: {"name":""}',
    ],
    [
      'a finished state without completionTime',
      (j: Record<string, any>) => (j.status.state = 'success'), // eslint-disable-line @typescript-eslint/no-explicit-any
      'status',
      'FieldValueInvalid',
      'Invalid value: "object": status in body must match a schema in anyOf',
    ],
    [
      'an invalid name',
      (j: Record<string, any>) => (j.metadata.name = 'Not_A_Name'), // eslint-disable-line @typescript-eslint/no-explicit-any
      'metadata.name',
      'FieldValueInvalid',
      "Invalid value: \"Not_A_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ],
    [
      'an invalid label value',
      (j: Record<string, any>) => (j.metadata.labels.team = 'a/b'), // eslint-disable-line @typescript-eslint/no-explicit-any
      'metadata.labels',
      'FieldValueInvalid',
      "Invalid value: \"a/b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    ],
    [
      'a label value over 63 characters',
      (j: Record<string, any>) => (j.metadata.labels.team = 'x'.repeat(64)), // eslint-disable-line @typescript-eslint/no-explicit-any
      'metadata.labels',
      'FieldValueInvalid',
      `Invalid value: "${'x'.repeat(64)}": must be no more than 63 characters`,
    ],
  ])('rejects %s with 422 Invalid', async (_name, mutate, field, reason, message) => {
    const job = prowJob('bad-job');
    mutate(job);
    const res = await request('POST', collection(), job);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'Invalid',
      code: 422,
      details: { name: (job.metadata as { name: string }).name, group: 'prow.k8s.io', kind: 'ProwJob' },
    });
    const causes = (res.body.details as { causes: unknown[] }).causes;
    expect(causes).toContainEqual({ field, reason, message });
    expect(res.body.message).toContain(
      `ProwJob.prow.k8s.io "${(job.metadata as { name: string }).name}" is invalid: `,
    );
    expect(res.body.message).toContain(`${field}: ${message}`);
    expect(double.prowJobs()).toHaveLength(0);
  });

  it('lists several violations in brackets', async () => {
    const job = prowJob('two-faults');
    (job.spec as Record<string, unknown>).type = 'bogus';
    delete (job.spec as Record<string, unknown>).job;
    const res = await request('POST', collection(), job);
    expect(res.body.message).toMatch(/^ProwJob\.prow\.k8s\.io "two-faults" is invalid: \[.*, .*\]$/);
  });

  it('prunes unknown fields with a Warning header, or rejects them under fieldValidation=Strict', async () => {
    const job = prowJob('pruned');
    (job.spec as Record<string, unknown>).surprise = 1;
    (job.metadata as Record<string, unknown>).colour = 'blue';
    const res = await request('POST', collection(), job);
    expect(res.status).toBe(201);
    expect(res.body.spec).not.toHaveProperty('surprise');
    expect(res.body.metadata).not.toHaveProperty('colour');
    expect(res.headers.get('warning')).toContain('299 - "unknown field \\"spec.surprise\\""');
    const strict = prowJob('strict');
    (strict.spec as Record<string, unknown>).surprise = 1;
    const rejected = await request('POST', `${collection()}?fieldValidation=Strict`, strict);
    expect(rejected.status).toBe(422);
    expect(rejected.body.message).toContain('unknown field "spec.surprise"');
  });

  it('keeps unknown fields where the schema preserves them (tekton_pipeline_run_spec.v1beta1)', async () => {
    const job = buildPresubmitProwJob(
      prowJobInput({
        name: 'tekton',
        presubmit: realisticPresubmit({
          spec: undefined,
          tekton_pipeline_run_spec: { v1beta1: { anything: { goes: 1 } } },
        }),
      }),
    );
    const res = await request('POST', collection(), job);
    expect(res.status).toBe(201);
    expect(res.body.spec).toMatchObject({ tekton_pipeline_run_spec: { v1beta1: { anything: { goes: 1 } } } });
  });

  it('drops null fields before validating, as the API server does for non-nullable fields', async () => {
    const job = prowJob('nulls');
    (job.spec as Record<string, unknown>).decoration_config = null;
    ((job.spec as { pod_spec: { containers: Record<string, unknown>[] } }).pod_spec.containers[0] ?? {}).env =
      null;
    const res = await request('POST', collection(), job);
    expect(res.status).toBe(201);
    expect(res.body.spec).not.toHaveProperty('decoration_config');
    expect(res.headers.get('warning')).toBeNull();
  });

  it('applies schema defaults (container port protocol TCP)', async () => {
    const res = await request('POST', collection(), prowJob('defaults'));
    const containers = (res.body.spec as { pod_spec: { containers: { ports: unknown[] }[] } }).pod_spec
      .containers;
    expect(containers[0]?.ports).toEqual([{ containerPort: 8080, protocol: 'TCP' }]);
  });

  it.each([
    [
      'namespace in the body differs from the path',
      'prow',
      (j: Record<string, any>) => (j.metadata.namespace = 'other'), // eslint-disable-line @typescript-eslint/no-explicit-any
      400,
      {
        reason: 'BadRequest',
        message: 'the namespace of the provided object does not match the namespace sent on the request',
      },
    ],
    [
      'an unknown namespace',
      'nowhere',
      (j: Record<string, any>) => delete j.metadata.namespace, // eslint-disable-line @typescript-eslint/no-explicit-any
      404,
      {
        reason: 'NotFound',
        message: 'namespaces "nowhere" not found',
        details: { name: 'nowhere', kind: 'namespaces' },
      },
    ],
    [
      'a wrong apiVersion',
      'prow',
      (j: Record<string, any>) => (j.apiVersion = 'prow.k8s.io/v2'), // eslint-disable-line @typescript-eslint/no-explicit-any
      400,
      {
        reason: 'BadRequest',
        message:
          'the API version in the data (prow.k8s.io/v2) does not match the expected API version (prow.k8s.io/v1)',
      },
    ],
  ])('rejects %s', async (_name, ns, mutate, code, expected) => {
    const job = prowJob('ns-job');
    mutate(job);
    const res = await request('POST', collection(ns), job);
    expect(res.status).toBe(code);
    expect(res.body).toMatchObject({ kind: 'Status', status: 'Failure', code, ...expected });
  });

  it('fills the namespace from the path when the body has none', async () => {
    const job = prowJob('no-ns');
    delete (job.metadata as Record<string, unknown>).namespace;
    const res = await request('POST', collection('other'), job);
    expect(res.status).toBe(201);
    expect(double.prowJobs('other').map((j) => j.metadata.namespace)).toEqual(['other']);
  });

  it('generates a name from generateName before admitting the ProwJob, as the API server does', async () => {
    const job = prowJob('unused');
    delete (job.metadata as Record<string, unknown>).name;
    (job.metadata as Record<string, unknown>).generateName = 'pull-test-';
    const res = await request('POST', collection(), job);
    expect(res.status).toBe(201);
    const name = (res.body.metadata as { name: string }).name;
    expect(name).toMatch(/^pull-test-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(double.prowJobs().map((j) => j.metadata.name)).toEqual([name]);
  });

  it('rejects a body that is not JSON with 400', async () => {
    const res = await request('POST', collection(), '{not json');
    expect(res.status).toBe(400);
    expect(res.body.reason).toBe('BadRequest');
  });

  it('does not store a dryRun=All create', async () => {
    const res = await request('POST', `${collection()}?dryRun=All`, prowJob('dry'));
    expect(res.status).toBe(201);
    expect(double.prowJobs()).toHaveLength(0);
  });

  it('gets one ProwJob, and answers a missing one with 404 NotFound', async () => {
    await request('POST', collection(), prowJob('present'));
    const got = await request('GET', `${collection()}/present`);
    expect(got.status).toBe(200);
    expect((got.body.metadata as Record<string, unknown>).name).toBe('present');
    const missing = await request('GET', `${collection()}/absent`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'prowjobs.prow.k8s.io "absent" not found',
      reason: 'NotFound',
      details: { name: 'absent', group: 'prow.k8s.io', kind: 'prowjobs' },
      code: 404,
    });
  });

  it('lists ProwJobs as a ProwJobList, filtered by label selector', async () => {
    await request('POST', collection(), prowJob('l1'));
    const other = buildPresubmitProwJob(
      prowJobInput({
        name: 'l2',
        presubmit: realisticPresubmit({ name: 'pull-other', context: 'pull-other' }),
      }),
    );
    await request('POST', collection(), other);
    const all = await request('GET', collection());
    expect(all.body).toMatchObject({ apiVersion: 'prow.k8s.io/v1', kind: 'ProwJobList' });
    expect((all.body.items as unknown[]).length).toBe(2);
    for (const [selector, names] of [
      ['prow.k8s.io/job=pull-other', ['l2']],
      ['prow.k8s.io/job!=pull-other', ['l1']],
      ['prow.k8s.io/job in (pull-other,x),created-by-prow', ['l2']],
      ['!created-by-prow', []],
    ] as const) {
      const res = await request('GET', `${collection()}?labelSelector=${encodeURIComponent(selector)}`);
      expect((res.body.items as { metadata: { name: string } }[]).map((i) => i.metadata.name)).toEqual(names);
    }
  });

  it('serves discovery and version', async () => {
    expect((await request('GET', '/version')).body).toMatchObject({
      major: '1',
      gitVersion: expect.any(String),
    });
    expect((await request('GET', '/apis')).body).toMatchObject({
      kind: 'APIGroupList',
      groups: [{ name: 'prow.k8s.io' }],
    });
    expect((await request('GET', '/apis/prow.k8s.io/v1')).body).toMatchObject({
      kind: 'APIResourceList',
      groupVersion: 'prow.k8s.io/v1',
      resources: [{ name: 'prowjobs', namespaced: true, kind: 'ProwJob' }],
    });
    expect((await request('GET', '/api/v1/pods')).status).toBe(404);
    expect((await request('DELETE', `${collection()}/x`)).status).toBe(405);
  });

  it.each([
    ['a wrong token', { authorization: 'Bearer wrong' }],
    ['no token', { authorization: '' }],
    ['basic auth', { authorization: 'Basic czNjcmV0' }],
  ])('answers %s with 401 Unauthorized', async (_name, headers) => {
    const res = await request('POST', collection(), prowJob(), headers);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
    expect(double.prowJobs()).toHaveLength(0);
  });

  it('logs requests without credentials', async () => {
    await request('POST', collection(), prowJob('logged'));
    await request('GET', `${collection()}/logged`, undefined, { authorization: 'Bearer nope' });
    expect(double.requests).toEqual([
      { method: 'POST', path: collection(), query: {}, status: 201, bearer: true, name: 'logged' },
      { method: 'GET', path: `${collection()}/logged`, query: {}, status: 401, bearer: true },
    ]);
    expect(JSON.stringify(double.requests)).not.toContain('s3cret');
  });

  it('injects status faults a bounded number of times and counts them', async () => {
    const fault = double.faults.inject({ method: 'POST', path: collection(), status: 503, times: 2 });
    expect((await request('POST', collection(), prowJob('f'))).status).toBe(503);
    expect((await request('POST', collection(), prowJob('f'))).status).toBe(503);
    expect((await request('POST', collection(), prowJob('f'))).status).toBe(201);
    expect(fault.fired).toBe(2);
    expect(fault.remaining).toBe(0);
    expect(double.faults.fired).toBe(2);
    expect(double.requests.map((r) => r.fault ?? '-')).toEqual(['status-503', 'status-503', '-']);
  });

  it('drops connections before or after handling', async () => {
    double.faults.inject({ path: /prowjobs$/, drop: 'before' });
    await expect(request('POST', collection(), prowJob('d'))).rejects.toThrow();
    expect(double.prowJobs()).toHaveLength(0);
    double.faults.inject({ path: /prowjobs$/, drop: 'after' });
    await expect(request('POST', collection(), prowJob('d'))).rejects.toThrow();
    // Created, though the client never heard: the case deterministic names exist for.
    expect(double.prowJobs().map((j) => j.metadata.name)).toEqual(['d']);
  });

  it('rejects a fault without an effect or with a non-error status', () => {
    expect(() => double.faults.inject({ path: 'x' })).toThrow(/needs status, drop or delayMs/);
    expect(() => double.faults.inject({ status: 200 })).toThrow(/must be an HTTP error code/);
  });

  it('refuses an invalid namespace at start', async () => {
    await expect(startKubernetesDouble({ namespace: 'Bad_NS' })).rejects.toThrow(/namespace "Bad_NS"/);
  });
});
