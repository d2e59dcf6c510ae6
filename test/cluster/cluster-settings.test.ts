import { existsSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { postgresBinDir } from '../../scripts/cluster/postgres';
import {
  composeServerSettings,
  serverConfigYaml,
  temporalServerServices,
  temporalServerVersion,
  type ServicePorts,
} from '../../scripts/cluster/temporal-server';
import { clusterWorkerFlags, composeWorkerFlags, hostSpecificFlags } from '../../scripts/cluster/workers';
import { readOptions } from '../../src/options';
import { projectRoot } from '../../src/project-root';
import { readCompose, readText } from '../deploy/support/deploy-files';

/**
 * The local production cluster (scripts/cluster/, `npm run cluster`, test/cluster/faults.test.ts) runs what
 * docker-compose.yml describes, so that what passes there is what compose runs. These checks hold the two
 * together, and name every place where they differ and why.
 */
const { services } = readCompose();
const temporal = services.temporal;
const postgresql = services.postgresql;
const env = temporal?.environment ?? {};

const ports = Object.fromEntries(
  temporalServerServices.map((name, i) => [name, { grpc: 17000 + i, membership: 18000 + i }]),
) as ServicePorts;
const config = parse(serverConfigYaml({ host: '127.0.0.1', port: 15432 }, ports)) as {
  persistence: {
    defaultStore: string;
    visibilityStore: string;
    numHistoryShards: number;
    datastores: Record<string, { sql: Record<string, unknown> }>;
  };
  dynamicConfigClient: { filepath: string; pollInterval: string };
  services: Record<string, { rpc: { bindOnIP: string } }>;
};

describe('local cluster: the Temporal server as docker-compose.yml runs it', () => {
  it('is the version of compose’s temporal and admin-tools images', () => {
    expect(temporal?.image).toBe(`temporalio/auto-setup:${temporalServerVersion}`);
    expect(services['search-attributes']?.image).toMatch(
      new RegExp(`^temporalio/admin-tools:${temporalServerVersion}-`),
    );
    expect(readText('scripts/build-temporal-server.sh')).toContain(`VERSION=${temporalServerVersion}\n`);
  });

  it('uses the postgres12 plugin, user and password of compose, for both stores', () => {
    expect(env.DB).toBe(composeServerSettings.plugin);
    expect(env.POSTGRES_USER).toBe(composeServerSettings.user);
    expect(env.POSTGRES_PWD).toBe(composeServerSettings.password);
    expect(postgresql?.environment).toMatchObject({
      POSTGRES_USER: composeServerSettings.user,
      POSTGRES_PASSWORD: composeServerSettings.password,
    });
    const { datastores, defaultStore, visibilityStore } = config.persistence;
    expect(datastores[defaultStore]?.sql).toMatchObject({
      pluginName: 'postgres12',
      databaseName: 'temporal',
      user: 'temporal',
      ...composeServerSettings.pools.default,
    });
    // SQL visibility: compose sets no Elasticsearch (ENABLE_ES), so auto-setup puts visibility in PostgreSQL.
    expect(env.ENABLE_ES).toBeUndefined();
    expect(datastores[visibilityStore]?.sql).toMatchObject({
      pluginName: 'postgres12',
      databaseName: 'temporal_visibility',
      ...composeServerSettings.pools.visibility,
    });
  });

  it('has auto-setup’s history shards (compose leaves NUM_HISTORY_SHARDS at its default, 4)', () => {
    expect(env.NUM_HISTORY_SHARDS).toBeUndefined();
    expect(config.persistence.numHistoryShards).toBe(4);
  });

  it('reads the dynamic config file compose mounts', () => {
    const mount = temporal?.volumes.find((v) => v.target === '/etc/temporal/config/dynamicconfig');
    expect(mount?.source).toBe('./deploy/temporal/dynamicconfig');
    expect(env.DYNAMIC_CONFIG_FILE_PATH).toBe(
      `config/dynamicconfig/${path.basename(composeServerSettings.dynamicConfigFile)}`,
    );
    expect(config.dynamicConfigClient.filepath).toBe(
      path.join(
        projectRoot,
        'deploy',
        'temporal',
        'dynamicconfig',
        path.basename(env.DYNAMIC_CONFIG_FILE_PATH ?? ''),
      ),
    );
    expect(existsSync(config.dynamicConfigClient.filepath)).toBe(true);
  });

  it('creates compose’s namespace and registers the search attributes with compose’s script', () => {
    expect(env.DEFAULT_NAMESPACE).toBe(composeServerSettings.namespace);
    expect(env.SKIP_ADD_CUSTOM_SEARCH_ATTRIBUTES).toBe('true');
    expect(services['search-attributes']?.volumes[0]?.source).toBe(
      './deploy/temporal/register-search-attributes.sh',
    );
  });

  it('differs from compose in where it listens: loopback only, ports chosen free at start', () => {
    for (const name of temporalServerServices) expect(config.services[name]?.rpc.bindOnIP).toBe('127.0.0.1');
    expect(temporal?.ports).toEqual(['7233:7233']);
  });

  it('differs from compose in PostgreSQL’s version: the installed Debian package, not the postgres image', () => {
    const image = /^postgres:(\d+)\./.exec(postgresql?.image ?? '')?.[1];
    expect(Number(image)).toBeGreaterThanOrEqual(12);
    if (existsSync('/usr/lib/postgresql') || process.env.PG_BIN) {
      // postgres12 is the plugin for PostgreSQL 12 and newer; both versions are in that range.
      expect(Number(path.basename(path.dirname(postgresBinDir())))).toBeGreaterThanOrEqual(12);
    }
  });
});

describe('local cluster: the workers as docker-compose.yml runs them', () => {
  const host = clusterWorkerFlags({
    configDir: '/tmp/config',
    temporalAddress: '127.0.0.1:17233',
    githubUrl: 'http://127.0.0.1:18780',
    githubAppId: 4242,
    githubPrivateKeyPath: '/tmp/app.pem',
    kubeconfigPath: '/tmp/kubeconfig',
    ports: { health: 1, metrics: 2, temporalMetrics: 3 },
  });
  const compose = composeWorkerFlags();
  const name = (flag: string) => /^--([^=]+)/.exec(flag)?.[1] ?? flag;

  it('run compose’s worker flags in compose’s order', () => {
    expect(host.map(name)).toEqual(compose.map(name));
  });

  it('differ from compose only in paths, addresses, the App id and ports', () => {
    const differing = host.filter((flag, i) => flag !== compose[i]).map(name);
    expect(differing.sort()).toEqual([...hostSpecificFlags].filter((f) => f !== 'github-app-id').sort());
    // Compose's sandbox App id is the demo scenario's 4242, the same here.
    expect(host).toContain('--github-app-id=4242');
  });

  it('take compose’s values for everything that shapes a change', () => {
    const options = readOptions(host, {});
    expect(options).toMatchObject({
      dryRun: false,
      configPollIntervalMs: 2_000,
      retryBlockedAfterMs: 60_000,
      heartbeatTimeoutMs: 120_000,
    });
    expect(options.github.workerReplicas).toBe(2);
  });
});
