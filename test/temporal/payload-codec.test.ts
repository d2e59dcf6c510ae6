import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import {
  encodingOf,
  PayloadDecodeError,
  ZlibPayloadCodec,
  zlibEncoding,
} from '../../src/temporal/payload-codec';

/**
 * The payload codec the worker and every client install: large payloads are stored zlib-compressed in the Go
 * SDK's `binary/zlib` format, small ones and other codecs' payloads pass unchanged, and a corrupt one is a
 * clear error rather than garbage handed to the payload converter.
 */
const utf8 = new TextEncoder();
const json = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
/** A value whose JSON is about `bytes` long and compresses well, as the presubmit index does. */
const indexLike = (bytes: number): unknown => ({
  repos: Object.fromEntries(
    Array.from({ length: Math.ceil(bytes / 60) }, (_, i) => [`org/repo-${i}`, [{ name: `pull-${i}` }]]),
  ),
});

describe('ZlibPayloadCodec', () => {
  const codec = new ZlibPayloadCodec(1024);

  it('round-trips a large payload through binary/zlib, metadata included', async () => {
    const original = json(indexLike(50_000));
    const [encoded] = await codec.encode([original]);
    expect(encodingOf(encoded as Payload)).toBe(zlibEncoding);
    expect(encoded?.data?.length).toBeLessThan((original.data?.length ?? 0) / 4);
    const [decoded] = await codec.decode([encoded as Payload]);
    expect(encodingOf(decoded as Payload)).toBe('json/plain');
    expect(Buffer.from(decoded?.data ?? [])).toEqual(Buffer.from(original.data ?? []));
    expect(defaultPayloadConverter.fromPayload(decoded as Payload)).toEqual(indexLike(50_000));
  });

  it.each([
    ['below the threshold', json({ small: 'x'.repeat(100) }), 'json/plain'],
    ['just under the threshold', json('a'.repeat(1020)), 'json/plain'],
    ['at the threshold', json('a'.repeat(1022)), zlibEncoding],
  ])('%s: %s', async (_name, payload, expected) => {
    const [encoded] = await codec.encode([payload]);
    expect(encodingOf(encoded as Payload)).toBe(expected);
    if (expected === 'json/plain') expect(encoded).toBe(payload);
  });

  it('leaves a large payload that does not compress as it is', async () => {
    const random = randomBytes(4096);
    const payload: Payload = { metadata: { encoding: utf8.encode('binary/plain') }, data: random };
    const [encoded] = await codec.encode([payload]);
    expect(encoded).toBe(payload);
  });

  it('passes payloads of other encodings through on decode (never compressed, or another codec)', async () => {
    const payloads: Payload[] = [
      json({ plain: true }),
      { metadata: { encoding: utf8.encode('binary/encrypted') }, data: utf8.encode('sealed') },
      { metadata: {}, data: utf8.encode('no encoding') },
    ];
    expect(await codec.decode(payloads)).toEqual(payloads);
  });

  it('reads what the Go SDK ZlibCodec writes: zlib of the protobuf-encoded payload', async () => {
    // Payload{metadata: {"encoding": "json/plain"}, data: "{}"} in protobuf's wire format, built by hand.
    const entry = Buffer.concat([
      Buffer.from([0x0a, 8]),
      Buffer.from('encoding'),
      Buffer.from([0x12, 10]),
      Buffer.from('json/plain'),
    ]);
    const proto = Buffer.concat([
      Buffer.from([0x0a, entry.length]),
      entry,
      Buffer.from([0x12, 2]),
      Buffer.from('{}'),
    ]);
    const [decoded] = await codec.decode([
      { metadata: { encoding: utf8.encode(zlibEncoding) }, data: deflateSync(proto) },
    ]);
    expect(defaultPayloadConverter.fromPayload(decoded as Payload)).toEqual({});
  });

  it.each([
    [
      'data that is not zlib',
      utf8.encode('H4sIAAAA not zlib'),
      /payload 0 \(encoding binary\/zlib\): its data does not inflate/,
    ],
    ['a truncated stream', deflateSync(Buffer.alloc(2000, 1)).subarray(0, 20), /its data does not inflate/],
    [
      'zlib of something that is not a payload',
      deflateSync(Buffer.from([0xff, 0xff, 0xff])),
      /the inflated data is not a Temporal payload/,
    ],
    [
      'zlib of an empty payload',
      deflateSync(Buffer.alloc(0)),
      /the inflated payload has no encoding in its metadata/,
    ],
  ])(
    'a corrupt binary/zlib payload (%s) is a PayloadDecodeError naming what is wrong',
    async (_name, data, message) => {
      const corrupt: Payload = { metadata: { encoding: utf8.encode(zlibEncoding) }, data };
      const decoding = codec.decode([corrupt]);
      await expect(decoding).rejects.toBeInstanceOf(PayloadDecodeError);
      await expect(codec.decode([corrupt])).rejects.toThrow(message);
    },
  );
});
