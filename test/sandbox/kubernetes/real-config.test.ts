import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../../src/config/load';
import type { ConfigSource } from '../../../src/config/types';
import { buildPresubmitProwJob } from '../../../src/kubernetes/prowjob';
import { prowJobName } from '../../../src/kubernetes/prowjob-name';
import { projectRoot } from '../../../src/project-root';
import { admitProwJob, StatusError } from '../../../sandbox/kubernetes/prowjob-admission';
import { pullRequest } from '../../kubernetes/presubmit-fixture';

/**
 * Every static presubmit of the Kubernetes project's real config, loaded and defaulted as Prow does
 * (presets, plank's decoration defaults, Go decoding: src/config/load.ts) and built into a ProwJob, must
 * pass the API server's admission of the ProwJob CRD: pruning, defaults, schema and metadata rules.
 */
const base = path.join(projectRoot, '..', 'shared', 'data', 'kubernetes-prow-config', 'config');
const required = process.env.PROW_CONFIG_DATA_REQUIRED === '1';
const present = existsSync(base);
const source: ConfigSource = {
  configPath: path.join(base, 'prow', 'config.yaml'),
  jobConfigPath: path.join(base, 'jobs'),
  pluginConfigPath: path.join(base, 'prow', 'plugins.yaml'),
};
if (!present && !required) {
  console.warn(
    `skipping the real-config ProwJob test: ${base} is absent (set PROW_CONFIG_DATA_REQUIRED=1 to fail)`,
  );
}

(present || required ? describe : describe.skip)(
  'real Prow config: every presubmit makes an admissible ProwJob',
  () => {
    it('builds and admits all 2,261 static presubmits', async () => {
      const config = await loadConfig(source);
      const failures: string[] = [];
      let count = 0;
      const started = performance.now();
      for (const [repoKey, presubmits] of Object.entries(config.presubmits)) {
        const [org = '', repo = ''] = repoKey.split('/');
        const pr = pullRequest({ base: { ref: 'main', repo: { name: repo, owner: { login: org } } } });
        for (const presubmit of presubmits) {
          count++;
          const job = buildPresubmitProwJob({
            presubmit,
            pullRequest: pr,
            baseSha: 'c'.repeat(40),
            name: prowJobName({
              baselineRevision: config.index.revision,
              org,
              repo,
              pr: pr.number,
              headSha: pr.head.sha,
              job: presubmit.name,
            }),
            namespace: config.prowjobNamespace,
            schedulerEnabled: config.schedulerEnabled,
            startTime: new Date('2026-08-22T00:00:00Z'),
          });
          try {
            admitProwJob(structuredClone(job) as unknown as Record<string, unknown>, false);
          } catch (err) {
            if (!(err instanceof StatusError)) throw err;
            failures.push(`${repoKey} ${presubmit.name}: ${err.message}`);
          }
        }
      }
      const perJobMs = (performance.now() - started) / count;
      console.log(`built and admitted ${count} real presubmits, ${perJobMs.toFixed(3)} ms each`);
      expect(count).toBe(2261);
      expect(failures).toEqual([]);
    });
  },
);
