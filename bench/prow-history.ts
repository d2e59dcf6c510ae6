import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../src/project-root';
import { ORACLE_BINARY, oracleAvailable, ProwOracle, type Verdict } from '../test/oracle/prow-oracle';
import { describeDivergence, divergence, ourVerdict } from '../test/oracle/verdicts';

/**
 * Real history against Prow's own loader (issue 12, item 4): for each kubernetes/test-infra commit listed in
 * test/oracle/history-commits.txt, exports that commit's Prow config (config/prow/config.yaml and
 * config/jobs/) into a scratch directory, loads it with Prow's `config.Load` (the oracle,
 * scripts/build-prow-oracle.sh) and with ours, and prints both verdicts, counts and times, and any
 * divergence (verdict, repositories or presubmit index). Nothing fetched is kept.
 *
 * Usage (compiled): node dist/bench/prow-history.js [TEST_INFRA_GIT_DIR] [COMMITS_FILE]
 * The git directory defaults to $TEST_INFRA_GIT or /work/.mirror/kubernetes+test-infra/repo (a bare clone
 * of kubernetes/test-infra); without it the benchmark says so and exits 1.
 */
const CONFIG_PATHS = ['config/prow/config.yaml', 'config/jobs'];

const describeVerdict = (v: Verdict, ms: number): string =>
  v.ok
    ? `loads ${v.presubmits} presubmits in ${Object.values(v.repos ?? {}).filter((l) => l.length > 0).length} repos (${ms.toFixed(0)} ms)`
    : `refuses (${ms.toFixed(0)} ms): ${(v.panic ? `PANIC ${v.panic.split('\n')[0]}` : (v.crash ?? v.error ?? '')).split('\n')[0]?.slice(0, 160)}`;

/**
 * Writes the files under `paths` at `sha` into `dir` (symbolic links as links), reading blobs with one
 * `git cat-file --batch`. The snapshot may lack its largest blobs (git archive then fails): those files are
 * left out and returned, so the output can say so.
 */
function exportTree(gitDir: string, sha: string, paths: string[], dir: string): string[] {
  const listing = execFileSync('git', ['--git-dir', gitDir, 'ls-tree', '-r', '-z', sha, '--', ...paths], {
    maxBuffer: 1 << 28,
  })
    .toString()
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const [meta = '', file = ''] = line.split('\t');
      const [mode = '', type = '', oid = ''] = meta.split(' ');
      return { mode, type, oid, file };
    })
    .filter((entry) => entry.type === 'blob');
  const batch = spawnSync('git', ['--git-dir', gitDir, 'cat-file', '--batch'], {
    input: listing.map((entry) => entry.oid).join('\n') + '\n',
    maxBuffer: 1 << 30,
  });
  if (batch.status !== 0) throw new Error(`git cat-file ${sha}: ${batch.stderr.toString()}`);
  const out = batch.stdout;
  const missing: string[] = [];
  let at = 0;
  for (const entry of listing) {
    const headerEnd = out.indexOf(0x0a, at);
    const header = out.subarray(at, headerEnd).toString();
    at = headerEnd + 1;
    if (header.endsWith(' missing')) {
      missing.push(entry.file);
      continue;
    }
    const size = Number(header.split(' ')[2]);
    const content = out.subarray(at, at + size);
    at += size + 1;
    const target = path.join(dir, entry.file);
    mkdirSync(path.dirname(target), { recursive: true });
    if (entry.mode === '120000') symlinkSync(content.toString(), target);
    else writeFileSync(target, content);
  }
  return missing;
}

async function main(): Promise<void> {
  const gitDir = process.argv[2] ?? process.env.TEST_INFRA_GIT ?? '/work/.mirror/kubernetes+test-infra/repo';
  const commitsFile = process.argv[3] ?? path.join(projectRoot, 'test', 'oracle', 'history-commits.txt');
  if (!existsSync(gitDir)) {
    process.stderr.write(
      `no kubernetes/test-infra git directory at ${gitDir} (pass one, or set TEST_INFRA_GIT)\n`,
    );
    process.exitCode = 1;
    return;
  }
  if (!oracleAvailable()) {
    process.stderr.write(
      `the Prow config oracle is not built: ${ORACLE_BINARY} (bash scripts/build-prow-oracle.sh)\n`,
    );
    process.exitCode = 1;
    return;
  }
  const commits = readFileSync(commitsFile, 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim().split(/\s+/)[0] ?? '')
    .filter((sha) => /^[0-9a-f]{40}$/.test(sha));
  const oracle = ProwOracle.start();
  const tally = { checked: 0, bothLoad: 0, bothRefuse: 0, divergent: 0 };
  try {
    for (const sha of commits) {
      const date = execFileSync('git', ['--git-dir', gitDir, 'log', '-1', '--format=%cs', sha], {
        encoding: 'utf8',
      }).trim();
      const dir = mkdtempSync(path.join(os.tmpdir(), 'prow-history-'));
      try {
        const present = CONFIG_PATHS.filter(
          (p) =>
            execFileSync('git', ['--git-dir', gitDir, 'ls-tree', '--name-only', sha, p], {
              encoding: 'utf8',
            }).trim() !== '',
        );
        const missing = exportTree(gitDir, sha, present, dir);
        if (missing.length > 0)
          process.stdout.write(
            `${sha.slice(0, 12)} left out, absent from the snapshot: ${missing.join(', ')}\n`,
          );
        const configPath = path.join(dir, 'config', 'prow', 'config.yaml');
        const jobConfigPath = path.join(dir, 'config', 'jobs');
        let started = process.hrtime.bigint();
        const prow = await oracle.load(configPath, existsSync(jobConfigPath) ? jobConfigPath : '');
        const prowMs = Number(process.hrtime.bigint() - started) / 1e6;
        started = process.hrtime.bigint();
        const ours = await ourVerdict({
          configPath,
          ...(existsSync(jobConfigPath) ? { jobConfigPath } : {}),
        });
        const oursMs = Number(process.hrtime.bigint() - started) / 1e6;
        const found = divergence(prow, ours);
        tally.checked++;
        if (found) tally.divergent++;
        else if (prow.ok) tally.bothLoad++;
        else tally.bothRefuse++;
        process.stdout.write(
          `${sha.slice(0, 12)} ${date}  prow: ${describeVerdict(prow, prowMs)}\n${' '.repeat(24)}ours: ${describeVerdict(ours, oursMs)}  ${found ? `DIVERGENCE: ${found}` : 'same'}\n`,
        );
        if (found)
          process.stdout.write(
            `${describeDivergence(prow, ours)
              .split('\n')
              .map((l) => `    ${l}`)
              .join('\n')}\n`,
          );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await oracle.close();
  }
  process.stdout.write(
    `prow history: ${tally.checked} commits checked: ${tally.bothLoad} both load with the same index, ${tally.bothRefuse} both refuse, ${tally.divergent} divergent\n`,
  );
  if (tally.divergent > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
