import { generateName } from '../../../sandbox/kubernetes/object-meta';
import { admitProwJob } from '../../../sandbox/kubernetes/prowjob-admission';
import { type StatusCause, StatusError } from '../../../sandbox/kubernetes/status-objects';

/**
 * The double's admission of ProwJobs (the CRD's openAPIV3Schema and the API server's metadata rules)
 * against hand-written ProwJobs: none of them comes from the project's ProwJob builder, so a bug there
 * cannot make these pass.
 */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const sha = (c: string): string => c.repeat(40);

function validProwJob(): Json {
  return {
    apiVersion: 'prow.k8s.io/v1',
    kind: 'ProwJob',
    metadata: {
      name: '0f1e2d3c-4b5a-6978-8a9b-acbdcedff0e1',
      namespace: 'prow',
      labels: {
        'created-by-prow': 'true',
        'prow.k8s.io/job': 'pull-test-infra-unit',
        'prow.k8s.io/type': 'presubmit',
        'prow.k8s.io/refs.pull': '4242',
      },
      annotations: { 'prow.k8s.io/job': 'pull-test-infra-unit', 'Prow.K8s.io/Context': 'unit' },
    },
    spec: {
      type: 'presubmit',
      agent: 'kubernetes',
      cluster: 'default',
      namespace: 'test-pods',
      job: 'pull-test-infra-unit',
      report: true,
      context: 'pull-test-infra-unit',
      rerun_command: '/test pull-test-infra-unit',
      max_concurrency: 2,
      refs: {
        org: 'kubernetes',
        repo: 'test-infra',
        base_ref: 'master',
        base_sha: sha('a'),
        pulls: [{ number: 4242, author: 'alice', sha: sha('b') }],
      },
      pod_spec: {
        containers: [
          {
            name: '',
            image: 'golang:1.24',
            command: ['make', 'test'],
            ports: [{ containerPort: 8080 }],
            resources: { requests: { cpu: '500m', memory: '1Gi' } },
          },
        ],
      },
    },
    status: { state: 'triggered', startTime: '2026-08-22T00:00:00Z' },
  };
}

/** The 422's causes, or [] when the ProwJob is admitted. */
function causes(job: Json, strict = false): StatusCause[] {
  try {
    admitProwJob(job, strict);
    return [];
  } catch (err) {
    if (!(err instanceof StatusError)) throw err;
    expect(err.status).toMatchObject({ code: 422, reason: 'Invalid' });
    return err.status.details?.causes ?? [];
  }
}

const invalidValue = (field: string, message: string): StatusCause => ({
  reason: 'FieldValueInvalid',
  field,
  message,
});
const required = (field: string): StatusCause => ({
  reason: 'FieldValueRequired',
  field,
  message: 'Required value',
});

const dns1123Subdomain =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must " +
  "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is " +
  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const qualifiedNamePart =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an " +
  "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is " +
  "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const labelValue =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must " +
  "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used " +
  "for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

describe('ProwJob admission: the CRD schema and the API server metadata rules', () => {
  it('admits a valid ProwJob, with schema defaults and no warning', () => {
    const job = validProwJob();
    const admitted = admitProwJob(job, true);
    expect(admitted.warnings).toEqual([]);
    expect(admitted.object.spec).toMatchObject({
      pod_spec: { containers: [{ ports: [{ containerPort: 8080, protocol: 'TCP' }] }] },
    });
    expect(admitted.object.metadata).toEqual(validProwJob().metadata);
  });

  it.each<[string, (job: Json) => void, StatusCause[]]>([
    // Missing required fields.
    ['spec.job missing', (j) => delete j.spec.job, [required('spec.job')]],
    ['spec.type missing', (j) => delete j.spec.type, [required('spec.type')]],
    [
      // Without a state, the `not` branch of status's anyOf (a finished state needs completionTime) fails too.
      'status.state missing',
      (j) => delete j.status.state,
      [
        invalidValue('status', 'Invalid value: "object": status in body must match a schema in anyOf'),
        required('status.state'),
      ],
    ],
    [
      'spec.pod_spec.containers missing',
      (j) => delete j.spec.pod_spec.containers,
      [required('spec.pod_spec.containers')],
    ],
    [
      'a pull without number',
      (j) => delete j.spec.refs.pulls[0].number,
      [required('spec.refs.pulls[0].number')],
    ],
    [
      'a container without name (Go sends "")',
      (j) => delete j.spec.pod_spec.containers[0].name,
      [required('spec.pod_spec.containers[0].name')],
    ],
    // Wrong types.
    [
      'spec.report a string',
      (j) => (j.spec.report = 'yes'),
      [
        {
          reason: 'FieldValueTypeInvalid',
          field: 'spec.report',
          message: 'Invalid value: "yes": spec.report in body must be of type boolean: "yes"',
        },
      ],
    ],
    [
      'spec.max_concurrency a string',
      (j) => (j.spec.max_concurrency = '3'),
      [
        {
          reason: 'FieldValueTypeInvalid',
          field: 'spec.max_concurrency',
          message: 'Invalid value: "3": spec.max_concurrency in body must be of type integer: "3"',
        },
      ],
    ],
    [
      'spec.refs.pulls an object',
      (j) => (j.spec.refs.pulls = { number: 1 }),
      [
        {
          reason: 'FieldValueTypeInvalid',
          field: 'spec.refs.pulls',
          message: 'Invalid value: "object": spec.refs.pulls in body must be of type array: "object"',
        },
      ],
    ],
    [
      'spec.max_concurrency negative',
      (j) => (j.spec.max_concurrency = -1),
      [
        invalidValue(
          'spec.max_concurrency',
          'Invalid value: -1: spec.max_concurrency in body should be greater than or equal to 0',
        ),
      ],
    ],
    [
      'status.startTime not a date-time',
      (j) => (j.status.startTime = 'yesterday'),
      [
        invalidValue(
          'status.startTime',
          'Invalid value: "yesterday": status.startTime in body must be of type date-time: "yesterday"',
        ),
      ],
    ],
    // Enums.
    [
      'spec.type not in the enum',
      (j) => (j.spec.type = 'nightly'),
      [
        {
          reason: 'FieldValueNotSupported',
          field: 'spec.type',
          message:
            'Unsupported value: "nightly": supported values: "presubmit", "postsubmit", "periodic", "batch"',
        },
      ],
    ],
    [
      'status.state not in the enum',
      (j) => (j.status.state = 'done'),
      [
        {
          reason: 'FieldValueNotSupported',
          field: 'status.state',
          message:
            'Unsupported value: "done": supported values: "scheduling", "triggered", "pending", "success", "failure", "aborted", "error"',
        },
      ],
    ],
    [
      'a finished state without completionTime (anyOf)',
      (j) => (j.status.state = 'success'),
      [invalidValue('status', 'Invalid value: "object": status in body must match a schema in anyOf')],
    ],
    // Names.
    [
      'an uppercase name',
      (j) => (j.metadata.name = 'Pull_Test'),
      [invalidValue('metadata.name', `Invalid value: "Pull_Test": ${dns1123Subdomain}`)],
    ],
    [
      'a name of 254 characters',
      (j) => (j.metadata.name = 'a'.repeat(254)),
      [
        invalidValue(
          'metadata.name',
          `Invalid value: "${'a'.repeat(254)}": must be no more than 253 characters`,
        ),
      ],
    ],
    [
      'neither name nor generateName',
      (j) => delete j.metadata.name,
      [
        {
          reason: 'FieldValueRequired',
          field: 'metadata.name',
          message: 'Required value: name or generateName is required',
        },
      ],
    ],
    [
      'an invalid generateName (with a valid name)',
      (j) => (j.metadata.generateName = 'Pull-'),
      [invalidValue('metadata.generateName', `Invalid value: "Pull-": ${dns1123Subdomain}`)],
    ],
    // Labels and annotations.
    [
      'a label key with an empty name part',
      (j) => (j.metadata.labels['prow.k8s.io/'] = 'x'),
      [
        invalidValue('metadata.labels', 'Invalid value: "prow.k8s.io/": name part must be non-empty'),
        invalidValue('metadata.labels', `Invalid value: "prow.k8s.io/": ${qualifiedNamePart}`),
      ],
    ],
    [
      'a label key with an invalid prefix',
      (j) => (j.metadata.labels['Prow_K8s/job'] = 'x'),
      [invalidValue('metadata.labels', `Invalid value: "Prow_K8s/job": prefix part ${dns1123Subdomain}`)],
    ],
    [
      'a label value with a slash',
      (j) => (j.metadata.labels['prow.k8s.io/job'] = 'a/b'),
      [invalidValue('metadata.labels', `Invalid value: "a/b": ${labelValue}`)],
    ],
    [
      'a label value of 64 characters',
      (j) => (j.metadata.labels['prow.k8s.io/job'] = 'x'.repeat(64)),
      [
        invalidValue(
          'metadata.labels',
          `Invalid value: "${'x'.repeat(64)}": must be no more than 63 characters`,
        ),
      ],
    ],
    [
      'annotations over 256 KiB together',
      (j) => (j.metadata.annotations.big = 'x'.repeat(256 * 1024)),
      [
        {
          reason: 'FieldValueTooLong',
          field: 'metadata.annotations',
          message: 'Too long: must have at most 262144 bytes',
        },
      ],
    ],
  ])('refuses %s', (_name, mutate, expected) => {
    const job = validProwJob();
    mutate(job);
    expect(causes(job)).toEqual(expected);
  });

  it.each([
    [
      'generateName with a trailing dash, name generated',
      { generateName: 'pull-test-infra-', name: 'pull-test-infra-bcd2f' },
    ],
    ['a name with dots', { name: 'pull.test-infra.1' }],
    ['a name of 253 characters', { name: 'a'.repeat(253) }],
  ])('admits %s', (_name, metadata) => {
    const job = validProwJob();
    delete job.metadata.name;
    Object.assign(job.metadata, metadata);
    expect(causes(job)).toEqual([]);
  });

  it('lists every violation of one ProwJob at once', () => {
    const job = validProwJob();
    job.spec.type = 'nightly';
    delete job.spec.job;
    job.metadata.name = 'Bad';
    expect(
      causes(job)
        .map((c) => c.field)
        .sort(),
    ).toEqual(['metadata.name', 'spec.job', 'spec.type']);
  });

  it('prunes unknown fields with warnings, keeps them where the schema preserves them, drops nulls', () => {
    const job = validProwJob();
    job.spec.surprise = 1;
    job.metadata.colour = 'blue';
    job.spec.pod_spec.containers[0].env = null;
    job.spec.tekton_pipeline_run_spec = { v1beta1: { anything: { goes: 1 } } };
    const admitted = admitProwJob(job, false);
    expect(admitted.warnings.sort()).toEqual([
      'unknown field "metadata.colour"',
      'unknown field "spec.surprise"',
    ]);
    expect(admitted.object.spec).not.toHaveProperty('surprise');
    expect(admitted.object.metadata).not.toHaveProperty('colour');
    expect((admitted.object.spec as Json).pod_spec.containers[0]).not.toHaveProperty('env');
    expect((admitted.object.spec as Json).tekton_pipeline_run_spec).toEqual({
      v1beta1: { anything: { goes: 1 } },
    });
  });

  it('refuses unknown fields under fieldValidation=Strict', () => {
    const job = validProwJob();
    job.spec.surprise = 1;
    expect(causes(job, true)).toEqual([
      { reason: 'FieldValueInvalid', field: '', message: 'unknown field "spec.surprise"' },
    ]);
  });
});

describe("generated names (the API server's SimpleNameGenerator)", () => {
  it.each([
    ['pull-', /^pull-[bcdfghjklmnpqrstvwxz2456789]{5}$/],
    ['x'.repeat(70), new RegExp(`^${'x'.repeat(58)}[bcdfghjklmnpqrstvwxz2456789]{5}$`)],
  ])('%s → base (at most 58 characters) and 5 random characters', (base, pattern) => {
    const names = new Set(Array.from({ length: 20 }, () => generateName(base)));
    for (const name of names) expect(name).toMatch(pattern);
    expect(names.size).toBeGreaterThan(1);
  });
});
