import { readFileSync } from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { reconcilerDataConverter } from './payload-codec';
import type { TemporalOptions } from './temporal-options';

/** TLS and API-key settings shared by the client and the worker connection. Secrets are read from files. */
function securityOf(temporal: TemporalOptions): {
  tls?: TLSConfig | boolean;
  apiKey?: string;
} {
  const apiKey = temporal.apiKeyPath ? readFileSync(temporal.apiKeyPath, 'utf8').trim() : undefined;
  const config: TLSConfig = {
    ...(temporal.tlsCertPath && temporal.tlsKeyPath
      ? {
          clientCertPair: { crt: readFileSync(temporal.tlsCertPath), key: readFileSync(temporal.tlsKeyPath) },
        }
      : {}),
    ...(temporal.tlsCaPath ? { serverRootCACertificate: readFileSync(temporal.tlsCaPath) } : {}),
    ...(temporal.tlsServerName ? { serverNameOverride: temporal.tlsServerName } : {}),
  };
  const tls = Object.keys(config).length > 0 ? config : temporal.tls || apiKey ? true : undefined;
  return { tls, apiKey };
}

/**
 * The one place that builds Temporal client connections (CLI, watcher, health reader). Its data converter
 * has the worker's payload codec: results and inputs the worker compressed are read as the JSON they are.
 */
export async function connectClient(temporal: TemporalOptions): Promise<Client> {
  const connection = await Connection.connect({ address: temporal.address, ...securityOf(temporal) });
  return new Client({
    connection,
    namespace: temporal.namespace,
    dataConverter: reconcilerDataConverter(temporal.payloadCompressionThreshold),
  });
}

/**
 * The one place that builds the worker's native connection. The worker package (the SDK's native core) is
 * loaded here, not at import: the operator commands use this module's client only.
 */
export async function connectWorker(temporal: TemporalOptions): Promise<NativeConnection> {
  const { NativeConnection } = await import('@temporalio/worker');
  return NativeConnection.connect({ address: temporal.address, ...securityOf(temporal) });
}
