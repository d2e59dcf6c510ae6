import { OptionsError, type FlagSpec } from '../options';

/** How a command prints its result: a table for people, or JSON or YAML for scripts (docs/cli-output.md). */
export type OutputFormat = 'table' | 'json' | 'yaml';

export const outputFlag: Record<string, FlagSpec> = {
  output: {
    kind: 'string',
    default: 'table',
    short: 'o',
    help: 'Output format: table (for people), json or yaml (for scripts; the shapes are in docs/cli-output.md).',
  },
};

export function outputFormat(value: unknown): OutputFormat {
  if (value === 'table' || value === 'json' || value === 'yaml') return value;
  throw new OptionsError(`--output ${String(value)} is not supported; use table, json or yaml`);
}

/**
 * The text to print: `table(value)` for people; for scripts the value itself, as JSON (two-space indented)
 * or as YAML of the same content. The `yaml` package is loaded only when asked for.
 */
export async function render<T>(
  format: OutputFormat,
  value: T,
  table: (value: T) => string,
): Promise<string> {
  if (format === 'json') return JSON.stringify(value, null, 2);
  if (format === 'yaml') {
    const { stringify } = await import('yaml');
    return stringify(value).trimEnd();
  }
  return table(value);
}
