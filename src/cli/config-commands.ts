import { checkConfig } from '../config/check-config';
import { defaultCacheDir } from '../config/load-cache-file';
import { OptionsError, parseFlags, readCommandLine, readValue, type FlagSpec } from '../options';
import { checkConfigTable } from './check-config-view';
import { diffTable } from './diff-view';
import type { Command } from './command';
import { offlineDiff } from './offline-diff';
import { outputFormat, render } from './output';

/**
 * `check-config`: for people, a summary line and a table per repository, or one line per error; with `-o json|yaml`,
 * `{ok, revision, presubmits, repositories}` or `{ok: false, errors}`. Exit 1 when the config is invalid.
 */
export async function checkConfigCommand(argv: string[], command: Command): Promise<number> {
  const { options, flags } = readCommandLine(argv, process.env, command.flags, command.accepts);
  const format = outputFormat(flags.output);
  const cacheDir = defaultCacheDir();
  // Nothing else runs in this process: files are read with synchronous calls, a tenth of the cost.
  const result = await checkConfig(options.config, { syncReads: true, ...(cacheDir ? { cacheDir } : {}) });
  const value = result.ok
    ? {
        ok: true,
        revision: result.revision,
        presubmits: result.presubmits,
        repositories: result.repositories,
      }
    : { ok: false, errors: result.errors };
  const table = (): string => (result.ok ? checkConfigTable(result) : result.errors.join('\n'));
  process.stdout.write((await render(format, value, table)) + '\n');
  return result.ok ? 0 : 1;
}

/** `diff`: per repository, the presubmits two config trees add, remove and migrate. */
export async function diffCommand(argv: string[], command: Command): Promise<number> {
  const specs = command.flags ?? {};
  const { raw } = parseFlags(argv, specs, command.accepts);
  const flag = (name: string): string => readValue(raw, name, specs[name] as FlagSpec, process.env) as string;
  const format = outputFormat(flag('output'));
  for (const name of ['before-config-path', 'after-config-path'])
    if (!flag(name)) throw new OptionsError(`--${name} is mandatory`);
  const result = await offlineDiff(
    { configPath: flag('before-config-path'), jobConfigPath: flag('before-job-config-path') || undefined },
    { configPath: flag('after-config-path'), jobConfigPath: flag('after-job-config-path') || undefined },
  );
  process.stdout.write((await render(format, result, diffTable)) + '\n');
  return 0;
}
