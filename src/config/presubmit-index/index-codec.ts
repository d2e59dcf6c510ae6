import { promisify } from 'node:util';
import { gunzipSync, gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

/**
 * The presubmit index as it travels through Temporal: JSON, gzip-compressed, base64-encoded. Workflow code
 * only carries the string; activities decode it. Compression keeps the controller's state and each run's
 * history small (the Kubernetes config's index is ~95% smaller compressed), well under payload limits.
 */
export async function encodeIndexBlob(index: unknown): Promise<string> {
  // Compressed on libuv's thread pool: at 50,000 presubmits, gzip's level 9 on the event loop blocked it
  // for a tenth of a second or more. The bytes are gzipSync's.
  return (await gzipAsync(Buffer.from(JSON.stringify(index)), { level: 9 })).toString('base64');
}

export function decodeIndexBlob(blob: string): unknown {
  return JSON.parse(gunzipSync(Buffer.from(blob, 'base64')).toString('utf8'));
}
