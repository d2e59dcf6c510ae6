import path from 'node:path';
import { loadConfig } from '../../src/config/load';
import { applyDecorationDefault } from '../../src/config/prow/decoration-defaults';
import { applyPresets } from '../../src/config/prow/presets';
import { projectRoot } from '../../src/project-root';
import type { ConfigSource, LoadedConfig, Presubmit } from '../../src/config/types';
import { configTree, type ConfigTree } from './config-tree';

/** Prow's defaulting (V6) on the project's fixture (test/fixtures/config/basic). */

const fixture = path.join(projectRoot, 'test', 'fixtures', 'config', 'basic');
const source: ConfigSource = {
  configPath: path.join(fixture, 'prow', 'config.yaml'),
  jobConfigPath: path.join(fixture, 'jobs'),
  supplementalProwConfigDirs: [path.join(fixture, 'supplemental')],
  pluginConfigPath: path.join(fixture, 'prow', 'plugins.yaml'),
  supplementalPluginConfigDirs: [path.join(fixture, 'plugins-supplemental')],
};

let config: LoadedConfig;
beforeAll(async () => {
  config = await loadConfig(source);
});
const job = (repo: string, name: string): Presubmit => {
  const found = config.presubmits[repo]?.find((p) => p.name === name);
  if (!found) throw new Error(`no presubmit ${repo} ${name}`);
  return found;
};

describe('job defaults (V6)', () => {
  it('reads namespaces, the scheduler, the config version and every trigger', () => {
    expect(config.prowjobNamespace).toBe('prow');
    expect(config.podNamespace).toBe('test-pods');
    expect(config.schedulerEnabled).toBe(true);
    expect(config.index.configVersion).toBe('v2026.08.22-abc');
    expect(config.triggers).toEqual([
      { repos: ['my-org'], only_org_members: false, trusted_apps: ['my-ci-app'] },
      { repos: ['my-org/other-repo'], only_org_members: true },
    ]);
  });

  it('defaults context, agent, cluster, namespace, trigger and rerun command', () => {
    expect(job('my-org/my-repo', 'pull-unit')).toMatchObject({
      context: 'pull-unit',
      agent: 'kubernetes',
      cluster: 'default',
      namespace: 'test-pods',
      trigger: '(?m)^/test( | .* )pull-unit,?($|\\s.*)',
      rerun_command: '/test pull-unit',
      always_run: true,
      optional: false,
      skip_report: false,
      prowjob_defaults: { tenant_id: 'GlobalDefaultID' },
    });
    expect(job('my-org/my-repo', 'pull-legacy').context).toBe('ci/legacy');
  });

  it('keeps a trigger and rerun command given together', () => {
    expect(job('my-org/my-repo', 'pull-custom-trigger')).toMatchObject({
      trigger: '(?m)^/custom( |$)',
      rerun_command: '/custom',
      branches: ['main'],
      skip_branches: ['^release-1\\.0$'],
      job_queue_name: 'heavy',
    });
  });

  it('merges decoration defaults in order under the job’s own, only for decorated jobs', () => {
    expect(job('my-org/my-repo', 'pull-unit').decoration_config).toEqual({
      timeout: '3h',
      grace_period: '15m',
      utility_images: {
        clonerefs: 'clonerefs:v1',
        initupload: 'initupload:v1',
        entrypoint: 'entrypoint:v1',
        sidecar: 'sidecar:v1',
      },
      gcs_configuration: { bucket: 'logs-bucket', path_strategy: 'explicit' },
      gcs_credentials_secret: 'gcs-credentials',
    });
    expect(job('my-org/my-repo', 'pull-creds').decoration_config).toMatchObject({
      timeout: '30m',
      gcs_credentials_secret: '',
    });
    expect(job('my-org/my-repo', 'pull-docs').decoration_config).toBeUndefined();
    expect(job('my-org/my-repo', 'pull-docs').decorate).toBe(false);
  });

  it('merges matching presets into the pod spec', () => {
    const spec = job('my-org/my-repo', 'pull-creds').spec as {
      containers: { env: unknown[]; volumeMounts: unknown[] }[];
      volumes: unknown[];
    };
    expect(spec.containers[0]?.env).toEqual([
      { name: 'GOOGLE_APPLICATION_CREDENTIALS', value: '/etc/service-account/service-account.json' },
    ]);
    expect(spec.volumes).toEqual([{ name: 'service', secret: { secretName: 'service-account' } }]);
    expect(spec.containers[0]?.volumeMounts).toEqual([
      { name: 'service', mountPath: '/etc/service-account', readOnly: true },
    ]);
    // The shared anchor of the other jobs is untouched.
    expect(job('my-org/my-repo', 'pull-unit').spec).toEqual({
      containers: [{ image: 'golang:1.22', command: ['make', 'test'] }],
    });
  });

  it('applies ProwJob default entries by repo', () => {
    expect(job('my-org/other-repo', 'pull-other').prowjob_defaults).toEqual({ tenant_id: 'other-tenant' });
  });

  it('keeps the index compact: only IndexedPresubmit fields, empty optional fields left out', () => {
    expect(config.index.repos['my-org/my-repo']?.[5]).toEqual({
      name: 'pull-custom-trigger',
      context: 'pull-custom-trigger',
      always_run: false,
      optional: false,
      skip_report: false,
      branches: ['main'],
      skip_branches: ['^release-1\\.0$'],
    });
    expect(Object.keys(config.index.repos)).toEqual(['my-org/my-repo', 'my-org/other-repo']);
  });
});

describe('decoration config merge (DecorationConfig.ApplyDefault)', () => {
  it('treats a present pointer as set, an empty list or string as unset', () => {
    expect(
      applyDecorationDefault(
        {
          gcs_credentials_secret: '',
          ssh_key_secrets: [],
          github_app_id: '',
          utility_images: { clonerefs: 'mine' },
        },
        {
          gcs_credentials_secret: 'def',
          ssh_key_secrets: ['key'],
          github_app_id: 'app',
          utility_images: { clonerefs: 'x', sidecar: 's' },
        },
      ),
    ).toEqual({
      gcs_credentials_secret: '',
      ssh_key_secrets: ['key'],
      github_app_id: 'app',
      utility_images: { clonerefs: 'mine', sidecar: 's' },
    });
  });

  it('lets the default’s media types win, as Prow copies them over the job’s', () => {
    expect(
      applyDecorationDefault(
        { gcs_configuration: { mediaTypes: { log: 'text/plain', a: 'x' } } },
        { gcs_configuration: { mediaTypes: { log: 'text/x-log' } } },
      ),
    ).toEqual({ gcs_configuration: { mediaTypes: { log: 'text/x-log', a: 'x' } } });
  });
});

describe('preset collisions', () => {
  const spec = {
    containers: [
      { name: 'test', env: [{ name: 'A', value: '1' }], volumeMounts: [{ name: 'v', mountPath: '/v' }] },
    ],
    volumes: [{ name: 'v' }],
  };
  it.each([
    [
      { env: [{ name: 'A', value: '2' }] },
      'job j failed to merge presets for podspec: env var duplicated in pod spec: A',
    ],
    [
      { volumes: [{ name: 'v' }] },
      'job j failed to merge presets for podspec: volume duplicated in pod spec: v',
    ],
    [
      { volumeMounts: [{ name: 'v', mountPath: '/w' }] },
      'job j failed to merge presets for podspec: volume mount duplicated in pod spec: v',
    ],
  ])('%j', (preset, error) => {
    expect(applyPresets('j', {}, spec, [preset]).error).toBe(error);
  });

  it('applies a preset only when all its labels match', () => {
    const preset = { labels: { a: 'true', b: 'true' }, env: [{ name: 'B', value: '1' }] };
    expect(applyPresets('j', { a: 'true' }, spec, [preset]).spec).toBe(spec);
    expect(
      applyPresets('j', { a: 'true', b: 'true' }, spec, [preset]).spec?.containers?.[0]?.env,
    ).toHaveLength(2);
    expect(spec.containers[0]?.env).toHaveLength(1);
  });
});

describe('supplemental configs', () => {
  let tree: ConfigTree;
  afterEach(() => tree.remove());

  it('refuses a supplemental Prow config setting fields without merge logic (V3)', async () => {
    tree = configTree({
      'prow/config.yaml': 'pod_namespace: p\n',
      'jobs/a.yaml': 'presubmits:\n  o/r:\n  - {name: a, spec: {containers: [{command: [x]}]}}\n',
      'extra/more_prowconfig.yaml': 'pod_namespace: other\ntide:\n  queries: []\n  sync_period: 1m\n',
      'extra/ignored.yaml': 'not: [valid',
    });
    const file = tree.path('extra/more_prowconfig.yaml');
    await expect(
      loadConfig(tree.source({ supplementalProwConfigDirs: [tree.path('extra')] })),
    ).rejects.toMatchObject({
      problems: [
        {
          file,
          message: `failed to merge in config from ${file}: only 'branch-protection', 'slack_reporter_configs', 'tide.merge_method' and 'tide.queries' may be set via additional config, all other fields have no merging logic yet. Diff: tide.sync_period, pod_namespace`,
        },
      ],
    });
  });
});
