import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { projectRoot } from '../../src/project-root';
import type { IndexedPresubmit, PresubmitsByRepo } from '../../src/config/types';

/**
 * A client of the Prow config oracle (test/oracle/prow-config-oracle, built by scripts/build-prow-oracle.sh):
 * Prow's own `config.Load` run in batch mode, one JSON request line in, one verdict line out, so that
 * thousands of variants share one process.
 */

/** What a loader says about a config tree: loads (with its presubmit index) or refuses. */
export interface Verdict {
  ok: boolean;
  /** The refusal's message. */
  error?: string;
  /** Prow's loader panicked (Prow would crash on this config): counts as a refusal. */
  panic?: string;
  /** Our loader threw something other than a config error: always a divergence. */
  crash?: string;
  repos?: PresubmitsByRepo<IndexedPresubmit>;
  presubmits: number;
}

export const ORACLE_BINARY =
  process.env.PROW_CONFIG_ORACLE ?? path.join(projectRoot, '.tools', 'bin', 'prow-config-oracle');

export const oracleAvailable = (): boolean => existsSync(ORACLE_BINARY);

export class ProwOracle {
  private readonly waiting: ((line: string) => void)[] = [];
  private exited: string | undefined;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => this.waiting.shift()?.(line));
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code, signal) => {
      this.exited = `prow-config-oracle exited (code ${code}, signal ${signal}): ${stderr.trim()}`;
      for (const reject of this.waiting.splice(0)) reject('');
    });
  }

  static start(binary = ORACLE_BINARY): ProwOracle {
    return new ProwOracle(spawn(binary, ['-batch'], { stdio: ['pipe', 'pipe', 'pipe'] }));
  }

  /** Prow's verdict on a config file and an optional job config directory. */
  load(config: string, jobConfig = ''): Promise<Verdict> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    return new Promise((resolve, reject) => {
      this.waiting.push((line) => {
        if (!line) return reject(new Error(this.exited ?? 'prow-config-oracle closed its output'));
        const answer = JSON.parse(line) as Verdict;
        resolve(answer.panic ? { ...answer, ok: false } : answer);
      });
      this.child.stdin.write(`${JSON.stringify({ config, jobConfig })}\n`);
    });
  }

  close(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.on('exit', () => resolve());
      this.child.stdin.end();
    });
  }
}
