import { dnsSubdomainErrors, isValidLabelValue } from '../../src/kubernetes/object-meta-rules';
import { prowJobName, type ProwJobNameInput } from '../../src/kubernetes/prowjob-name';

const base: ProwJobNameInput = {
  baselineRevision: 'sha256:5f2b0c9d',
  org: 'etcd-io',
  repo: 'etcd',
  pr: 17234,
  headSha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
  job: 'pull-etcd-unit-test-arm64',
};

describe('prowJobName (Q11)', () => {
  it('is a version-8, RFC-variant UUID that is a valid object name and label value', () => {
    const name = prowJobName(base);
    expect(name).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(dnsSubdomainErrors(name)).toEqual([]);
    expect(isValidLabelValue(name)).toBe(true);
  });

  it('is stable: a retry of the same transition gets the same name', () => {
    expect(prowJobName({ ...base })).toBe(prowJobName(base));
    // A pinned value: the construction must not change silently, or retries after an upgrade duplicate jobs.
    expect(prowJobName(base)).toMatchSnapshot();
  });

  it.each([
    ['a later transition (new baseline revision)', { baselineRevision: 'sha256:77aa' }],
    ['a new head SHA', { headSha: 'ffffffffffffffffffffffffffffffffffffffff' }],
    ['another job', { job: 'pull-etcd-integration' }],
    ['another PR', { pr: 17235 }],
    ['another repo', { repo: 'raft' }],
    ['another org', { org: 'etcd' }],
  ] as const)('changes with %s', (_name, change) => {
    expect(prowJobName({ ...base, ...change })).not.toBe(prowJobName(base));
  });

  it('cannot be fooled by moving characters between fields', () => {
    const a = prowJobName({ ...base, org: 'ab', repo: 'c' });
    const b = prowJobName({ ...base, org: 'a', repo: 'bc' });
    expect(a).not.toBe(b);
  });

  it.each([
    ['baselineRevision', { baselineRevision: '' }],
    ['org', { org: '' }],
    ['headSha', { headSha: '' }],
    ['pr', { pr: 0 }],
    ['pr', { pr: 1.5 }],
  ] as const)('rejects a bad %s with a clear message', (field, change) => {
    expect(() => prowJobName({ ...base, ...change })).toThrow(new RegExp(`^prowJobName: ${field} must be`));
  });
});
