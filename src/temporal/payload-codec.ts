import { promisify } from 'node:util';
import { deflate, inflate } from 'node:zlib';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/**
 * Compression of large payloads, the Temporal way: a PayloadCodec on the worker's and every client's data
 * converter, so workflow code and activities see plain JSON values while Temporal stores large ones
 * compressed. The format is the Go SDK's ZlibCodec's (`converter.NewZlibCodec`): metadata `encoding:
 * binary/zlib`, data the zlib-deflated protobuf encoding of the original payload (its metadata included),
 * so any Temporal tool that knows that codec reads it, and the codec server (payload-codec-server.ts) shows it
 * decoded in the Web UI.
 *
 * Only payloads of at least `thresholdBytes` are compressed, and only when that makes them smaller: small
 * inputs, results, memos and details stay `json/plain`, readable in the Web UI without a codec server. The
 * presubmit index is what needs it: the Kubernetes config's is 292 KB as JSON (Temporal warns from 512 KB), ten
 * times that config's 2.9 MB (Temporal refuses payloads over 2 MB).
 *
 * Codecs run in the worker's main thread, outside the workflow sandbox; zlib works on libuv's thread pool, so
 * a large payload does not block the event loop.
 */
export const zlibEncoding = 'binary/zlib';

/** Payloads from this size (bytes of their data) are compressed; `--payload-compression-threshold`. */
export const defaultCompressionThreshold = 16 * 1024;

/** A payload that inflates beyond this is refused: Temporal stores none over 2 MB, so this is not one of ours. */
const maxInflatedBytes = 64 * 1024 * 1024;

const deflateAsync = promisify(deflate);
const inflateAsync = promisify(inflate);
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** A payload marked `binary/zlib` that cannot be decoded: not zlib, truncated, or not a payload inside. */
export class PayloadDecodeError extends Error {
  override name = 'PayloadDecodeError';
}

export function encodingOf(payload: Payload): string | undefined {
  const encoding = payload.metadata?.encoding;
  return encoding ? utf8Decoder.decode(encoding) : undefined;
}

export class ZlibPayloadCodec implements PayloadCodec {
  constructor(readonly thresholdBytes: number = defaultCompressionThreshold) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(payloads.map((payload) => this.encodeOne(payload)));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(payloads.map((payload, i) => decodeOne(payload, i)));
  }

  private async encodeOne(payload: Payload): Promise<Payload> {
    if ((payload.data?.length ?? 0) < this.thresholdBytes || encodingOf(payload) === zlibEncoding)
      return payload;
    const original = temporal.api.common.v1.Payload.encode(payload).finish();
    const compressed = await deflateAsync(original);
    if (compressed.length >= original.length) return payload;
    return { metadata: { encoding: utf8.encode(zlibEncoding) }, data: new Uint8Array(compressed) };
  }
}

/** Payloads of any other encoding pass unchanged (they were never compressed, or are another codec's). */
async function decodeOne(payload: Payload, position: number): Promise<Payload> {
  if (encodingOf(payload) !== zlibEncoding) return payload;
  let inflated: Buffer;
  try {
    inflated = await inflateAsync(payload.data ?? new Uint8Array(), { maxOutputLength: maxInflatedBytes });
  } catch (err) {
    throw new PayloadDecodeError(
      `payload ${position} (encoding ${zlibEncoding}): its data does not inflate: ${(err as Error).message}`,
    );
  }
  let inner: temporal.api.common.v1.Payload;
  try {
    inner = temporal.api.common.v1.Payload.decode(inflated);
  } catch (err) {
    throw new PayloadDecodeError(
      `payload ${position} (encoding ${zlibEncoding}): the inflated data is not a Temporal payload: ${(err as Error).message}`,
    );
  }
  if (!inner.metadata?.encoding)
    throw new PayloadDecodeError(
      `payload ${position} (encoding ${zlibEncoding}): the inflated payload has no encoding in its metadata`,
    );
  return { metadata: { ...inner.metadata }, data: inner.data };
}

/**
 * The data converter of every worker and client of the reconciler: the default JSON payload converter, then
 * the zlib codec. Decoding does not depend on the threshold, so clients use the default.
 */
export function reconcilerDataConverter(thresholdBytes: number = defaultCompressionThreshold): DataConverter {
  return { payloadCodecs: [new ZlibPayloadCodec(thresholdBytes)] };
}
