import type { Presubmit } from '../../src/config/types';
import type { PresubmitProwJobInput, PullRequestFacts } from '../../src/kubernetes/prowjob';

/**
 * A realistic defaulted presubmit, shaped like kubernetes/test-infra's etcd jobs after Prow's defaulting
 * (agent, context, rerun command, namespace, and a decoration config merged from plank's defaults).
 */
export function realisticPresubmit(overrides: Partial<Presubmit> = {}): Presubmit {
  return {
    name: 'pull-etcd-unit-test-arm64',
    context: 'pull-etcd-unit-test-arm64',
    always_run: true,
    optional: false,
    skip_report: false,
    branches: ['main', 'release-3.6'],
    trigger: '(?m)^/test( | .* )(pull-etcd-unit-test-arm64|all),?($|\\s.*)',
    rerun_command: '/test pull-etcd-unit-test-arm64',
    agent: 'kubernetes',
    cluster: 'k8s-infra-prow-build',
    namespace: 'test-pods',
    decorate: true,
    labels: { 'preset-dind-enabled': 'true' },
    annotations: {
      'testgrid-dashboards': 'sig-etcd-presubmits',
      'testgrid-tab-name': 'pull-etcd-unit-test-arm64',
    },
    decoration_config: {
      timeout: '2h0m0s',
      grace_period: '15m0s',
      utility_images: {
        clonerefs: 'us-docker.pkg.dev/k8s-infra-prow/images/clonerefs:v20260815-abc',
        initupload: 'us-docker.pkg.dev/k8s-infra-prow/images/initupload:v20260815-abc',
        entrypoint: 'us-docker.pkg.dev/k8s-infra-prow/images/entrypoint:v20260815-abc',
        sidecar: 'us-docker.pkg.dev/k8s-infra-prow/images/sidecar:v20260815-abc',
      },
      gcs_configuration: { bucket: 'kubernetes-ci-logs', path_strategy: 'explicit' },
      gcs_credentials_secret: 'gcs-credentials',
      resources: { clonerefs: { requests: { cpu: '100m' } }, sidecar: { requests: { cpu: '100m' } } },
      blobless_fetch: true,
    },
    spec: {
      containers: [
        {
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
    ...overrides,
  };
}

export function pullRequest(overrides: Partial<PullRequestFacts> = {}): PullRequestFacts {
  return {
    number: 17234,
    title: 'server: fix the lease renewal race',
    html_url: 'https://github.com/etcd-io/etcd/pull/17234',
    user: { login: 'octocat', html_url: 'https://github.com/octocat' },
    head: { sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', ref: 'fix-lease-race' },
    base: {
      ref: 'main',
      repo: { name: 'etcd', owner: { login: 'etcd-io' }, html_url: 'https://github.com/etcd-io/etcd' },
    },
    ...overrides,
  };
}

export function prowJobInput(overrides: Partial<PresubmitProwJobInput> = {}): PresubmitProwJobInput {
  return {
    presubmit: realisticPresubmit(),
    pullRequest: pullRequest(),
    baseSha: '0123456789abcdef0123456789abcdef01234567',
    name: '3f1c2b8e-9d4a-8c3b-a1e2-0f9e8d7c6b5a',
    namespace: 'prow',
    schedulerEnabled: false,
    startTime: new Date('2026-08-22T10:11:12.345Z'),
    ...overrides,
  };
}
