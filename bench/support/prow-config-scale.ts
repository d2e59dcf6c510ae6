import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, parseAllDocuments, visit, type Document, type Node } from 'yaml';
import { loadConfig } from '../../src/config/load';
import { canonicalJson } from '../../src/config/presubmit-index/index-model';
import { runsOnBranch } from '../../src/config/presubmit-index/presubmit';
import type { ConfigSource, IndexedPresubmit, PresubmitsByRepo } from '../../src/config/types';
import { diffConfigs } from '../../src/reconcile/diff';
import type { GitHubScenario, ScenarioPull, ScenarioRepo, ScenarioStatus } from '../../sandbox/github';
import { syntheticSha } from '../../sandbox/github';
import { prng } from '../../sandbox/github/scenario-generator';

/**
 * Fixtures of the scale benchmark (issue 7), built from the Kubernetes project's real Prow config:
 *
 * - the before config: a copy of the real config, or `copies` replicas of its job files with the orgs renamed
 *   (`kubernetes` → `kubernetes-x1`, …), so every distribution (presubmits per repository, branch filters,
 *   always_run, file filters, job specs) is the real one times `copies`;
 * - the after config: the same job tree with a deterministic, evenly spread set of presubmits deleted from
 *   their YAML files by cutting their sequence items out of the text (every other byte stays as it was);
 * - a GitHub scenario whose repositories are the config's and whose open PRs carry the contexts the config's
 *   presubmits would have reported on their base branches.
 *
 * The after config is verified by loading both configs with the project's loader: the removed presubmits,
 * and nothing else, are gone, and the diff removes exactly them (no added or migrated presubmits).
 */

export interface ScaleFixtureOptions {
  /** The real config (`…/kubernetes-prow-config/config`, holding prow/ and jobs/). */
  sourceDir: string;
  /** An empty directory to build in. */
  workDir: string;
  /** 1: the real config; N: N replicas of its job files. */
  copies: number;
  /** Share of presubmits to remove (default 0.05), or an exact count. */
  removeFraction?: number;
  removeCount?: number;
  /** Instead: one presubmit from every repository that has a removable one (the widest change). */
  removeOnePerRepository?: boolean;
}

export interface ScaleFixture {
  source: ConfigSource;
  /** The job tree to put in place of `source.jobConfigPath` to apply the change. */
  afterJobsDir: string;
  /** Where `source.jobConfigPath` moves when the change is applied. */
  beforeJobsDir: string;
  jobFiles: number;
  before: { presubmits: number; repos: number };
  after: { presubmits: number; repos: number };
  removed: { presubmits: number; repos: number; candidates: number; sample: string[] };
  prowjobNamespace: string;
  /** What the diff of before → after found (verification). */
  diff: { added: number; removed: number; migrated: number };
  beforeIndex: PresubmitsByRepo;
}

const yamlFile = (name: string): boolean => name.endsWith('.yaml') || name.endsWith('.yml');

function walkFiles(root: string, visitFile: (full: string, rel: string) => void, rel = ''): void {
  for (const entry of readdirSync(path.join(root, rel), { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  )) {
    const childRel = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) walkFiles(root, visitFile, childRel);
    else if (entry.isFile()) visitFile(path.join(root, childRel), childRel);
  }
}

/** Literal basenames a sibling `.prowignore` lists (the real config only ignores `default.yaml` this way). */
function ignoredHere(dir: string): Set<string> {
  const file = path.join(dir, '.prowignore');
  if (!existsSync(file)) return new Set();
  return new Set(
    readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#')),
  );
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

function applyEdits(text: string, edits: Edit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start))
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

function parseDocs(text: string, file: string): Document[] {
  const docs = parseAllDocuments(text, { uniqueKeys: false });
  if (!Array.isArray(docs)) return [];
  for (const d of docs)
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]?.message ?? 'YAML error'}`);
  return docs;
}

function scalarText(value: string, type: string | undefined): string {
  if (type === 'QUOTE_DOUBLE') return JSON.stringify(value);
  if (type === 'QUOTE_SINGLE') return `'${value.replace(/'/g, "''")}'`;
  return value;
}

/** A job file of replica `k`: orgs of presubmit and postsubmit keys renamed, periodic names suffixed. */
function replicaText(text: string, file: string, k: number): string {
  const edits: Edit[] = [];
  for (const doc of parseDocs(text, file)) {
    if (!isMap(doc.contents)) continue;
    for (const section of ['presubmits', 'postsubmits']) {
      const byRepo = doc.contents.get(section, true);
      if (!isMap(byRepo)) continue;
      for (const pair of byRepo.items) {
        const key = pair.key;
        if (!isScalar(key) || typeof key.value !== 'string' || !key.range) continue;
        const slash = key.value.indexOf('/');
        const renamed = `${key.value.slice(0, slash)}-x${k}${key.value.slice(slash)}`;
        edits.push({ start: key.range[0], end: key.range[1], text: scalarText(renamed, key.type) });
      }
    }
    // Presets are config-wide and apply by label: the original's presets serve the replicas' jobs too, and a
    // second copy would be a duplicated preset.
    const top = doc.contents.items;
    top.forEach((pair, i) => {
      const key = pair.key;
      if (!isScalar(key) || key.value !== 'presets' || !key.range) return;
      const next = top[i + 1]?.key as Node | undefined;
      let end: number;
      if (next?.range) end = lineStart(text, next.range[0]);
      else {
        end = doc.contents?.range?.[2] ?? text.length;
        if (text[end - 1] !== '\n') {
          const nl = text.indexOf('\n', end);
          end = nl < 0 ? text.length : nl + 1;
        }
      }
      edits.push({ start: lineStart(text, key.range[0]), end, text: 'presets: []\n' });
    });
    // Periodic names are unique config-wide (V10): suffix them so the replicas validate.
    const periodics = doc.contents.get('periodics', true);
    if (isSeq(periodics)) {
      for (const item of periodics.items) {
        if (!isMap(item)) continue;
        const name = item.get('name', true);
        if (!isScalar(name) || typeof name.value !== 'string' || !name.range) continue;
        edits.push({
          start: name.range[0],
          end: name.range[1],
          text: scalarText(`${name.value}-x${k}`, name.type),
        });
      }
    }
  }
  return applyEdits(text, edits);
}

/** Copies a job tree, plus `copies - 1` replicas with the orgs renamed; returns the number of job files. */
export function copyJobTree(sourceJobs: string, targetJobs: string, copies: number): number {
  cpSync(sourceJobs, targetJobs, { recursive: true });
  let files = 0;
  walkFiles(sourceJobs, (_full, rel) => {
    if (yamlFile(rel)) files++;
  });
  const perCopy = files;
  for (let k = 1; k < copies; k++) {
    walkFiles(sourceJobs, (full, rel) => {
      const dir = path.dirname(rel);
      const base = path.basename(rel);
      if (!yamlFile(base) || ignoredHere(path.dirname(full)).has(base)) return;
      // Basenames are unique across the job tree (Prow's rule): prefix the replica's number.
      const target = path.join(targetJobs, `x${k}`, dir, `x${k}-${base}`);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, replicaText(readFileSync(full, 'utf8'), rel, k));
      files++;
    });
  }
  return copies > 1 ? files : perCopy;
}

/** A presubmit entry's place in its job file: a block-sequence item that can be cut out as whole lines. */
interface Site {
  file: string;
  start: number;
  end: number;
  /** Items in its sequence (a repository's last entry is never cut, so no repository is emptied). */
  siblings: number;
  anchored: boolean;
}

function lineStart(text: string, at: number): number {
  return text.lastIndexOf('\n', at - 1) + 1;
}

function presubmitSites(jobsDir: string): Map<string, Site[]> {
  const sites = new Map<string, Site[]>();
  walkFiles(jobsDir, (full, rel) => {
    if (!yamlFile(rel)) return;
    const text = readFileSync(full, 'utf8');
    if (!text.includes('presubmits')) return;
    for (const doc of parseDocs(text, rel)) {
      if (!isMap(doc.contents)) continue;
      const byRepo = doc.contents.get('presubmits', true);
      if (!isMap(byRepo)) continue;
      for (const pair of byRepo.items) {
        const repoKey = pair.key;
        if (!isScalar(repoKey) || typeof repoKey.value !== 'string' || !isSeq(pair.value)) continue;
        const repo = repoKey.value;
        const items = pair.value.items;
        items.forEach((item, i) => {
          if (!isMap(item) || !item.range) return;
          const name = item.get('name');
          if (typeof name !== 'string') return;
          const from = lineStart(text, item.range[0]);
          const cuttable = /^\s*-\s+$/.test(text.slice(from, item.range[0]));
          const next = items[i + 1] as Node | undefined;
          let end: number;
          if (next?.range) end = lineStart(text, next.range[0]);
          else {
            end = item.range[2];
            if (text[end - 1] !== '\n') {
              const nl = text.indexOf('\n', end);
              end = nl < 0 ? text.length : nl + 1;
            }
          }
          let anchored = false;
          visit(item, (_key, node) => {
            if ((node as { anchor?: string }).anchor) anchored = true;
          });
          const key = `${repo}\u0000${name}`;
          const list = sites.get(key) ?? [];
          list.push({
            file: full,
            start: from,
            end,
            siblings: items.length,
            anchored: anchored || !cuttable,
          });
          sites.set(key, list);
        });
      }
    }
  });
  return sites;
}

const countOf = (byRepo: PresubmitsByRepo): number =>
  Object.values(byRepo).reduce((n, list) => n + list.length, 0);

export async function buildScaleFixture(options: ScaleFixtureOptions): Promise<ScaleFixture> {
  const { sourceDir, workDir, copies } = options;
  const configDir = path.join(workDir, 'config');
  mkdirSync(configDir, { recursive: true });
  cpSync(path.join(sourceDir, 'prow'), path.join(configDir, 'prow'), { recursive: true });
  const jobsDir = path.join(configDir, 'jobs');
  const jobFiles = copyJobTree(path.join(sourceDir, 'jobs'), jobsDir, copies);
  const source: ConfigSource = {
    configPath: path.join(configDir, 'prow', 'config.yaml'),
    jobConfigPath: jobsDir,
    pluginConfigPath: path.join(configDir, 'prow', 'plugins.yaml'),
  };
  const before = await loadConfig(source);
  const beforeRepos = before.index.repos;
  const total = countOf(beforeRepos);

  // Candidates: presubmits whose name is unique in their repository and that sit in one cuttable place.
  const sites = presubmitSites(jobsDir);
  const candidates: { repo: string; name: string; site: Site }[] = [];
  for (const repo of Object.keys(beforeRepos).sort()) {
    const list = beforeRepos[repo] ?? [];
    const names = new Map<string, number>();
    for (const p of list) names.set(p.name, (names.get(p.name) ?? 0) + 1);
    for (const p of list) {
      const found = sites.get(`${repo}\u0000${p.name}`) ?? [];
      const site = found[0];
      if (names.get(p.name) !== 1 || found.length !== 1 || !site || site.anchored || site.siblings < 2)
        continue;
      candidates.push({ repo, name: p.name, site });
    }
  }
  const wanted = options.removeCount ?? Math.round(total * (options.removeFraction ?? 0.05));
  if (wanted > candidates.length)
    throw new Error(`only ${candidates.length} removable presubmits, ${wanted} wanted`);
  // Evenly strided over the candidates in repository order: spread over repositories in proportion to size.
  const step = candidates.length / wanted;
  const chosen = options.removeOnePerRepository
    ? candidates.filter((c, i) => c.repo !== candidates[i - 1]?.repo)
    : Array.from({ length: wanted }, (_, i) => candidates[Math.floor(i * step)]).filter(
        (c): c is (typeof candidates)[number] => c !== undefined,
      );
  const removedPerRepo = new Map<string, number>();
  for (const c of chosen) removedPerRepo.set(c.repo, (removedPerRepo.get(c.repo) ?? 0) + 1);
  for (const [repo, n] of removedPerRepo)
    if (n >= (beforeRepos[repo]?.length ?? 0)) throw new Error(`${repo} would be emptied`);

  // The after tree: the before tree with the chosen items cut out of their files.
  const afterJobsDir = path.join(workDir, 'after-jobs');
  cpSync(jobsDir, afterJobsDir, { recursive: true });
  const editsByFile = new Map<string, Edit[]>();
  for (const c of chosen) {
    const list = editsByFile.get(c.site.file) ?? [];
    list.push({ start: c.site.start, end: c.site.end, text: '' });
    editsByFile.set(c.site.file, list);
  }
  for (const [file, edits] of editsByFile) {
    const target = path.join(afterJobsDir, path.relative(jobsDir, file));
    writeFileSync(target, applyEdits(readFileSync(file, 'utf8'), edits));
  }

  // Verify: after = before minus the chosen presubmits, and the diff removes exactly those.
  const after = await loadConfig({ ...source, jobConfigPath: afterJobsDir });
  const gone = new Set(chosen.map((c) => `${c.repo}\u0000${c.name}`));
  for (const [repo, list] of Object.entries(beforeRepos)) {
    const expected = list.filter((p) => !gone.has(`${repo}\u0000${p.name}`));
    if (canonicalJson(expected) !== canonicalJson(after.index.repos[repo] ?? []))
      throw new Error(`after config of ${repo} is not the before config minus the removed presubmits`);
  }
  const diff = diffConfigs(beforeRepos, after.index.repos);
  const diffCounts = {
    added: countOf(diff.added),
    removed: countOf(diff.removed),
    migrated: Object.values(diff.migrated).reduce((n, l) => n + l.length, 0),
  };
  if (diffCounts.removed !== chosen.length || diffCounts.added !== 0 || diffCounts.migrated !== 0)
    throw new Error(`unexpected diff ${JSON.stringify(diffCounts)} for ${chosen.length} removals`);

  return {
    source,
    afterJobsDir,
    beforeJobsDir: path.join(workDir, 'before-jobs'),
    jobFiles,
    before: { presubmits: total, repos: Object.keys(beforeRepos).length },
    after: { presubmits: countOf(after.index.repos), repos: Object.keys(after.index.repos).length },
    removed: {
      presubmits: chosen.length,
      repos: removedPerRepo.size,
      candidates: candidates.length,
      sample: chosen.slice(0, 5).map((c) => `${c.repo}:${c.name}`),
    },
    prowjobNamespace: before.prowjobNamespace,
    diff: diffCounts,
    beforeIndex: beforeRepos,
  };
}

/** Size of a directory tree in bytes. */
export function treeBytes(dir: string): number {
  let n = 0;
  walkFiles(dir, (full) => {
    n += statSync(full).size;
  });
  return n;
}

const plainBranch = /^[A-Za-z0-9._-]+$/;

/**
 * Open PRs for every repository of a presubmit index. Each PR targets the repository's main branch (80%) or
 * one of the release branches its presubmits name; its head SHA carries the context of every presubmit that
 * would have reported on that branch: always_run ones, half of the file-filtered ones, a fifth of the manual
 * ones (skip_report ones never report).
 */
export function scenarioFromIndex(
  repos: PresubmitsByRepo<IndexedPresubmit>,
  options: { prsPerRepo: number; seed: number },
): GitHubScenario {
  const random = prng(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const states: ScenarioStatus['state'][] = ['success', 'success', 'success', 'failure', 'pending'];
  const orgs = new Map<string, string[]>();
  const out: ScenarioRepo[] = [];
  for (const key of Object.keys(repos).sort()) {
    const slash = key.indexOf('/');
    const owner = key.slice(0, slash);
    const name = key.slice(slash + 1);
    if (!orgs.has(owner))
      orgs.set(
        owner,
        Array.from({ length: 10 }, (_, i) => `${owner}-member-${i}`),
      );
    const presubmits = repos[key] ?? [];
    const literal = new Map<string, number>();
    for (const p of presubmits)
      for (const b of p.branches ?? []) {
        const plain = b.replace(/^\^/, '').replace(/\$$/, '');
        if (plainBranch.test(plain)) literal.set(plain, (literal.get(plain) ?? 0) + 1);
      }
    const main = (literal.get('main') ?? 0) > (literal.get('master') ?? 0) ? 'main' : 'master';
    const releases = [...literal.keys()].filter((b) => b !== 'main' && b !== 'master').sort();
    const branches: Record<string, string> = {
      [main]: syntheticSha(options.seed, key, 'branch', main),
    };
    for (const b of releases) branches[b] = syntheticSha(options.seed, key, 'branch', b);
    const pulls: ScenarioPull[] = [];
    const statuses: Record<string, ScenarioStatus[]> = {};
    for (let n = 1; n <= options.prsPerRepo; n++) {
      const baseRef = releases.length > 0 && random() < 0.2 ? pick(releases) : main;
      const headSha = syntheticSha(options.seed, key, 'pr', n);
      pulls.push({
        number: n,
        author: `${owner}-member-${n % 10}`,
        title: `Change ${n}`,
        draft: random() < 0.05,
        baseRef,
        headRef: `feature-${n}`,
        headSha,
        labels: [],
        files: [`pkg/file-${n % 7}.go`],
      });
      const contexts = new Set<string>();
      for (const p of presubmits) {
        if (p.skip_report || !runsOnBranch(p, baseRef)) continue;
        const ran = p.always_run
          ? true
          : p.run_if_changed || p.skip_if_only_changed
            ? random() < 0.5
            : random() < 0.2;
        if (ran) contexts.add(p.context);
      }
      if (contexts.size > 0)
        statuses[headSha] = [...contexts].map((context, k) => ({
          context,
          state: pick(states),
          description: 'Job finished.',
          targetUrl: `https://prow.k8s.io/view/gs/${name}/${n}/${k}`,
        }));
    }
    out.push({ owner, name, defaultBranch: main, branches, pulls, statuses });
  }
  const orgList = [...orgs].map(([login, members]) => ({ login, members }));
  return {
    app: { id: 4242, slug: 'status-reconciler', installationAccount: orgList[0]?.login ?? 'kubernetes' },
    orgs: orgList,
    repos: out,
  };
}
