/**
 * Offline schema validation of Kubernetes manifests.
 *
 * The schemas are the Kubernetes OpenAPI definitions (v1.34.0) as generated into @kubernetes/client-node,
 * a production dependency already installed: every model class carries `attributeTypeMap` (each field's
 * JSON name and type) and its `.d.ts` marks optional fields with `?`. From those this module builds strict
 * JSON Schemas (unknown fields rejected, types checked, required fields required) and validates with ajv,
 * also already a dependency. Nothing is downloaded and nothing is committed; a client-node upgrade moves the
 * schemas with the Kubernetes version it targets.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import * as k8s from '@kubernetes/client-node';

interface Attribute {
  name: string;
  baseName: string;
  type: string;
  format: string;
}
type Schema = Record<string, unknown>;

const models = new Map<string, Attribute[]>();
for (const [name, value] of Object.entries(k8s)) {
  const map = (value as { attributeTypeMap?: unknown } | undefined)?.attributeTypeMap;
  if (typeof value === 'function' && Array.isArray(map)) models.set(name, map as Attribute[]);
}

const modelsDir = path.join(path.dirname(require.resolve('@kubernetes/client-node')), 'gen', 'models');

/** The kinds these manifests may use, by `apiVersion` and `kind`, with their client-node model. */
export const supportedKinds: Record<string, string> = {
  'apps/v1 Deployment': 'V1Deployment',
  'v1 Service': 'V1Service',
  'v1 ConfigMap': 'V1ConfigMap',
  'v1 Secret': 'V1Secret',
  'v1 ServiceAccount': 'V1ServiceAccount',
  'rbac.authorization.k8s.io/v1 Role': 'V1Role',
  'rbac.authorization.k8s.io/v1 RoleBinding': 'V1RoleBinding',
  'policy/v1 PodDisruptionBudget': 'V1PodDisruptionBudget',
};

function requiredFields(model: string, attributes: Attribute[]): string[] {
  const dts = readFileSync(path.join(modelsDir, `${model}.d.ts`), 'utf8');
  const required = new Set<string>();
  for (const m of dts.matchAll(/^\s+'([^']+)'(\?)?:/gm)) if (!m[2]) required.add(m[1] as string);
  return attributes.filter((a) => required.has(a.name)).map((a) => a.baseName);
}

class SchemaBuilder {
  readonly definitions: Record<string, Schema> = {};

  typeSchema(type: string, format: string): Schema {
    const array = /^Array<(.+)>$/.exec(type);
    if (array) return { type: 'array', items: this.typeSchema(array[1] as string, format) };
    const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
    if (map) return { type: 'object', additionalProperties: this.typeSchema(map[1] as string, format) };
    switch (type) {
      case 'string':
      case 'Date':
        return { type: 'string' };
      case 'number':
        return format === 'int32' || format === 'int64' ? { type: 'integer' } : { type: 'number' };
      case 'boolean':
        return { type: 'boolean' };
      case 'IntOrString':
        return { type: ['integer', 'string'] };
      case 'any':
        return {};
    }
    if (!models.has(type)) throw new Error(`kubernetes-schema: unknown client-node type ${type}`);
    this.define(type);
    return { $ref: `#/definitions/${type}` };
  }

  define(model: string): void {
    if (this.definitions[model]) return;
    const attributes = models.get(model);
    if (!attributes) throw new Error(`kubernetes-schema: no client-node model ${model}`);
    const definition: Schema = { type: 'object', additionalProperties: false };
    this.definitions[model] = definition; // before recursing: models refer to each other
    definition.properties = Object.fromEntries(
      attributes.map((a) => [a.baseName, this.typeSchema(a.type, a.format)]),
    );
    const required = requiredFields(model, attributes);
    if (required.length > 0) definition.required = required;
  }
}

export interface ManifestValidator {
  /** Schema errors of one Kubernetes object, as `path: message` lines; empty when it is valid. */
  errors(object: unknown): string[];
}

export function createManifestValidator(): ManifestValidator {
  const builder = new SchemaBuilder();
  const roots: Record<string, Schema> = {};
  for (const [key, model] of Object.entries(supportedKinds)) {
    const [apiVersion, kind] = key.split(' ') as [string, string];
    builder.define(model);
    roots[key] = {
      type: 'object',
      allOf: [{ $ref: `kubernetes#/definitions/${model}` }],
      properties: {
        apiVersion: { const: apiVersion },
        kind: { const: kind },
        metadata: {
          type: 'object',
          properties: { name: { type: 'string', minLength: 1 } },
          required: ['name'],
        },
      },
      required: ['apiVersion', 'kind', 'metadata'],
    };
  }
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  ajv.addSchema({ $id: 'kubernetes', definitions: builder.definitions });
  const validators = new Map<string, ValidateFunction>(
    Object.entries(roots).map(([key, schema]) => [key, ajv.compile(schema)]),
  );
  const describe = (e: ErrorObject): string =>
    `${e.instancePath || '/'}: ${e.message ?? e.keyword}${
      e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : ''
    }`;
  return {
    errors(object: unknown): string[] {
      const o = (object ?? {}) as { apiVersion?: unknown; kind?: unknown };
      const key = `${String(o.apiVersion)} ${String(o.kind)}`;
      const validate = validators.get(key);
      if (!validate)
        return [`/: unsupported kind ${key} (supported: ${Object.keys(supportedKinds).join(', ')})`];
      return validate(object) ? [] : (validate.errors ?? []).map(describe);
    },
  };
}
