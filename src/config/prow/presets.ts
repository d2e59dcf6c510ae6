import { isDeepStrictEqual } from 'node:util';
import type { DecodedPreset, PodSpecJson, TolerationJson } from './decoded-config';

/**
 * Prow's presets (V6, `resolvePresets` and `mergePreset`): every preset whose labels all appear with the
 * same values among the job's labels (a preset without labels matches every job) adds its env vars and
 * volume mounts to each container and its volumes and tolerations to the pod. A name already present
 * is an error, and Prow stops at the first one of a job.
 *
 * Returns a new pod spec; the one given (possibly shared through the parse cache) is never changed.
 */
export function applyPresets(
  jobName: string,
  labels: Record<string, string> | undefined,
  spec: PodSpecJson | undefined,
  presets: readonly DecodedPreset[],
): { spec: PodSpecJson | undefined; error?: string } {
  if (!spec) return { spec };
  let merged: PodSpecJson | undefined;
  for (const preset of candidates(presets, labels)) {
    if (!presetMatches(preset, labels)) continue;
    merged ??= {
      ...spec,
      containers: (spec.containers ?? []).map((c) => ({
        ...c,
        env: c.env && [...c.env],
        volumeMounts: c.volumeMounts && [...c.volumeMounts],
      })),
      volumes: spec.volumes && [...spec.volumes],
      tolerations: spec.tolerations && [...spec.tolerations],
    };
    const error = mergePreset(preset, merged);
    if (error) return { spec: merged, error: `job ${jobName} failed to merge presets for podspec: ${error}` };
  }
  if (merged) {
    // Keep the shape of the input: no keys for lists the job and its presets leave empty.
    for (const key of ['volumes', 'tolerations'] as const) if (merged[key] === undefined) delete merged[key];
    for (const c of merged.containers ?? []) {
      if (c.env === undefined) delete c.env;
      if (c.volumeMounts === undefined) delete c.volumeMounts;
    }
  }
  return { spec: merged ?? spec };
}

interface PresetIndex {
  /** Presets without labels: they match every job. */
  unlabeled: number[];
  /** Presets by one of their label keys: a job without that label cannot match them. */
  byKey: Map<string, number[]>;
}
const indexes = new WeakMap<readonly DecodedPreset[], PresetIndex>();

/** The presets that may match a job's labels, in preset order (the merge order). */
function candidates(
  presets: readonly DecodedPreset[],
  labels: Record<string, string> | undefined,
): DecodedPreset[] {
  let index = indexes.get(presets);
  if (!index) {
    index = { unlabeled: [], byKey: new Map() };
    for (const [i, preset] of presets.entries()) {
      const key = Object.keys(preset.labels ?? {})[0];
      if (key === undefined) index.unlabeled.push(i);
      else index.byKey.set(key, [...(index.byKey.get(key) ?? []), i]);
    }
    indexes.set(presets, index);
  }
  const picked = [...index.unlabeled];
  for (const key in labels ?? {}) picked.push(...(index.byKey.get(key) ?? []));
  return picked.sort((a, b) => a - b).map((i) => presets[i] as DecodedPreset);
}

function presetMatches(preset: DecodedPreset, labels: Record<string, string> | undefined): boolean {
  const wanted = preset.labels;
  if (!wanted) return true;
  for (const key in wanted) if (labels?.[key] !== wanted[key]) return false;
  return true;
}

function mergePreset(preset: DecodedPreset, spec: PodSpecJson): string | undefined {
  const containers = spec.containers ?? [];
  for (const env of preset.env ?? []) {
    for (const c of containers) {
      if ((c.env ?? []).some((e) => e.name === env.name))
        return `env var duplicated in pod spec: ${env.name ?? ''}`;
      c.env = [...(c.env ?? []), env];
    }
  }
  for (const volume of preset.volumes ?? []) {
    if ((spec.volumes ?? []).some((v) => v.name === volume.name))
      return `volume duplicated in pod spec: ${volume.name ?? ''}`;
    spec.volumes = [...(spec.volumes ?? []), volume];
  }
  for (const mount of preset.volumeMounts ?? []) {
    for (const c of containers) {
      if ((c.volumeMounts ?? []).some((m) => m.name === mount.name)) {
        return `volume mount duplicated in pod spec: ${mount.name ?? ''}`;
      }
      c.volumeMounts = [...(c.volumeMounts ?? []), mount];
    }
  }
  for (const toleration of preset.tolerations ?? []) {
    if ((spec.tolerations ?? []).some((t) => isDeepStrictEqual(t, toleration))) {
      return `toleration duplicated in pod spec: ${formatToleration(toleration)}`;
    }
    spec.tolerations = [...(spec.tolerations ?? []), toleration];
  }
  return undefined;
}

/** Go's %v of a v1.Toleration: `{key Equal value NoSchedule <nil>}`. */
function formatToleration(t: TolerationJson): string {
  return `{${t.key ?? ''} ${t.operator ?? ''} ${t.value ?? ''} ${t.effect ?? ''} ${t.tolerationSeconds ?? '<nil>'}}`;
}
