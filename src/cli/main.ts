#!/usr/bin/env node
import { userInfo } from 'node:os';
import { checkConfig } from '../config/check-config';
import { flagsHelp, OptionsError, parseFlags, readOptions, readValue, type FlagSpec } from '../options';
import { connectClient } from '../temporal/connection';
import { runWorker } from '../worker/run-worker';
import { applyDemoChange, runDev } from './dev';
import { offlineDiff } from './offline-diff';
import * as operator from './operator-commands';

const operatorFlags: Record<string, FlagSpec> = {
  by: { kind: 'string', default: '', help: 'Who is acting (recorded in history); defaults to $USER.' },
  reason: { kind: 'string', default: '', help: 'Why (recorded in history).' },
};
const diffFlags: Record<string, FlagSpec> = {
  'before-config-path': { kind: 'string', default: '', help: 'Prow config before the change.' },
  'before-job-config-path': { kind: 'string', default: '', help: 'Job config before the change.' },
  'after-config-path': { kind: 'string', default: '', help: 'Prow config after the change.' },
  'after-job-config-path': { kind: 'string', default: '', help: 'Job config after the change.' },
  output: { kind: 'string', default: 'json', help: 'Output format: json.' },
};

interface Command {
  summary: string;
  flags?: Record<string, FlagSpec>;
  /** Its help lists only its own flags (it does not take the worker's). */
  ownFlagsOnly?: boolean;
  run(argv: string[]): Promise<number>;
}

const operatorCommand = (
  summary: string,
  action: (ctx: operator.OperatorContext) => Promise<unknown>,
): Command => ({
  summary,
  flags: operatorFlags,
  run: async (argv) => {
    const options = readOptions(argv, process.env, operatorFlags);
    const client = await connectClient(options.temporal);
    try {
      await action({
        client,
        options,
        by: (options.command.by as string) || process.env.USER || userInfo().username,
        reason: (options.command.reason as string) || undefined,
        print: (line) => process.stdout.write(line + '\n'),
      });
      return 0;
    } finally {
      await client.connection.close();
    }
  },
});

const commands: Record<string, Command> = {
  worker: {
    summary: 'Run a worker: the reconciler, the config watcher, health and metrics (what a deployment runs).',
    run: (argv) => runWorker(readOptions(argv)),
  },
  dev: {
    summary: 'Local demo: Temporal dev server with Web UI, GitHub and Kubernetes sandboxes, and a worker.',
    run: (argv) => runDev(argv),
  },
  status: operatorCommand(
    'Show the controller: last reconciled revision, pending, blocked, health.',
    operator.status,
  ),
  plan: operatorCommand("Show the running change's plan and guard verdict.", operator.plan),
  approve: operatorCommand('Approve the plan held by the blast-radius guard (--by, --reason).', (ctx) =>
    operator.decide(ctx, true),
  ),
  reject: operatorCommand('Reject the plan held by the blast-radius guard (--by, --reason).', (ctx) =>
    operator.decide(ctx, false),
  ),
  retry: operatorCommand('Run the failed change that blocks the controller again.', operator.retry),
  skip: operatorCommand(
    'Accept the failed change without reconciling it (--reason required).',
    operator.skip,
  ),
  cancel: operatorCommand('Cancel the running change; it stops between GitHub calls.', operator.cancel),
  signal: operatorCommand('Reconcile the current config files now.', operator.signal),
  recover: operatorCommand(
    'Replace a controller that does not answer (its task keeps failing) with a fresh run keeping its baseline.',
    operator.recover,
  ),
  'demo-change': {
    summary: 'Apply an example change (examples/changes/<name>) to the running `npm start` demo.',
    run: async (argv) => {
      process.stdout.write(applyDemoChange(argv[0] ?? '') + '\n');
      return 0;
    },
  },
  'check-config': {
    summary: "Load and validate the config with Prow's flags; exit 1 and list every error if it is invalid.",
    run: async (argv) => {
      const result = await checkConfig(readOptions(argv).config);
      if (result.ok) {
        process.stdout.write(result.summary + '\n');
        return 0;
      }
      for (const line of result.errors) process.stdout.write(line + '\n');
      return 1;
    },
  },
  diff: {
    summary: 'Offline diff of two config trees: what a change would trigger, retire and migrate.',
    flags: diffFlags,
    ownFlagsOnly: true,
    run: async (argv) => {
      const { raw } = parseFlags(argv, diffFlags);
      const flag = (name: string): string =>
        readValue(raw, name, diffFlags[name] as FlagSpec, process.env) as string;
      if (flag('output') !== 'json')
        throw new OptionsError(`--output ${flag('output')} is not supported; use json`);
      for (const name of ['before-config-path', 'after-config-path'])
        if (!flag(name)) throw new OptionsError(`--${name} is mandatory`);
      const result = await offlineDiff(
        {
          configPath: flag('before-config-path'),
          jobConfigPath: flag('before-job-config-path') || undefined,
        },
        { configPath: flag('after-config-path'), jobConfigPath: flag('after-job-config-path') || undefined },
      );
      process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      return 0;
    },
  },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(13)} ${c.summary}`);
  return `Usage: status-reconciler <command> [flags]\n\nCommands:\n${lines.join('\n')}\n\nRun "status-reconciler <command> --help" for its flags.\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`status-reconciler: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    const help = flagsHelp(command.flags, command.ownFlagsOnly);
    process.stdout.write(`status-reconciler ${name}: ${command.summary}\n\nFlags:\n${help}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    const known = err instanceof OptionsError || err instanceof operator.OperatorError;
    process.stderr.write(`status-reconciler ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    if (!known && err instanceof Error && process.env.DEBUG) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`status-reconciler: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
