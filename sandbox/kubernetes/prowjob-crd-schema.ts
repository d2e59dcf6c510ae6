import prowJobSchemaJson from '../../src/kubernetes/schemas/prowjob-v1.schema.json';

/**
 * The ProwJob CRD's `openAPIV3Schema`, read as data: the committed extract of Prow's CRD
 * (src/kubernetes/schemas/prowjob-v1.schema.json, written by scripts/extract-prowjob-schema.ts). The
 * double validates against this schema alone, never against the builder's code.
 */
export interface StructuralSchema {
  type?: string;
  properties?: Record<string, StructuralSchema>;
  additionalProperties?: StructuralSchema | boolean;
  items?: StructuralSchema;
  required?: string[];
  nullable?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  [keyword: string]: unknown;
}

export const prowJobCrdSchema = prowJobSchemaJson as unknown as StructuralSchema;
