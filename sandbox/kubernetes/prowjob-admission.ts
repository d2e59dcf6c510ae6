import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import {
  dns1123SubdomainErrors,
  generateNameErrors,
  labelValueErrors,
  objectMetaFields,
  qualifiedNameErrors,
  totalAnnotationSizeLimit,
} from './object-meta';
import { prowJobCrdSchema as prowJobSchema, type StructuralSchema as SchemaNode } from './prowjob-crd-schema';
import { invalid, type StatusCause, StatusError } from './status-objects';

/**
 * What the API server does to a ProwJob before storing it, for a CRD with a structural schema:
 * prune unknown fields (with a warning, or a 422 under `fieldValidation=Strict`), apply schema defaults,
 * then validate object metadata (the API server's own rules, object-meta.ts) and the CRD's
 * `openAPIV3Schema` (prowjob-crd-schema.ts: the schema alone, read as data). Null properties are dropped first, as the server
 * does for non-nullable fields. Ajv 8 validates the standard keywords; the
 * `x-kubernetes-*` extensions get their Kubernetes meaning here: `preserve-unknown-fields` stops
 * pruning, `list-type: set|map` (with `list-map-keys`) forbids duplicates, the others only describe
 * merge behaviour or are already expressed as `anyOf` (int-or-string).
 */
const group = 'prow.k8s.io';
const kind = 'ProwJob';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

let compiled: ValidateFunction | undefined;

/** Compiled once per process: about half a second for this schema. */
function schemaValidator(): ValidateFunction {
  if (compiled) return compiled;
  const ajv = new Ajv({ strict: false, allErrors: true, useDefaults: true });
  addFormats(ajv, ['date-time', 'date', 'time', 'byte']);
  ajv.addFormat('int32', {
    type: 'number',
    validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31,
  });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addKeyword({
    keyword: 'x-kubernetes-list-type',
    type: 'array',
    schemaType: 'string',
    errors: true,
    compile(listType: string, parentSchema: SchemaNode) {
      const mapKeys = (parentSchema['x-kubernetes-list-map-keys'] as string[] | undefined) ?? [];
      const check = (data: unknown[]): boolean => {
        if (listType !== 'set' && listType !== 'map') return true;
        const seen = new Set<string>();
        const errors: Partial<ErrorObject>[] = [];
        data.forEach((item, index) => {
          const identity =
            listType === 'map' && isPlainObject(item)
              ? JSON.stringify(mapKeys.map((key) => [key, item[key]]))
              : JSON.stringify(item);
          if (seen.has(identity)) {
            const shown =
              listType === 'map' && isPlainObject(item)
                ? Object.fromEntries(mapKeys.filter((k) => k in item).map((k) => [k, item[k]]))
                : item;
            errors.push({
              keyword: 'x-kubernetes-list-type',
              message: `Duplicate value: ${JSON.stringify(shown)}`,
              params: { index },
            });
          }
          seen.add(identity);
        });
        (check as unknown as { errors: Partial<ErrorObject>[] }).errors = errors;
        return errors.length === 0;
      };
      return check as (data: unknown) => boolean;
    },
  });
  compiled = ajv.compile(prowJobSchema);
  return compiled;
}

/** Kubernetes field path from a JSON pointer: `/spec/pod_spec/containers/0/name` → `spec.pod_spec.containers[0].name`. */
function fieldPath(pointer: string, root: unknown): string {
  let node = root;
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      out += `[${part}]`;
      node = node[Number(part)];
    } else {
      out += out ? `.${part}` : part;
      node = isPlainObject(node) ? node[part] : undefined;
    }
  }
  return out;
}

function valueAt(pointer: string, root: unknown): unknown {
  let node = root;
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = Array.isArray(node) ? node[Number(part)] : isPlainObject(node) ? node[part] : undefined;
  }
  return node;
}

function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  return `"${Array.isArray(value) ? 'array' : 'object'}"`;
}

/** One Ajv error as the API server words it (k8s.io/apiextensions-apiserver's schema validation). */
function causeOf(error: ErrorObject, object: unknown): StatusCause | undefined {
  // Errors inside anyOf / not branches are reported once, by the anyOf / not keyword itself.
  const parentPath = error.schemaPath.slice(0, error.schemaPath.lastIndexOf('/'));
  if (/\/anyOf\/\d+(\/|$)|\/not(\/|$)/.test(parentPath)) return undefined;
  const base = fieldPath(error.instancePath, object);
  const value = valueAt(error.instancePath, object);
  const where = base || '<root>';
  switch (error.keyword) {
    case 'required': {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      return {
        reason: 'FieldValueRequired',
        message: 'Required value',
        field: base ? `${base}.${missing}` : missing,
      };
    }
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map((v) =>
        JSON.stringify(v),
      );
      return {
        reason: 'FieldValueNotSupported',
        message: `Unsupported value: ${shown(value)}: supported values: ${allowed.join(', ')}`,
        field: base,
      };
    }
    case 'type':
      return {
        reason: 'FieldValueTypeInvalid',
        message: `Invalid value: ${shown(value)}: ${where} in body must be of type ${(error.params as { type: string }).type}: ${shown(value)}`,
        field: base,
      };
    case 'pattern':
      return {
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${shown(value)}: ${where} in body should match '${(error.params as { pattern: string }).pattern}'`,
        field: base,
      };
    case 'format':
      return {
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${shown(value)}: ${where} in body must be of type ${(error.params as { format: string }).format}: ${shown(value)}`,
        field: base,
      };
    case 'minimum':
      return {
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${shown(value)}: ${where} in body should be greater than or equal to ${(error.params as { limit: number }).limit}`,
        field: base,
      };
    case 'x-kubernetes-list-type': {
      const index = (error.params as { index: number }).index;
      return {
        reason: 'FieldValueDuplicate',
        message: error.message ?? 'Duplicate value',
        field: `${base}[${index}]`,
      };
    }
    default:
      return {
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${shown(value)}: ${where} in body ${error.message ?? `fails ${error.keyword}`}`,
        field: base,
      };
  }
}

/** Structural pruning: drops fields the schema does not know, collecting their paths. */
function prune(value: unknown, schema: SchemaNode, path: string, unknown: string[]): void {
  if (Array.isArray(value)) {
    if (schema.items)
      value.forEach((item, i) => prune(item, schema.items as SchemaNode, `${path}[${i}]`, unknown));
    return;
  }
  if (!isPlainObject(value)) return;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const additional =
    typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : key;
    // The API server drops nulls of non-nullable fields before defaulting (none here is nullable).
    if (child === null && schema.properties?.[key]?.nullable !== true) {
      delete value[key];
      continue;
    }
    const childSchema = schema.properties?.[key] ?? additional;
    if (childSchema) prune(child, childSchema, childPath, unknown);
    else if (!preserve && schema.additionalProperties !== true) {
      unknown.push(childPath);
      delete value[key];
    }
  }
}

const invalidValue = (field: string, value: string, message: string): StatusCause => ({
  reason: 'FieldValueInvalid',
  message: `Invalid value: ${JSON.stringify(value)}: ${message}`,
  field,
});

/** ObjectMeta's name rules: generateName (a prefix), then name (set, a DNS-1123 subdomain). */
function nameCauses(metadata: Record<string, unknown>): StatusCause[] {
  const { name, generateName } = metadata;
  const causes: StatusCause[] = [];
  if (typeof generateName === 'string' && generateName !== '') {
    for (const e of generateNameErrors(generateName))
      causes.push(invalidValue('metadata.generateName', generateName, e));
  }
  if (typeof name !== 'string' || name === '') {
    causes.push({
      reason: 'FieldValueRequired',
      message: 'Required value: name or generateName is required',
      field: 'metadata.name',
    });
  } else {
    for (const e of dns1123SubdomainErrors(name)) causes.push(invalidValue('metadata.name', name, e));
  }
  return causes;
}

/**
 * Labels (qualified-name keys, label values) or annotations (qualified-name keys regardless of case,
 * 256 KiB together): a map of strings.
 */
function mapCauses(which: 'labels' | 'annotations', map: unknown): StatusCause[] {
  if (map === undefined || map === null) return [];
  const field = `metadata.${which}`;
  if (!isPlainObject(map))
    return [{ reason: 'FieldValueTypeInvalid', message: 'Invalid value: must be a map of strings', field }];
  const causes: StatusCause[] = [];
  let size = 0;
  for (const [key, value] of Object.entries(map)) {
    for (const e of qualifiedNameErrors(which === 'annotations' ? key.toLowerCase() : key))
      causes.push(invalidValue(field, key, e));
    if (typeof value !== 'string') {
      causes.push({
        reason: 'FieldValueTypeInvalid',
        message: `Invalid value: must be a string`,
        field: `${field}.${key}`,
      });
      continue;
    }
    size += key.length + value.length;
    if (which === 'labels')
      for (const e of labelValueErrors(value)) causes.push(invalidValue(field, value, e));
  }
  if (which === 'annotations' && size > totalAnnotationSizeLimit) {
    causes.push({
      reason: 'FieldValueTooLong',
      message: `Too long: must have at most ${totalAnnotationSizeLimit} bytes`,
      field,
    });
  }
  return causes;
}

/** The API server's ObjectMeta rules (object-meta.ts), in its order: names, labels, annotations. */
function metadataCauses(metadata: Record<string, unknown>): StatusCause[] {
  return [
    ...nameCauses(metadata),
    ...mapCauses('labels', metadata.labels),
    ...mapCauses('annotations', metadata.annotations),
  ];
}

export interface AdmittedProwJob {
  object: Record<string, unknown>;
  /** `unknown field "spec.foo"` texts, sent back as Warning headers. */
  warnings: string[];
}

/**
 * Prunes, defaults and validates a ProwJob body in place (it must already be a decoded JSON object with
 * the right apiVersion, kind and namespace). Throws a 422 StatusError listing every violation.
 */
export function admitProwJob(object: Record<string, unknown>, strictFields: boolean): AdmittedProwJob {
  const unknown: string[] = [];
  const metadata = isPlainObject(object.metadata) ? object.metadata : {};
  object.metadata = metadata;
  for (const key of Object.keys(metadata)) {
    if (!objectMetaFields.has(key)) {
      unknown.push(`metadata.${key}`);
      delete metadata[key];
    }
  }
  // ObjectMeta is pruned above by its own field list; the schema only says `type: object` for it.
  const { metadata: _ownPruning, ...rest } = prowJobSchema.properties ?? {};
  prune(
    object,
    {
      ...prowJobSchema,
      properties: { ...rest, metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
    },
    '',
    unknown,
  );
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  const causes = metadataCauses(metadata);
  if (strictFields) {
    for (const path of unknown)
      causes.push({ reason: 'FieldValueInvalid', message: `unknown field "${path}"`, field: '' });
  }
  const validate = schemaValidator();
  if (!validate(object)) {
    for (const error of validate.errors ?? []) {
      const cause = causeOf(error, object);
      if (cause) causes.push(cause);
    }
  }
  if (causes.length > 0) throw invalid(group, kind, name, causes);
  return { object, warnings: unknown.map((path) => `unknown field "${path}"`) };
}

export { StatusError };
