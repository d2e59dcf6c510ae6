import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load';
import { ParseCache } from '../../src/config/files/parse-cache';
import type { ConfigSource, LoadedConfig } from '../../src/config/types';
import { projectRoot } from '../../src/project-root';
import { diffConfigs, diffToJson } from '../../src/reconcile/diff';

/**
 * Regression tests of the diff on real data: four real transitions of the Kubernetes project's Prow config,
 * with what Prow's own diff functions computed (../shared/data/prow-transitions/README.md). The before tree is
 * rebuilt by reversing the patch on a scratch copy of the snapshot; both trees load through our loader.
 */
const data = path.join(projectRoot, '..', 'shared', 'data');
const snapshot = path.join(data, 'kubernetes-prow-config', 'config');
const transitions = path.join(data, 'prow-transitions');
const present = existsSync(snapshot) && existsSync(transitions);
const required = process.env.PROW_CONFIG_DATA_REQUIRED === '1';

if (!present && !required) {
  console.warn(
    `skipping the real transition tests: ${snapshot} or ${transitions} is absent ` +
      '(set PROW_CONFIG_DATA_REQUIRED=1 to fail instead)',
  );
}

const sourceAt = (config: string): ConfigSource => ({
  configPath: path.join(config, 'prow', 'config.yaml'),
  jobConfigPath: path.join(config, 'jobs'),
  pluginConfigPath: path.join(config, 'prow', 'plugins.yaml'),
});

(present || required ? describe : describe.skip)('real Prow config transitions (diff --output json)', () => {
  const cache = new ParseCache();
  let after: LoadedConfig;
  let scratch: string;

  beforeAll(async () => {
    expect(existsSync(snapshot)).toBe(true);
    after = await loadConfig(sourceAt(snapshot), { cache });
    scratch = mkdtempSync(path.join(tmpdir(), 'prow-transition-'));
  }, 120_000);

  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  const patches = present
    ? readdirSync(transitions)
        .filter((f) => f.endsWith('.patch'))
        .sort()
    : [];
  if (required) {
    it('has transitions to test', () => expect(patches.length).toBeGreaterThan(0));
  }

  it.each(patches)(
    '%s matches Prow',
    async (patchFile) => {
      const id = patchFile.replace(/\.patch$/, '');
      const tree = path.join(scratch, id);
      cpSync(snapshot, path.join(tree, 'config'), { recursive: true });
      execFileSync('patch', ['-s', '-R', '-p1', '-d', tree, '-i', path.join(transitions, patchFile)]);
      const before = await loadConfig(sourceAt(path.join(tree, 'config')), { cache });
      const expected: unknown = JSON.parse(
        readFileSync(path.join(transitions, `${id}.expected.json`), 'utf8'),
      );
      expect(diffToJson(diffConfigs(before.presubmits, after.presubmits))).toEqual(expected);
      // The stored index (what the controller keeps as lastReconciled) must diff the same way.
      expect(diffToJson(diffConfigs(before.index.repos, after.index.repos))).toEqual(expected);
      rmSync(tree, { recursive: true, force: true });
    },
    120_000,
  );
});
