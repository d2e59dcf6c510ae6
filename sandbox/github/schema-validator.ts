import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { JsonObject, JsonValue, OpenApiDocument } from './openapi-document';
import { resolveLocalRef } from './openapi-document';
import { operationParameters } from './operation-routes';

/**
 * Request and response validation against GitHub's OpenAPI slice (github-api.md §9.3). Ajv runs with
 * `strict: false` because the description carries `x-github`, `x-octokit` and other extensions.
 */
export interface RequestInput {
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
}

/** Parameters after coercion and defaults: `per_page` is a number, `state` defaults to `open`, … */
export interface ValidatedRequest {
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body: unknown;
}

export type RequestCheck =
  { ok: true; request: ValidatedRequest } | { ok: false; status: 400 | 422; message: string };

const docId = 'github';

/** Points `#/components/...` at the registered document so sub-schemas compile on their own. */
function rebase(node: JsonValue): JsonValue {
  if (Array.isArray(node)) return node.map(rebase);
  if (typeof node !== 'object' || node === null) return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `${docId}${v}` : rebase(v);
  }
  return out;
}

/** Requests get coercion (query strings) and defaults (`per_page` 30, `context` "default"); responses neither. */
function newAjv(doc: OpenApiDocument, mode: 'params' | 'body' | 'response'): Ajv {
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    validateSchema: false,
    coerceTypes: mode === 'params',
    useDefaults: mode !== 'response',
    logger: false,
  });
  addFormats(ajv);
  // Formats GitHub's description uses that ajv-formats does not define.
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  ajv.addFormat('timestamp', true);
  ajv.addSchema(doc as unknown as JsonObject, docId);
  return ajv;
}

function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((e) => {
      const where = e.instancePath || '(root)';
      const allowed =
        e.keyword === 'enum'
          ? ` ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`
          : '';
      return `${where} ${e.message ?? e.keyword}${allowed}`;
    })
    .join('; ');
}

export class GitHubSchemaValidator {
  private readonly paramsAjv: Ajv;
  private readonly bodyAjv: Ajv;
  private readonly responseAjv: Ajv;
  private readonly requestValidators = new Map<
    string,
    { params: ValidateFunction; query: ValidateFunction; body?: ValidateFunction; bodyRequired: boolean }
  >();
  private readonly responseValidators = new Map<string, ValidateFunction>();
  private readonly operations = new Map<string, OpenApiDocument['paths'][string][string]>();

  constructor(private readonly doc: OpenApiDocument) {
    this.paramsAjv = newAjv(doc, 'params');
    this.bodyAjv = newAjv(doc, 'body');
    this.responseAjv = newAjv(doc, 'response');
    for (const item of Object.values(doc.paths)) {
      for (const op of Object.values(item)) this.operations.set(op.operationId, op);
    }
  }

  private operation(operationId: string): OpenApiDocument['paths'][string][string] {
    const op = this.operations.get(operationId);
    if (!op) throw new Error(`operation ${operationId} is not in the OpenAPI slice`);
    return op;
  }

  private requestValidator(operationId: string) {
    const cached = this.requestValidators.get(operationId);
    if (cached) return cached;
    const op = this.operation(operationId);
    const params = operationParameters(this.doc, op.parameters);
    const objectOf = (where: 'path' | 'query'): JsonObject => {
      const ps = params.filter((p) => p.in === where);
      return rebase({
        type: 'object',
        properties: Object.fromEntries(ps.map((p) => [p.name, p.schema ?? {}])),
        required: ps.filter((p) => p.required).map((p) => p.name),
      }) as JsonObject;
    };
    const bodySchema = op.requestBody?.content['application/json']?.schema;
    const entry = {
      params: this.paramsAjv.compile(objectOf('path')),
      query: this.paramsAjv.compile(objectOf('query')),
      body: bodySchema ? this.bodyAjv.compile(rebase(bodySchema) as JsonObject) : undefined,
      bodyRequired: op.requestBody?.required === true,
    };
    this.requestValidators.set(operationId, entry);
    return entry;
  }

  /** Validates and coerces one request; answers GitHub-like 422 (invalid) or 400 (missing body). */
  validateRequest(operationId: string, input: RequestInput): RequestCheck {
    const v = this.requestValidator(operationId);
    const params: Record<string, unknown> = { ...input.params };
    const query: Record<string, unknown> = { ...input.query };
    if (!v.params(params))
      return { ok: false, status: 422, message: `Invalid request.\n\n${describe(v.params.errors)}` };
    if (!v.query(query))
      return { ok: false, status: 422, message: `Invalid request.\n\n${describe(v.query.errors)}` };
    let body = input.body;
    if (v.body) {
      if (body === undefined) {
        if (v.bodyRequired) return { ok: false, status: 400, message: 'Problems parsing JSON' };
      } else {
        body = structuredClone(body);
        if (!v.body(body))
          return { ok: false, status: 422, message: `Invalid request.\n\n${describe(v.body.errors)}` };
      }
    }
    return { ok: true, request: { params, query, body } };
  }

  /** The schema of one response, or undefined when the operation declares no body for the status. */
  responseSchema(operationId: string, status: number): JsonObject | undefined {
    const op = this.operation(operationId);
    let declared = op.responses[String(status)];
    if (declared?.$ref) declared = resolveLocalRef(this.doc, declared.$ref) as unknown as typeof declared;
    const schema = declared?.content?.['application/json']?.schema;
    if (schema) return schema;
    // Errors the description does not list (401, 403, 429, 5xx), or lists without a body (404 on
    // membership checks), carry GitHub's error shapes in practice.
    if (status >= 400)
      return { $ref: `#/components/schemas/${status === 422 ? 'validation-error' : 'basic-error'}` };
    return undefined;
  }

  /**
   * Problems with an emitted response: schema errors, a body where none is declared, and keys the
   * schema's `properties` do not name (GitHub's schemas rarely forbid extra keys, so Ajv alone would
   * let invented fields through).
   */
  validateResponse(operationId: string, status: number, body: unknown): string[] {
    const schema = this.responseSchema(operationId, status);
    if (!schema) {
      return body === undefined
        ? []
        : [`${operationId} ${status}: the description declares no body, one was sent`];
    }
    if (body === undefined)
      return [`${operationId} ${status}: the description declares a body, none was sent`];
    const key = `${operationId} ${status}`;
    let validate = this.responseValidators.get(key);
    if (!validate) {
      validate = this.responseAjv.compile(rebase(schema) as JsonObject);
      this.responseValidators.set(key, validate);
    }
    const problems: string[] = [];
    if (!validate(body)) problems.push(`${key}: ${describe(validate.errors)}`);
    for (const where of this.undeclaredKeys([schema], body as JsonValue, '')) {
      problems.push(`${key}: ${where} is not declared in the schema`);
    }
    return problems;
  }

  private readonly expanded = new WeakMap<JsonObject, JsonObject[]>();

  /** Expands `$ref` and combinators into the plain schemas that may describe a value (memoized). */
  private branches(schemas: JsonValue[]): JsonObject[] {
    if (
      schemas.length === 1 &&
      typeof schemas[0] === 'object' &&
      schemas[0] !== null &&
      !Array.isArray(schemas[0])
    ) {
      const one = schemas[0];
      let hit = this.expanded.get(one);
      if (!hit) {
        hit = this.expand(schemas);
        this.expanded.set(one, hit);
      }
      return hit;
    }
    return this.expand(schemas);
  }

  private expand(schemas: JsonValue[]): JsonObject[] {
    const out: JsonObject[] = [];
    const visit = (s: JsonValue | undefined, depth: number): void => {
      if (typeof s !== 'object' || s === null || Array.isArray(s) || depth > 20) return;
      if (typeof s.$ref === 'string') return visit(resolveLocalRef(this.doc, s.$ref), depth + 1);
      const combined = [s.allOf, s.anyOf, s.oneOf].filter(Array.isArray) as JsonValue[][];
      combined.flat().forEach((b) => visit(b, depth + 1));
      // A bare combinator wrapper says nothing about keys itself; its branches do.
      if (combined.length === 0 || s.properties !== undefined) out.push(s);
    };
    schemas.forEach((s) => visit(s, 0));
    return out;
  }

  private undeclaredKeys(schemas: JsonValue[], value: JsonValue, path: string): string[] {
    if (value === null || typeof value !== 'object') return [];
    const candidates = this.branches(schemas);
    const found: string[] = [];
    if (Array.isArray(value)) {
      const items = candidates
        .map((c) => c.items)
        .filter((i): i is JsonObject => typeof i === 'object' && i !== null);
      if (items.length === 0) return [];
      value.forEach((v, i) => found.push(...this.undeclaredKeys(items, v, `${path}/${i}`)));
      return found;
    }
    const objectSchemas = candidates.filter((c) => c.type === 'object' || c.properties !== undefined);
    // A schema that allows any keys (no properties listed, or additionalProperties) settles it.
    if (
      objectSchemas.length === 0 ||
      objectSchemas.some((c) => c.properties === undefined || c.additionalProperties)
    ) {
      return [];
    }
    for (const [k, v] of Object.entries(value)) {
      const sub = objectSchemas
        .map((c) => (c.properties as JsonObject)[k])
        .filter((s): s is JsonValue => s !== undefined);
      if (sub.length === 0) found.push(`${path}/${k}`);
      else found.push(...this.undeclaredKeys(sub, v, `${path}/${k}`));
    }
    return found;
  }
}
