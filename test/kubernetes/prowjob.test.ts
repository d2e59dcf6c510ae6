import { buildPresubmitProwJob, kubernetesTime } from '../../src/kubernetes/prowjob';
import { prowJobInput, pullRequest, realisticPresubmit } from './presubmit-fixture';

describe('buildPresubmitProwJob (pjutil.NewPresubmit, spec §7.1)', () => {
  it('builds the whole object Prow builds for a realistic presubmit', () => {
    const job = buildPresubmitProwJob(prowJobInput());
    expect(job).toEqual({
      apiVersion: 'prow.k8s.io/v1',
      kind: 'ProwJob',
      metadata: {
        name: '3f1c2b8e-9d4a-8c3b-a1e2-0f9e8d7c6b5a',
        namespace: 'prow',
        labels: {
          'created-by-prow': 'true',
          'event-GUID': 'none',
          'preset-dind-enabled': 'true',
          'prow.k8s.io/context': 'pull-etcd-unit-test-arm64',
          'prow.k8s.io/is-optional': 'false',
          'prow.k8s.io/job': 'pull-etcd-unit-test-arm64',
          'prow.k8s.io/refs.base_ref': 'main',
          'prow.k8s.io/refs.org': 'etcd-io',
          'prow.k8s.io/refs.pull': '17234',
          'prow.k8s.io/refs.repo': 'etcd',
          'prow.k8s.io/type': 'presubmit',
        },
        annotations: {
          'prow.k8s.io/context': 'pull-etcd-unit-test-arm64',
          'prow.k8s.io/job': 'pull-etcd-unit-test-arm64',
          'testgrid-dashboards': 'sig-etcd-presubmits',
          'testgrid-tab-name': 'pull-etcd-unit-test-arm64',
        },
      },
      spec: {
        type: 'presubmit',
        agent: 'kubernetes',
        cluster: 'k8s-infra-prow-build',
        namespace: 'test-pods',
        job: 'pull-etcd-unit-test-arm64',
        refs: {
          org: 'etcd-io',
          repo: 'etcd',
          repo_link: 'https://github.com/etcd-io/etcd',
          base_ref: 'main',
          base_sha: '0123456789abcdef0123456789abcdef01234567',
          base_link: 'https://github.com/etcd-io/etcd/commit/0123456789abcdef0123456789abcdef01234567',
          pulls: [
            {
              number: 17234,
              author: 'octocat',
              sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
              title: 'server: fix the lease renewal race',
              head_ref: 'fix-lease-race',
              link: 'https://github.com/etcd-io/etcd/pull/17234',
              commit_link:
                'https://github.com/etcd-io/etcd/pull/17234/commits/a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
              author_link: 'https://github.com/octocat',
            },
          ],
          blobless_fetch: true,
        },
        report: true,
        context: 'pull-etcd-unit-test-arm64',
        rerun_command: '/test pull-etcd-unit-test-arm64',
        pod_spec: {
          containers: [
            {
              // Go writes the container's non-omitempty `name` as "" (see go-json-encoding.ts).
              name: '',
              image:
                'us-central1-docker.pkg.dev/k8s-staging-test-infra/images/kubekins-e2e:v20260810-7619858115-master',
              command: ['runner.sh'],
              args: ['bash', '-c', "PASSES='unit' CPU='4' ./scripts/test.sh -p=2"],
              resources: { requests: { cpu: '4', memory: '4Gi' }, limits: { cpu: 4, memory: '4Gi' } },
              securityContext: { privileged: true },
              env: [{ name: 'GOARCH', value: 'arm64' }],
              ports: [{ containerPort: 8080 }],
            },
          ],
          nodeSelector: { 'kubernetes.io/arch': 'arm64' },
        },
        decoration_config: realisticPresubmit().decoration_config,
      },
      status: { startTime: '2026-08-22T10:11:12Z', state: 'triggered' },
    });
  });

  it('is pure: equal input, equal output, and the config is not mutated', () => {
    const input = prowJobInput();
    const before = structuredClone(input.presubmit);
    expect(buildPresubmitProwJob(input)).toEqual(buildPresubmitProwJob(input));
    expect(input.presubmit).toEqual(before);
    expect((input.presubmit.spec?.containers as object[])[0]).not.toHaveProperty('name');
  });

  it.each([
    [false, 'triggered'],
    [true, 'scheduling'],
  ])('scheduler.enabled=%s starts the job in state %s', (schedulerEnabled, state) => {
    expect(buildPresubmitProwJob(prowJobInput({ schedulerEnabled })).status.state).toBe(state);
  });

  it.each([
    ['skip_report: false', { skip_report: false }, { report: true }],
    ['skip_report: true (report omitted, Go omitempty)', { skip_report: true }, { report: undefined }],
    [
      'max_concurrency and error_on_eviction',
      { max_concurrency: 3, error_on_eviction: true },
      { max_concurrency: 3, error_on_eviction: true },
    ],
    ['max_concurrency 0 is omitted', { max_concurrency: 0 }, { max_concurrency: undefined }],
    [
      'hidden and job_queue_name',
      { hidden: true, job_queue_name: 'gpu' },
      { hidden: true, job_queue_name: 'gpu' },
    ],
    ['no namespace', { namespace: undefined }, { namespace: undefined }],
    [
      'rerun_auth_config',
      { rerun_auth_config: { github_users: ['alice'] } },
      { rerun_auth_config: { github_users: ['alice'] } },
    ],
    [
      'prowjob_defaults',
      { prowjob_defaults: { tenant_id: 't1' } },
      { prowjob_defaults: { tenant_id: 't1' } },
    ],
  ] as const)('spec field: %s', (_name, overrides, expected) => {
    const spec = buildPresubmitProwJob(prowJobInput({ presubmit: realisticPresubmit(overrides) })).spec;
    for (const [key, value] of Object.entries(expected)) {
      if (value === undefined) expect(spec).not.toHaveProperty(key);
      else expect(spec).toHaveProperty(key, value);
    }
  });

  it.each([
    ['path_alias', { path_alias: 'go.etcd.io/etcd' }, { path_alias: 'go.etcd.io/etcd' }],
    [
      'clone_uri',
      { clone_uri: 'git@github.com:etcd-io/etcd.git' },
      { clone_uri: 'git@github.com:etcd-io/etcd.git' },
    ],
    ['skip_submodules', { skip_submodules: true }, { skip_submodules: true }],
    ['clone_depth', { clone_depth: 1 }, { clone_depth: 1 }],
    ['clone_depth 0 is not copied', { clone_depth: 0 }, { clone_depth: undefined }],
    ['skip_fetch_head', { skip_fetch_head: true }, { skip_fetch_head: true }],
    ['undecorated: no blobless_fetch', { decoration_config: undefined }, { blobless_fetch: undefined }],
    [
      'sparse checkout from the decoration config',
      { decoration_config: { sparse_checkout_files: ['go.mod', 'server/'] } },
      { sparse_checkout_files: ['go.mod', 'server/'] },
    ],
  ] as const)('refs completed by the job (CompletePrimaryRefs): %s', (_name, overrides, expected) => {
    const refs = buildPresubmitProwJob(prowJobInput({ presubmit: realisticPresubmit(overrides) })).spec.refs;
    for (const [key, value] of Object.entries(expected)) {
      if (value === undefined) expect(refs).not.toHaveProperty(key);
      else expect(refs).toHaveProperty(key, value);
    }
  });

  it('decorates extra_refs with the blobless_fetch of the decoration config unless they set it', () => {
    const spec = buildPresubmitProwJob(
      prowJobInput({
        presubmit: realisticPresubmit({
          extra_refs: [
            { org: 'kubernetes', repo: 'test-infra', base_ref: 'master' },
            { org: 'etcd-io', repo: 'raft', base_ref: 'main', blobless_fetch: false },
          ],
        }),
      }),
    ).spec;
    expect(spec.extra_refs).toEqual([
      { org: 'kubernetes', repo: 'test-infra', base_ref: 'master', blobless_fetch: true },
      { org: 'etcd-io', repo: 'raft', base_ref: 'main', blobless_fetch: false },
    ]);
  });

  it.each([
    ['no slack config', { github: {} }, { github: {} }],
    [
      'explicit report kept',
      { slack: { channel: 'c', report: false } },
      { slack: { channel: 'c', report: false } },
    ],
    [
      'empty job_states_to_report means false',
      { slack: { job_states_to_report: [] } },
      { slack: { job_states_to_report: [], report: false } },
    ],
    ['otherwise true', { slack: { channel: 'c' } }, { slack: { channel: 'c', report: true } }],
  ])("reporter_config gets Prow's report default: %s", (_name, reporter_config, expected) => {
    const spec = buildPresubmitProwJob(
      prowJobInput({ presubmit: realisticPresubmit({ reporter_config }) }),
    ).spec;
    expect(spec.reporter_config).toEqual(expected);
  });

  it('carries the Tekton specs as given', () => {
    const presubmit = realisticPresubmit({
      agent: 'tekton-pipeline',
      spec: undefined,
      pipeline_run_spec: { pipelineRef: { name: 'p' } },
      tekton_pipeline_run_spec: { v1beta1: { pipelineRef: { name: 'p' } } },
    });
    const spec = buildPresubmitProwJob(prowJobInput({ presubmit })).spec;
    expect(spec).not.toHaveProperty('pod_spec');
    expect(spec.pipeline_run_spec).toEqual({ pipelineRef: { name: 'p' } });
    expect(spec.tekton_pipeline_run_spec).toEqual({ v1beta1: { pipelineRef: { name: 'p' } } });
  });

  describe('links (createRefs)', () => {
    it("copies GitHub's html_url values, whatever the host (GitHub Enterprise)", () => {
      const pr = pullRequest({
        html_url: 'https://ghe.example.com/etcd-io/etcd/pull/17234',
        user: { login: 'octocat', html_url: 'https://ghe.example.com/octocat' },
        base: {
          ref: 'release-3.6',
          repo: {
            name: 'etcd',
            owner: { login: 'etcd-io' },
            html_url: 'https://ghe.example.com/etcd-io/etcd',
          },
        },
      });
      const refs = buildPresubmitProwJob(prowJobInput({ pullRequest: pr, baseSha: 'b'.repeat(40) })).spec
        .refs;
      expect(refs).toMatchObject({
        repo_link: 'https://ghe.example.com/etcd-io/etcd',
        base_ref: 'release-3.6',
        base_link: `https://ghe.example.com/etcd-io/etcd/commit/${'b'.repeat(40)}`,
      });
      expect(refs?.pulls?.[0]).toMatchObject({
        link: 'https://ghe.example.com/etcd-io/etcd/pull/17234',
        author_link: 'https://ghe.example.com/octocat',
        commit_link: `https://ghe.example.com/etcd-io/etcd/pull/17234/commits/${pr.head.sha}`,
      });
    });

    it('derives absent links the way GitHub forms them, on the configured host', () => {
      const pr = pullRequest({
        html_url: undefined,
        user: { login: 'octocat' },
        base: { ref: 'main', repo: { name: 'etcd', owner: { login: 'etcd-io' } } },
      });
      const refs = buildPresubmitProwJob(prowJobInput({ pullRequest: pr, githubHost: 'ghe.example.com' }))
        .spec.refs;
      expect(refs?.repo_link).toBe('https://ghe.example.com/etcd-io/etcd');
      expect(refs?.pulls?.[0]?.link).toBe('https://ghe.example.com/etcd-io/etcd/pull/17234');
      expect(refs?.pulls?.[0]?.author_link).toBe('https://ghe.example.com/octocat');
    });

    it('keeps the required author (empty) for a deleted user, without an author link', () => {
      const refs = buildPresubmitProwJob(prowJobInput({ pullRequest: pullRequest({ user: null }) })).spec
        .refs;
      expect(refs?.pulls?.[0]?.author).toBe('');
      expect(refs?.pulls?.[0]).not.toHaveProperty('author_link');
    });
  });

  it.each([
    ['name', { name: '' }, /name must not be empty/],
    ['namespace', { namespace: '' }, /namespace \(prowjob_namespace\) must not be empty/],
    ['baseSha', { baseSha: '' }, /baseSha must not be empty/],
    ['startTime', { startTime: new Date('nope') }, /startTime is not a valid date/],
  ])('rejects input without %s, naming the job and PR', (_field, overrides, message) => {
    expect(() => buildPresubmitProwJob(prowJobInput(overrides))).toThrow(message);
    expect(() => buildPresubmitProwJob(prowJobInput(overrides))).toThrow(
      /^ProwJob for pull-etcd-unit-test-arm64 on etcd-io\/etcd#17234: /,
    );
  });

  it('writes times as Kubernetes does: RFC 3339, whole seconds, UTC', () => {
    expect(kubernetesTime(new Date('2026-01-02T03:04:05.999Z'))).toBe('2026-01-02T03:04:05Z');
  });
});
