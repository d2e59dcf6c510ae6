import { isGrpcServiceError, type Client } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import type { Logger } from '../log';
import { StartupError } from './startup-error';
import { cliTypeName, customSearchAttributes } from '../../workflows/search-attributes';

/** gRPC status codes the check tells apart. */
const grpc = { NOT_FOUND: 5, PERMISSION_DENIED: 7, UNIMPLEMENTED: 12 } as const;

/** Temporal's IndexedValueType numbers, named as the `temporal` CLI names them. */
const indexedTypeNames: Record<number, string> = {
  1: 'Text',
  2: 'Keyword',
  3: 'Int',
  4: 'Double',
  5: 'Bool',
  6: 'Datetime',
  7: 'KeywordList',
};

export interface NamespaceCheckOptions {
  namespace: string;
  /** Register missing search attributes (`--register-search-attributes`); otherwise name the command. */
  register: boolean;
  log: Logger;
  /** The whole check, registration included, ends within this (default 20 s). */
  timeoutMs?: number;
}

const codeOf = (err: unknown): number | undefined => (isGrpcServiceError(err) ? err.code : undefined);
const reasonOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export const createCommand = (namespace: string, name: string, type: SearchAttributeType): string =>
  `temporal operator search-attribute create --namespace ${namespace} --name ${name} --type ${cliTypeName(type)}`;

/**
 * At start, before polling: the namespace exists and the search attributes the workflows set are registered
 * with the right types. Without them every workflow task fails (BadSearchAttributes) and the worker would
 * look healthy while doing nothing. Missing attributes are registered when allowed; otherwise, or when
 * registering fails, a StartupError names the exact `temporal operator` commands.
 */
export async function checkNamespace(client: Client, options: NamespaceCheckOptions): Promise<void> {
  const { namespace, log } = options;
  await client.withDeadline(Date.now() + (options.timeoutMs ?? 20_000), async () => {
    try {
      await client.workflowService.describeNamespace({ namespace });
    } catch (err) {
      if (codeOf(err) === grpc.NOT_FOUND)
        throw new StartupError(
          `Temporal namespace "${namespace}" does not exist`,
          `create it with \`temporal operator namespace create --namespace ${namespace}\`, or name an existing one with --temporal-namespace`,
        );
      throw err;
    }

    const registered = await registeredTypes(client, namespace);
    if (!registered) {
      log.warn('cannot list search attributes (no operator access); assuming they are registered', {
        namespace,
        attributes: customSearchAttributes.map((k) => k.name),
      });
      return;
    }
    const wrongType = customSearchAttributes.filter(
      (k) =>
        registered[k.name] !== undefined &&
        registered[k.name] !== encodeSearchAttributeIndexedValueType(k.type),
    );
    if (wrongType.length > 0) {
      const what = wrongType
        .map(
          (k) =>
            `${k.name} is ${indexedTypeNames[registered[k.name] as number] ?? registered[k.name]}, not ${cliTypeName(k.type)}`,
        )
        .join('; ');
      throw new StartupError(
        `search attributes of namespace "${namespace}" have the wrong type (${what})`,
        `remove and re-create them: ${wrongType
          .map(
            (k) =>
              `\`temporal operator search-attribute remove --namespace ${namespace} --name ${k.name} --yes && ${createCommand(namespace, k.name, k.type)}\``,
          )
          .join('; ')}`,
      );
    }
    const missing = customSearchAttributes.filter((k) => registered[k.name] === undefined);
    if (missing.length === 0) return;

    const commands = missing.map((k) => `\`${createCommand(namespace, k.name, k.type)}\``).join('; ');
    const names = missing.map((k) => k.name).join(', ');
    if (!options.register)
      throw new StartupError(
        `namespace "${namespace}" lacks the search attributes ${names} (--register-search-attributes=false)`,
        `register them with ${commands}`,
      );
    try {
      await client.connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(
          missing.map((k) => [k.name, encodeSearchAttributeIndexedValueType(k.type) as number]),
        ),
      });
    } catch (err) {
      // Another worker (or an operator's script) may have registered them since the listing: that is fine.
      const now = await registeredTypes(client, namespace);
      const settled =
        now !== undefined &&
        missing.every((k) => now[k.name] === encodeSearchAttributeIndexedValueType(k.type));
      if (settled) {
        log.info('search attributes were registered meanwhile', {
          namespace,
          attributes: missing.map((k) => k.name),
        });
        return;
      }
      throw new StartupError(
        `namespace "${namespace}" lacks the search attributes ${names}, and registering them failed (${reasonOf(err)})`,
        `register them with ${commands}, or with an identity that may (Temporal Cloud: tcld or the Cloud UI)`,
      );
    }
    await waitUntilRegistered(
      client,
      namespace,
      missing.map((k) => k.name),
    );
    log.info('registered search attributes', { namespace, attributes: missing.map((k) => k.name) });
  });
}

/** The namespace's custom search attributes and their types; undefined when the operator API refuses. */
async function registeredTypes(
  client: Client,
  namespace: string,
): Promise<Record<string, number> | undefined> {
  try {
    const response = await client.connection.operatorService.listSearchAttributes({ namespace });
    return {
      ...(response.systemAttributes as Record<string, number>),
      ...(response.customAttributes as Record<string, number>),
    };
  } catch (err) {
    const code = codeOf(err);
    if (code === grpc.PERMISSION_DENIED || code === grpc.UNIMPLEMENTED) return undefined;
    throw err;
  }
}

/** Registration is visible to the next listing on most servers; poll briefly for the others. */
async function waitUntilRegistered(client: Client, namespace: string, names: string[]): Promise<void> {
  for (;;) {
    const registered = await registeredTypes(client, namespace);
    if (!registered || names.every((n) => registered[n] !== undefined)) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
