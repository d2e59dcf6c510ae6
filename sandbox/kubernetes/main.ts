/**
 * Runs the Kubernetes double as a process, for `npm start` and manual runs:
 *
 *   node dist/sandbox/kubernetes/main.js [--port=N] [--namespace=NS]... [--kubeconfig-out=PATH]
 *
 * The bearer token comes from `$KUBERNETES_DOUBLE_TOKEN`, else it is random. A kubeconfig for the double
 * is written (default `.data/kubernetes-double/kubeconfig`, mode 0600) for `--kubeconfig`; one JSON line
 * on stdout tells where the double listens and where the kubeconfig is. SIGINT or SIGTERM stops it.
 */
import path from 'node:path';
import { createLogger, type Logger } from '../../src/log';
import { projectRoot } from '../../src/project-root';
import { startKubernetesDouble, type KubernetesDouble } from './server';

export interface KubernetesDoubleCommand {
  port: number;
  namespaces: string[];
  kubeconfigOut: string;
}

export function parseKubernetesDoubleArgs(argv: readonly string[]): KubernetesDoubleCommand {
  const command: KubernetesDoubleCommand = {
    port: 0,
    namespaces: [],
    kubeconfigOut: path.join(projectRoot, '.data', 'kubernetes-double', 'kubeconfig'),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const m = /^--?([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`kubernetes double: unexpected argument ${JSON.stringify(arg)}`);
    const flag = m[1] ?? '';
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`kubernetes double: --${flag} needs a value`);
    switch (flag) {
      case 'port': {
        const port = Number(value);
        if (!Number.isInteger(port) || port < 0 || port > 65535) {
          throw new Error(
            `kubernetes double: --port must be an integer 0..65535, got ${JSON.stringify(value)}`,
          );
        }
        command.port = port;
        break;
      }
      case 'namespace':
        command.namespaces.push(value);
        break;
      case 'kubeconfig-out':
        command.kubeconfigOut = path.resolve(value);
        break;
      default:
        throw new Error(
          `kubernetes double: unknown flag --${flag} (known: --port, --namespace, --kubeconfig-out)`,
        );
    }
  }
  if (command.namespaces.length === 0) command.namespaces.push('prow');
  return command;
}

/** Starts the double, writes its kubeconfig and reports where both are (one JSON line). */
export async function runKubernetesDouble(
  argv: readonly string[],
  report: (line: string) => void = (line) => process.stdout.write(line),
  logger: Logger = createLogger({ component: 'kubernetes-double' }),
): Promise<KubernetesDouble> {
  const command = parseKubernetesDoubleArgs(argv);
  const double = await startKubernetesDouble({
    port: command.port,
    namespace: command.namespaces,
    token: process.env.KUBERNETES_DOUBLE_TOKEN || undefined,
    logger,
  });
  const kubeconfig = double.writeKubeconfig(command.kubeconfigOut);
  report(JSON.stringify({ url: double.url, namespaces: command.namespaces, kubeconfig }) + '\n');
  return double;
}

if (require.main === module) {
  runKubernetesDouble(process.argv.slice(2)).then(
    (double) => {
      const stop = (): void => {
        double.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (err: unknown) => {
      process.stderr.write(`${(err as Error).message}\n`);
      process.exit(2);
    },
  );
}
