import sliceJson from './schemas/github-openapi-slice.json';

/**
 * The committed slice of GitHub's OpenAPI description (scripts/slice-github-openapi.ts). Imported,
 * not read from disk, so the compiler copies it next to the compiled double.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonObject;
  'x-multi-segment'?: boolean;
}

export interface OpenApiOperation {
  operationId: string;
  parameters?: (OpenApiParameter | { $ref: string })[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: JsonObject }> };
  responses: Record<string, { content?: Record<string, { schema?: JsonObject }>; $ref?: string }>;
}

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: Record<string, Record<string, JsonObject>>;
}

export const githubOpenApiSlice: OpenApiDocument = sliceJson as unknown as OpenApiDocument;

/** Resolves a local `#/components/...` pointer inside the slice. */
export function resolveLocalRef(doc: OpenApiDocument, ref: string): JsonValue {
  if (!ref.startsWith('#/')) throw new Error(`unsupported $ref ${ref}`);
  let node: JsonValue = doc as unknown as JsonObject;
  for (const raw of ref.slice(2).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || Array.isArray(node) || !(part in node)) {
      throw new Error(`dangling $ref ${ref}`);
    }
    node = node[part] as JsonValue;
  }
  return node;
}
