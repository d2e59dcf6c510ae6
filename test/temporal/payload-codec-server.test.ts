import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { ZlibPayloadCodec, zlibEncoding } from '../../src/temporal/payload-codec';
import { payloadsToJson, startCodecServer } from '../../src/temporal/payload-codec-server';

/**
 * The codec server the Web UI calls from the operator's browser (Temporal's remote codec protocol): decode and
 * encode of `{payloads: [...]}` in protobuf's JSON mapping, CORS for the UI's origin with its preflight, and a
 * 400 that says what is wrong with a bad request.
 */
const uiOrigin = 'http://127.0.0.1:8233';
const codec = new ZlibPayloadCodec(256);
const b64 = (text: string): string => Buffer.from(text).toString('base64');
const snapshot = {
  revision: 'abc',
  presubmitCount: 9,
  index: { repos: { 'my-org/my-repo': 'x'.repeat(2000) } },
};

describe('codec server', () => {
  let open: Server;
  let anyOrigin: Server;
  const url = (server: Server, path: string): string =>
    `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  const post = (server: Server, path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(url(server, path), {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default', Origin: uiOrigin, ...headers },
    });

  beforeAll(async () => {
    open = await startCodecServer({ codec, host: '127.0.0.1', port: 0, corsOrigins: [uiOrigin] });
    anyOrigin = await startCodecServer({ codec, host: '127.0.0.1', port: 0, corsOrigins: [] });
  });
  afterAll(async () => {
    await Promise.all([open, anyOrigin].map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it('decodes what the worker compressed into the JSON payload it was, for the UI', async () => {
    const [encoded] = await codec.encode([defaultPayloadConverter.toPayload(snapshot)]);
    const response = await post(open, '/decode', JSON.stringify(payloadsToJson([encoded as Payload])));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    const body = (await response.json()) as {
      payloads: { metadata: Record<string, string>; data: string }[];
    };
    expect(body.payloads).toHaveLength(1);
    expect(body.payloads[0]?.metadata.encoding).toBe(b64('json/plain'));
    expect(JSON.parse(Buffer.from(body.payloads[0]?.data ?? '', 'base64').toString())).toEqual(snapshot);
  });

  it('encodes (large payloads compressed, small ones unchanged), under any path prefix', async () => {
    const request = {
      payloads: [
        { metadata: { encoding: b64('json/plain') }, data: b64(JSON.stringify(snapshot)) },
        { metadata: { encoding: b64('json/plain') }, data: b64('{"small":true}') },
      ],
    };
    const response = await post(open, '/codec/default/encode', JSON.stringify(request));
    expect(response.status).toBe(200);
    const body = (await response.json()) as typeof request;
    expect(body.payloads[0]?.metadata.encoding).toBe(b64(zlibEncoding));
    expect(body.payloads[1]).toEqual(request.payloads[1]);
    const back = await post(open, '/decode', JSON.stringify(body));
    expect(await back.json()).toEqual(request);
  });

  it('answers the preflight of the UI origin with the methods and headers the UI sends', async () => {
    const response = await fetch(url(open, '/decode'), {
      method: 'OPTIONS',
      headers: {
        Origin: uiOrigin,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type,x-namespace',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/);
    expect(response.headers.get('access-control-allow-headers')).toMatch(/Content-Type/);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('refuses the preflight of another origin, and gives it no CORS headers', async () => {
    const response = await fetch(url(open, '/decode'), {
      method: 'OPTIONS',
      headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const post2 = await post(open, '/decode', '{"payloads":[]}', { Origin: 'http://evil.example' });
    expect(post2.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('without configured origins, allows any origin without credentials', async () => {
    const response = await fetch(url(anyOrigin, '/decode'), {
      method: 'OPTIONS',
      headers: { Origin: 'http://localhost:8233', 'Access-Control-Request-Method': 'POST' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it.each([
    ['bad JSON', '{"payloads": [', /^invalid JSON: /],
    ['not an object', '[1, 2]', /^the body must be a JSON object \{"payloads": \[\.\.\.\]\}/],
    ['payloads not a list', '{"payloads": {}}', /^payloads must be a list/],
    ['a payload not an object', '{"payloads": [7]}', /^payloads\[0\] must be an object/],
    [
      'data not base64',
      '{"payloads": [{"metadata": {}, "data": "!!"}]}',
      /^payloads\[0\]\.data must be a base64 string/,
    ],
    [
      'metadata value not base64',
      '{"payloads": [{"metadata": {"encoding": 5}}]}',
      /^payloads\[0\]\.metadata\.encoding must be a base64 string/,
    ],
    [
      'a corrupt compressed payload',
      JSON.stringify({ payloads: [{ metadata: { encoding: b64(zlibEncoding) }, data: b64('not zlib') }] }),
      /^payload 0 \(encoding binary\/zlib\): its data does not inflate/,
    ],
  ])('%s: 400 with the reason', async (_name, body, reason) => {
    const response = await post(open, '/decode', body);
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(reason);
  });

  it('other paths are 404, other methods 405', async () => {
    expect((await post(open, '/convert', '{}')).status).toBe(404);
    expect((await fetch(url(open, '/decode'))).status).toBe(405);
  });
});
