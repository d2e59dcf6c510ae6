import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Presubmit } from '../../../src/config/types';
import { buildPresubmitProwJob } from '../../../src/kubernetes/prowjob';
import { prowJobName } from '../../../src/kubernetes/prowjob-name';
import { projectRoot } from '../../../src/project-root';
import { admitProwJob, StatusError } from '../../../src/sandbox/kubernetes/prowjob-admission';
import { pullRequest } from '../../kubernetes/presubmit-fixture';

/**
 * Every static presubmit of the Kubernetes project's real job config, built into a ProwJob, must pass
 * the API server's admission of the ProwJob CRD (pruning, defaults, schema, metadata). The jobs are read
 * with plain YAML (1.2 core: the `yaml` package's 1.1 mode reads a lone `.` as NaN) and only the
 * defaults the builder needs (the config loader owns Prow's full defaulting,
 * presets and decoration merging), so this checks the builder and the schema on real pod specs.
 */
const jobsDir = path.join(projectRoot, '..', 'shared', 'data', 'kubernetes-prow-config', 'config', 'jobs');
const required = process.env.PROW_CONFIG_DATA_REQUIRED === '1';
const present = existsSync(jobsDir);
if (!present && !required) {
  console.warn(
    `skipping the real-config ProwJob test: ${jobsDir} is absent (set PROW_CONFIG_DATA_REQUIRED=1 to fail)`,
  );
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(full);
    return /\.ya?ml$/.test(entry.name) ? [full] : [];
  });
}

function withBuilderDefaults(raw: Record<string, unknown>): Presubmit {
  const name = String(raw.name);
  return {
    ...(raw as unknown as Presubmit),
    context: (raw.context as string | undefined) ?? name,
    always_run: Boolean(raw.always_run),
    optional: Boolean(raw.optional),
    skip_report: Boolean(raw.skip_report),
    agent: (raw.agent as string | undefined) ?? 'kubernetes',
    cluster: (raw.cluster as string | undefined) ?? 'default',
    namespace: (raw.namespace as string | undefined) ?? 'test-pods',
    trigger: `(?m)^/test( | .* )${name},?($|\\s.*)`,
    rerun_command: `/test ${name}`,
  };
}

(present || required ? describe : describe.skip)(
  'real job config: every presubmit makes an admissible ProwJob',
  () => {
    it('builds and admits all static presubmits', () => {
      const presubmits: { repo: string; job: Presubmit }[] = [];
      for (const file of yamlFiles(jobsDir)) {
        const text = readFileSync(file, 'utf8');
        if (!text.includes('presubmits:')) continue;
        for (const doc of parseAllDocuments(text, { uniqueKeys: false })) {
          const content = doc.toJS({ maxAliasCount: -1 }) as {
            presubmits?: Record<string, Record<string, unknown>[]>;
          } | null;
          for (const [repo, jobs] of Object.entries(content?.presubmits ?? {})) {
            for (const job of jobs ?? []) presubmits.push({ repo, job: withBuilderDefaults(job) });
          }
        }
      }
      expect(presubmits.length).toBeGreaterThan(2000);

      const failures: string[] = [];
      const started = performance.now();
      for (const { repo, job } of presubmits) {
        const [org = '', name = ''] = repo.split('/');
        const pr = pullRequest({ base: { ref: 'main', repo: { name, owner: { login: org } } } });
        const prowJob = buildPresubmitProwJob({
          presubmit: job,
          pullRequest: pr,
          baseSha: 'c'.repeat(40),
          name: prowJobName({
            baselineRevision: 'r1',
            org,
            repo: name,
            pr: pr.number,
            headSha: pr.head.sha,
            job: job.name,
          }),
          namespace: 'prow',
          schedulerEnabled: false,
          startTime: new Date('2026-08-22T00:00:00Z'),
        });
        try {
          admitProwJob(structuredClone(prowJob) as unknown as Record<string, unknown>, false);
        } catch (err) {
          if (!(err instanceof StatusError)) throw err;
          failures.push(`${repo} ${job.name}: ${err.message}`);
        }
      }
      const perJobMs = (performance.now() - started) / presubmits.length;
      console.log(`built and admitted ${presubmits.length} real presubmits, ${perJobMs.toFixed(3)} ms each`);
      expect(failures).toEqual([]);
    });
  },
);
