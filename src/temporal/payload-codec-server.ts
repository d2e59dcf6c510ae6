import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { Logger } from '../log';

/**
 * Temporal's remote codec protocol (samples-go codec-server/protocol.md), so the Web UI and the `temporal` CLI
 * show payloads the worker's codec compressed as the JSON they are: `POST …/decode` and `POST …/encode` with
 * `{"payloads": [...]}`, each payload in protobuf's JSON mapping (`metadata` values and `data` base64), answered
 * in the same shape. Only the path's last segment counts, so it can be mounted under any prefix.
 *
 * The Web UI calls it from the operator's browser (`--ui-codec-endpoint`, or the UI's TEMPORAL_CODEC_ENDPOINT),
 * so it answers CORS, preflight included, for the UI's origin, and allows the headers the UI sends
 * (`Content-Type`, `X-Namespace`, and `Authorization` when the UI passes the user's token). The codec holds
 * no secret (it compresses), so every namespace gets the same one.
 */
export interface CodecServerOptions {
  codec: PayloadCodec;
  port: number;
  host: string;
  /**
   * Origins of the Web UI allowed to call it (`--codec-server-cors-origin`). Empty: any origin, without
   * credentials (`Access-Control-Allow-Origin: *`).
   */
  corsOrigins: readonly string[];
  log?: Logger;
  /** Largest request body read; a larger one is refused with 413. */
  maxBodyBytes?: number;
}

/** A request body the protocol does not allow: answered 400 with the reason. */
class BadRequest extends Error {}

const base64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const allowedHeaders = 'Content-Type, X-Namespace, Authorization';

function bytesOf(value: unknown, field: string): Uint8Array {
  if (typeof value !== 'string' || !base64.test(value))
    throw new BadRequest(`${field} must be a base64 string`);
  return new Uint8Array(
    Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64'),
  );
}

/** `{payloads: [...]}` in protobuf's JSON mapping, checked field by field. */
export function payloadsFromJson(body: unknown): Payload[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new BadRequest('the body must be a JSON object {"payloads": [...]}');
  const list = (body as { payloads?: unknown }).payloads ?? [];
  if (!Array.isArray(list)) throw new BadRequest('payloads must be a list');
  return list.map((raw, i) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw new BadRequest(`payloads[${i}] must be an object`);
    const { metadata, data } = raw as { metadata?: unknown; data?: unknown };
    if (
      metadata !== undefined &&
      (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
    )
      throw new BadRequest(`payloads[${i}].metadata must be an object`);
    return {
      metadata: Object.fromEntries(
        Object.entries((metadata ?? {}) as Record<string, unknown>).map(([key, value]) => [
          key,
          bytesOf(value, `payloads[${i}].metadata.${key}`),
        ]),
      ),
      data: data === undefined ? new Uint8Array() : bytesOf(data, `payloads[${i}].data`),
    };
  });
}

export function payloadsToJson(payloads: Payload[]): {
  payloads: { metadata: Record<string, string>; data: string }[];
} {
  return {
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(
        Object.entries(p.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
      ),
      data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
    })),
  };
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve('too large');
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** CORS headers for the request's origin: all allowed when no list is given, else only the listed ones. */
function corsHeaders(
  origin: string | undefined,
  allowed: readonly string[],
): Record<string, string> | undefined {
  if (allowed.length === 0) return { 'Access-Control-Allow-Origin': '*' };
  if (!origin || !allowed.includes(origin)) return undefined;
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Credentials': 'true',
    Vary: 'Origin',
  };
}

export function startCodecServer(options: CodecServerOptions): Promise<Server> {
  const limit = options.maxBodyBytes ?? 32 * 1024 * 1024;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const cors = corsHeaders(req.headers.origin, options.corsOrigins);
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      res.writeHead(status, { ...cors, 'Content-Type': type });
      res.end(body);
    };
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const action = path.endsWith('/decode') ? 'decode' : path.endsWith('/encode') ? 'encode' : undefined;
    if (req.method === 'OPTIONS') {
      // The preflight of the UI's POST (a JSON body and X-Namespace make it a non-simple request).
      if (!cors) return send(403, `origin ${req.headers.origin ?? '(none)'} is not allowed\n`);
      res.writeHead(204, {
        ...cors,
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Allow-Headers': allowedHeaders,
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return;
    }
    if (!action) return send(404, '404 page not found: POST …/decode or …/encode\n');
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST, OPTIONS');
      return send(405, `${req.method ?? ''} is not allowed: POST …/${action}\n`);
    }
    const body = await readBody(req, limit);
    if (body === 'too large') return send(413, `the request body is over ${limit} bytes\n`);
    let payloads: Payload[];
    try {
      payloads = payloadsFromJson(JSON.parse(body.toString('utf8')));
    } catch (err) {
      const reason = err instanceof BadRequest ? err.message : `invalid JSON: ${(err as Error).message}`;
      return send(400, `${reason}\n`);
    }
    let result: Payload[];
    try {
      result =
        action === 'decode' ? await options.codec.decode(payloads) : await options.codec.encode(payloads);
    } catch (err) {
      options.log?.warn('codec server could not convert payloads', {
        action,
        namespace: req.headers['x-namespace'],
        error: err,
      });
      return send(400, `${(err as Error).message}\n`);
    }
    send(200, JSON.stringify(payloadsToJson(result)), 'application/json');
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.log?.error('codec server failed a request', { error: err });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve(server));
  });
}
