import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * The presubmit index as it travels through Temporal: JSON, gzip-compressed, base64-encoded. Workflow code
 * only carries the string; activities decode it. Compression keeps the controller's state and each run's
 * history small (the Kubernetes config's index is ~95% smaller compressed), well under payload limits.
 */
export function encodeIndexBlob(index: unknown): string {
  return gzipSync(Buffer.from(JSON.stringify(index)), { level: 9 }).toString('base64');
}

export function decodeIndexBlob(blob: string): unknown {
  return JSON.parse(gunzipSync(Buffer.from(blob, 'base64')).toString('utf8'));
}
