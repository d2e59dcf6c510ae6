/**
 * Cuts the few operations the GitHub double serves out of GitHub's official OpenAPI description
 * (github-api.md §9.2) and writes a committed slice that Ajv can compile.
 *
 * The full description ships in `@octokit/openapi` (about 385 MB installed, so it is not a project
 * dependency). Install it in a scratch folder and point this script at it:
 *
 *   mkdir -p /tmp/oa && cd /tmp/oa && npm install @octokit/openapi@23.0.2
 *   npx tsc --module nodenext --target es2022 --types node --skipLibCheck --outDir /tmp/slice \
 *     scripts/slice-github-openapi.ts
 *   node /tmp/slice/slice-github-openapi.js /tmp/oa/node_modules/@octokit/openapi
 *
 * Steps: keep the listed operations, follow every `$ref` to collect the components they need, drop
 * `example`/`examples`, and normalize two OpenAPI 3.0 idioms Ajv does not read the OpenAPI way:
 * `nullable` does not extend `enum` (null is added to the enum), and `nullable` without `type` is
 * rejected by Ajv (the schema is wrapped in `anyOf: [schema, {type: "null"}]`).
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** The operations of github-api.md §9.2, plus the collaborator list R17 uses behind ghproxy. */
export const slicedOperations: readonly string[] = [
  'pulls/list',
  'pulls/get',
  'pulls/list-files',
  'git/get-ref',
  'orgs/check-membership-for-user',
  'repos/check-collaborator',
  'repos/list-collaborators',
  'issues/list-labels-on-issue',
  'repos/get-combined-status-for-ref',
  'repos/list-commit-statuses-for-ref',
  'repos/create-commit-status',
  'apps/get-authenticated',
  'users/get-authenticated',
  'apps/create-installation-access-token',
  'apps/get-repo-installation',
  'rate-limit/get',
];

/** Error bodies the double emits for statuses an operation does not declare (401, 403, 422, 5xx). */
const alwaysKeptSchemas = ['basic-error', 'validation-error'];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: Json | undefined): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Removes examples everywhere (they are most of the file's size and unused by validation). */
function dropExamples(node: Json): Json {
  if (Array.isArray(node)) return node.map(dropExamples);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'example' || key === 'examples') continue;
    out[key] = dropExamples(value);
  }
  return out;
}

/** Keys whose values are schemas or maps/lists of schemas, so normalization only touches schemas. */
const schemaMapKeys = new Set(['properties', 'patternProperties']);
const schemaKeys = new Set(['items', 'additionalProperties', 'not']);
const schemaListKeys = new Set(['allOf', 'anyOf', 'oneOf']);

export function normalizeSchema(schema: Json): Json {
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (schemaMapKeys.has(key) && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalizeSchema(v)]));
    } else if (schemaKeys.has(key)) {
      out[key] = normalizeSchema(value);
    } else if (schemaListKeys.has(key) && Array.isArray(value)) {
      out[key] = value.map(normalizeSchema);
    } else {
      out[key] = value;
    }
  }
  if (out.nullable === true && Array.isArray(out.enum) && !out.enum.includes(null)) {
    out.enum = [...out.enum, null];
  }
  if (out.nullable === true && out.type === undefined) {
    const { nullable: _nullable, description, title, ...rest } = out;
    const wrapped: JsonObject = { anyOf: [rest, { type: 'null' }] };
    if (title !== undefined) wrapped.title = title;
    if (description !== undefined) wrapped.description = description;
    return wrapped;
  }
  return out;
}

/** Normalizes every schema found under an operation (parameters, request body, responses). */
function normalizeOperation(node: Json, parentKey = ''): Json {
  if (Array.isArray(node)) return node.map((n) => normalizeOperation(n, parentKey));
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] = key === 'schema' ? normalizeSchema(value) : normalizeOperation(value, key);
  }
  return out;
}

function collectRefs(node: Json, into: Set<string>): void {
  if (Array.isArray(node)) node.forEach((n) => collectRefs(n, into));
  else if (isObject(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') into.add(value);
      else collectRefs(value, into);
    }
  }
}

function resolvePointer(doc: JsonObject, ref: string): Json {
  if (!ref.startsWith('#/')) throw new Error(`unsupported $ref ${ref}: only local references are expected`);
  let node: Json = doc;
  for (const raw of ref.slice(2).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObject(node) || !(part in node)) throw new Error(`dangling $ref ${ref}`);
    node = node[part] as Json;
  }
  return node;
}

export interface SliceResult {
  slice: JsonObject;
  operations: number;
  components: number;
}

export function sliceDescription(
  full: JsonObject,
  operationIds: readonly string[] = slicedOperations,
): SliceResult {
  const wanted = new Set(operationIds);
  const paths: JsonObject = {};
  const found = new Set<string>();
  for (const [route, item] of Object.entries(full.paths as JsonObject)) {
    if (!isObject(item)) continue;
    for (const [method, op] of Object.entries(item)) {
      if (!isObject(op) || typeof op.operationId !== 'string' || !wanted.has(op.operationId)) continue;
      found.add(op.operationId);
      const kept = isObject(paths[route]) ? (paths[route] as JsonObject) : {};
      kept[method] = normalizeOperation(dropExamples(op));
      paths[route] = kept;
    }
  }
  const missing = [...wanted].filter((id) => !found.has(id));
  if (missing.length > 0) throw new Error(`operations not found in the description: ${missing.join(', ')}`);

  // Breadth-first walk over $refs: every component reachable from a kept operation is kept.
  const refs = new Set<string>(alwaysKeptSchemas.map((n) => `#/components/schemas/${n}`));
  collectRefs(paths, refs);
  const done = new Set<string>();
  const components: Record<string, JsonObject> = {};
  const queue = [...refs];
  while (queue.length > 0) {
    const ref = queue.shift() as string;
    if (done.has(ref)) continue;
    done.add(ref);
    const [, , section, name] = ref.split('/');
    if (section === undefined || name === undefined) throw new Error(`unexpected $ref ${ref}`);
    const target = dropExamples(resolvePointer(full, ref));
    const normalized = section === 'schemas' ? normalizeSchema(target) : normalizeOperation(target);
    (components[section] ??= {})[name] = normalized;
    const inner = new Set<string>();
    collectRefs(normalized, inner);
    for (const r of inner) if (!done.has(r)) queue.push(r);
  }
  const sortedComponents: JsonObject = {};
  for (const section of Object.keys(components).sort()) {
    const entries = components[section] as JsonObject;
    sortedComponents[section] = Object.fromEntries(
      Object.keys(entries)
        .sort()
        .map((k) => [k, entries[k] as Json]),
    );
  }
  const info = full.info as JsonObject;
  return {
    slice: {
      openapi: full.openapi as Json,
      info: { title: info.title as Json, version: info.version as Json, license: info.license as Json },
      paths,
      components: sortedComponents,
    },
    operations: found.size,
    components: done.size,
  };
}

async function main(): Promise<void> {
  const packageDir = process.argv[2];
  if (!packageDir) {
    console.error('usage: slice-github-openapi <path to node_modules/@octokit/openapi> [output dir]');
    process.exit(2);
  }
  const outDir = process.argv[3] ?? path.join(process.cwd(), 'sandbox', 'github', 'schemas');
  const pkg = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const full = JSON.parse(
    readFileSync(path.join(packageDir, 'generated', 'api.github.com.json'), 'utf8'),
  ) as JsonObject;
  const { slice, operations, components } = sliceDescription(full);
  (slice.info as JsonObject)['x-sliced-from'] =
    `@octokit/openapi@${pkg.version} generated/api.github.com.json`;
  // Format the way the repository's prettier check expects, so the committed file stays stable.
  // Resolved from the working directory (the project), since the compiled script may run elsewhere.
  const prettier = createRequire(path.join(process.cwd(), 'package.json'))(
    'prettier',
  ) as typeof import('prettier');
  const text = await prettier.format(JSON.stringify(slice), { parser: 'json', printWidth: 110 });
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, 'github-openapi-slice.json');
  writeFileSync(file, text);
  console.log(
    `wrote ${file}: ${operations} operations, ${components} components, ${Buffer.byteLength(text)} bytes, ` +
      `from @octokit/openapi ${pkg.version} (info.version ${String((full.info as JsonObject).version)})`,
  );
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
