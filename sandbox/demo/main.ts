#!/usr/bin/env node
/**
 * The local demo's own entry point (`npm start` runs it after the build). It is not part of the
 * `status-reconciler` command: the production build (tsconfig.prod.json, the Dockerfile) compiles src/,
 * workflows/ and activities/ only, so no double reaches the image.
 *
 *   node dist/sandbox/demo/main.js [worker flags]   the demo: Temporal dev server with its Web UI, the GitHub
 *                                                  and Kubernetes doubles, and a worker (flags go to it)
 *   node dist/sandbox/demo/main.js change <name>    copy examples/changes/<name> over the running demo's jobs
 */
import { OptionsError } from '../../src/options';
import { applyDemoChange, runDev } from './dev';

export const demoUsage =
  'Usage:\n' +
  '  node dist/sandbox/demo/main.js [worker flags]   the local demo (npm start): Temporal dev server with Web UI,\n' +
  '                                                 GitHub and Kubernetes sandboxes, and a worker; the flags go\n' +
  '                                                 to the worker (`node dist/src/cli/main.js worker --help`)\n' +
  '  node dist/sandbox/demo/main.js change <name>    apply an example change (examples/changes/<name>) to the\n' +
  '                                                 running demo\n';

/** Runs the demo, or applies a change to the running one; the exit code. */
export async function demoMain(
  argv: string[],
  out: (text: string) => void = (text) => process.stdout.write(text),
  err: (text: string) => void = (text) => process.stderr.write(text),
): Promise<number> {
  const [first, ...rest] = argv;
  if (first === 'help' || first === '--help' || first === '-h') {
    out(demoUsage);
    return 0;
  }
  try {
    if (first === 'change') {
      if (rest.length !== 1) {
        err(`demo change: expected one change name, got ${rest.length}\n\n${demoUsage}`);
        return 2;
      }
      out(applyDemoChange(rest[0] ?? '') + '\n');
      return 0;
    }
    if (first !== undefined && !first.startsWith('-')) {
      err(`demo: unknown command "${first}"\n\n${demoUsage}`);
      return 2;
    }
    return await runDev(argv);
  } catch (error) {
    err(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    if (!(error instanceof OptionsError) && error instanceof Error && process.env.DEBUG)
      err(`${error.stack}\n`);
    return 1;
  }
}

if (require.main === module) {
  demoMain(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`demo: ${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
