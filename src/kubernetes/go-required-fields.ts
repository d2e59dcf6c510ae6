import prowJobSchemaJson from './schemas/prowjob-v1.schema.json';

/**
 * Go's JSON encoder always writes struct fields that lack `omitempty`, with their zero value, and
 * controller-gen marks exactly those fields `required` in the CRD. Prow therefore sends a pod spec whose
 * container has no name as `{"name": "", …}`, which the API server accepts; the same spec read from YAML
 * into plain JSON lacks `name`, and the server would reject the ProwJob (422, `Required value`). This
 * fills every missing required scalar or object field of the objects present with Go's zero value, so the
 * body matches what Prow sends. Arrays are left alone: Go writes a nil slice as `null`, which the API
 * server drops, so a missing required list is an error in Prow too.
 */
export interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  required?: string[];
  anyOf?: SchemaNode[];
  'x-kubernetes-int-or-string'?: boolean;
  [keyword: string]: unknown;
}

export const prowJobSchema = prowJobSchemaJson as unknown as SchemaNode;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function zeroValue(schema: SchemaNode): unknown {
  if (schema['x-kubernetes-int-or-string']) return 0;
  switch (schema.type) {
    case 'string':
      return '';
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return false;
    case 'object':
      return {};
    default:
      return undefined;
  }
}

/** Fills, in place, Go's zero value for every missing required field below `value` (see above). */
export function fillGoRequiredFields(value: unknown, schema: SchemaNode): void {
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) fillGoRequiredFields(item, schema.items);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const key of schema.required ?? []) {
    const fieldSchema = schema.properties?.[key];
    if (key in value || !fieldSchema) continue;
    const zero = zeroValue(fieldSchema);
    if (zero !== undefined) value[key] = zero;
  }
  for (const [key, child] of Object.entries(value)) {
    const childSchema =
      schema.properties?.[key] ??
      (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
    if (childSchema) fillGoRequiredFields(child, childSchema);
  }
}

/** The CRD schema of a ProwJob's `spec`. */
export function prowJobSpecSchema(): SchemaNode {
  const spec = prowJobSchema.properties?.spec;
  if (!spec) throw new Error('the committed ProwJob schema has no spec');
  return spec;
}
