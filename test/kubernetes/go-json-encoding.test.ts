import { canonicalQuantity, encodeAsGo, prowJobSpecSchema } from '../../src/kubernetes/go-json-encoding';

/** Encodes a spec fragment (with the spec's own required `type` and `job` present) and returns the fragment. */
function encode<T extends object>(fragment: T): T {
  const spec = { type: 'presubmit', job: 'j', ...fragment };
  encodeAsGo(spec, prowJobSpecSchema());
  const { type: _type, job: _job, ...rest } = spec;
  return rest as unknown as T;
}

describe("encodeAsGo: the ProwJob spec as Go's JSON encoding of Prow's types writes it", () => {
  it.each([
    [0.5, '500m'],
    [1.5, '1500m'],
    [2.25, '2250m'],
    [0.1, '100m'],
    [0.001, '1m'],
    [0.0001, '100u'],
    [1e-7, '100n'],
    [1.23456789, '1234567890n'],
    [1e-10, '1n'], // finer than nano rounds up
    [1.0000000001, '1000000001n'],
    [-0.5, '-500m'],
  ])('quantity %p is written as %p (resource.Quantity, DecimalSI canonical form)', (value, expected) => {
    expect(canonicalQuantity(value)).toBe(expected);
  });

  it('rewrites fractional quantities in resources but leaves integers and strings alone', () => {
    const spec = {
      pod_spec: {
        containers: [
          {
            name: 'c',
            resources: { requests: { cpu: 0.5, memory: '1Gi' }, limits: { cpu: 2, memory: 1073741824 } },
          },
        ],
        overhead: { cpu: 0.25 },
      },
    };
    const encoded = encode(spec);
    expect(encoded.pod_spec.containers[0]?.resources).toEqual({
      requests: { cpu: '500m', memory: '1Gi' },
      limits: { cpu: 2, memory: 1073741824 },
    });
    expect(encoded.pod_spec.overhead).toEqual({ cpu: '250m' });
  });

  it('drops null properties (Go nil slices, maps and pointers are omitted)', () => {
    const spec: Record<string, unknown> = {
      pod_spec: { containers: [{ name: 'c', image: 'i', env: null, args: ['a'] }], volumes: null },
      decoration_config: null,
    };
    expect(encode(spec)).toEqual({ pod_spec: { containers: [{ name: 'c', image: 'i', args: ['a'] }] } });
  });

  it.each([
    [
      'container name',
      { pod_spec: { containers: [{ image: 'i' }] } },
      { pod_spec: { containers: [{ image: 'i', name: '' }] } },
    ],
    [
      'init and env names',
      { pod_spec: { containers: [], initContainers: [{ image: 'i', env: [{ value: 'v' }] }] } },
      {
        pod_spec: {
          containers: [],
          initContainers: [{ image: 'i', name: '', env: [{ value: 'v', name: '' }] }],
        },
      },
    ],
    [
      'container port',
      { pod_spec: { containers: [{ name: 'c', ports: [{ name: 'http' }] }] } },
      { pod_spec: { containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 0 }] }] } },
    ],
    ['refs org and repo', { refs: { base_ref: 'main' } }, { refs: { base_ref: 'main', org: '', repo: '' } }],
    [
      'a required object (not a list) is created empty and completed',
      {
        pod_spec: {
          containers: [],
          affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: {} } },
        },
      },
      {
        pod_spec: {
          containers: [],
          affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: {} } },
        },
      },
    ],
  ])('fills the zero value of a missing required field: %s', (_name, spec, expected) => {
    expect(encode(spec)).toEqual(expected);
  });

  it("fills the spec's own required type and job only when missing", () => {
    const spec: Record<string, unknown> = { refs: { org: 'o', repo: 'r' } };
    encodeAsGo(spec, prowJobSpecSchema());
    expect(spec).toEqual({ refs: { org: 'o', repo: 'r' }, type: '', job: '' });
  });

  it('does not invent a pod spec or a required list', () => {
    expect(encode({ pod_spec: {} })).toEqual({ pod_spec: {} }); // `containers` is required, but Go would write null: still missing
  });
});
