/**
 * The one reader that turns command-line flags and environment into typed options (as Probot does).
 * Flag names, defaults and meanings are Prow's status-reconciler's (spec §16), so existing manifests keep
 * working; port-only flags are marked. Go's flag syntax is accepted: `-flag`, `--flag`, `--flag=value`,
 * `--flag value`, and booleans as `--flag` or `--flag=false`.
 */
import type { ConfigSource } from './config/types';
import type { GitHubOptions } from './github/github-options';
import type { KubernetesOptions } from './kubernetes/cluster-config';
import { defaultGuardOptions, type GuardOptions } from './reconcile/guard-options';
import type { TemporalOptions } from './temporal/temporal-options';
import type { DeploymentSettings } from '../workflows/types';

export class OptionsError extends Error {
  override name = 'OptionsError';
}

type Kind = 'string' | 'strings' | 'bool' | 'int' | 'float' | 'duration';
interface FlagSpec {
  kind: Kind;
  default?: string | string[] | boolean | number;
  help: string;
  env?: string;
  /** Accepted so Prow manifests keep working, but unused here; a warning says so. */
  ignored?: string;
  /** A one-letter alias (`-o` for `--output`). */
  short?: string;
}

const flagSpecs = {
  'config-path': {
    kind: 'string',
    default: '/etc/config/config.yaml',
    help: 'Path to the Prow config file.',
  },
  'job-config-path': { kind: 'string', default: '', help: 'Path to the Prow job config file or directory.' },
  'supplemental-prow-config-dir': {
    kind: 'strings',
    default: [],
    help: 'Additional directory to read Prow config shards from, repeatable.',
  },
  'supplemental-prow-configs-filename-suffix': {
    kind: 'string',
    default: '_prowconfig.yaml',
    help: 'Suffix of the supplemental Prow config files.',
  },
  'supplemental-prow-configs-filename': {
    kind: 'string',
    default: '',
    help: 'Deprecated alias of --supplemental-prow-configs-filename-suffix.',
  },
  'plugin-config': {
    kind: 'string',
    default: '/etc/plugins/plugins.yaml',
    help: 'Path to the plugin config (triggers:).',
  },
  'supplemental-plugin-config-dir': {
    kind: 'strings',
    default: [],
    help: 'Additional plugin config directory, repeatable.',
  },
  'supplemental-plugin-configs-filename-suffix': {
    kind: 'string',
    default: '_pluginconfig.yaml',
    help: 'Suffix of the supplemental plugin config files.',
  },
  'continue-on-error': {
    kind: 'bool',
    default: false,
    help: 'Indicates that the migration should continue if context migration fails for an individual PR.',
  },
  denylist: {
    kind: 'strings',
    default: [],
    help: 'Org or org/repo to ignore new added presubmits for, set more than once to add more.',
  },
  'denylist-all': {
    kind: 'strings',
    default: [],
    help: 'Org or org/repo to ignore reconciling, set more than once to add more.',
  },
  'dry-run': { kind: 'bool', default: true, help: 'Whether or not to make mutating API calls to GitHub.' },
  'github-endpoint': {
    kind: 'strings',
    default: ['https://api.github.com'],
    help: "GitHub's API endpoint (the last one is used; ghproxy caching is not needed).",
  },
  'github-host': {
    kind: 'string',
    default: 'github.com',
    help: "GitHub's default host (for links in ProwJobs).",
  },
  'github-graphql-endpoint': {
    kind: 'string',
    default: 'https://api.github.com/graphql',
    help: "Accepted for compatibility; GraphQL goes to --github-endpoint's /graphql (GitHub Enterprise: /api/graphql).",
    ignored: 'derived from --github-endpoint',
  },
  'github-read-api': {
    kind: 'string',
    default: 'graphql',
    help: '(port) How repositories are read: graphql (open PRs with their labels, files, base SHAs and head statuses, 100 PRs a query) or rest (a request per PR, as before). Writes are REST either way.',
  },
  'github-token-path': {
    kind: 'string',
    default: '',
    help: 'Path to the file containing the GitHub OAuth secret.',
  },
  'github-app-id': { kind: 'string', default: '', help: 'ID of the GitHub app.', env: 'GITHUB_APP_ID' },
  'github-app-private-key-path': {
    kind: 'string',
    default: '',
    help: 'Path to the private key of the GitHub app.',
  },
  'github-app-installation-id': {
    kind: 'string',
    default: '',
    help: '(port) Installation ID of the GitHub app; looked up per org when empty.',
  },
  'github-hourly-tokens': {
    kind: 'int',
    default: 300,
    help: "Accepted for compatibility; GitHub pacing follows GitHub's own headers and write limits.",
    ignored: 'pacing follows GitHub rate-limit headers',
  },
  'github-allowed-burst': {
    kind: 'int',
    default: 100,
    help: 'Accepted for compatibility.',
    ignored: 'see --github-hourly-tokens',
  },
  'github-throttle-org': {
    kind: 'strings',
    default: [],
    help: 'Accepted for compatibility.',
    ignored: 'not needed',
  },
  'github-write-budget': {
    kind: 'string',
    default: '70/1m,450/1h',
    help: "(port) Status writes the whole deployment may make, as count/window pairs: GitHub's content-creation limits are 80 per minute and 500 per hour.",
  },
  'worker-replicas': {
    kind: 'int',
    default: 1,
    help: '(port) Workers in the deployment: each takes this share of the GitHub write budget.',
  },
  'github-client.request-timeout': {
    kind: 'duration',
    default: 120_000,
    help: 'Timeout of one GitHub request.',
  },
  'github-client.max-retries': { kind: 'int', default: 8, help: 'Retries of a failed GitHub request.' },
  'github-client.max-404-retries': {
    kind: 'int',
    default: 2,
    help: 'Accepted for compatibility.',
    ignored: 'not needed',
  },
  'github-client.backoff-timeout': {
    kind: 'duration',
    default: 120_000,
    help: 'Longest wait for a GitHub rate limit.',
  },
  'github-client.initial-delay': {
    kind: 'duration',
    default: 2_000,
    help: 'Accepted for compatibility.',
    ignored: 'not needed',
  },
  kubeconfig: {
    kind: 'string',
    default: '',
    help: 'Path to a kubeconfig; in-cluster config when empty.',
    env: 'KUBECONFIG',
  },
  'kubeconfig-dir': {
    kind: 'string',
    default: '',
    help: 'Directory of kubeconfig files (with --kubeconfig-suffix).',
  },
  'kubeconfig-suffix': {
    kind: 'string',
    default: '',
    help: 'Suffix of the kubeconfig files in --kubeconfig-dir.',
  },
  'projected-token-file': {
    kind: 'string',
    default: '',
    help: 'Projected service account token to use in-cluster.',
  },
  'no-in-cluster-config': { kind: 'bool', default: false, help: 'Do not use the in-cluster config.' },
  'status-path': {
    kind: 'string',
    default: '',
    help: 'Accepted for compatibility; Temporal keeps the reconciler state (see README, migrating).',
    ignored: 'state lives in Temporal',
  },
  'gcs-credentials-file': {
    kind: 'string',
    default: '',
    help: 'Accepted for compatibility.',
    ignored: 'no --status-path',
  },
  's3-credentials-file': {
    kind: 'string',
    default: '',
    help: 'Accepted for compatibility.',
    ignored: 'no --status-path',
  },
  'metrics-port': { kind: 'int', default: 9090, help: 'Port to serve /metrics on.' },
  'metrics-address': {
    kind: 'string',
    default: '0.0.0.0',
    help: '(port) IP address to serve /metrics on (0.0.0.0: every interface, as Prometheus in a cluster needs).',
  },
  'temporal-metrics-port': {
    kind: 'int',
    default: 9091,
    help: "(port) Port of the Temporal SDK's own worker metrics (/metrics); 0 disables them.",
  },
  'temporal-metrics-address': {
    kind: 'string',
    default: '0.0.0.0',
    help: "(port) IP address of the Temporal SDK's worker metrics.",
  },
  'health-port': {
    kind: 'int',
    default: 8081,
    help: 'Port to serve /healthz, /healthz/ready and /livez on.',
  },
  'health-address': {
    kind: 'string',
    default: '0.0.0.0',
    help: "(port) IP address to serve health on (0.0.0.0: every interface, as Kubernetes' probes need).",
  },
  'codec-server-address': {
    kind: 'string',
    default: '',
    help: '(port) host:port of a codec server for the Temporal Web UI (its codec endpoint setting): decodes the payloads the worker compressed; off when empty.',
  },
  'codec-server-cors-origin': {
    kind: 'strings',
    default: [],
    help: '(port) Origin of the Web UI allowed to call the codec server (e.g. https://temporal.example.com), repeatable; none given: any origin, without credentials.',
  },
  'payload-compression-threshold': {
    kind: 'int',
    default: 16_384,
    help: '(port) Payloads of at least this many bytes are stored zlib-compressed (binary/zlib); smaller ones stay plain JSON.',
  },
  'pprof-port': {
    kind: 'int',
    default: 6060,
    help: 'Accepted for compatibility.',
    ignored: 'no pprof in Node',
  },
  'git-signing-key-path': {
    kind: 'string',
    default: '',
    help: 'Accepted for compatibility.',
    ignored: 'not needed',
  },
  'profile-memory-usage': {
    kind: 'bool',
    default: false,
    help: 'Accepted for compatibility.',
    ignored: 'not needed',
  },
  'memory-profile-interval': {
    kind: 'duration',
    default: 30_000,
    help: 'Accepted for compatibility.',
    ignored: 'not needed',
  },
  'in-repo-config-cache-size': {
    kind: 'int',
    default: 200,
    help: 'Accepted for compatibility.',
    ignored: 'not needed',
  },
  'cache-dir-base': {
    kind: 'string',
    default: '',
    help: 'Accepted for compatibility.',
    ignored: 'not needed',
  },
  'moonraker-address': {
    kind: 'string',
    default: '',
    help: 'Accepted for compatibility.',
    ignored: 'not needed',
  },
  // Port-only options.
  'temporal-address': {
    kind: 'string',
    default: '127.0.0.1:7233',
    env: 'TEMPORAL_ADDRESS',
    help: '(port) Temporal frontend host:port.',
  },
  'temporal-namespace': {
    kind: 'string',
    default: 'default',
    env: 'TEMPORAL_NAMESPACE',
    help: '(port) Temporal namespace.',
  },
  'temporal-task-queue': {
    kind: 'string',
    default: 'status-reconciler',
    help: '(port) Task queue of this deployment.',
  },
  'temporal-api-key-path': {
    kind: 'string',
    default: '',
    help: '(port) File with a Temporal Cloud API key (implies TLS).',
  },
  'temporal-tls': { kind: 'bool', default: false, help: '(port) Connect to Temporal with TLS.' },
  'temporal-tls-cert-path': { kind: 'string', default: '', help: '(port) mTLS client certificate.' },
  'temporal-tls-key-path': { kind: 'string', default: '', help: '(port) mTLS client key.' },
  'temporal-tls-ca-path': {
    kind: 'string',
    default: '',
    help: "(port) CA of the Temporal server's certificate.",
  },
  'temporal-tls-server-name': {
    kind: 'string',
    default: '',
    help: '(port) Server name to verify in its certificate.',
  },
  'register-search-attributes': {
    kind: 'bool',
    default: true,
    help: '(port) At start, register the search attributes the Temporal namespace lacks; false: exit naming the `temporal operator` command instead.',
  },
  instance: {
    kind: 'string',
    default: 'default',
    help: '(port) Name of this reconciler instance (its controller workflow).',
  },
  'trigger-new-repos': {
    kind: 'bool',
    default: false,
    help: '(port, Q1) Trigger blocking presubmits of repositories new in the config.',
  },
  'blast-radius-guard': {
    kind: 'bool',
    default: defaultGuardOptions.enabled,
    help: '(port, Q10) Hold large retirements for operator approval.',
  },
  'blast-radius-max-removed-fraction': {
    kind: 'float',
    default: defaultGuardOptions.maxRemovedFraction,
    help: '(port) Share of all presubmits removed that holds a change.',
  },
  'blast-radius-max-removed-contexts': {
    kind: 'int',
    default: defaultGuardOptions.maxRemovedContexts,
    help: '(port) Number of presubmit contexts retired that holds a change, whatever their share; 0 = none.',
  },
  'blast-radius-max-repo-removed-fraction': {
    kind: 'float',
    default: defaultGuardOptions.maxRepoRemovedFraction,
    help: "(port) Share of one repository's presubmits removed that holds a change.",
  },
  'approval-timeout': {
    kind: 'duration',
    default: 86_400_000,
    help: '(port) How long a held change waits for a decision.',
  },
  'repo-concurrency': { kind: 'int', default: 4, help: '(port) Repositories reconciled at once per change.' },
  'retry-blocked-after': {
    kind: 'duration',
    default: 600_000,
    help: '(port) Re-attempt a failed change after this long; 0 never.',
  },
  'activity-heartbeat-timeout': {
    kind: 'duration',
    default: 120_000,
    help: '(port) A repository activity whose worker stops heartbeating this long is retried on another worker.',
  },
  'config-poll-interval': {
    kind: 'duration',
    default: 5_000,
    help: '(port) How often the watcher scans the config files when file events are unavailable (a watch failed).',
  },
  'config-backstop-interval': {
    kind: 'duration',
    default: 60_000,
    help: '(port) How often the watcher scans the config files anyway while file events work, for a change events missed.',
  },
  'worker-max-concurrent-activities': {
    kind: 'int',
    default: 20,
    help: '(port) Repository activities one worker runs at once; the rest go to other workers.',
  },
  'max-activities-per-second': {
    kind: 'float',
    default: 0,
    help: '(port) Task-queue-wide activity start rate, enforced by the server across all workers; 0 unlimited.',
  },
} satisfies Record<string, FlagSpec>;

export type FlagName = keyof typeof flagSpecs;

/**
 * The worker's flags that other commands read, by what they are for. A command accepts (and its help lists)
 * only the groups it uses; the worker and `dev` accept every flag.
 */
export const flagGroups = {
  /** Where the Prow config is (check-config, signal). */
  config: [
    'config-path',
    'job-config-path',
    'supplemental-prow-config-dir',
    'supplemental-prow-configs-filename-suffix',
    'supplemental-prow-configs-filename',
    'plugin-config',
    'supplemental-plugin-config-dir',
    'supplemental-plugin-configs-filename-suffix',
  ],
  /** How to reach the controller (every operator command). */
  temporal: [
    'temporal-address',
    'temporal-namespace',
    'temporal-task-queue',
    'temporal-api-key-path',
    'temporal-tls',
    'temporal-tls-cert-path',
    'temporal-tls-key-path',
    'temporal-tls-ca-path',
    'temporal-tls-server-name',
    'instance',
  ],
  /** What shapes a reconcile run; a change request carries them (signal). */
  run: [
    'dry-run',
    'continue-on-error',
    'denylist',
    'denylist-all',
    'trigger-new-repos',
    'blast-radius-guard',
    'blast-radius-max-removed-fraction',
    'blast-radius-max-removed-contexts',
    'blast-radius-max-repo-removed-fraction',
    'approval-timeout',
    'repo-concurrency',
    'retry-blocked-after',
    'activity-heartbeat-timeout',
  ],
} satisfies Record<string, FlagName[]>;

/** Every flag: what the worker (and `dev`, which runs one) accepts. */
export const allFlags = Object.keys(flagSpecs) as FlagName[];

/**
 * Everything one process's flags and environment give: the deployment's settings (what a run does) and each
 * adapter's options, assembled here from the types their owners define.
 */
export interface ProcessOptions extends DeploymentSettings {
  config: ConfigSource;
  github: GitHubOptions;
  kubernetes: KubernetesOptions;
  metricsPort: number;
  metricsAddress: string;
  temporalMetricsPort: number;
  temporalMetricsAddress: string;
  healthPort: number;
  healthAddress: string;
  /** `--codec-server-address` (absent: no codec server) and the Web UI origins it answers. */
  codecServer: { host: string; port: number } | undefined;
  codecServerCorsOrigins: string[];
  temporal: TemporalOptions;
  instance: string;
  /** Every threshold given (a flag's default at least). */
  guard: GuardOptions & { approvalTimeoutMs: number };
  configPollIntervalMs: number;
  /** `--config-backstop-interval`: the watcher's full scan while file events work. */
  configBackstopIntervalMs: number;
  /** Prow flags given that this port accepts but does not use, with why. */
  ignoredFlags: { flag: string; why: string }[];
}

/** What a command line gives a CLI command: the process's options and its own flags' values. */
export interface CommandLine {
  options: ProcessOptions;
  /** Values of the command's own flags (`commandFlags`), by flag name. */
  flags: Record<string, FlagValue | undefined>;
}

/** A parsed flag value: its kind's type (durations in milliseconds). */
export type FlagValue = string | string[] | boolean | number;

type Raw = Record<string, string[]>;

/** The specs a command accepts: the named worker flags (all by default) and its own. */
function specsOf(extra: Record<string, FlagSpec>, accepted: readonly FlagName[]): Record<string, FlagSpec> {
  return {
    ...Object.fromEntries(accepted.map((name) => [name, flagSpecs[name] as FlagSpec])),
    ...extra,
  };
}

/**
 * Parses Go-style flags. Unknown flags are errors; `extra` adds a command's own flags, `accepted` limits the
 * worker flags the command takes (a worker flag given to a command that does not read it is an error).
 */
export function parseFlags(
  argv: readonly string[],
  extra: Record<string, FlagSpec> = {},
  accepted: readonly FlagName[] = allFlags,
): { raw: Raw; positional: string[] } {
  const specs = specsOf(extra, accepted);
  const shorts = new Map(
    Object.entries(specs).flatMap(([name, spec]) => (spec.short ? [[spec.short, name] as const] : [])),
  );
  const raw: Raw = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const given = eq >= 0 ? body.slice(0, eq) : body;
    const name = shorts.get(given) ?? given;
    const spec = specs[name];
    if (!spec)
      throw new OptionsError(
        `flag provided but not defined: -${given}${name in flagSpecs ? ' (a worker flag this command does not read; see its --help)' : ''}`,
      );
    let value: string;
    if (eq >= 0) value = body.slice(eq + 1);
    else if (spec.kind === 'bool') value = 'true';
    else {
      const nextArg = argv[i + 1];
      if (nextArg === undefined) throw new OptionsError(`flag needs an argument: -${name}`);
      value = nextArg;
      i++;
    }
    (raw[name] ??= []).push(value);
  }
  return { raw, positional };
}

export function readValue(
  raw: Raw,
  name: string,
  spec: FlagSpec,
  env: NodeJS.ProcessEnv,
): FlagValue | undefined {
  const given = raw[name];
  const fromEnv = spec.env ? env[spec.env] : undefined;
  const values = given ?? (fromEnv !== undefined && fromEnv !== '' ? [fromEnv] : undefined);
  if (!values) return spec.default;
  const last = values[values.length - 1] as string;
  const bad = (what: string): never => {
    throw new OptionsError(`invalid value ${JSON.stringify(last)} for flag -${name}: ${what}`);
  };
  switch (spec.kind) {
    case 'strings':
      return values;
    case 'string':
      return last;
    case 'bool':
      if (/^(1|t|true)$/i.test(last)) return true;
      if (/^(0|f|false)$/i.test(last)) return false;
      return bad('parse error (want true or false)');
    case 'int': {
      const n = Number(last);
      return Number.isInteger(n) ? n : bad('not an integer');
    }
    case 'float': {
      const n = Number(last);
      return Number.isFinite(n) ? n : bad('not a number');
    }
    case 'duration':
      return parseDuration(last) ?? bad('not a duration (like 30s, 10m, 1h30m)');
  }
}

/** `count/window` pairs such as `70/1m,450/1h`. */
export function parseWriteBudget(text: string): { limit: number; windowMs: number }[] {
  return text.split(',').map((pair) => {
    const [count, window] = pair.trim().split('/');
    const limit = Number(count);
    const windowMs = window === undefined ? undefined : parseDuration(window);
    if (!Number.isInteger(limit) || limit < 1 || !windowMs)
      throw new OptionsError(
        `invalid value ${JSON.stringify(text)} for flag -github-write-budget: want count/window pairs like 70/1m,450/1h`,
      );
    return { limit, windowMs };
  });
}

/** Go's time.ParseDuration for h, m, s, ms; a bare 0 is zero. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined;
  return parts.reduce((total, p) => total + Number(p[1]) * (units[p[2] as string] as number), 0);
}

/** The options a process's flags and environment give (the worker's, or the `accepted` flags of a command). */
export function readOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  accepted: readonly FlagName[] = allFlags,
): ProcessOptions {
  return readCommandLine(argv, env, {}, accepted).options;
}

/** A CLI command's command line: the options and the values of its own flags (`commandFlags`). */
export function readCommandLine(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  commandFlags: Record<string, FlagSpec> = {},
  accepted: readonly FlagName[] = allFlags,
): CommandLine {
  const { raw } = parseFlags(argv, commandFlags, accepted);
  const v = <T>(name: FlagName): T => readValue(raw, name, flagSpecs[name], env) as T;
  const nonEmpty = (s: string): string | undefined => (s === '' ? undefined : s);
  const configPath = v<string>('config-path');
  if (!configPath) throw new OptionsError('--config-path is mandatory');
  const fraction = (name: FlagName): number => {
    const x = v<number>(name);
    if (x < 0 || x > 1)
      throw new OptionsError(`invalid value ${x} for flag -${name}: must be between 0 and 1`);
    return x;
  };
  const count = (name: FlagName): number => {
    const x = v<number>(name);
    if (x < 0) throw new OptionsError(`invalid value ${x} for flag -${name}: must be at least 0`);
    return x;
  };
  const positive = (name: FlagName): number => {
    const x = v<number>(name);
    if (x < 1) throw new OptionsError(`invalid value ${x} for flag -${name}: must be at least 1`);
    return x;
  };
  const port = (name: FlagName): number => {
    const x = v<number>(name);
    if (x < 0 || x > 65535)
      throw new OptionsError(`invalid value ${x} for flag -${name}: not a port (0 to 65535)`);
    return x;
  };
  const hostPort = (name: FlagName): { host: string; port: number } | undefined => {
    const text = v<string>(name);
    if (!text) return undefined;
    const colon = text.lastIndexOf(':');
    const host = text.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
    const portText = text.slice(colon + 1);
    const portNumber = Number(portText);
    if (colon < 1 || !/^\d+$/.test(portText) || portNumber > 65535)
      throw new OptionsError(
        `invalid value ${JSON.stringify(text)} for flag -${name}: want host:port, like 127.0.0.1:8089`,
      );
    return { host, port: portNumber };
  };
  const appId = nonEmpty(v<string>('github-app-id'));
  const appKey = nonEmpty(v<string>('github-app-private-key-path'));
  const tokenPath = nonEmpty(v<string>('github-token-path'));
  if (Boolean(appId) !== Boolean(appKey))
    throw new OptionsError('--github-app-id and --github-app-private-key-path must be set together');
  if (appId && tokenPath)
    throw new OptionsError('--github-token-path and --github-app-id are mutually exclusive');
  const installation = nonEmpty(v<string>('github-app-installation-id'));
  if (installation !== undefined && !/^\d+$/.test(installation))
    throw new OptionsError(
      `invalid value "${installation}" for flag -github-app-installation-id: not a number`,
    );
  const endpoints = v<string[]>('github-endpoint');
  const readApi = v<string>('github-read-api');
  if (readApi !== 'graphql' && readApi !== 'rest')
    throw new OptionsError(`invalid value "${readApi}" for flag -github-read-api: want graphql or rest`);
  const repoConcurrency = v<number>('repo-concurrency');
  if (repoConcurrency < 1)
    throw new OptionsError('invalid value for flag -repo-concurrency: must be at least 1');
  const suffix =
    nonEmpty(v<string>('supplemental-prow-configs-filename')) ??
    v<string>('supplemental-prow-configs-filename-suffix');

  const options: ProcessOptions = {
    config: {
      configPath,
      jobConfigPath: nonEmpty(v<string>('job-config-path')),
      supplementalProwConfigDirs: v<string[]>('supplemental-prow-config-dir'),
      supplementalProwConfigsFilenameSuffix: suffix,
      pluginConfigPath: nonEmpty(v<string>('plugin-config')),
      supplementalPluginConfigDirs: v<string[]>('supplemental-plugin-config-dir'),
      supplementalPluginConfigsFilenameSuffix: v<string>('supplemental-plugin-configs-filename-suffix'),
    },
    continueOnError: v('continue-on-error'),
    denylist: v('denylist'),
    denylistAll: v('denylist-all'),
    dryRun: v('dry-run'),
    github: {
      endpoint: (endpoints[endpoints.length - 1] ?? 'https://api.github.com').replace(/\/+$/, ''),
      host: v('github-host'),
      tokenPath,
      appId,
      appPrivateKeyPath: appKey,
      appInstallationId: installation === undefined ? undefined : Number(installation),
      requestTimeoutMs: v('github-client.request-timeout'),
      maxRetries: v('github-client.max-retries'),
      maxRateLimitWaitMs: v('github-client.backoff-timeout'),
      readApi,
      writeBudget: parseWriteBudget(v<string>('github-write-budget')),
      workerReplicas: positive('worker-replicas'),
    },
    kubernetes: {
      kubeconfig: nonEmpty(v<string>('kubeconfig')),
      kubeconfigDir: nonEmpty(v<string>('kubeconfig-dir')),
      kubeconfigSuffix: nonEmpty(v<string>('kubeconfig-suffix')),
      projectedTokenFile: nonEmpty(v<string>('projected-token-file')),
      noInClusterConfig: v('no-in-cluster-config'),
    },
    metricsPort: port('metrics-port'),
    metricsAddress: v('metrics-address'),
    temporalMetricsPort: port('temporal-metrics-port'),
    temporalMetricsAddress: v('temporal-metrics-address'),
    healthPort: port('health-port'),
    healthAddress: v('health-address'),
    codecServer: hostPort('codec-server-address'),
    codecServerCorsOrigins: v('codec-server-cors-origin'),
    temporal: {
      address: v('temporal-address'),
      namespace: v('temporal-namespace'),
      taskQueue: v('temporal-task-queue'),
      apiKeyPath: nonEmpty(v<string>('temporal-api-key-path')),
      tls: v('temporal-tls'),
      tlsCertPath: nonEmpty(v<string>('temporal-tls-cert-path')),
      tlsKeyPath: nonEmpty(v<string>('temporal-tls-key-path')),
      tlsCaPath: nonEmpty(v<string>('temporal-tls-ca-path')),
      tlsServerName: nonEmpty(v<string>('temporal-tls-server-name')),
      registerSearchAttributes: v('register-search-attributes'),
      maxActivitiesPerSecond: v<number>('max-activities-per-second') || undefined,
      maxConcurrentActivities: positive('worker-max-concurrent-activities'),
      payloadCompressionThreshold: positive('payload-compression-threshold'),
    },
    instance: v('instance'),
    triggerNewRepos: v('trigger-new-repos'),
    guard: {
      enabled: v('blast-radius-guard'),
      maxRemovedFraction: fraction('blast-radius-max-removed-fraction'),
      maxRemovedContexts: count('blast-radius-max-removed-contexts'),
      maxRepoRemovedFraction: fraction('blast-radius-max-repo-removed-fraction'),
      approvalTimeoutMs: v('approval-timeout'),
    },
    repoConcurrency,
    retryBlockedAfterMs: v('retry-blocked-after'),
    heartbeatTimeoutMs: v('activity-heartbeat-timeout'),
    configPollIntervalMs: v('config-poll-interval'),
    configBackstopIntervalMs: positive('config-backstop-interval'),
    ignoredFlags: Object.entries(flagSpecs as Record<string, FlagSpec>)
      .filter(([name, spec]) => spec.ignored && raw[name])
      .map(([name, spec]) => ({ flag: `--${name}`, why: spec.ignored as string })),
  };
  return {
    options,
    flags: Object.fromEntries(
      Object.entries(commandFlags).map(([name, spec]: [string, FlagSpec]) => [
        name,
        readValue(raw, name, spec, env),
      ]),
    ),
  };
}

/** Help text for the flags a command accepts, for `status-reconciler <command> --help`. */
export function flagsHelp(
  extra: Record<string, FlagSpec> = {},
  accepted: readonly FlagName[] = allFlags,
): string {
  return Object.entries(specsOf(extra, accepted))
    .filter(([, spec]) => !spec.ignored)
    .map(([name, spec]) => {
      const def = Array.isArray(spec.default)
        ? spec.default.join(',')
        : spec.kind === 'duration'
          ? `${Number(spec.default) / 1000}s`
          : String(spec.default ?? '');
      return `  ${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.kind === 'bool' ? '' : ' value'}\n      ${spec.help}${def ? ` (default ${def})` : ''}${spec.env ? ` [env ${spec.env}]` : ''}`;
    })
    .join('\n');
}

export type { FlagSpec };
