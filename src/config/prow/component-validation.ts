import type { DecodedProwConfig, Json } from './decoded-config';
import { aggregate } from './job-base-validation';
import { goList } from '../go/kubernetes-names';
import { compileRe2 } from '../go/re2';

/**
 * Prow's whole-config checks of component settings (V11): what `parseProwConfig`, `loadConfig` and
 * `validateComponentConfig` reject, with Prow's messages. The reconciler uses none of these settings, but
 * Prow refuses the whole config over them, and so does the port (fail closed: a config Prow refuses is
 * not acted on). Map keys are visited in sorted order where Go's order is random.
 *
 * Prow returns the first error of a component; the port returns the first error of each component (so
 * each message is one Prow would print), and the problems of all components together.
 *
 * Known differences (a config failing only these loads here but not in Prow) are listed in the README:
 * Go templates (plank `job_url_template` and `report_templates`, Jenkins operators, Slack
 * `report_template`, Tide `merge_commit_template`, Deck `external_agent_logs`) are not parsed; URLs
 * (`plank.job_url_prefix_config`, `gerrit.deck_url`, `github.link_url`) and Kubernetes label selectors
 * (`jenkins_operators`, `deck.external_agent_logs`) are not parsed; Tide context policies are not checked.
 */

/** One problem: the component (`deck`, `tide`, …) and Prow's message. */
export interface ComponentProblem {
  field: string;
  message: string;
}

const quote = (s: string): string => JSON.stringify(s);
const sortedEntries = <V>(record: Record<string, V> | undefined): [string, V][] =>
  Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** Go's regexp.Compile: the error text, or undefined when the pattern compiles. */
function regexError(pattern: string): string | undefined {
  try {
    compileRe2(pattern);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

const MERGE_TYPES = new Set(['merge', 'rebase', 'squash']);
const LOG_LEVELS = new Set(['panic', 'fatal', 'error', 'warn', 'warning', 'info', 'debug', 'trace']);
const MERGE_BLOCKS_POLICIES = new Set(['ignore', 'permit', 'block']);

function gerritProblem(config: DecodedProwConfig): string | undefined {
  const re = config.gerrit?.allowed_presubmit_trigger_re ?? '';
  const error = regexError(re);
  return (
    error && `validating gerrit config: failed to compile regex for allowed presubmit triggers: ${error}`
  );
}

function githubReporterProblem(config: DecodedProwConfig): string | undefined {
  for (const type of config.github_reporter?.job_types_to_report ?? []) {
    if (type !== 'presubmit' && type !== 'postsubmit') return `invalid job_types_to_report: ${type}`;
  }
  return undefined;
}

function jenkinsProblem(config: DecodedProwConfig): string | undefined {
  const operators = config.jenkins_operators ?? [];
  for (const operator of operators) {
    const controller = controllerProblem(operator);
    if (controller) return `validating jenkins_operators config: ${controller}`;
    const selector = operator.label_selector ?? '';
    if (operators.length > 1 && selector === '')
      return 'selector overlap: cannot use an empty label_selector with multiple selectors';
    if (operators.length === 1 && selector !== '')
      return 'label_selector is invalid when used for a single jenkins-operator';
  }
  return undefined;
}

/** ValidateController without its template parsing (see the known differences). */
export function controllerProblem(c: {
  report_template?: string;
  report_templates?: Record<string, string>;
  max_concurrency?: number;
  max_goroutines?: number;
}): string | undefined {
  if (c.report_template && Object.keys(c.report_templates ?? {}).length > 0)
    return 'both report_template and report_templates are specified';
  if ((c.max_concurrency ?? 0) < 0)
    return `controller has invalid max_concurrency (${c.max_concurrency}), it needs to be a non-negative number`;
  const goroutines = c.max_goroutines || 20;
  if (goroutines <= 0)
    return `controller has invalid max_goroutines (${goroutines}), it needs to be a positive number`;
  return undefined;
}

function spyglassProblem(config: DecodedProwConfig): string | undefined {
  const spyglass = config.deck?.spyglass ?? {};
  if ((spyglass.size_limit ?? 0) < 0) return 'invalid value for deck.spyglass.size_limit, must be >=0';
  // Lenses, then the old `viewers` format migrated to lenses (each regex a required file).
  const patterns: string[] = [];
  for (const lens of spyglass.lenses ?? [])
    patterns.push(...(lens.optional_files ?? []), ...(lens.required_files ?? []));
  for (const [regex, viewers] of sortedEntries(spyglass.viewers))
    if (viewers.length > 0) patterns.push(regex);
  for (const pattern of new Set(patterns)) {
    const error = regexError(pattern);
    if (error) return `cannot compile regexp ${quote(pattern)}, err: ${error}`;
  }
  const prefix = spyglass.gcs_browser_prefix ?? '';
  if (spyglass.gcs_browser_prefixes && '*' in spyglass.gcs_browser_prefixes && prefix !== '')
    return "both gcs_browser_prefix and gcs_browser_prefixes['*'] are specified.";
  if (
    spyglass.gcs_browser_prefixes_by_bucket &&
    '*' in spyglass.gcs_browser_prefixes_by_bucket &&
    prefix !== ''
  )
    return "both gcs_browser_prefix and gcs_browser_prefixes_by_bucket['*'] are specified.";
  return undefined;
}

/** parseTideMergeType, with TideOrgMergeType's and TideRepoMergeType's UnmarshalJSON. */
function mergeTypeProblems(mergeMethod: Record<string, Json> | undefined): string[] {
  const errs: string[] = [];
  const valid = (t: string): boolean => MERGE_TYPES.has(t);
  const jsonKind = (v: Json): string =>
    Array.isArray(v)
      ? 'array'
      : typeof v === 'object'
        ? 'object'
        : typeof v === 'string'
          ? 'string'
          : typeof v;
  for (const [org, orgValue] of sortedEntries(mergeMethod)) {
    if (orgValue === null || typeof orgValue === 'string') {
      if (orgValue && !valid(orgValue))
        errs.push(`merge type ${quote(orgValue)} for ${org} is not a valid type`);
      continue;
    }
    if (typeof orgValue !== 'object' || Array.isArray(orgValue)) {
      errs.push(
        `json: cannot unmarshal ${jsonKind(orgValue)} into Go value of type map[string]config.TideRepoMergeType`,
      );
      continue;
    }
    for (const [repo, repoValue] of sortedEntries(orgValue)) {
      if (repoValue === null || typeof repoValue === 'string') {
        if (repoValue && !valid(repoValue))
          errs.push(`merge type ${quote(repoValue)} for ${org}/${repo} is not a valid type`);
        continue;
      }
      if (typeof repoValue !== 'object' || Array.isArray(repoValue)) {
        errs.push(
          `json: cannot unmarshal ${jsonKind(repoValue)} into Go value of type map[string]config.TideBranchMergeType`,
        );
        continue;
      }
      for (const [branch, branchValue] of sortedEntries(repoValue)) {
        if (regexError(branch) !== undefined) errs.push(`regex ${quote(branch)} is not valid`);
        if (branchValue !== null && typeof branchValue !== 'string') {
          errs.push(
            `json: cannot unmarshal ${jsonKind(branchValue)} into Go value of type types.PullRequestMergeType`,
          );
          continue;
        }
        const type = branchValue ?? '';
        if (!valid(type))
          errs.push(`merge type ${quote(type)} for ${org}/${repo}@${branch} is not a valid type`);
      }
    }
  }
  return errs;
}

type TideQueryJson = NonNullable<NonNullable<DecodedProwConfig['tide']>['queries']>[number];

/** TideQuery.Validate. */
export function tideQueryProblem(q: TideQueryJson): string | undefined {
  const duplicates = (field: string, list: readonly string[]): string | undefined => {
    const seen = new Set<string>();
    const dups = new Set<string>();
    for (const elem of list) (seen.has(elem) ? dups : seen).add(elem);
    const count = list.length - seen.size;
    return count === 0
      ? undefined
      : `${quote(field)} contains ${count} duplicate entries: ${[...dups].sort().join(', ')}`;
  };
  const orgList = q.orgs ?? [];
  const repos = q.repos ?? [];
  const orgs = new Set<string>();
  for (const [i, org] of orgList.entries()) {
    if (org.includes('/')) return `orgs[${i}]: ${quote(org)} contains a '/' which is not valid`;
    if (org === '') return `orgs[${i}]: is an empty string`;
    orgs.add(org);
  }
  const orgDups = duplicates('orgs', orgList);
  if (orgDups) return orgDups;
  const orgRepo = (s: string): string[] | undefined => {
    const parts = s.split('/');
    return parts.length === 2 && parts[0] && parts[1] ? parts : undefined;
  };
  for (const [i, repo] of repos.entries()) {
    const parts = orgRepo(repo);
    if (!parts) return `repos[${i}]: ${quote(repo)} is not of the form "org/repo"`;
    if (orgs.has(parts[0] as string))
      return `repos[${i}]: ${quote(repo)} is already included via org: ${quote(parts[0] as string)}`;
  }
  const repoDups = duplicates('repos', repos);
  if (repoDups) return repoDups;
  if (orgList.length === 0 && repos.length === 0) return "'orgs' and 'repos' cannot both be empty";
  for (const [i, excluded] of (q.excludedRepos ?? []).entries()) {
    const parts = orgRepo(excluded);
    if (!parts) return `excludedRepos[${i}]: ${quote(excluded)} is not of the form "org/repo"`;
    if (!orgs.has(parts[0] as string))
      return `excludedRepos[${i}]: ${quote(excluded)} has no effect because org ${quote(parts[0] as string)} is not included`;
  }
  const excludedDups = duplicates('excludedRepos', q.excludedRepos ?? []);
  if (excludedDups) return excludedDups;
  const missing = new Set(q.missingLabels ?? []);
  const both = [...new Set((q.labels ?? []).filter((l) => missing.has(l)))].sort();
  if (both.length > 0) return `the labels: [${both.map(quote).join(' ')}] are both required and forbidden`;
  const rest: [string, string[] | undefined][] = [
    ['labels', q.labels],
    ['missingLabels', q.missingLabels],
  ];
  for (const [field, list] of rest) {
    const dups = duplicates(field, list ?? []);
    if (dups) return dups;
  }
  if ((q.excludedBranches?.length ?? 0) > 0 && (q.includedBranches?.length ?? 0) > 0)
    return "both 'includedBranches' and 'excludedBranches' are specified ('excludedBranches' have no effect)";
  for (const field of ['includedBranches', 'excludedBranches'] as const) {
    const dups = duplicates(field, q[field] ?? []);
    if (dups) return dups;
  }
  return undefined;
}

function tideProblem(config: DecodedProwConfig): string | undefined {
  const tide = config.tide ?? {};
  const goroutines = tide.max_goroutines || 20;
  if (goroutines <= 0)
    return `tide has invalid max_goroutines (${goroutines}), it needs to be a positive number`;
  if (Object.keys(tide.target_urls ?? {}).length > 0 && tide.target_url)
    return 'tide.target_url and tide.target_urls are mutually exclusive';
  const statusUrls = { ...tide.pr_status_base_urls };
  if (tide.pr_status_base_url) {
    if (Object.keys(statusUrls).length > 0)
      return 'both pr_status_base_url and pr_status_base_urls are defined';
    statusUrls['*'] = tide.pr_status_base_url;
  }
  if (Object.keys(statusUrls).length > 0 && !('*' in statusUrls))
    return "pr_status_base_urls is defined but the default value ('*') is missing";
  const mergeTypes = aggregate(mergeTypeProblems(tide.merge_method));
  if (mergeTypes) return `tide merge type: ${mergeTypes}`;
  for (const [i, query] of (tide.queries ?? []).entries()) {
    const problem = tideQueryProblem(query);
    if (problem) return `tide query (index ${i}) is invalid: ${problem}`;
  }
  for (const [key, policy] of sortedEntries(tide.github_merge_blocks_policy)) {
    if (!MERGE_BLOCKS_POLICIES.has(policy))
      return `tide.github_merge_blocks_policy[${quote(key)}] has invalid value ${quote(policy)}, must be one of: ignore, permit, block`;
  }
  return undefined;
}

function logLevelProblem(config: DecodedProwConfig): string | undefined {
  const level = config.log_level || 'info';
  return LOG_LEVELS.has(level.toLowerCase()) ? undefined : `not a valid logrus Level: ${quote(level)}`;
}

function branchProtectionProblem(config: DecodedProwConfig): string | undefined {
  const bp = config['branch-protection'];
  return (bp?.include?.length ?? 0) > 0 && (bp?.exclude?.length ?? 0) > 0
    ? 'Forbidden to set both Policy.Include and Policy.Exclude, Please use either Include or Exclude!'
    : undefined;
}

function pubsubProblem(config: DecodedProwConfig): string | undefined {
  return config.pubsub_subscriptions !== undefined && config.pubsub_triggers !== undefined
    ? 'pubsub_subscriptions and pubsub_triggers are mutually exclusive'
    : undefined;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Go's time.Time.String() of an RFC 3339 time (`2099-01-01 00:00:00 +0000 UTC`), or undefined. */
export function goTimeString(value: string): { text: string; epochMs: number } | undefined {
  const m = RFC3339.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = '', zone = 'Z'] = m;
  const epochMs = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${frac.slice(0, 4)}${zone.toUpperCase()}`);
  if (Number.isNaN(epochMs)) return undefined;
  const fraction = frac.replace(/0+$/, '').replace(/^\.$/, '');
  const utc = zone === 'Z' || zone === 'z';
  const offset = utc ? '+0000' : zone.replace(':', '');
  const name = utc ? 'UTC' : offset;
  return { text: `${y}-${mo}-${d} ${h}:${mi}:${s}${fraction} ${offset} ${name}`, epochMs };
}

function managedWebhooksProblem(config: DecodedProwConfig, now: number): string | undefined {
  const errs: string[] = [];
  for (const [repo, info] of sortedEntries(config.managed_webhooks?.org_repo_config)) {
    const raw = info.token_created_after;
    if (raw === undefined) continue; // the zero time
    const time = goTimeString(raw);
    if (!time) {
      // time.Time's UnmarshalJSON error; Go's text names the layout element that failed to parse.
      errs.push(`parsing time ${quote(raw)} as "2006-01-02T15:04:05Z07:00": not an RFC 3339 time`);
      continue;
    }
    if (time.epochMs > now)
      errs.push(`token_created_after ${time.text} can be no later than current time for repo/org ${repo}`);
  }
  return aggregate(errs);
}

function slackProblem(config: DecodedProwConfig): string | undefined {
  for (const [, reporter] of sortedEntries(config.slack_reporter_configs)) {
    if (!reporter.channel) return 'failed to validate slackreporter config: channel must be set';
  }
  return undefined;
}

interface RerunAuthJson {
  allow_anyone?: boolean;
  github_users?: string[];
  github_team_ids?: number[];
  github_team_slugs?: Json;
  github_orgs?: string[];
}

function rerunAuthProblem(rac: RerunAuthJson | undefined): string | undefined {
  if (!rac) return undefined;
  const slugs = Array.isArray(rac.github_team_slugs) ? rac.github_team_slugs.length : 0;
  const hasAllowList =
    (rac.github_users?.length ?? 0) > 0 ||
    (rac.github_team_ids?.length ?? 0) > 0 ||
    slugs > 0 ||
    (rac.github_orgs?.length ?? 0) > 0;
  return rac.allow_anyone && hasAllowList
    ? 'allow anyone is set to true and permitted users or groups are specified'
    : undefined;
}

function deckProblem(config: DecodedProwConfig): string | undefined {
  const deck = config.deck ?? {};
  const mapped = Object.keys(deck.rerun_auth_configs ?? {}).length > 0;
  const sliced = (deck.default_rerun_auth_configs?.length ?? 0) > 0;
  if (mapped && sliced)
    return 'deck.rerun_auth_configs and deck.default_rerun_auth_configs are mutually exclusive, please use one or the other';
  const buckets = deck.additional_allowed_buckets ?? [];
  if (buckets.length > 0 && deck.skip_storage_path_validation !== false)
    return `deck.skip_storage_path_validation is enabled despite deck.additional_allowed_buckets being configured: ${goList(buckets)}`;
  // The old map format becomes entries: "" first, then "*", then orgs, then repos (here sorted).
  let entries: (RerunAuthJson | undefined)[];
  if (mapped) {
    const map = deck.rerun_auth_configs ?? {};
    const keys = Object.keys(map).sort();
    const order = [
      ...keys.filter((k) => k === ''),
      ...keys.filter((k) => k === '*'),
      ...keys.filter((k) => k !== '' && k !== '*' && !k.includes('/')),
      ...keys.filter((k) => k.includes('/')),
    ];
    entries = order.map((k) => map[k]);
  } else entries = (deck.default_rerun_auth_configs ?? []).map((e) => e.rerun_auth_configs);
  for (const [k, rac] of entries.entries()) {
    const problem = rerunAuthProblem(rac);
    if (problem) return `default_rerun_auth_configs[${k}]: ${problem}`;
  }
  return undefined;
}

function gangwayProblem(config: DecodedProwConfig): string | undefined {
  const declared = new Set<string>();
  for (const client of config.gangway?.allowed_api_clients ?? []) {
    const gcp = client.gcp;
    if (!gcp) return 'allowedApiClient did not have a cloud vendor set';
    const type = gcp.endpoint_api_consumer_type ?? '';
    const number = gcp.endpoint_api_consumer_number ?? '';
    if (type !== 'PROJECT') return `unsupported GCP API consumer type: ${quote(type)}`;
    if (!/^[0-9]+$/.test(number)) return `invalid EndpointApiConsumerNumber: ${quote(number)}`;
    const uuid = `gcp-${type}-${number}`;
    if (declared.has(uuid)) return `AllowedApiClient ${quote(uuid)} declared multiple times`;
    declared.add(uuid);
    const filters = client.allowed_jobs_filters ?? [];
    if (filters.length === 0) return 'allowed_jobs_filters field cannot be empty';
    for (const filter of filters)
      if (!filter.tenant_id) return 'AllowedJobsFilters entry has an empty tenant_id';
  }
  return undefined;
}

/**
 * Every component problem of a Prow config (its supplements merged in), in Prow's order: parseProwConfig,
 * then loadConfig's pubsub rule, then validateComponentConfig. `now` is for managed webhooks' token times.
 */
export function validateComponents(config: DecodedProwConfig, now = Date.now()): ComponentProblem[] {
  const checks: [string, (c: DecodedProwConfig) => string | undefined][] = [
    ['gerrit', gerritProblem],
    ['github_reporter', githubReporterProblem],
    ['jenkins_operators', jenkinsProblem],
    ['deck', spyglassProblem],
    ['tide', tideProblem],
    ['log_level', logLevelProblem],
    ['branch-protection', branchProtectionProblem],
    ['pubsub_subscriptions', pubsubProblem],
    ['managed_webhooks', (c) => managedWebhooksProblem(c, now)],
    ['slack_reporter_configs', slackProblem],
    ['deck', deckProblem],
    ['gangway', gangwayProblem],
  ];
  const problems: ComponentProblem[] = [];
  for (const [field, check] of checks) {
    const message = check(config);
    if (message) problems.push({ field, message });
  }
  return problems;
}
