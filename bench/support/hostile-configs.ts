import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, symlinkSync, writeFileSync, ftruncateSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { MAX_CONFIG_FILE_BYTES } from '../../src/config/files/config-file';
import type { ConfigSource } from '../../src/config/types';

/**
 * Hostile config trees (issue 17): what someone with commit rights to a job config directory could merge,
 * each small on disk. Shared by the hostile-input tests (test/config/hostile-inputs.test.ts) and the
 * benchmark (bench/hostile-load.ts). `build` writes the case below `dir` (which it creates) and returns the
 * config source and the path the expected problem names.
 */

export interface HostileCase {
  name: string;
  /** What the case is, for the printed table. */
  description: string;
  build(dir: string): { source: ConfigSource; file: string };
}

const PROW_CONFIG = 'prowjob_namespace: prow\npod_namespace: test-pods\n';

/** A presubmit that passes every check, with extra YAML lines (indented 4) appended. */
export function hostileJob(name: string, extra = ''): string {
  return `  - name: ${name}\n    always_run: true\n    spec: {containers: [{image: alpine, command: [echo]}]}\n${extra}`;
}

function tree(dir: string, files: Record<string, string | Buffer> = {}): ConfigSource {
  mkdirSync(path.join(dir, 'prow'), { recursive: true });
  mkdirSync(path.join(dir, 'jobs'), { recursive: true });
  writeFileSync(path.join(dir, 'prow', 'config.yaml'), PROW_CONFIG);
  for (const [relative, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
    writeFileSync(path.join(dir, relative), content);
  }
  return { configPath: path.join(dir, 'prow', 'config.yaml'), jobConfigPath: path.join(dir, 'jobs') };
}

/** `count` presubmits of org/repo, spread over `files` job files. */
function presubmits(dir: string, count: number, files: number): { source: ConfigSource; file: string } {
  const entries: Record<string, string> = {};
  const perFile = Math.ceil(count / files);
  for (let f = 0; f < files; f++) {
    const parts = ['presubmits:\n  org/repo:\n'];
    for (let i = f * perFile; i < Math.min(count, (f + 1) * perFile); i++) parts.push(hostileJob(`job-${i}`));
    entries[`jobs/many-${String(f).padStart(4, '0')}.yaml`] = parts.join('');
  }
  return { source: tree(dir, entries), file: path.join(dir, 'jobs', 'many-0000.yaml') };
}

/** One job file with `text`, next to a valid one. */
function jobFile(dir: string, name: string, text: string | Buffer): { source: ConfigSource; file: string } {
  const source = tree(dir, {
    'jobs/valid.yaml': `presubmits:\n  org/repo:\n${hostileJob('valid')}`,
    [`jobs/${name}`]: text,
  });
  return { source, file: path.join(dir, 'jobs', name) };
}

export const HOSTILE_CASES: HostileCase[] = [
  {
    name: 'dev-zero-link',
    description: 'a job file that is a link to /dev/zero',
    build(dir) {
      const source = tree(dir, { 'jobs/valid.yaml': `presubmits:\n  org/repo:\n${hostileJob('valid')}` });
      const file = path.join(dir, 'jobs', 'zero.yaml');
      symlinkSync('/dev/zero', file);
      return { source, file };
    },
  },
  {
    name: 'fifo',
    description: 'a FIFO named x.yaml in the job directory',
    build(dir) {
      const source = tree(dir, { 'jobs/valid.yaml': `presubmits:\n  org/repo:\n${hostileJob('valid')}` });
      const file = path.join(dir, 'jobs', 'x.yaml');
      const made = spawnSync('mkfifo', [file]);
      if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr?.toString() ?? made.error}`);
      return { source, file };
    },
  },
  {
    name: 'socket',
    description: 'a Unix socket named s.yaml in the job directory',
    build(dir) {
      const source = tree(dir, { 'jobs/valid.yaml': `presubmits:\n  org/repo:\n${hostileJob('valid')}` });
      const file = path.join(dir, 'jobs', 's.yaml');
      // A process that exits while listening leaves its socket file behind.
      const made = spawnSync(process.execPath, [
        '-e',
        `require('node:net').createServer().listen(${JSON.stringify(file)}, () => process.exit(0))`,
      ]);
      if (made.status !== 0) throw new Error(`could not create a socket: ${made.stderr?.toString()}`);
      return { source, file };
    },
  },
  {
    name: 'alias-branches',
    description: '200 aliases of a 10,000-character branch name (12 KB of text)',
    build(dir) {
      const branches = `    branches:\n    - &b ${'x'.repeat(10_000)}\n${'    - *b\n'.repeat(199)}`;
      return jobFile(dir, 'alias.yaml', `presubmits:\n  org/other:\n${hostileJob('aliased', branches)}`);
    },
  },
  {
    name: 'presubmits-50k-one-file',
    description: '50,000 presubmits of one repository in one 5 MB file',
    build: (dir) => presubmits(dir, 50_000, 1),
  },
  {
    name: 'presubmits-50k-50-files',
    description: '50,000 presubmits of one repository in 50 files',
    build: (dir) => presubmits(dir, 50_000, 50),
  },
  {
    name: 'presubmits-over-budget',
    description: '60,001 one-line presubmits of one repository (1.6 MB)',
    build(dir) {
      const lines = ['presubmits:\n  org/repo:\n'];
      for (let i = 0; i <= 60_000; i++) lines.push(`  - {name: j${i}}\n`);
      return jobFile(dir, 'tiny.yaml', lines.join(''));
    },
  },
  {
    name: 'same-context',
    description: '5,000 presubmits all reporting to one context (12.5 million conflicting pairs)',
    build(dir) {
      const lines = ['presubmits:\n  org/repo:\n'];
      for (let i = 0; i < 5_000; i++) lines.push(hostileJob(`job-${i}`, '    context: shared\n'));
      return jobFile(dir, 'shared.yaml', lines.join(''));
    },
  },
  {
    name: 'regex-program-bomb',
    description: 'a 1.3 KB run_if_changed regex that compiles to 1.3 million instructions',
    build(dir) {
      const extra = `    always_run: false\n    run_if_changed: '(${'a'.repeat(1_300)}){1000}'\n`;
      return jobFile(dir, 'regex.yaml', `presubmits:\n  org/other:\n${hostileJob('bomb', extra)}`);
    },
  },
  {
    name: 'huge-scalar-branch',
    description: 'a 4 MB branch name',
    build(dir) {
      const extra = `    branches: ['${'b'.repeat(4 * 1024 * 1024)}']\n`;
      return jobFile(dir, 'scalar.yaml', `presubmits:\n  org/other:\n${hostileJob('wide', extra)}`);
    },
  },
  {
    name: 'huge-key',
    description: 'a 4 MB mapping key in a job',
    build(dir) {
      const extra = `    labels: {${'k'.repeat(4 * 1024 * 1024)}: v}\n`;
      return jobFile(dir, 'key.yaml', `presubmits:\n  org/other:\n${hostileJob('keyed', extra)}`);
    },
  },
  {
    name: 'long-line',
    description: '20,000 presubmits on one 2 MB line (flow style)',
    build(dir) {
      const jobs: string[] = [];
      for (let i = 0; i < 20_000; i++)
        jobs.push(`{name: job-${i}, always_run: true, spec: {containers: [{image: a, command: [e]}]}}`);
      return jobFile(dir, 'line.yaml', `presubmits: {org/other: [${jobs.join(', ')}]}\n`);
    },
  },
  {
    name: 'many-problems',
    description: '300,000 wrongly typed values (1.8 MB): one problem each',
    build(dir) {
      return jobFile(dir, 'bad.yaml', `presets:\n- env:\n${'  - a\n'.repeat(300_000)}`);
    },
  },
  {
    name: 'deep-nesting',
    description: '100,000 nested flow sequences (200 KB)',
    build(dir) {
      const depth = 100_000;
      return jobFile(dir, 'deep.yaml', `presets: ${'['.repeat(depth)}${']'.repeat(depth)}\n`);
    },
  },
  {
    name: 'many-files',
    description: '10,000 job files of one presubmit each',
    build(dir) {
      const files: Record<string, string> = {};
      for (let i = 0; i < 10_000; i++)
        files[`jobs/d${i % 100}/f${i}.yaml`] = `presubmits:\n  org/repo:\n${hostileJob(`job-${i}`)}`;
      return { source: tree(dir, files), file: path.join(dir, 'jobs') };
    },
  },
  {
    name: 'deep-directories',
    description: 'a job file 1,000 directories deep',
    build(dir) {
      const deep = Array.from({ length: 1_000 }, () => 'd').join('/');
      return jobFile(dir, `${deep}/deep.yaml`, `presubmits:\n  org/deep:\n${hostileJob('deep')}`);
    },
  },
  {
    name: 'over-size-file',
    description: 'a sparse job file one byte over the size limit',
    build(dir) {
      const { source, file } = jobFile(dir, 'big.yaml', '');
      const fd = openSync(file, 'r+');
      ftruncateSync(fd, MAX_CONFIG_FILE_BYTES + 1);
      closeSync(fd);
      return { source, file };
    },
  },
  {
    name: 'gzip-bomb',
    description: 'a 100 KB gzip file that inflates to 100 MB',
    build: (dir) => jobFile(dir, 'bomb.yaml', gzipSync(Buffer.alloc(100 * 1024 * 1024, 0x20), { level: 9 })),
  },
];
