import { promisify } from 'node:util';
import { deflateRaw, deflateRawSync, inflateRawSync } from 'node:zlib';

const deflateRawAsync = promisify(deflateRaw);

/**
 * A JSON value held compressed, for data a load or a worker keeps but rarely reads (config JSON is highly
 * repetitive: the fastest level already shrinks it ~12 times). The compressed bytes are copied out: zlib
 * answers with a view into its 16 KB output chunk, and thousands of small views would each keep a whole
 * chunk alive (~120 MB for the jobs of ten times the Kubernetes config).
 */
export function packJson(value: unknown): Buffer {
  return Buffer.from(deflateRawSync(JSON.stringify(value), { level: 1 }));
}

export function unpackJson<T>(bytes: Buffer): T {
  return JSON.parse(inflateRawSync(bytes).toString('utf8')) as T;
}

/**
 * packJson for a long list, giving the event loop turns (`turn`, from eventLoopTurns) while it serializes
 * the items and compressing on libuv's thread pool: 50,000 presubmits in one packJson call block the event
 * loop for a few hundred milliseconds. The JSON is JSON.stringify's, built item by item.
 */
export async function packJsonList(list: readonly object[], turn: () => Promise<void>): Promise<Buffer> {
  const items: string[] = [];
  for (const item of list) {
    items.push(JSON.stringify(item));
    await turn();
  }
  return Buffer.from(await deflateRawAsync(`[${items.join(',')}]`, { level: 1 }));
}
