import { existsSync } from 'node:fs';
import path from 'node:path';
import { checkConfig } from '../../src/config/check-config';
import { buildPresubmitIndex, parsePresubmitIndex } from '../../src/config/presubmit-index/index-model';
import { loadConfig } from '../../src/config/load';
import { ParseCache } from '../../src/config/files/parse-cache';
import { loadRetainedConfig } from '../../src/config/presubmit-index/retained-config';
import { projectRoot } from '../../src/project-root';
import type { ConfigSource } from '../../src/config/types';

/**
 * The Kubernetes project's real Prow config (../shared/data/kubernetes-prow-config, 602 job files) must
 * load as Prow loads it: no error, 2,261 presubmits in 159 repositories (its README's counts).
 */
const base = path.join(projectRoot, '..', 'shared', 'data', 'kubernetes-prow-config', 'config');
const present = existsSync(base);
const required = process.env.PROW_CONFIG_DATA_REQUIRED === '1';
const source: ConfigSource = {
  configPath: path.join(base, 'prow', 'config.yaml'),
  jobConfigPath: path.join(base, 'jobs'),
  pluginConfigPath: path.join(base, 'prow', 'plugins.yaml'),
};

if (!present && !required) {
  console.warn(
    `skipping the Kubernetes config tests: ${base} is absent (set PROW_CONFIG_DATA_REQUIRED=1 to fail instead)`,
  );
}

(present || required ? describe : describe.skip)('the Kubernetes Prow config', () => {
  it('is present', () => {
    expect(existsSync(base)).toBe(true);
  });

  it('loads with zero errors: 2,261 presubmits in 159 repositories', async () => {
    const result = await checkConfig(source);
    expect(result).toMatchObject({
      ok: true,
      presubmits: 2261,
      repositories: 159,
      revision: expect.stringMatching(/^[0-9a-f]{16}$/),
      summary: expect.stringMatching(
        /^config OK: 2261 presubmits in 159 repositories, revision [0-9a-f]{16}$/,
      ),
    });
    // The per-repository table check-config prints adds up to the same totals.
    const rows = result.ok ? result.byRepository : [];
    expect(rows).toHaveLength(159);
    expect(rows.reduce((n, row) => n + row.presubmits, 0)).toBe(2261);
  });

  it('matches the README counts of static presubmit fields', async () => {
    const config = await loadConfig(source);
    const all = Object.values(config.presubmits).flat();
    const count = (predicate: (p: (typeof all)[number]) => boolean): number => all.filter(predicate).length;
    expect(all).toHaveLength(2261);
    expect(new Set(Object.keys(config.presubmits).map((repo) => repo.split('/')[0])).size).toBe(4);
    expect(count((p) => p.always_run)).toBe(798);
    expect(count((p) => Boolean(p.run_if_changed))).toBe(399);
    expect(count((p) => Boolean(p.skip_if_only_changed))).toBe(382);
    expect(count((p) => p.optional)).toBe(699);
    expect(count((p) => p.skip_report)).toBe(12);
    expect(count((p) => p.context !== p.name)).toBeLessThanOrEqual(242);
    // The README counts 1,843 presubmits declaring `branches` or `skip_branches`; 47 of them declare an
    // empty list, which filters nothing (Prow tests len() == 0) and is left out of the model.
    expect(count((p) => Boolean(p.branches?.length || p.skip_branches?.length))).toBe(1796);
    expect(config.prowjobNamespace).toBe('default');
    expect(config.podNamespace).toBe('test-pods');
    expect(config.triggers.length).toBeGreaterThan(0);
  });

  it('applies Prow defaults: triggers, decoration, presets', async () => {
    const config = await loadConfig(source);
    const job = config.presubmits['kubernetes/kubernetes']?.find(
      (p) => p.name === 'pull-kubernetes-integration-ppc64le',
    );
    expect(job).toMatchObject({
      trigger: '(?m)^/test( | .* )pull-kubernetes-integration-ppc64le,?($|\\s.*)',
      rerun_command: '/test pull-kubernetes-integration-ppc64le',
      agent: 'kubernetes',
      cluster: 'k8s-infra-ppc64le-prow-build',
      namespace: 'test-pods',
      decorate: true,
      // The cluster's entry overrides the credentials secret with an empty string (a set pointer in Go).
      decoration_config: {
        gcs_credentials_secret: '',
        timeout: '2h',
        gcs_configuration: { bucket: 'kubernetes-ci-logs' },
      },
      prowjob_defaults: { tenant_id: 'GlobalDefaultID' },
    });
  });

  it("loads for a worker with the same index and settings, each repository's presubmits intact", async () => {
    const { presubmits, ...loaded } = await loadConfig(source);
    const { presubmitsOf, ...retained } = await loadRetainedConfig(source);
    expect(retained).toEqual(loaded);
    for (const [repo, list] of Object.entries(presubmits)) expect(presubmitsOf(repo)).toEqual(list);
    expect(presubmitsOf('kubernetes/no-such-repo')).toEqual([]);
    const [repo] = Object.keys(presubmits) as [string];
    expect(presubmitsOf(repo)).not.toBe(presubmitsOf(repo));
  });

  it('gives a stable index whose JSON round-trips', async () => {
    const cache = new ParseCache();
    const first = await loadConfig(source, { cache });
    const misses = cache.misses;
    const second = await loadConfig(source, { cache });
    // 601 job files (one is .prowignored), config and plugins; the empty job files share one entry.
    expect(misses).toBeGreaterThan(595);
    expect(cache.misses).toBe(misses);
    expect(cache.hits).toBeGreaterThanOrEqual(603);
    expect(second.index).toEqual(first.index);
    const json = JSON.stringify(first.index);
    const parsed = parsePresubmitIndex(JSON.parse(json));
    expect(parsed).toEqual(first.index);
    expect(JSON.stringify(parsed)).toBe(json);
    expect(buildPresubmitIndex(first.presubmits, first.index.configVersion).revision).toBe(
      first.index.revision,
    );
  });
});
