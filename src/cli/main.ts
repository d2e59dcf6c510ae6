#!/usr/bin/env node
/**
 * The `status-reconciler` command. Each command declares the flags it reads (its help lists exactly those)
 * and loads its code only when it runs: `check-config` and `diff` never load the Temporal SDK, Octokit or the
 * Kubernetes client, and nothing here is imported at start but the flag reader.
 */
import {
  allFlags,
  flagGroups,
  flagsHelp,
  OptionsError,
  readOptions,
  type FlagName,
  type FlagSpec,
} from '../options';
import type { Command } from './command';
import { outputFlag } from './output';

/** Errors whose message is the whole story (no stack trace even with DEBUG). */
const knownErrors = new Set(['OptionsError', 'OperatorError', 'StartupError']);

const actorFlags: Record<string, FlagSpec> = {
  by: { kind: 'string', default: '', help: 'Who is acting (recorded in history); defaults to $USER.' },
  reason: { kind: 'string', default: '', help: 'Why (recorded in history).' },
};
const diffFlags: Record<string, FlagSpec> = {
  'before-config-path': { kind: 'string', default: '', help: 'Prow config before the change.' },
  'before-job-config-path': { kind: 'string', default: '', help: 'Job config before the change.' },
  'after-config-path': { kind: 'string', default: '', help: 'Prow config after the change.' },
  'after-job-config-path': { kind: 'string', default: '', help: 'Job config after the change.' },
  ...outputFlag,
};

type OperatorModule = typeof import('./operator-commands');
type OperatorAction = (ctx: import('./operator-commands').OperatorContext) => Promise<unknown>;

/** A command that talks to the controller: Temporal's connection flags, `--instance`, and its own. */
function operatorCommand(
  summary: string,
  action: (operator: OperatorModule) => OperatorAction,
  own: Record<string, FlagSpec> = actorFlags,
  accepts: readonly FlagName[] = flagGroups.temporal,
): Command {
  return {
    summary,
    accepts,
    flags: own,
    run: async (argv, command) => {
      const { runOperatorCommand } = await import('./run-operator.js');
      return runOperatorCommand(argv, command.flags ?? {}, command.accepts, action);
    },
  };
}

const commands: Record<string, Command> = {
  worker: {
    summary: 'Run a worker: the reconciler, the config watcher, health and metrics (what a deployment runs).',
    accepts: allFlags,
    run: async (argv, command) => {
      const options = readOptions(argv, process.env, command.accepts);
      return (await import('../worker/run-worker.js')).runWorker(options);
    },
  },
  status: operatorCommand(
    'Show the controller: last reconciled revision, pending, running, blocked, health, recent runs.',
    (op) => op.status,
    outputFlag,
  ),
  plan: operatorCommand(
    "Show the running change's plan per repository and the guard's verdict (as terraform plan).",
    (op) => op.plan,
    {
      ...outputFlag,
      'workflow-id': {
        kind: 'string',
        default: '',
        help: 'A change run to show instead of the running one (e.g. a finished dry run: its plan and the PRs it touched).',
      },
    },
  ),
  approve: operatorCommand(
    'Approve the plan held by the blast-radius guard.',
    (op) => (ctx) => op.decide(ctx, true),
  ),
  reject: operatorCommand(
    'Reject the plan held by the blast-radius guard.',
    (op) => (ctx) => op.decide(ctx, false),
  ),
  retry: operatorCommand('Run the failed change that blocks the controller again.', (op) => op.retry),
  skip: operatorCommand(
    'Accept the failed change without reconciling it (--reason required).',
    (op) => op.skip,
  ),
  cancel: operatorCommand('Cancel the running change; it stops between GitHub calls.', (op) => op.cancel, {}),
  signal: operatorCommand('Reconcile the current config files now.', (op) => op.signal, actorFlags, [
    ...flagGroups.temporal,
    ...flagGroups.config,
  ]),
  recover: operatorCommand(
    'Replace a controller that does not answer (its task keeps failing) with a fresh run keeping its baseline.',
    (op) => op.recover,
  ),
  'check-config': {
    summary: "Load and validate the config with Prow's flags; exit 1 and list every error if it is invalid.",
    accepts: flagGroups.config,
    flags: outputFlag,
    run: async (argv, command) => (await import('./config-commands.js')).checkConfigCommand(argv, command),
  },
  diff: {
    summary: 'Offline diff of two config trees: what a change would trigger, retire and migrate.',
    accepts: [],
    flags: diffFlags,
    run: async (argv, command) => (await import('./config-commands.js')).diffCommand(argv, command),
  },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(13)} ${c.summary}`);
  return `Usage: status-reconciler <command> [flags]\n\nCommands:\n${lines.join('\n')}\n\nRun "status-reconciler <command> --help" for its flags.\n`;
}

function commandHelp(name: string, command: Command): string {
  const help = flagsHelp(command.flags, command.accepts);
  return (
    `status-reconciler ${name}: ${command.summary}\n\n` +
    `Usage: status-reconciler ${name}${help ? ' [flags]' : ''}\n` +
    (help ? `\nFlags:\n${help}\n` : '')
  );
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    process.stderr.write(`status-reconciler: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(commandHelp(name, command));
    return 0;
  }
  try {
    return await command.run(rest, command);
  } catch (err) {
    process.stderr.write(`status-reconciler ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    const known = err instanceof OptionsError || (err instanceof Error && knownErrors.has(err.name));
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
