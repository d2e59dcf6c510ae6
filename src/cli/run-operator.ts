import { userInfo } from 'node:os';
import { readCommandLine, type FlagName, type FlagSpec } from '../options';
import { connectClient } from '../temporal/connection';
import * as operator from './operator-commands';
import { outputFormat, render } from './output';

/** Runs an operator command: reads its flags, connects to Temporal, acts, prints, closes the connection. */
export async function runOperatorCommand(
  argv: string[],
  flags: Record<string, FlagSpec>,
  accepts: readonly FlagName[],
  action: (module: typeof operator) => (ctx: operator.OperatorContext) => Promise<unknown>,
): Promise<number> {
  const { options, flags: values } = readCommandLine(argv, process.env, flags, accepts);
  const format = outputFormat(values.output ?? 'table');
  /** A text flag's value; empty means not given. */
  const text = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const client = await connectClient(options.temporal);
  try {
    await action(operator)({
      client,
      options,
      by: text('by') ?? (process.env.USER || userInfo().username),
      reason: text('reason'),
      workflowId: text('workflow-id'),
      print: (line) => process.stdout.write(line + '\n'),
      show: async (value, table) => {
        process.stdout.write((await render(format, value, table)) + '\n');
      },
    });
    return 0;
  } finally {
    await client.connection.close();
  }
}
