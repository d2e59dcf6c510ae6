/**
 * Extracts the `openAPIV3Schema` of the served ProwJob version from Prow's CRD and writes the committed
 * copy, `src/kubernetes/schemas/prowjob-v1.schema.json`, that the ProwJob builder and the Kubernetes
 * double read.
 *
 * Source: kubernetes-sigs/prow `config/prow/cluster/prowjob-crd/prowjob_customresourcedefinition.yaml`
 * at a619408973827f5a8846fc61b4731156bde5fb0c (Apache-2.0, The Kubernetes Authors), as laid in
 * `../shared/data/prowjob-crd/`. Only the schema is kept, and its `description` texts are dropped: they
 * are documentation, never validation, and make up four fifths of the bytes. Every other keyword,
 * `x-kubernetes-*` extensions included, is kept as Prow ships it; the double gives those extensions
 * their Kubernetes meaning itself (sandbox/kubernetes/prowjob-admission.ts).
 *
 * Run from the project root (the compiled file must sit below it to find `yaml` and `prettier`):
 *
 *   npx tsc --module nodenext --target es2022 --types node --skipLibCheck --outDir dist/extract \
 *     scripts/extract-prowjob-schema.ts
 *   node dist/extract/extract-prowjob-schema.js [path/to/prowjob_customresourcedefinition.yaml]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export const crdSource =
  'kubernetes-sigs/prow config/prow/cluster/prowjob-crd/prowjob_customresourcedefinition.yaml at ' +
  'a619408973827f5a8846fc61b4731156bde5fb0c (Apache-2.0, The Kubernetes Authors)';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Drops `description` annotations, but not a property that happens to be called `description`. */
function withoutDescriptions(node: Json, inProperties = false): Json {
  if (Array.isArray(node)) return node.map((item) => withoutDescriptions(item));
  if (node === null || typeof node !== 'object') return node;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(node)) {
    if (!inProperties && key === 'description' && typeof value === 'string') continue;
    out[key] = withoutDescriptions(value, !inProperties && key === 'properties');
  }
  return out;
}

/** The schema of the one served version of `prowjobs.prow.k8s.io`, with a `$comment` naming its source. */
export function extractProwJobSchema(crdYaml: string): Record<string, unknown> {
  const crd = parse(crdYaml) as {
    metadata?: { name?: string };
    spec?: { versions?: { name: string; served?: boolean; schema?: { openAPIV3Schema?: Json } }[] };
  };
  if (crd.metadata?.name !== 'prowjobs.prow.k8s.io') {
    throw new Error(`not the ProwJob CRD: metadata.name is ${JSON.stringify(crd.metadata?.name)}`);
  }
  const served = (crd.spec?.versions ?? []).filter((v) => v.served);
  const v1 = served.find((v) => v.name === 'v1');
  if (!v1?.schema?.openAPIV3Schema) throw new Error('the CRD serves no v1 with an openAPIV3Schema');
  const schema = withoutDescriptions(v1.schema.openAPIV3Schema) as Record<string, Json>;
  return {
    $comment:
      `openAPIV3Schema of version v1 of prowjobs.prow.k8s.io, from ${crdSource}. ` +
      'Descriptions removed; regenerate with scripts/extract-prowjob-schema.ts.',
    ...schema,
  };
}

async function main(): Promise<void> {
  const root = process.cwd();
  const crdPath =
    process.argv[2] ??
    path.join(root, '..', 'shared', 'data', 'prowjob-crd', 'prowjob_customresourcedefinition.yaml');
  const outPath = path.join(root, 'src', 'kubernetes', 'schemas', 'prowjob-v1.schema.json');
  const schema = extractProwJobSchema(readFileSync(crdPath, 'utf8'));
  // Formatted as the project's prettier would, so `prettier --check .` stays clean.
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(outPath)) ?? {};
  writeFileSync(outPath, await prettier.format(JSON.stringify(schema), { ...options, parser: 'json' }));
  console.log(`wrote ${outPath}`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
