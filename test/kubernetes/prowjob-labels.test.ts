import { buildPresubmitProwJob } from '../../src/kubernetes/prowjob';
import { labelsAndAnnotationsForSpec, truncatedLabelValue } from '../../src/kubernetes/prowjob-labels';
import { isValidLabelValue } from '../../src/kubernetes/object-meta-rules';
import type { ProwJobSpec } from '../../src/kubernetes/prowjob-types';
import { prowJobInput, pullRequest, realisticPresubmit } from './presubmit-fixture';

describe('ProwJob labels and annotations (decorate.LabelsAndAnnotationsForSpec, spec §7.1)', () => {
  it.each([
    ['short value unchanged', 'pull-unit', 'pull-unit'],
    ['exactly 63 kept', 'x'.repeat(63), 'x'.repeat(63)],
    ['64 cut to 63', 'y'.repeat(64), 'y'.repeat(63)],
    ['cut, then trailing . _ - trimmed', 'a'.repeat(60) + '._-xyz', 'a'.repeat(60)],
    ['only the cut end is trimmed', '-' + 'a'.repeat(70), '-' + 'a'.repeat(62)],
    ['a short value keeps its trailing dash', 'abc-', 'abc-'],
  ])('truncation: %s', (_name, value, expected) => {
    expect(truncatedLabelValue(value)).toBe(expected);
    expect(Buffer.byteLength(truncatedLabelValue(value))).toBeLessThanOrEqual(63);
  });

  it('counts bytes as Go does: a cut inside a character leaves an invalid value, so the label is dropped', () => {
    const context = 'a'.repeat(62) + 'é'; // 64 bytes; Go cuts the é in half
    const { labels } = labelsAndAnnotationsForSpec({ type: 'presubmit', job: 'j', context }, {}, {});
    expect(isValidLabelValue(truncatedLabelValue(context))).toBe(false);
    expect(labels).not.toHaveProperty('prow.k8s.io/context');
  });

  it('cuts the job and context labels but keeps full values in the annotations', () => {
    const name = `pull-kubernetes-e2e-${'very-long-'.repeat(6)}suffix`; // 86 characters
    const context = `ci/${'context.'.repeat(8)}`; // ends in a dot once cut
    const job = buildPresubmitProwJob(prowJobInput({ presubmit: realisticPresubmit({ name, context }) }));
    expect(job.metadata.labels?.['prow.k8s.io/job']).toBe(name.slice(0, 63).replace(/[._-]+$/, ''));
    expect(job.metadata.labels?.['prow.k8s.io/job']?.length).toBeLessThanOrEqual(63);
    expect(job.metadata.annotations?.['prow.k8s.io/job']).toBe(name);
    expect(job.metadata.annotations?.['prow.k8s.io/context']).toBe(context);
    // "ci/context.context…" is not a valid label value even when short: its basename is used.
    expect(job.metadata.labels?.['prow.k8s.io/context']).toBe(
      truncatedLabelValue(context)
        .slice(3)
        .replace(/[._-]+$/, ''),
    );
  });

  it.each([
    ['valid value kept', 'pull-unit', 'pull-unit'],
    ['path: basename used', 'ci/prow/unit', 'unit'],
    ['trailing slash: Go basename of the trimmed path', 'ci/prow/unit/', 'unit'],
    ['basename invalid too: dropped', 'ci/prow unit', undefined],
    ['only slashes: "/" is invalid, dropped', '///', undefined],
    ['empty value is a valid label value', '', ''],
  ])('invalid values: %s', (_name, context, expected) => {
    const spec: ProwJobSpec = { type: 'presubmit', job: 'j', context };
    const { labels } = labelsAndAnnotationsForSpec(spec, {}, {});
    if (expected === undefined) expect(labels).not.toHaveProperty('prow.k8s.io/context');
    else expect(labels['prow.k8s.io/context']).toBe(expected);
  });

  it('applies the job labels, event-GUID and is-optional last (they override generated labels)', () => {
    const presubmit = realisticPresubmit({
      optional: true,
      labels: {
        'prow.k8s.io/type': 'custom',
        'prow.k8s.io/refs.org': 'override',
        'event-GUID': 'from-job',
        'prow.k8s.io/is-optional': 'from-job',
        'team/name': 'sig-etcd/unit',
        bad: 'has space',
      },
    });
    const { labels } = buildPresubmitProwJob(prowJobInput({ presubmit })).metadata;
    expect(labels).toMatchObject({
      'prow.k8s.io/type': 'custom',
      'prow.k8s.io/refs.org': 'override',
      'event-GUID': 'none',
      'prow.k8s.io/is-optional': 'true',
      'team/name': 'unit',
    });
    expect(labels).not.toHaveProperty('bad');
    for (const value of Object.values(labels ?? {})) expect(isValidLabelValue(value)).toBe(true);
  });

  it("passes additional labels like Prow's additionalLabels, before event-GUID and is-optional", () => {
    const { labels } = buildPresubmitProwJob(
      prowJobInput({ additionalLabels: { extra: 'yes', 'event-GUID': 'ignored' }, eventGuid: 'abc-123' }),
    ).metadata;
    expect(labels).toMatchObject({ extra: 'yes', 'event-GUID': 'abc-123' });
  });

  it('labels the refs of the pull request, and a branch with slashes by its basename', () => {
    const pr = pullRequest({
      number: 42,
      base: { ref: 'release/3.6', repo: { name: 'etcd', owner: { login: 'etcd-io' } } },
    });
    const { labels } = buildPresubmitProwJob(prowJobInput({ pullRequest: pr })).metadata;
    expect(labels).toMatchObject({
      'prow.k8s.io/refs.org': 'etcd-io',
      'prow.k8s.io/refs.repo': 'etcd',
      'prow.k8s.io/refs.base_ref': '3.6',
      'prow.k8s.io/refs.pull': '42',
    });
  });

  it('lets the job annotations win over the generated ones', () => {
    const presubmit = realisticPresubmit({ annotations: { 'prow.k8s.io/job': 'renamed', note: 'x' } });
    const { annotations } = buildPresubmitProwJob(prowJobInput({ presubmit })).metadata;
    expect(annotations).toEqual({
      'prow.k8s.io/context': 'pull-etcd-unit-test-arm64',
      'prow.k8s.io/job': 'renamed',
      note: 'x',
    });
  });

  it('writes label and annotation keys sorted, as Go encodes maps', () => {
    const { labels, annotations } = buildPresubmitProwJob(prowJobInput()).metadata;
    for (const map of [labels, annotations]) {
      const keys = Object.keys(map ?? {});
      expect(keys).toEqual([...keys].sort());
    }
  });

  it('uses the first pull of the refs and no pull label without pulls', () => {
    const spec: ProwJobSpec = {
      type: 'presubmit',
      job: 'j',
      refs: { org: 'o', repo: 'r', base_ref: 'main' },
    };
    expect(labelsAndAnnotationsForSpec(spec, {}, {}).labels).not.toHaveProperty('prow.k8s.io/refs.pull');
  });
});
