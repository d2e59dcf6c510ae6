import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createLogger } from '../../src/log';
import { startGitHubDouble, type GitHubDouble } from './github-double';
import type { GitHubDoubleLimits } from './rate-limits';
import { loadScenarioFile, type GitHubScenario } from './scenario';
import { generateScenario } from './scenario-generator';

/**
 * Command entry of the GitHub double for the demo (`npm start` wires it in):
 *
 *   node dist/sandbox/github/main.js --port 8081 --scenario examples/github-scenario.yaml \
 *     --private-key-file .data/github-app.pem
 *
 * Options:
 *   --port N                 listen on 127.0.0.1:N (default 0: any free port, printed)
 *   --scenario FILE          YAML or JSON scenario (GitHubScenario)
 *   --generate R,P,C,SEED    generated scenario: R repos, P PRs per repo, C contexts per PR
 *   --private-key-file FILE  reuse the App key from FILE, or write the generated one there (0600),
 *                            so a worker can authenticate as the sandbox App
 *   --limits github|off      GitHub's default limits (default) or none
 *   --html-origin URL        origin of html_url links (default https://github.com)
 */
export interface GitHubDoubleCommand {
  port: number;
  scenario: GitHubScenario;
  privateKeyFile?: string;
  limits: GitHubDoubleLimits;
  htmlOrigin?: string;
}

export function parseGitHubDoubleArgs(argv: string[]): GitHubDoubleCommand {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '0' },
      scenario: { type: 'string' },
      generate: { type: 'string' },
      'private-key-file': { type: 'string' },
      limits: { type: 'string', default: 'github' },
      'html-origin': { type: 'string' },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port: not a port number: ${values.port}`);
  if (values.limits !== 'github' && values.limits !== 'off')
    throw new Error(`--limits: must be github or off, not ${values.limits}`);
  if (values.scenario && values.generate) throw new Error('--scenario and --generate exclude each other');
  let scenario: GitHubScenario = {};
  if (values.scenario) scenario = loadScenarioFile(values.scenario);
  if (values.generate) {
    const parts = values.generate.split(',').map(Number);
    if (parts.length !== 4 || parts.some((n) => !Number.isInteger(n) || n < 0)) {
      throw new Error(
        `--generate: expected REPOS,PRS,CONTEXTS,SEED as non-negative integers, not ${values.generate}`,
      );
    }
    const [repos, prsPerRepo, contextsPerPr, seed] = parts as [number, number, number, number];
    scenario = generateScenario({ repos, prsPerRepo, contextsPerPr, seed });
  }
  return {
    port,
    scenario,
    privateKeyFile: values['private-key-file'],
    limits: values.limits === 'off' ? { primary: false, secondary: false } : {},
    htmlOrigin: values['html-origin'],
  };
}

export async function runGitHubDouble(argv: string[]): Promise<GitHubDouble> {
  const log = createLogger({ component: 'github-double' });
  const cmd = parseGitHubDoubleArgs(argv);
  const keyFile = cmd.privateKeyFile;
  const privateKeyPem = keyFile && existsSync(keyFile) ? readFileSync(keyFile, 'utf8') : undefined;
  const double = await startGitHubDouble({
    port: cmd.port,
    scenario: cmd.scenario,
    limits: cmd.limits,
    htmlOrigin: cmd.htmlOrigin,
    privateKeyPem,
    logger: log,
  });
  if (keyFile && !privateKeyPem) {
    writeFileSync(keyFile, double.app.privateKeyPem, { mode: 0o600 });
    chmodSync(keyFile, 0o600);
  }
  log.info('github double listening', {
    url: double.url,
    appId: double.app.appId,
    installationId: double.app.installationId,
    keyFile,
    repos: double.state.repos.size,
  });
  return double;
}

if (require.main === module) {
  runGitHubDouble(process.argv.slice(2)).then(
    (double) => {
      const stop = () => void double.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(2);
    },
  );
}
