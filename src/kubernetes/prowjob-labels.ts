import path from 'node:path';
import { isValidLabelValue, labelValueMaxLength } from './object-meta-rules';
import type { ProwJobSpec } from './prowjob-types';

/** Label and annotation keys Prow puts on ProwJobs (pkg/kube/prowjob.go, pkg/github/types.go; spec §17). */
export const prowLabel = {
  createdByProw: 'created-by-prow',
  type: 'prow.k8s.io/type',
  job: 'prow.k8s.io/job',
  context: 'prow.k8s.io/context',
  org: 'prow.k8s.io/refs.org',
  repo: 'prow.k8s.io/refs.repo',
  baseRef: 'prow.k8s.io/refs.base_ref',
  pull: 'prow.k8s.io/refs.pull',
  isOptional: 'prow.k8s.io/is-optional',
  eventGuid: 'event-GUID',
} as const;

export interface LabelsAndAnnotations {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** A label value as Prow shortens it: cut to 63 bytes, then trailing `.`, `_` and `-` trimmed. */
export function truncatedLabelValue(value: string): string {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length <= labelValueMaxLength) return value;
  // Go slices bytes; a cut inside a multi-byte character decodes to U+FFFD here and to a stray byte in
  // Go, and either way the value stays invalid and meets the same fate below.
  return bytes
    .subarray(0, labelValueMaxLength)
    .toString('utf8')
    .replace(/[._-]+$/, '');
}

/** Go's `filepath.Base` on Unix. */
function goBase(value: string): string {
  if (value === '') return '.';
  const trimmed = value.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return path.posix.basename(trimmed);
}

function sorted(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Prow's `decorate.LabelsAndAnnotationsForSpec` (spec §7.1): generated labels, then the extra labels
 * (the job's labels, `event-GUID`, `prow.k8s.io/is-optional`) override them; every value that is not a
 * valid label value is replaced by its path basename when that is valid, else the label is dropped.
 * Annotations carry the full job name and context, then the extra annotations win. Keys are sorted, as
 * Go's JSON encoder writes maps.
 */
export function labelsAndAnnotationsForSpec(
  spec: ProwJobSpec,
  extraLabels: Record<string, string>,
  extraAnnotations: Record<string, string>,
): LabelsAndAnnotations {
  const labels: Record<string, string> = {
    [prowLabel.createdByProw]: 'true',
    [prowLabel.type]: spec.type,
  };
  const annotations: Record<string, string> = {};
  for (const [key, value] of [
    [prowLabel.job, spec.job],
    [prowLabel.context, spec.context ?? ''],
  ] as const) {
    labels[key] = truncatedLabelValue(value);
    annotations[key] = value;
  }
  const refs = spec.refs ?? (spec.extra_refs?.[0] as unknown as ProwJobSpec['refs']);
  if (refs) {
    labels[prowLabel.org] = refs.org;
    labels[prowLabel.repo] = refs.repo;
    labels[prowLabel.baseRef] = refs.base_ref ?? '';
    const firstPull = refs.pulls?.[0];
    if (firstPull) labels[prowLabel.pull] = String(firstPull.number);
  }
  Object.assign(labels, extraLabels);
  for (const [key, value] of Object.entries(labels)) {
    if (isValidLabelValue(value)) continue;
    const base = goBase(value);
    if (isValidLabelValue(base)) labels[key] = base;
    else delete labels[key];
  }
  Object.assign(annotations, extraAnnotations);
  return { labels: sorted(labels), annotations: sorted(annotations) };
}
