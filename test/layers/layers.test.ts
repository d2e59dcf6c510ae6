import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../src/project-root';

/**
 * The layer rule of `npm run lint` (.dependency-cruiser.cjs) catches what it is for: each case adds one wrong
 * import (in the last of its files) to a small project laid out like this one, checked with the project's own
 * config. The project itself passing is `npm run lint`'s job.
 */
type Files = Record<string, string>;

/** A project without violations: every layer importing the one below it. */
const clean: Files = {
  'src/reconcile/plan.ts': 'export const plan = 1;\n',
  'src/log.ts': 'export const log = 1;\n',
  'workflows/types.ts':
    "import type { plan } from '../src/reconcile/plan';\nexport type Plan = typeof plan;\n",
  'src/github/api.ts':
    "import type { Plan } from '../../workflows/types';\nexport const api = (p: Plan) => p;\n",
  'activities/index.ts': "import { api } from '../src/github/api';\nexport const activity = api;\n",
  'workflows/change.ts':
    "import { proxyActivities } from '@temporalio/workflow';\nimport type { activity } from '../activities';\n" +
    'export const change = proxyActivities<{ activity: typeof activity }>({});\n',
  'src/temporal/controller-client.ts':
    "import { change } from '../../workflows/change';\nexport const c = change;\n",
  'src/options.ts': "import type { Plan } from '../workflows/types';\nexport type Options = Plan;\n",
  'src/cli/main.ts':
    "import { c } from '../temporal/controller-client';\nimport type { Options } from '../options';\n" +
    'export const main = (o: Options) => [c, o];\n',
  'sandbox/double.ts': "import { api } from '../src/github/api';\nexport const double = api;\n",
};

const cases: { name: string; rule: string; files: Files }[] = [
  {
    name: 'the core imports the options (a higher layer), even as a type',
    rule: 'core-is-pure',
    files: {
      'src/reconcile/guard.ts': "import type { Options } from '../options';\nexport type G = Options;\n",
    },
  },
  {
    name: 'an adapter imports an activity',
    rule: 'adapters-over-core',
    files: {
      'src/github/up.ts': "import { activity } from '../../activities';\nexport const up = activity;\n",
    },
  },
  {
    name: 'the workflow contract imports an adapter',
    rule: 'contract-over-core',
    files: { 'workflows/messages.ts': "import { api } from '../src/github/api';\nexport const m = api;\n" },
  },
  {
    name: 'an activity imports the worker',
    rule: 'activities-over-adapters',
    files: {
      'src/worker/metrics.ts': 'export const metrics = 1;\n',
      'activities/metrics.ts':
        "import { metrics } from '../src/worker/metrics';\nexport const m = metrics;\n",
    },
  },
  {
    name: 'workflow code imports an adapter',
    rule: 'workflow-code-over-contract',
    files: { 'workflows/up.ts': "import { api } from '../src/github/api';\nexport const up = api;\n" },
  },
  {
    name: 'workflow code imports activity code (not its types)',
    rule: 'workflows-type-activities',
    files: {
      'workflows/run.ts': "import { activity } from '../activities';\nexport const run = activity;\n",
    },
  },
  {
    name: 'workflow code imports a Node built-in',
    rule: 'workflow-no-node',
    files: {
      'workflows/io.ts': "import { readFileSync } from 'node:fs';\nexport const io = readFileSync;\n",
    },
  },
  {
    name: 'workflow code imports a package other than the workflow SDK',
    rule: 'workflow-packages',
    files: { 'workflows/yaml.ts': "import { parse } from 'yaml';\nexport const y = parse;\n" },
  },
  {
    name: 'a controller client imports the options',
    rule: 'clients-over-workflows',
    files: {
      'src/temporal/controller-recovery.ts':
        "import type { Options } from '../options';\nexport type R = Options;\n",
    },
  },
  {
    name: 'production code imports the doubles (top-level sandbox/)',
    rule: 'production-without-doubles',
    files: {
      'src/cli/demo.ts': "import { double } from '../../sandbox/double';\nexport const d = double;\n",
    },
  },
  {
    name: 'production code imports the doubles (src/sandbox/)',
    rule: 'production-without-doubles',
    files: {
      'src/sandbox/double.ts': 'export const double = 1;\n',
      'src/worker/demo.ts': "import { double } from '../sandbox/double';\nexport const d = double;\n",
    },
  },
  {
    name: 'production code imports a test helper',
    rule: 'production-without-doubles',
    files: {
      'test/support/helper.ts': 'export const helper = 1;\n',
      'src/cli/helped.ts': "import { helper } from '../../test/support/helper';\nexport const h = helper;\n",
    },
  },
  {
    name: 'two modules of one layer import each other',
    rule: 'no-cycles',
    files: {
      'src/github/b.ts': "import type { A } from './a';\nexport type B = A | 1;\n",
      'src/github/a.ts': "import type { B } from './b';\nexport type A = B;\n",
    },
  },
  {
    name: 'an import that does not resolve',
    rule: 'resolvable',
    files: { 'src/cli/lost.ts': "import { gone } from './gone';\nexport const l = gone;\n" },
  },
];

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** Runs the project's layer check on a project made of `files`; returns its violations. */
function violationsOf(files: Files): Violation[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'layers-'));
  try {
    for (const [file, text] of Object.entries({
      ...files,
      'tsconfig.json': JSON.stringify({
        compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' },
      }),
    })) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
    symlinkSync(path.join(projectRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    let output: string;
    try {
      output = execFileSync(
        process.execPath,
        [
          path.join(projectRoot, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs'),
          '--config',
          path.join(projectRoot, '.dependency-cruiser.cjs'),
          '--output-type',
          'json',
          '.',
        ],
        { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
    } catch (err) {
      // Exit code = number of errors; the report is still on stdout.
      output = (err as { stdout: string }).stdout;
    }
    return (JSON.parse(output) as { summary: { violations: Violation[] } }).summary.violations;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the layer rule (.dependency-cruiser.cjs)', () => {
  it('passes a project whose imports all point down', () => {
    expect(violationsOf(clean)).toEqual([]);
  });

  it('fails each wrong import with the rule it breaks', () => {
    // One project holding every case (each in files of its own): one run of the checker, not one per case.
    const project = Object.assign({}, clean, ...cases.map((c) => c.files)) as Files;
    const found = violationsOf(project).map((v) => `${v.rule.name}: ${v.from}`);
    const expected = cases.map((c) => `${c.rule}: ${Object.keys(c.files).at(-1)}`);
    expect(found.sort()).toEqual(expected.sort());
  });
});
