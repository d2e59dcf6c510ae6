import {
  validateComponents,
  goTimeString,
  tideQueryProblem,
} from '../../src/config/prow/component-validation';
import { parseConfigText } from '../../src/config/files/config-document';
import type { DecodedProwConfig } from '../../src/config/prow/decoded-config';
import { ConfigInvalidError, formatProblem } from '../../src/config/errors';
import { loadConfig } from '../../src/config/load';
import { configTree, MINIMAL_PROW_CONFIG, validJob, type ConfigTree } from './config-tree';

/** V11: Prow's `config.Load` refuses the whole config over component settings; so does the port. */

const NOW = Date.parse('2026-12-07T00:00:00Z');

function problemsOf(yaml: string): string[] {
  const parsed = parseConfigText(yaml, 'prow');
  expect(parsed.problems).toEqual([]);
  return validateComponents((parsed.value ?? {}) as DecodedProwConfig, NOW).map(
    (p) => `${p.field}: ${p.message}`,
  );
}

const rejected: [string, string, string[]][] = [
  [
    'deck: additional buckets without storage path validation',
    'deck:\n  additional_allowed_buckets: [a, b]\n',
    [
      'deck: deck.skip_storage_path_validation is enabled despite deck.additional_allowed_buckets being configured: [a b]',
    ],
  ],
  [
    'deck: additional buckets with storage path validation skipped',
    'deck:\n  skip_storage_path_validation: true\n  additional_allowed_buckets: [a]\n',
    [
      'deck: deck.skip_storage_path_validation is enabled despite deck.additional_allowed_buckets being configured: [a]',
    ],
  ],
  [
    'deck: both rerun auth formats',
    'deck:\n  rerun_auth_configs: {"*": {allow_anyone: true}}\n  default_rerun_auth_configs: [{repo: "*"}]\n',
    [
      'deck: deck.rerun_auth_configs and deck.default_rerun_auth_configs are mutually exclusive, please use one or the other',
    ],
  ],
  [
    'deck: allow anyone with an allow list (old format, "*" first)',
    'deck:\n  rerun_auth_configs:\n    org/repo: {allow_anyone: true, github_users: [a]}\n    "*": {allow_anyone: true}\n',
    [
      'deck: default_rerun_auth_configs[1]: allow anyone is set to true and permitted users or groups are specified',
    ],
  ],
  [
    'deck: allow anyone with an allow list (entries)',
    'deck:\n  default_rerun_auth_configs:\n  - repo: "*"\n    rerun_auth_configs: {allow_anyone: true, github_orgs: [o]}\n',
    [
      'deck: default_rerun_auth_configs[0]: allow anyone is set to true and permitted users or groups are specified',
    ],
  ],
  [
    'deck: negative spyglass size limit',
    'deck:\n  spyglass: {size_limit: -1}\n',
    ['deck: invalid value for deck.spyglass.size_limit, must be >=0'],
  ],
  [
    'deck: a lens regex that does not compile',
    'deck:\n  spyglass:\n    lenses: [{required_files: ["build-log.txt", "a(b"]}]\n',
    ['deck: cannot compile regexp "a(b", err: error parsing regexp: missing closing ): `a(b`'],
  ],
  [
    'deck: gcs browser prefix twice',
    'deck:\n  spyglass: {gcs_browser_prefix: x, gcs_browser_prefixes: {"*": z}}\n',
    ["deck: both gcs_browser_prefix and gcs_browser_prefixes['*'] are specified."],
  ],
  [
    'gerrit: a trigger regex that does not compile',
    'gerrit:\n  allowed_presubmit_trigger_re: "[z-a]"\n',
    [
      'gerrit: validating gerrit config: failed to compile regex for allowed presubmit triggers: error parsing regexp: invalid character class range: `z-a`',
    ],
  ],
  [
    'gangway: no cloud vendor',
    'gangway:\n  allowed_api_clients: [{allowed_jobs_filters: [{tenant_id: t}]}]\n',
    ['gangway: allowedApiClient did not have a cloud vendor set'],
  ],
  [
    'gangway: unsupported consumer type',
    'gangway:\n  allowed_api_clients: [{gcp: {endpoint_api_consumer_type: ORG, endpoint_api_consumer_number: "1"}}]\n',
    ['gangway: unsupported GCP API consumer type: "ORG"'],
  ],
  [
    'gangway: invalid consumer number',
    'gangway:\n  allowed_api_clients: [{gcp: {endpoint_api_consumer_type: PROJECT, endpoint_api_consumer_number: "x1"}}]\n',
    ['gangway: invalid EndpointApiConsumerNumber: "x1"'],
  ],
  [
    'gangway: a client declared twice',
    [
      'gangway:',
      '  allowed_api_clients:',
      '  - {gcp: {endpoint_api_consumer_type: PROJECT, endpoint_api_consumer_number: "1"}, allowed_jobs_filters: [{tenant_id: t}]}',
      '  - {gcp: {endpoint_api_consumer_type: PROJECT, endpoint_api_consumer_number: "1"}, allowed_jobs_filters: [{tenant_id: t}]}',
    ].join('\n'),
    ['gangway: AllowedApiClient "gcp-PROJECT-1" declared multiple times'],
  ],
  [
    'gangway: no job filters, or an empty tenant',
    'gangway:\n  allowed_api_clients: [{gcp: {endpoint_api_consumer_type: PROJECT, endpoint_api_consumer_number: "1"}}]\n',
    ['gangway: allowed_jobs_filters field cannot be empty'],
  ],
  [
    'gangway: an empty tenant',
    'gangway:\n  allowed_api_clients: [{gcp: {endpoint_api_consumer_type: PROJECT, endpoint_api_consumer_number: "1"}, allowed_jobs_filters: [{}]}]\n',
    ['gangway: AllowedJobsFilters entry has an empty tenant_id'],
  ],
  [
    'slack reporter without a channel',
    'slack_reporter_configs:\n  "*": {job_types_to_report: [presubmit]}\n',
    ['slack_reporter_configs: failed to validate slackreporter config: channel must be set'],
  ],
  [
    'managed webhooks: a token created in the future',
    'managed_webhooks:\n  org_repo_config:\n    org/a: {token_created_after: "2099-01-02T03:04:05.500Z"}\n    org/b: {token_created_after: "2020-01-01T00:00:00Z"}\n    org/c: {token_created_after: "2099-01-01T00:00:00+02:00"}\n',
    [
      'managed_webhooks: [token_created_after 2099-01-02 03:04:05.5 +0000 UTC can be no later than current time for repo/org org/a, token_created_after 2099-01-01 00:00:00 +0200 +0200 can be no later than current time for repo/org org/c]',
    ],
  ],
  [
    'tide: invalid merge types at every level',
    'tide:\n  merge_method:\n    org1: fast-forward\n    org2: {repo: {main: squash, "dev(": rebase, rel: nope}}\n    org3: {repo: sideways}\n',
    [
      'tide: tide merge type: [merge type "fast-forward" for org1 is not a valid type, regex "dev(" is not valid, merge type "nope" for org2/repo@rel is not a valid type, merge type "sideways" for org3/repo is not a valid type]',
    ],
  ],
  [
    'tide: target_url and target_urls',
    'tide:\n  target_url: a\n  target_urls: {"*": b}\n',
    ['tide: tide.target_url and tide.target_urls are mutually exclusive'],
  ],
  [
    'tide: pr_status_base_url and pr_status_base_urls',
    'tide:\n  pr_status_base_url: a\n  pr_status_base_urls: {"*": b}\n',
    ['tide: both pr_status_base_url and pr_status_base_urls are defined'],
  ],
  [
    'tide: pr_status_base_urls without a default',
    'tide:\n  pr_status_base_urls: {org: b}\n',
    ["tide: pr_status_base_urls is defined but the default value ('*') is missing"],
  ],
  [
    'tide: negative max_goroutines',
    'tide:\n  max_goroutines: -2\n',
    ['tide: tide has invalid max_goroutines (-2), it needs to be a positive number'],
  ],
  [
    'tide: an invalid query',
    'tide:\n  queries: [{repos: [org/a]}, {orgs: [org], repos: [org/b]}]\n',
    ['tide: tide query (index 1) is invalid: repos[0]: "org/b" is already included via org: "org"'],
  ],
  [
    'tide: an invalid merge blocks policy',
    'tide:\n  github_merge_blocks_policy: {org: maybe}\n',
    [
      'tide: tide.github_merge_blocks_policy["org"] has invalid value "maybe", must be one of: ignore, permit, block',
    ],
  ],
  [
    'github reporter: a periodic job type',
    'github_reporter:\n  job_types_to_report: [presubmit, periodic]\n',
    ['github_reporter: invalid job_types_to_report: periodic'],
  ],
  [
    'jenkins operators: an empty selector among several',
    'jenkins_operators: [{label_selector: a=b}, {}]\n',
    ['jenkins_operators: selector overlap: cannot use an empty label_selector with multiple selectors'],
  ],
  [
    'jenkins operators: a selector on a single operator',
    'jenkins_operators: [{label_selector: a=b}]\n',
    ['jenkins_operators: label_selector is invalid when used for a single jenkins-operator'],
  ],
  [
    'jenkins operators: an invalid controller',
    'jenkins_operators: [{max_concurrency: -1}]\n',
    [
      'jenkins_operators: validating jenkins_operators config: controller has invalid max_concurrency (-1), it needs to be a non-negative number',
    ],
  ],
  ['log level', 'log_level: loud\n', ['log_level: not a valid logrus Level: "loud"']],
  [
    'branch protection: include and exclude',
    'branch-protection:\n  include: [a]\n  exclude: [b]\n',
    [
      'branch-protection: Forbidden to set both Policy.Include and Policy.Exclude, Please use either Include or Exclude!',
    ],
  ],
  [
    'pubsub: both formats',
    'pubsub_subscriptions: {}\npubsub_triggers: []\n',
    ['pubsub_subscriptions: pubsub_subscriptions and pubsub_triggers are mutually exclusive'],
  ],
  [
    'several components at once, each with its first error',
    'log_level: LOUD\ngerrit: {allowed_presubmit_trigger_re: "("}\ndeck: {additional_allowed_buckets: [x]}\n',
    [
      'gerrit: validating gerrit config: failed to compile regex for allowed presubmit triggers: error parsing regexp: missing closing ): `(`',
      'log_level: not a valid logrus Level: "LOUD"',
      'deck: deck.skip_storage_path_validation is enabled despite deck.additional_allowed_buckets being configured: [x]',
    ],
  ],
];

const accepted: [string, string][] = [
  ['an empty config', ''],
  ['null components', 'deck: ~\ntide: null\ngerrit:\nslack_reporter_configs: ~\ngangway: ~\nmoonraker: ~\n'],
  [
    'valid settings of every component',
    [
      'deck:',
      '  skip_storage_path_validation: false',
      '  additional_allowed_buckets: [a]',
      '  rerun_auth_configs: {"*": {allow_anyone: true}, org: {github_users: [u]}}',
      '  spyglass: {size_limit: 0, gcs_browser_prefixes: {"*": z}, lenses: [{required_files: ["^build-log\\\\.txt$"]}]}',
      'gerrit: {allowed_presubmit_trigger_re: "^/test"}',
      'gangway:',
      '  allowed_api_clients: [{gcp: {endpoint_api_consumer_type: PROJECT, endpoint_api_consumer_number: "12"}, allowed_jobs_filters: [{tenant_id: t}]}]',
      'moonraker: {client_timeout: 10s}',
      'slack_reporter_configs: {"*": {channel: c}}',
      'managed_webhooks: {org_repo_config: {org/a: {token_created_after: "2020-01-01T00:00:00Z"}}}',
      'tide:',
      '  merge_method: {org: squash, org2: {repo: {main: merge}, r2: rebase}, org3: ~}',
      '  queries: [{orgs: [o], excludedRepos: [o/x], labels: [lgtm], missingLabels: [hold]}]',
      '  pr_status_base_url: https://prow/pr',
      '  github_merge_blocks_policy: {"*": block}',
      'github_reporter: {job_types_to_report: [presubmit, postsubmit]}',
      'jenkins_operators: [{max_goroutines: 0}]',
      'log_level: Debug',
      'branch-protection: {include: [a]}',
      'pubsub_subscriptions: {p: [t]}',
    ].join('\n'),
  ],
];

describe("Prow's component checks (V11)", () => {
  it.each(rejected)('rejects %s', (_name, yaml, expected) => {
    expect(problemsOf(yaml)).toEqual(expected);
  });

  it.each(accepted)('accepts %s', (_name, yaml) => {
    expect(problemsOf(yaml)).toEqual([]);
  });
});

describe('TideQuery.Validate', () => {
  it.each([
    [{ orgs: ['a/b'] }, `orgs[0]: "a/b" contains a '/' which is not valid`],
    [{ orgs: ['a', ''] }, 'orgs[1]: is an empty string'],
    [{ orgs: ['a', 'a', 'b', 'b', 'b'] }, '"orgs" contains 3 duplicate entries: a, b'],
    [{ repos: ['a'] }, 'repos[0]: "a" is not of the form "org/repo"'],
    [{}, "'orgs' and 'repos' cannot both be empty"],
    [
      { repos: ['a/b'], excludedRepos: ['a/c'] },
      'excludedRepos[0]: "a/c" has no effect because org "a" is not included',
    ],
    [
      { orgs: ['a'], labels: ['x', 'y'], missingLabels: ['y', 'x'] },
      'the labels: ["x" "y"] are both required and forbidden',
    ],
    [
      { orgs: ['a'], includedBranches: ['m'], excludedBranches: ['n'] },
      "both 'includedBranches' and 'excludedBranches' are specified ('excludedBranches' have no effect)",
    ],
  ])('%j: %s', (query, message) => {
    expect(tideQueryProblem(query)).toBe(message);
  });
});

describe("Go's time.Time.String()", () => {
  it.each([
    ['2099-01-01T00:00:00Z', '2099-01-01 00:00:00 +0000 UTC'],
    ['2099-01-01T00:00:00.120Z', '2099-01-01 00:00:00.12 +0000 UTC'],
    ['2099-01-01T00:00:00-07:30', '2099-01-01 00:00:00 -0730 -0730'],
  ])('%s is %s', (input, text) => {
    expect(goTimeString(input)?.text).toBe(text);
  });
});

let tree: ConfigTree;
afterEach(() => tree?.remove());

describe('the load', () => {
  async function problems(files: Record<string, string>, supplements = false): Promise<string[]> {
    tree = configTree({ 'jobs/a.yaml': `presubmits:\n  org/repo:\n${validJob('pull-a')}`, ...files });
    const source = tree.source(supplements ? { supplementalProwConfigDirs: [tree.path('extra')] } : {});
    const error = await loadConfig(source).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigInvalidError);
    return (error as ConfigInvalidError).problems.map(formatProblem);
  }

  it("fails on a component setting Prow refuses, naming the file and component (Kubernetes' year of V11)", async () => {
    expect(
      await problems({
        'prow/config.yaml': `${MINIMAL_PROW_CONFIG}deck:\n  additional_allowed_buckets: [kubernetes-jenkins]\n`,
      }),
    ).toEqual([
      `${tree.path('prow/config.yaml')}: deck: deck.skip_storage_path_validation is enabled despite deck.additional_allowed_buckets being configured: [kubernetes-jenkins]`,
    ]);
  });

  it('checks the settings merged from supplemental Prow configs, and refuses a key merged twice', async () => {
    expect(
      await problems(
        {
          'prow/config.yaml': `${MINIMAL_PROW_CONFIG}tide:\n  merge_method: {org: squash}\nslack_reporter_configs: {"*": {channel: c}}\n`,
          'extra/a_prowconfig.yaml': 'tide:\n  merge_method: {org: merge, org2: zip}\n',
          'extra/b_prowconfig.yaml': 'slack_reporter_configs: {"*": {channel: d}, org: {}}\n',
        },
        true,
      ),
    ).toEqual([
      `${tree.path('extra/a_prowconfig.yaml')}: failed to merge in config from ${tree.path('extra/a_prowconfig.yaml')}: failed to merge tide config: config for org or repo org passed more than once`,
      `${tree.path('extra/b_prowconfig.yaml')}: failed to merge in config from ${tree.path('extra/b_prowconfig.yaml')}: failed to merge slack-reporter config: config for org or repo * passed more than once`,
      `${tree.path('prow/config.yaml')}: tide: tide merge type: merge type "zip" for org2 is not a valid type`,
      `${tree.path('prow/config.yaml')}: slack_reporter_configs: failed to validate slackreporter config: channel must be set`,
    ]);
  });

  it('a mistyped component setting is a decode error, as in Prow', async () => {
    expect(
      await problems({
        'prow/config.yaml': `${MINIMAL_PROW_CONFIG}deck:\n  skip_storage_path_validation: "yes"\n`,
      }),
    ).toEqual([
      `${tree.path('prow/config.yaml')}: deck.skip_storage_path_validation: json: cannot unmarshal string into Go struct field Deck.ProwConfig.deck.skip_storage_path_validation of type bool`,
    ]);
  });
});
