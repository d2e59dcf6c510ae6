import type { ConfigReader } from '../files/config-reader';
import type { DecodedPluginConfig, DecodedTrigger } from './decoded-config';
import { mergeablePluginConfigKeys, pluginConfigKeys } from './prow-go-types';
import type { ConfigSource, TriggerConfig } from '../types';

/**
 * The `triggers:` of the plugin config (R17) and of its supplements (`--supplemental-plugin-config-dir`,
 * files ending in `_pluginconfig.yaml`), appended in order as Prow's `Configuration.mergeFrom` does. A
 * supplement setting a section that has no merging logic is refused, as in Prow.
 */

export const DEFAULT_SUPPLEMENTAL_PLUGIN_CONFIG_SUFFIX = '_pluginconfig.yaml';

function toTrigger(t: DecodedTrigger): TriggerConfig {
  const out: TriggerConfig = {};
  if (t.repos !== undefined) out.repos = t.repos;
  if (t.trusted_apps !== undefined) out.trusted_apps = t.trusted_apps;
  if (t.trusted_org) out.trusted_org = t.trusted_org;
  if (t.only_org_members !== undefined) out.only_org_members = t.only_org_members;
  return out;
}

function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.values(value as object).some(isSet);
  return true;
}

function unmergeable(supplement: Record<string, unknown>): string[] {
  const fields = pluginConfigKeys.filter(
    (key) => !mergeablePluginConfigKeys.includes(key) && isSet(supplement[key]),
  );
  const label = supplement.label as Record<string, unknown> | undefined;
  for (const key of Object.keys(label ?? {})) {
    if (key !== 'restricted_labels' && isSet(label?.[key])) fields.push(`label.${key}`);
  }
  return fields;
}

/** The plugin config's triggers; [] without `--plugin-config`. */
export async function readTriggers(reader: ConfigReader, source: ConfigSource): Promise<TriggerConfig[]> {
  if (!source.pluginConfigPath) return [];
  const main = await reader.document(source.pluginConfigPath, 'plugin', { required: true });
  const triggers = [...((main?.value as DecodedPluginConfig | undefined)?.triggers ?? [])];
  const suffix = source.supplementalPluginConfigsFilenameSuffix ?? DEFAULT_SUPPLEMENTAL_PLUGIN_CONFIG_SUFFIX;
  if (suffix === '') return triggers.map(toTrigger); // Prow skips supplements without a suffix
  for (const dir of source.supplementalPluginConfigDirs ?? []) {
    for (const file of await reader.supplementalFiles(dir, suffix)) {
      const doc = await reader.document(file, 'plugin');
      if (!doc?.value) continue;
      const fields = unmergeable(doc.value);
      if (fields.length > 0) {
        reader.add({
          file,
          message: `failed to merge config from ${file} into main config: supplemental plugin configuration has config that doesn't support merging: ${fields.join(', ')}`,
        });
      }
      triggers.push(...((doc.value as DecodedPluginConfig).triggers ?? []));
    }
  }
  return triggers.map(toTrigger);
}
