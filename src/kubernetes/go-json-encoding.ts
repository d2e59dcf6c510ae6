import prowJobSchemaJson from './schemas/prowjob-v1.schema.json';

/**
 * Prow decodes a job's pod spec (and decoration config, …) into Go types and sends the ProwJob as Go's
 * JSON encoding of them; the port carries those parts as plain JSON read from YAML. Three differences
 * matter to the API server, and `encodeAsGo` removes them, guided by the CRD schema:
 *
 * 1. **Required fields.** Go always writes struct fields without `omitempty`, with their zero value, and
 *    controller-gen marks exactly those `required`. A container without a name is sent as
 *    `{"name": "", …}`, which the server accepts; without the field it answers 422 `Required value`. So
 *    every missing required scalar or object field of an object present gets Go's zero value. Arrays are
 *    left alone: Go writes a nil slice as `null`, which the server drops, so a missing required list
 *    fails in Prow too.
 * 2. **Nulls.** A YAML `env:` without a value decodes to a nil slice in Go and is omitted; as plain JSON
 *    it is `null`. Null object properties are dropped.
 * 3. **Quantities.** `resource.Quantity` is written as a string in canonical form: `cpu: 0.5` is sent as
 *    `"500m"`. The schema admits integers or strings there, not fractions, so a fractional number
 *    becomes its canonical quantity string. (Integers are admitted as they are and left alone.)
 */
export interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  required?: string[];
  anyOf?: SchemaNode[];
  pattern?: string;
  'x-kubernetes-int-or-string'?: boolean;
  [keyword: string]: unknown;
}

export const prowJobSchema = prowJobSchemaJson as unknown as SchemaNode;

/** The CRD schema of a ProwJob's `spec`. */
export function prowJobSpecSchema(): SchemaNode {
  const spec = prowJobSchema.properties?.spec;
  if (!spec) throw new Error('the committed ProwJob schema has no spec');
  return spec;
}

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

const suffixes: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '' };

/**
 * `resource.Quantity` of a fractional JSON number, as Go writes it back (DecimalSI canonical form):
 * finer than nano rounds up to nano, trailing zeros are removed, then the exponent is lowered to a
 * multiple of three: 0.5 → "500m", 1.5 → "1500m", 0.0000001 → "100n".
 */
export function canonicalQuantity(value: number): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(String(value));
  if (!match || !Number.isFinite(value)) throw new Error(`not a quantity: ${value}`);
  const [, sign = '', whole = '', fraction = '', exp = '0'] = match;
  let amount = BigInt(whole + fraction);
  let exponent = Number(exp) - fraction.length;
  if (amount === 0n) return '0';
  if (exponent < -9) {
    const divisor = 10n ** BigInt(-9 - exponent);
    amount = (amount + divisor - 1n) / divisor; // Quantity rounds up what it cannot hold
    exponent = -9;
  }
  while (amount % 10n === 0n) {
    amount /= 10n;
    exponent += 1;
  }
  while (((exponent % 3) + 3) % 3 !== 0) {
    amount *= 10n;
    exponent -= 1;
  }
  if (exponent > 0) return `${sign}${amount * 10n ** BigInt(exponent)}`;
  return `${sign}${amount}${suffixes[exponent] ?? ''}`;
}

function isQuantity(schema: SchemaNode): boolean {
  return schema['x-kubernetes-int-or-string'] === true && typeof schema.pattern === 'string';
}

/** Applies, in place, the three effects of Go's encoding described above to `value` below `schema`. */
export function encodeAsGo(value: unknown, schema: SchemaNode): void {
  if (Array.isArray(value)) {
    const items = schema.items;
    if (!items) return;
    value.forEach((item, i) => {
      if (typeof item === 'number' && !Number.isInteger(item) && isQuantity(items))
        value[i] = canonicalQuantity(item);
      else encodeAsGo(item, items);
    });
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (child === null) delete value[key];
  }
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
    if (!childSchema) continue;
    if (typeof child === 'number' && !Number.isInteger(child) && isQuantity(childSchema)) {
      value[key] = canonicalQuantity(child);
    } else encodeAsGo(child, childSchema);
  }
}
