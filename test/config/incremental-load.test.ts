import { existsSync, renameSync, rmSync, utimesSync } from 'node:fs';
import { ConfigInvalidError } from '../../src/config/errors';
import { loadConfig } from '../../src/config/load';
import { LoadMemo } from '../../src/config/load-memo';
import { ParseCache } from '../../src/config/files/parse-cache';
import { openLoadCache } from '../../src/config/load-cache-file';
import {
  loadRetainedConfig,
  retainedMemoCodec,
  type RetainedConfig,
} from '../../src/config/presubmit-index/retained-config';
import type { LoadedConfig } from '../../src/config/types';
import { configTree, type ConfigTree } from './config-tree';

/**
 * A worker's reload (parse cache + load memo: only the files and repositories a change touched are decoded
 * and checked again) must give what a full load of the same files gives, on every step of a generated
 * sequence of changes: edits, new and deleted files, renames (which reorder a repository's jobs), new and
 * emptied repositories, preset and Prow config changes (which touch every job), postsubmits, periodics,
 * invalid configs and their fixes, and rewrites within the same second.
 */

/** A small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Job {
  name: string;
  context?: string;
  branches?: string[];
  runIfChanged?: string;
  label?: string;
  alwaysRun?: boolean;
  duplicate?: boolean;
}

interface JobFile {
  presubmits: Record<string, Job[]>;
  postsubmits: Record<string, Job[]>;
  periodics: Job[];
  presets: { label: string; env: string; duplicate?: boolean }[];
}

interface Model {
  prow: { podNamespace: string };
  files: Map<string, JobFile>;
}

function renderJob(job: Job, extra = ''): string {
  let out = `  - name: ${job.name}\n`;
  if (job.context) out += `    context: ${job.context}\n`;
  if (job.branches) out += `    branches: [${job.branches.join(', ')}]\n`;
  if (job.runIfChanged) out += `    run_if_changed: '${job.runIfChanged}'\n`;
  if (job.alwaysRun) out += `    always_run: true\n`;
  if (job.label) out += `    labels: {${job.label}: "true"}\n`;
  return `${out}${extra}    spec: {containers: [{image: alpine, command: [echo]}]}\n`;
}

function renderFile(file: JobFile): string {
  let out = '';
  if (file.presets.length > 0) {
    out += 'presets:\n';
    for (const p of file.presets)
      out += `- labels: {${p.label}: "true"}\n  env: [{name: PRESET_ENV, value: ${p.env}}]\n`;
  }
  for (const section of ['presubmits', 'postsubmits'] as const) {
    const repos = Object.entries(file[section]);
    if (repos.length === 0) continue;
    out += `${section}:\n`;
    for (const [repo, jobs] of repos)
      out += `  ${repo}:\n${jobs.map((j) => renderJob(j).replace(/^(?=.)/gm, '  ')).join('')}`;
  }
  if (file.periodics.length > 0) {
    out += 'periodics:\n';
    out += file.periodics.map((j) => renderJob(j, '    interval: 1h\n')).join('');
  }
  return out || '{}\n';
}

function renderProw(model: Model): string {
  return `prowjob_namespace: prow\npod_namespace: ${model.prow.podNamespace}\n`;
}

const REPOS = ['org/alpha', 'org/beta', 'org/gamma', 'other/delta', 'other/epsilon'];

function initialModel(): Model {
  const files = new Map<string, JobFile>();
  const empty = (): JobFile => ({ presubmits: {}, postsubmits: {}, periodics: [], presets: [] });
  let n = 0;
  for (const [i, repo] of REPOS.entries()) {
    for (let f = 0; f < 2; f++) {
      const file = empty();
      file.presubmits[repo] = [
        { name: `job-${n++}`, alwaysRun: true },
        { name: `job-${n++}`, runIfChanged: '^docs/', label: i % 2 ? 'preset-a' : undefined },
      ];
      if (f === 0) file.postsubmits[repo] = [{ name: `post-${n++}` }];
      files.set(`jobs/${repo}/${repo.replace('/', '-')}-${f}.yaml`, file);
    }
  }
  const shared = empty();
  shared.presets = [
    { label: 'preset-a', env: 'one' },
    { label: 'preset-b', env: 'two' },
  ];
  shared.periodics = [{ name: 'periodic-0', label: 'preset-b' }, { name: 'periodic-1' }];
  files.set('jobs/shared/presets.yaml', shared);
  return { prow: { podNamespace: 'test-pods' }, files };
}

/** Undoes what the invalid-config mutations did: the step after a failed load is a fix. */
function fixEverything(model: Model): string {
  for (const file of model.files.values()) {
    file.presets = file.presets.filter((p) => !p.duplicate);
    file.periodics = file.periodics.filter((p) => !p.duplicate);
    for (const jobs of Object.values(file.presubmits))
      for (const job of jobs) if (job.context === 'same') job.context = `ctx-${counter++}`;
  }
  return 'invalid config fixed';
}

type Mutation = (model: Model, random: () => number, tree: ConfigTree) => string;

const pick = <T>(list: readonly T[], random: () => number): T =>
  list[Math.floor(random() * list.length)] as T;

let counter = 1000;
const MUTATIONS: Mutation[] = [
  function editContext(model, random) {
    const [path, file] = pick(
      [...model.files].filter(([, f]) => Object.keys(f.presubmits).length > 0),
      random,
    );
    const jobs = pick(Object.values(file.presubmits), random);
    const job = pick(jobs, random);
    job.context = `ctx-${counter++}`;
    return `context of ${job.name} in ${path}`;
  },
  function addJob(model, random) {
    const [path, file] = pick([...model.files], random);
    const repo = pick(REPOS, random);
    (file.presubmits[repo] ??= []).push({
      name: `job-${counter++}`,
      branches: random() < 0.5 ? ['main'] : undefined,
    });
    return `job added to ${repo} in ${path}`;
  },
  function removeJob(model, random) {
    const candidates = [...model.files].filter(([, f]) => Object.keys(f.presubmits).length > 0);
    if (candidates.length === 0) return 'nothing to remove';
    const [path, file] = pick(candidates, random);
    const repo = pick(Object.keys(file.presubmits), random);
    file.presubmits[repo]?.pop();
    if (file.presubmits[repo]?.length === 0) delete file.presubmits[repo];
    return `job removed from ${repo} in ${path}`;
  },
  function newFile(model, random) {
    const repo = random() < 0.2 ? `new/repo-${counter++}` : pick(REPOS, random);
    const path = `jobs/${repo}/extra-${counter++}.yaml`;
    model.files.set(path, {
      presubmits: { [repo]: [{ name: `job-${counter++}` }] },
      postsubmits: {},
      periodics: random() < 0.3 ? [{ name: `periodic-${counter++}` }] : [],
      presets: [],
    });
    return `new file ${path}`;
  },
  function deleteFile(model, random) {
    const path = pick(
      [...model.files.keys()].filter((p) => !p.includes('shared')),
      random,
    );
    model.files.delete(path);
    return `deleted ${path}`;
  },
  function renameFile(model, random) {
    const path = pick(
      [...model.files.keys()].filter((p) => !p.includes('shared')),
      random,
    );
    const file = model.files.get(path) as JobFile;
    model.files.delete(path);
    // A new directory that sorts before or after: the repository's jobs change order.
    const renamed = `jobs/${random() < 0.5 ? 'aaa' : 'zzz'}-${counter++}/${path.split('/').pop() ?? 'x.yaml'}`;
    model.files.set(renamed, file);
    return `renamed ${path} to ${renamed}`;
  },
  function emptyRepository(model, random) {
    const repo = pick(REPOS, random);
    for (const file of model.files.values()) delete file.presubmits[repo];
    return `every presubmit of ${repo} removed`;
  },
  function changePreset(model, random) {
    const shared = model.files.get('jobs/shared/presets.yaml') as JobFile;
    const preset = pick(
      shared.presets.filter((p) => !p.duplicate),
      random,
    );
    preset.env = `env-${counter++}`;
    return `preset ${preset.label} changed`;
  },
  function changeProwConfig(model) {
    model.prow.podNamespace = `pods-${counter++}`;
    return 'Prow config changed';
  },
  function editPostsubmitOrPeriodic(model, random) {
    const shared = model.files.get('jobs/shared/presets.yaml') as JobFile;
    if (random() < 0.5) {
      shared.periodics.push({ name: `periodic-${counter++}` });
      return 'periodic added';
    }
    const [path, file] = pick([...model.files], random);
    const repo = pick(REPOS, random);
    (file.postsubmits[repo] ??= []).push({ name: `post-${counter++}` });
    return `postsubmit added to ${repo} in ${path}`;
  },
  function breakThenItIsFixedLater(model, random) {
    // Two presubmits of a repository reporting to one context: the load must fail, with the same problems.
    const [path, file] = pick(
      [...model.files].filter(([, f]) => Object.keys(f.presubmits).length > 0),
      random,
    );
    const repo = pick(Object.keys(file.presubmits), random);
    (file.presubmits[repo] as Job[]).push(
      { name: `dup-${counter++}`, context: 'same' },
      { name: `dup-${counter++}`, context: 'same' },
    );
    return `duplicate context in ${repo} (${path})`;
  },
  function duplicatePeriodicNameInAnotherFile(model, random) {
    const path = pick(
      [...model.files.keys()].filter((p) => !p.includes('shared')),
      random,
    );
    (model.files.get(path) as JobFile).periodics.push({ name: 'periodic-0', duplicate: true });
    return `periodic-0 repeated in ${path}`;
  },
  function duplicatePresetPair(model) {
    const shared = model.files.get('jobs/shared/presets.yaml') as JobFile;
    shared.presets.push({ label: 'preset-a', env: 'dup', duplicate: true });
    return 'duplicate preset added';
  },
  function touch(model, random, tree) {
    const path = pick([...model.files.keys()], random);
    const later = new Date(Date.now() + 60_000);
    if (existsSync(tree.path(path))) utimesSync(tree.path(path), later, later);
    return `touched ${path}`;
  },
];

/** Writes the model: changed files only, removed files deleted (a rename is a delete and a write). */
function render(model: Model, tree: ConfigTree, written: Map<string, string>): void {
  const want = new Map<string, string>([['prow/config.yaml', renderProw(model)]]);
  for (const [path, file] of model.files) want.set(path, renderFile(file));
  for (const path of written.keys()) {
    if (!want.has(path)) {
      rmSync(tree.path(path));
      written.delete(path);
    }
  }
  for (const [path, text] of want) {
    if (written.get(path) === text) continue;
    tree.write({ [path]: text });
    written.set(path, text);
  }
}

type Outcome = { ok: LoadedConfig } | { problems: unknown } | { error: string };

async function outcome<T>(
  load: () => Promise<T>,
): Promise<{ ok: T } | { problems: unknown } | { error: string }> {
  try {
    return { ok: await load() };
  } catch (error) {
    if (error instanceof ConfigInvalidError) return { problems: error.problems };
    return { error: String(error) };
  }
}

function expectSame(
  incremental: Awaited<ReturnType<typeof outcome<RetainedConfig>>>,
  full: Outcome,
  step: string,
): void {
  if ('ok' in full && 'ok' in incremental) {
    const { presubmitsOf, ...retained } = incremental.ok;
    const { presubmits, ...loaded } = full.ok;
    expect({ step, config: retained }).toEqual({ step, config: loaded });
    for (const [repo, list] of Object.entries(presubmits))
      expect({ step, repo, list: presubmitsOf(repo) }).toEqual({ step, repo, list });
    return;
  }
  expect({ step, outcome: incremental }).toEqual({ step, outcome: full });
}

describe('incremental reload', () => {
  const trees: ConfigTree[] = [];
  afterAll(() => trees.forEach((t) => t.remove()));

  it.each([
    ['jobs held as objects', 16 * 1024 * 1024, 1, false],
    ['jobs held compressed (a config larger than the cache)', 0, 2, false],
    ['another sequence', 16 * 1024 * 1024, 3, false],
    ['a restart before every step, from the saved cache (load-cache-file.ts)', 0, 4, true],
  ])(
    'gives what a full load gives on every step of a generated sequence: %s',
    async (_label, budget, seed, restart) => {
      const tree = configTree();
      trees.push(tree);
      const model = initialModel();
      const written = new Map<string, string>();
      render(model, tree, written);
      const source = tree.source();
      let cache = new ParseCache(budget);
      let memo = new LoadMemo();
      let save = async (): Promise<void> => undefined;
      const random = prng(seed);
      let reused = 0;
      let rechecked = 0;
      let broken = false;
      let failures = 0;
      for (let step = 0; step < 60; step++) {
        const mutation = pick(MUTATIONS, random);
        const what = step === 0 ? 'initial' : broken ? fixEverything(model) : mutation(model, random, tree);
        render(model, tree, written);
        if (restart) {
          // A new process: everything it has is what the previous one saved after its last good load.
          const persistent = await openLoadCache(tree.path('cache'), retainedMemoCodec);
          ({ cache, memo } = persistent);
          save = () => persistent.save();
        }
        const incremental = await outcome(() => loadRetainedConfig(source, { cache, memo }));
        if ('ok' in incremental) await save();
        reused += memo.reused;
        rechecked += memo.rechecked;
        const full = await outcome(() => loadConfig(source));
        broken = !('ok' in full);
        if (broken) failures++;
        expectSame(incremental, full, `step ${step}: ${what}`);
      }
      // The memo did its job (lists carried over), and the sequence had failed loads too.
      expect(reused / (reused + rechecked)).toBeGreaterThan(0.3);
      expect(failures).toBeGreaterThan(2);
    },
  );

  /** A job file holding one presubmit of org/a: what the stat-identity cases below rewrite. */
  const oneJobFile = (name: string): string =>
    renderFile({ presubmits: { 'org/a': [{ name }] }, postsubmits: {}, periodics: [], presets: [] });

  it('sees a rewrite of the same size within the same second', async () => {
    const tree = configTree({
      'prow/config.yaml': 'prowjob_namespace: prow\npod_namespace: test-pods\n',
      'jobs/a.yaml': oneJobFile('job-1'),
    });
    trees.push(tree);
    const cache = new ParseCache();
    const memo = new LoadMemo();
    const first = await loadRetainedConfig(tree.source(), { cache, memo });
    tree.write({
      'jobs/a.yaml': oneJobFile('job-2'),
    });
    const second = await loadRetainedConfig(tree.source(), { cache, memo });
    expect(second.index.repos['org/a']?.map((p) => p.name)).toEqual(['job-2']);
    expect(second.index.revision).not.toBe(first.index.revision);
  });

  it('reads a file again when a ConfigMap-like swap replaces it (new inode, same times)', async () => {
    const tree = configTree({
      'prow/config.yaml': 'prowjob_namespace: prow\npod_namespace: test-pods\n',
      'jobs/a.yaml': oneJobFile('job-1'),
    });
    trees.push(tree);
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(tree.path('jobs/a.yaml'), old, old);
    const cache = new ParseCache();
    const memo = new LoadMemo();
    await loadRetainedConfig(tree.source(), { cache, memo });
    tree.write({
      'staging/a.yaml': oneJobFile('job-9'),
    });
    utimesSync(tree.path('staging/a.yaml'), old, old);
    renameSync(tree.path('staging/a.yaml'), tree.path('jobs/a.yaml'));
    const second = await loadRetainedConfig(tree.source(), { cache, memo });
    expect(second.index.repos['org/a']?.map((p) => p.name)).toEqual(['job-9']);
  });
});
