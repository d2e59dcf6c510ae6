import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fromRoot, projectRoot, readText } from './support/deploy-files';

/**
 * The production tree (what tsconfig.prod.json and the Dockerfile compile: src/, workflows/, activities/)
 * never reaches into the doubles, the benchmarks or the tests. Every module specifier (static and dynamic
 * imports, `import type`, `export ... from`, require) of every file there is resolved and checked.
 */
const productionDirs = ['src', 'workflows', 'activities'];
const forbiddenDirs = ['sandbox', 'bench', 'test'];

function sourceFiles(dir: string): string[] {
  return readdirSync(fromRoot(dir), { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(file);
    return /\.(ts|js|mjs|cjs)$/.test(entry.name) ? [file] : [];
  });
}

const specifierPattern = /(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

/** The relative specifiers of a file's text, each with the repository path it resolves to. */
function relativeImports(file: string, text: string): { specifier: string; resolved: string }[] {
  return [...text.matchAll(specifierPattern)]
    .map((m) => m[1] as string)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => ({
      specifier,
      resolved: path.relative(projectRoot, path.resolve(projectRoot, path.dirname(file), specifier)),
    }));
}

/** A file's imports from a forbidden directory, as `file: specifier`. */
function forbiddenImports(file: string, text = readFileSync(fromRoot(file), 'utf8')): string[] {
  return relativeImports(file, text)
    .filter(({ resolved }) => forbiddenDirs.some((dir) => resolved === dir || resolved.startsWith(`${dir}/`)))
    .map(({ specifier }) => `${file}: ${specifier}`);
}

describe('the production tree (src/, workflows/, activities/)', () => {
  const files = productionDirs.flatMap(sourceFiles);

  it('is what tsconfig.prod.json compiles', () => {
    const prod = JSON.parse(readText('tsconfig.prod.json')) as { include: string[] };
    expect([...prod.include].sort()).toEqual([...productionDirs].sort());
    expect(files.length).toBeGreaterThan(50);
  });

  it('imports nothing from sandbox/, bench/ or test/', () => {
    expect(files.flatMap((file) => forbiddenImports(file))).toEqual([]);
  });

  it.each([
    ["import { runDev } from '../../sandbox/demo/dev';", ['../../sandbox/demo/dev']],
    ["import type { GitHubScenario } from '../../sandbox/github';", ['../../sandbox/github']],
    [
      "export { prng } from '../../sandbox/github/scenario-generator';",
      ['../../sandbox/github/scenario-generator'],
    ],
    ["const m = await import('../../bench/support/deployment.js');", ['../../bench/support/deployment.js']],
    [
      "const h = require('../../test/support/reconciler-harness');",
      ['../../test/support/reconciler-harness'],
    ],
    ["import '../../test/support/global-setup';", ['../../test/support/global-setup']],
    ["import { createLogger } from '../log';\nimport { Client } from '@temporalio/client';", []],
    ["import { sandboxed } from '../sandbox-rules';", []],
  ])('the scan of src/cli/x.ts finds the forbidden imports of %j', (text, expected) => {
    expect(forbiddenImports('src/cli/x.ts', text)).toEqual(expected.map((s) => `src/cli/x.ts: ${s}`));
  });
});
