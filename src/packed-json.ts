import { deflateRawSync, inflateRawSync } from 'node:zlib';

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
