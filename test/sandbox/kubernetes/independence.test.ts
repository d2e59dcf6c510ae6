import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../../src/project-root';

/**
 * The Kubernetes double judges the ProwJobs the project builds, so it must not share the builder's code:
 * from src/ it takes the logger, the project root, the ProwJob type (erased at compile time) and the CRD
 * schema as data, nothing else. A bug in src/kubernetes then cannot pass in both.
 */
const allowed = new Map<string, 'any' | 'type-only'>([
  ['src/log', 'any'],
  ['src/project-root', 'any'],
  ['src/kubernetes/schemas/prowjob-v1.schema.json', 'any'],
  ['src/kubernetes/prowjob-types', 'type-only'],
]);

const dir = path.join(projectRoot, 'sandbox', 'kubernetes');
const imports = readdirSync(dir)
  .filter((file) => file.endsWith('.ts'))
  .flatMap((file) =>
    [...readFileSync(path.join(dir, file), 'utf8').matchAll(/^import (type )?[^;]*? from '([^']+)';/gms)].map(
      (m) => ({
        file,
        typeOnly: m[1] !== undefined,
        target: path.relative(projectRoot, path.resolve(dir, m[2] as string)),
        relative: (m[2] as string).startsWith('.'),
      }),
    ),
  );

describe('the Kubernetes double shares no code with the ProwJob builder under test', () => {
  it('finds its imports', () => {
    expect(imports.filter((i) => i.target === 'src/log').length).toBeGreaterThan(0);
  });

  it.each(imports.filter((i) => i.relative && i.target.startsWith('src/')).map((i) => [i.file, i.target, i]))(
    '%s imports %s: allowed',
    (_file, target, i) => {
      const rule = allowed.get(target as string);
      expect(rule).toBeDefined();
      if (rule === 'type-only') expect((i as { typeOnly: boolean }).typeOnly).toBe(true);
    },
  );
});
