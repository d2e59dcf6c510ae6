import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freshPrebuiltBundle, workflowsPath } from '../../src/worker/workflow-bundle';

describe('freshPrebuiltBundle', () => {
  let dist: string;
  let entry: string;
  let bundle: string;
  const at = (file: string, seconds: number): void => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '');
    utimesSync(file, seconds, seconds);
  };

  beforeEach(() => {
    dist = mkdtempSync(path.join(tmpdir(), 'workflow-bundle-'));
    entry = path.join(dist, 'workflows', 'index.js');
    bundle = path.join(dist, 'workflows', 'workflow-bundle.js');
    at(entry, 1_000);
    at(path.join(dist, 'workflows', 'controller.js'), 1_000);
    at(path.join(dist, 'src', 'reconcile', 'plan.js'), 1_000);
  });
  afterEach(() => rmSync(dist, { recursive: true, force: true }));

  it('is used when it is at least as new as every compiled file', () => {
    at(bundle, 1_000);
    expect(freshPrebuiltBundle(entry)).toEqual({ codePath: bundle });
  });

  it('is not used when missing', () => {
    expect(freshPrebuiltBundle(entry)).toBeUndefined();
  });

  it('is not used when a compiled workflow or a module under src is newer (a rebuild without bundling)', () => {
    at(bundle, 2_000);
    at(path.join(dist, 'workflows', 'controller.js'), 3_000);
    expect(freshPrebuiltBundle(entry)).toBeUndefined();
    at(path.join(dist, 'workflows', 'controller.js'), 1_000);
    at(path.join(dist, 'src', 'reconcile', 'plan.js'), 3_000);
    expect(freshPrebuiltBundle(entry)).toBeUndefined();
  });

  it('ignores files that are not compiled JavaScript (source maps, declarations)', () => {
    at(bundle, 2_000);
    at(path.join(dist, 'src', 'reconcile', 'plan.js.map'), 3_000);
    expect(freshPrebuiltBundle(entry)).toEqual({ codePath: bundle });
  });

  it('is never used when running from sources (Jest), where nothing is prebuilt', () => {
    expect(workflowsPath.endsWith('.ts')).toBe(true);
    expect(freshPrebuiltBundle()).toBeUndefined();
  });
});
