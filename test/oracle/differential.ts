import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ParseCache } from '../../src/config/files/parse-cache';
import {
  JOB_MUTATIONS,
  mutate,
  PROW_MUTATIONS,
  seededRandom,
  type Random,
  type Variant,
} from './config-mutations';
import type { ProwOracle, Verdict } from './prow-oracle';
import { describeDivergence, divergence, ourVerdict, type Divergence } from './verdicts';

/**
 * The differential run: generated variants of the real Kubernetes config, each loaded by Prow's own loader
 * (the oracle) and by ours, verdicts and presubmit indexes compared. A variant is a small tree: the real
 * Prow config and one real job file, one of the two mutated once. Divergences are shrunk to a minimal
 * reproducing file.
 */

/** A divergence the team knows about and has assigned, matched by what it is, never by "any error". */
export interface KnownDivergence {
  name: string;
  /** Who fixes it (a helper's branch or an issue). */
  owner: string;
  matches(found: Found): boolean;
}

export interface Found {
  kind: string;
  change: string;
  divergence: Divergence;
  prow: Verdict;
  ours: Verdict;
  /** The mutated file (job file or Prow config) as loaded. */
  file: 'job file' | 'prow config';
  text: string;
}

export interface DifferentialReport {
  seed: number;
  checked: number;
  bothLoad: number;
  bothRefuse: number;
  byKind: Record<string, number>;
  known: Record<string, number>;
  /** Unexplained divergences: the first of each class (see signature) with its minimal repro, then a count. */
  unexplained: (Found & { repro: string; count: number })[];
  seconds: number;
}

export interface DifferentialOptions {
  seed: number;
  variants: number;
  /** The real config: prow/config.yaml and jobs/. */
  base: string;
  oracle: ProwOracle;
  known: readonly KnownDivergence[];
  /** Job files larger than this are not mutated (a variant must stay cheap to load twice); see mutableJobFiles. */
  maxJobFileBytes?: number;
}

function listYaml(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) listYaml(full, out);
    else if (/\.ya?ml$/.test(entry.name)) out.push(full);
  }
  return out;
}

/** The real job files the generator mutates: those small enough to load twice per variant cheaply. */
export function mutableJobFiles(base: string, maxBytes = 12_000): string[] {
  return listYaml(path.join(base, 'jobs'))
    .filter((file) => statSync(file).size <= maxBytes)
    .sort();
}

/** A scratch tree: prow/config.yaml and jobs/<one file>. */
class Tree {
  readonly config: string;
  readonly jobs: string;
  constructor(readonly root: string) {
    this.config = path.join(root, 'prow', 'config.yaml');
    this.jobs = path.join(root, 'jobs');
  }
  write(configText: string, jobName: string | undefined, jobText: string): void {
    rmSync(this.root, { recursive: true, force: true });
    mkdirSync(path.dirname(this.config), { recursive: true });
    mkdirSync(this.jobs, { recursive: true });
    writeFileSync(this.config, configText);
    if (jobName) writeFileSync(path.join(this.jobs, jobName), jobText);
  }
}

interface Case {
  variant: Variant;
  file: Found['file'];
  configText: string;
  jobName: string | undefined;
  jobText: string;
}

export async function runDifferential(options: DifferentialOptions): Promise<DifferentialReport> {
  const started = Date.now();
  const random: Random = seededRandom(options.seed);
  const realConfig = readFileSync(path.join(options.base, 'prow', 'config.yaml'), 'utf8');
  const jobFiles = mutableJobFiles(options.base, options.maxJobFileBytes).map((file) => ({
    name: path.basename(file),
    text: readFileSync(file, 'utf8'),
  }));
  const jobKinds = Object.keys(JOB_MUTATIONS);
  const prowKinds = Object.keys(PROW_MUTATIONS);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'prow-oracle-'));
  const cache = new ParseCache();
  const report: DifferentialReport = {
    seed: options.seed,
    checked: 0,
    bothLoad: 0,
    bothRefuse: 0,
    byKind: {},
    known: {},
    unexplained: [],
    seconds: 0,
  };

  const nextCase = (): Case => {
    for (;;) {
      const job = jobFiles[Math.floor(random() * jobFiles.length)] as { name: string; text: string };
      if (random() < 0.8) {
        const kind = jobKinds[Math.floor(random() * jobKinds.length)] as string;
        const variant = mutate(job.text, kind, random);
        if (variant)
          return {
            variant,
            file: 'job file',
            configText: realConfig,
            jobName: job.name,
            jobText: variant.text,
          };
      } else {
        const kind = prowKinds[Math.floor(random() * prowKinds.length)] as string;
        const variant = mutate(realConfig, kind, random);
        if (variant)
          return {
            variant,
            file: 'prow config',
            configText: variant.text,
            jobName: job.name,
            jobText: job.text,
          };
      }
    }
  };

  const judge = async (tree: Tree, c: Case): Promise<{ prow: Verdict; ours: Verdict }> => {
    tree.write(c.configText, c.jobName, c.jobText);
    const prowAnswer = options.oracle.load(tree.config, tree.jobs);
    const ours = await ourVerdict({ configPath: tree.config, jobConfigPath: tree.jobs }, { cache });
    return { prow: await prowAnswer, ours };
  };

  /** Removes every part of the mutated file whose removal keeps the same divergence. */
  const shrink = async (c: Case, found: Divergence): Promise<string> => {
    const tree = new Tree(path.join(scratch, 'shrink'));
    const current = (): Case => {
      const text = c.variant.render();
      return c.file === 'job file' ? { ...c, jobText: text } : { ...c, configText: text };
    };
    const still = async (candidate: Case): Promise<boolean> => {
      const { prow, ours } = await judge(tree, candidate);
      return divergence(prow, ours) === found;
    };
    // A Prow config variant: first try without any job file.
    if (c.file === 'prow config' && (await still({ ...c, jobName: undefined })))
      c = { ...c, jobName: undefined };
    let budget = 200;
    for (const part of c.variant.removableParts()) {
      if (budget-- <= 0) break;
      part.remove();
      const keep = await still(current()).catch(() => false);
      if (!keep) part.restore();
    }
    const final = current();
    return final.file === 'job file'
      ? `jobs/${final.jobName}:\n${final.jobText}`
      : `prow/config.yaml:\n${final.configText}${final.jobName ? `\n(with the unmodified job file jobs/${final.jobName})` : ''}`;
  };

  // Four variants in flight: Prow's loader (another process) works while ours does.
  const trees = [0, 1, 2, 3].map((i) => new Tree(path.join(scratch, `t${i}`)));
  try {
    while (report.checked < options.variants) {
      const batch = trees.slice(0, Math.min(trees.length, options.variants - report.checked));
      const cases = batch.map(() => nextCase());
      for (const [i, tree] of batch.entries()) {
        const c = cases[i] as Case;
        tree.write(c.configText, c.jobName, c.jobText);
      }
      const prowAnswers = batch.map((tree) => options.oracle.load(tree.config, tree.jobs));
      for (const [i, tree] of batch.entries()) {
        const c = cases[i] as Case;
        const ours = await ourVerdict({ configPath: tree.config, jobConfigPath: tree.jobs }, { cache });
        const prow = await (prowAnswers[i] as Promise<Verdict>);
        report.checked++;
        report.byKind[c.variant.kind] = (report.byKind[c.variant.kind] ?? 0) + 1;
        const found = divergence(prow, ours);
        if (!found) {
          if (prow.ok) report.bothLoad++;
          else report.bothRefuse++;
          continue;
        }
        const record: Found = {
          kind: c.variant.kind,
          change: c.variant.change,
          divergence: found,
          prow,
          ours,
          file: c.file,
          text: c.file === 'job file' ? c.jobText : c.configText,
        };
        const known = options.known.find((k) => k.matches(record));
        if (known) {
          const key = `${known.name} [${known.owner}]`;
          report.known[key] = (report.known[key] ?? 0) + 1;
          continue;
        }
        const same = report.unexplained.find((u) => signature(u) === signature(record));
        if (same) {
          same.count++;
          continue;
        }
        report.unexplained.push({ ...record, repro: await shrink(c, found), count: 1 });
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  report.seconds = (Date.now() - started) / 1000;
  return report;
}

/**
 * What makes two divergences the same for the report: how they differ and Prow's message with paths,
 * quoted values and numbers taken out (one repro per class, not one per variant).
 */
function signature(found: Found): string {
  const message = (found.prow.error ?? found.prow.panic ?? found.ours.crash ?? found.ours.error ?? '')
    .split('\n')[0]
    ?.replace(/\/\S+/g, 'PATH')
    .replace(/"[^"]*"|'[^']*'|\[[^\]]*\]/g, 'Q')
    .replace(/\b(?:presubmits|postsubmits|periodics|pre|post)\b/g, 'JOBS')
    .replace(/\d+/g, 'N');
  return `${found.divergence}: ${message}`;
}

/** The report as the test prints it. */
export function formatReport(report: DifferentialReport): string {
  const lines = [
    `prow oracle: ${report.checked} variants checked against Prow's config.Load (seed ${report.seed}) in ${report.seconds.toFixed(1)} s: ${report.bothLoad} both load, ${report.bothRefuse} both refuse`,
    `  by mutation: ${Object.entries(report.byKind)
      .sort()
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  ];
  for (const [name, n] of Object.entries(report.known)) lines.push(`  known divergence (${n}): ${name}`);
  for (const u of report.unexplained) {
    lines.push(
      `  DIVERGENCE (${u.count}×: ${u.divergence}) ${u.kind}: ${u.change}`,
      ...describeDivergence(u.prow, u.ours)
        .split('\n')
        .map((l) => `    ${l}`),
      '    minimal reproducing file:',
      ...u.repro.split('\n').map((l) => `      ${l}`),
    );
  }
  return lines.join('\n');
}
