import { chmodSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { ConfigInvalidError, ConfigReadError, formatProblem } from '../../src/config/errors';
import { fsFailure, MAX_CONFIG_FILE_BYTES } from '../../src/config/files/config-file';
import { loadConfig } from '../../src/config/load';
import { walkJobConfigDir } from '../../src/config/files/job-config-walk';
import { checkConfig } from '../../src/config/check-config';
import type { ConfigSource } from '../../src/config/types';
import { configTree, MINIMAL_PROW_CONFIG, validJob, type ConfigTree } from './config-tree';

/** Fail closed (V2–V5, V14, Q15): every bad input is an error naming file and problem, never an empty config. */

let tree: ConfigTree;
afterEach(() => tree?.remove());

async function problems(source: ConfigSource): Promise<string[]> {
  try {
    await loadConfig(source);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigInvalidError);
    expect((error as Error).name).toBe('ConfigInvalidError');
    return (error as ConfigInvalidError).problems.map(formatProblem);
  }
  throw new Error('expected the load to fail');
}

const JOBS = `presubmits:\n  org/repo:\n${validJob('pull-a')}`;

describe('the Prow config path (V2)', () => {
  it('fails when it is missing, with the stat error', async () => {
    tree = configTree({ 'jobs/a.yaml': JOBS });
    const missing = tree.path('prow/config.yaml');
    expect(await problems(tree.source())).toEqual([`${missing}: stat ${missing}: no such file or directory`]);
  });

  it('fails when it is a directory', async () => {
    tree = configTree({ 'prow/config.yaml/x': '', 'jobs/a.yaml': JOBS });
    const dir = tree.path('prow/config.yaml');
    expect(await problems(tree.source())).toEqual([`${dir}: prowConfig cannot be a dir - ${dir}`]);
  });

  it('fails when it is empty (Prow would load nothing)', async () => {
    tree = configTree({ 'prow/config.yaml': '\n', 'jobs/a.yaml': JOBS });
    const file = tree.path('prow/config.yaml');
    expect(await problems(tree.source())).toEqual([`${file}: ${file} is empty`]);
  });

  it('fails on corrupt YAML with its line', async () => {
    tree = configTree({ 'prow/config.yaml': 'pod_namespace: a\n  plank: b\n', 'jobs/a.yaml': JOBS });
    expect(await problems(tree.source())).toEqual([
      `${tree.path('prow/config.yaml')}: error converting YAML to JSON: yaml: line 2: bad indentation of a mapping entry`,
    ]);
  });

  it('reads a gzipped config, and inline presubmits', async () => {
    tree = configTree({
      'prow/config.yaml': gzipSync(
        `${MINIMAL_PROW_CONFIG}presubmits:\n  org/inline:\n${validJob('pull-inline')}`,
      ),
    });
    const config = await loadConfig({ configPath: tree.path('prow/config.yaml') });
    expect(Object.keys(config.presubmits)).toEqual(['org/inline']);
    expect(config.prowjobNamespace).toBe('prow');
  });

  it('takes the VERSION file next to it as the config version', async () => {
    tree = configTree({
      'prow/config.yaml': MINIMAL_PROW_CONFIG,
      'prow/VERSION': 'abc123\n',
      'jobs/a.yaml': JOBS,
    });
    expect((await loadConfig(tree.source())).index.configVersion).toBe('abc123');
  });
});

describe('the job config path (V4, V5, Q15)', () => {
  it('fails when it is missing', async () => {
    tree = configTree({ 'prow/config.yaml': MINIMAL_PROW_CONFIG });
    const jobs = tree.path('jobs');
    expect(await problems(tree.source())).toEqual([`${jobs}: stat ${jobs}: no such file or directory`]);
  });

  it('fails when the directory was replaced by an empty one', async () => {
    tree = configTree({ 'prow/config.yaml': MINIMAL_PROW_CONFIG, 'jobs/.keep': '' });
    const jobs = tree.path('jobs');
    expect(await problems(tree.source())).toEqual([
      `${jobs}: job config directory ${jobs} contains no .yaml or .yml files to load`,
    ]);
  });

  it('fails when everything is .prowignored', async () => {
    tree = configTree({
      'prow/config.yaml': MINIMAL_PROW_CONFIG,
      'jobs/a.yaml': JOBS,
      'jobs/.prowignore': '*.yaml\n',
    });
    expect(await problems(tree.source())).toHaveLength(1);
  });

  it('loads a single job config file', async () => {
    tree = configTree({ 'prow/config.yaml': MINIMAL_PROW_CONFIG, 'jobs.yaml': JOBS });
    const config = await loadConfig({
      configPath: tree.path('prow/config.yaml'),
      jobConfigPath: tree.path('jobs.yaml'),
    });
    expect(config.presubmits['org/repo']?.map((p) => p.name)).toEqual(['pull-a']);
  });

  it('resolves a root that is a symbolic link to a directory (Q15)', async () => {
    tree = configTree({
      'prow/config.yaml': MINIMAL_PROW_CONFIG,
      'real-jobs/a.yaml': JOBS,
      jobs: { link: 'real-jobs' },
    });
    const config = await loadConfig(tree.source());
    expect(config.presubmits['org/repo']?.map((p) => p.name)).toEqual(['pull-a']);
  });

  it('does not follow links below the root, so a link loop cannot hang the walk', async () => {
    tree = configTree({
      'prow/config.yaml': MINIMAL_PROW_CONFIG,
      'jobs/a.yaml': JOBS,
      'jobs/loop': { link: '.' },
      'jobs/sub/up': { link: '..' },
      'jobs/outside': { link: '../prow' },
    });
    const config = await loadConfig(tree.source());
    expect(config.presubmits['org/repo']?.map((p) => p.name)).toEqual(['pull-a']);
  });

  it('reads a YAML-named link to a file (ConfigMap keys) but fails on a dangling or looping one', async () => {
    tree = configTree({
      'prow/config.yaml': MINIMAL_PROW_CONFIG,
      'jobs/..data/a.yaml': JOBS,
      'jobs/a.yaml': { link: '..data/a.yaml' },
      'jobs/gone.yaml': { link: 'nowhere.yaml' },
      'jobs/self.yaml': { link: 'self.yaml' },
    });
    const gone = tree.path('jobs/gone.yaml');
    const self = tree.path('jobs/self.yaml');
    expect(await problems(tree.source())).toEqual([
      `${gone}: open ${gone}: no such file or directory`,
      `${self}: open ${self}: too many levels of symbolic links`,
    ]);
  });

  it('skips `..` entries: files not read, directories not entered', async () => {
    tree = configTree({
      'prow/config.yaml': MINIMAL_PROW_CONFIG,
      'jobs/a.yaml': JOBS,
      'jobs/..2024_01_01/a.yaml': 'not: [valid',
      'jobs/..data': { link: '..2024_01_01' },
      'jobs/..hidden.yaml': 'not: [valid',
    });
    const config = await loadConfig(tree.source());
    expect(config.presubmits['org/repo']?.map((p) => p.name)).toEqual(['pull-a']);
  });

  it('refuses duplicated basenames', async () => {
    tree = configTree({
      'prow/config.yaml': MINIMAL_PROW_CONFIG,
      'jobs/a/jobs.yaml': JOBS,
      'jobs/b/jobs.yaml': `presubmits:\n  org/other:\n${validJob('pull-b')}`,
    });
    expect(await problems(tree.source())).toEqual([
      `${tree.path('jobs/b/jobs.yaml')}: duplicated basename is not allowed: jobs.yaml`,
    ]);
  });

  it('concatenates presubmits of one repo in walk order (lexical), the Prow config first', async () => {
    tree = configTree({
      'prow/config.yaml': `${MINIMAL_PROW_CONFIG}presubmits:\n  org/repo:\n${validJob('pull-0')}`,
      'jobs/b.yaml': `presubmits:\n  org/repo:\n${validJob('pull-2')}`,
      'jobs/a/z.yml': `presubmits:\n  org/repo:\n${validJob('pull-1')}`,
      'jobs/c.yaml': `presubmits:\n  org/repo:\n${validJob('pull-3')}`,
      'jobs/notes.md': 'not yaml',
    });
    const config = await loadConfig(tree.source());
    expect(config.presubmits['org/repo']?.map((p) => p.name)).toEqual([
      'pull-0',
      'pull-1',
      'pull-2',
      'pull-3',
    ]);
  });

  it('refuses a file over the size limit without reading it', async () => {
    tree = configTree({ 'prow/config.yaml': MINIMAL_PROW_CONFIG, 'jobs/a.yaml': JOBS });
    const big = tree.path('jobs/big.yaml');
    writeFileSync(big, Buffer.alloc(MAX_CONFIG_FILE_BYTES + 1, 0x20));
    expect(await problems(tree.source())).toEqual([
      `${big}: error reading ${big}: file is ${MAX_CONFIG_FILE_BYTES + 1} bytes, over the ${MAX_CONFIG_FILE_BYTES}-byte limit for a config file`,
    ]);
  });

  it('refuses a gzip bomb', async () => {
    tree = configTree({
      'prow/config.yaml': MINIMAL_PROW_CONFIG,
      'jobs/a.yaml': gzipSync(Buffer.alloc(MAX_CONFIG_FILE_BYTES + 10, 0x20)),
    });
    const file = tree.path('jobs/a.yaml');
    expect(await problems(tree.source())).toEqual([
      `${file}: error reading ${file}: decompressed content is larger than the ${MAX_CONFIG_FILE_BYTES}-byte limit`,
    ]);
  });

  it('refuses a file that is not valid UTF-8', async () => {
    tree = configTree({
      'prow/config.yaml': MINIMAL_PROW_CONFIG,
      'jobs/a.yaml': Buffer.concat([
        Buffer.from('presubmits: {}\n# caf'),
        Buffer.from([0xe9]),
        Buffer.from('\n'),
      ]),
    });
    const file = tree.path('jobs/a.yaml');
    expect(await problems(tree.source())).toEqual([
      `${file}: error converting YAML to JSON: yaml: invalid UTF-8 at byte 20`,
    ]);
  });

  it('reports a walk error (a directory gone while walked) instead of a partial config', async () => {
    tree = configTree({});
    const gone = tree.path('vanished');
    expect(await walkJobConfigDir(gone)).toEqual({
      files: [],
      problems: [
        {
          file: gone,
          message: `walking path ${JSON.stringify(gone)}: open ${gone}: no such file or directory`,
        },
      ],
    });
  });

  (process.getuid?.() === 0 ? it.skip : it)(
    'reports an unreadable directory instead of a partial config',
    async () => {
      tree = configTree({
        'prow/config.yaml': MINIMAL_PROW_CONFIG,
        'jobs/a.yaml': JOBS,
        'jobs/sub/b.yaml': JOBS,
      });
      const sub = tree.path('jobs/sub');
      chmodSync(sub, 0o000);
      try {
        expect(await problems(tree.source())).toEqual([
          `${sub}: walking path ${JSON.stringify(sub)}: open ${sub}: permission denied`,
        ]);
      } finally {
        chmodSync(sub, 0o755);
      }
    },
  );
});

describe('problems and errors', () => {
  it('reports every problem of the whole config, located, one per line', async () => {
    tree = configTree({
      'prow/config.yaml': MINIMAL_PROW_CONFIG,
      'jobs/a.yaml': `presubmits:\n  org/a:\n${validJob('pull-a', '    always_run: "true"\n')}`,
      'jobs/b.yaml': `presubmits:\n  org/b:\n${validJob('bad name')}`,
    });
    const error = await loadConfig(tree.source()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigInvalidError);
    const invalid = error as ConfigInvalidError;
    expect(invalid.problems).toEqual([
      {
        file: tree.path('jobs/a.yaml'),
        job: 'pull-a',
        field: 'always_run',
        message:
          'json: cannot unmarshal string into Go struct field Presubmit.presubmits.always_run of type bool',
      },
      {
        file: tree.path('jobs/b.yaml'),
        job: 'bad name',
        message: 'invalid presubmit job bad name: name: must match regex "^[A-Za-z0-9-._]+$"',
      },
    ]);
    expect(invalid.message.split('\n')).toEqual(invalid.problems.map(formatProblem));
    expect(await checkConfig(tree.source())).toEqual({
      ok: false,
      errors: invalid.problems.map(formatProblem),
    });
  });

  it('tells transient I/O errors apart (ConfigReadError)', () => {
    for (const code of ['EIO', 'EAGAIN', 'EMFILE', 'ETIMEDOUT']) {
      const failure = fsFailure('open', '/x.yaml', Object.assign(new Error('boom'), { code }));
      expect(failure).toBeInstanceOf(ConfigReadError);
      expect((failure as ConfigReadError).name).toBe('ConfigReadError');
    }
    expect(
      fsFailure('open', '/x.yaml', Object.assign(new Error('boom'), { code: 'ENOENT' })),
    ).not.toBeInstanceOf(ConfigReadError);
  });

  it('summarizes a valid config in one line', async () => {
    tree = configTree({ 'prow/config.yaml': MINIMAL_PROW_CONFIG, 'jobs/a.yaml': JOBS });
    expect(await checkConfig(tree.source())).toEqual({
      ok: true,
      summary: expect.stringMatching(/^config OK: 1 presubmits in 1 repositories, revision [0-9a-f]{16}$/),
      revision: expect.stringMatching(/^[0-9a-f]{16}$/),
      presubmits: 1,
      repositories: 1,
      byRepository: [expect.objectContaining({ presubmits: 1 })],
    });
  });
});
