import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildClientSchema, type GraphQLSchema, type IntrospectionQuery } from 'graphql';

/**
 * GitHub's published GraphQL schema (@octokit/graphql-schema, GitHub's own introspection result,
 * updated from api.github.com). Built from `schema.json` as the package's own validator does: its
 * `schema.graphql` rendering repeats a few fields and fails SDL validation. Built once, on the first
 * GraphQL request (about a second), so doubles that never see one do not pay for it.
 */
let built: GraphQLSchema | undefined;

function schemaJsonPath(): string {
  // The package exports only an ESM entry that parses the file eagerly; the file itself is what we need.
  const candidates = (require.resolve.paths('@octokit/graphql-schema') ?? []).map((dir) =>
    path.join(dir, '@octokit', 'graphql-schema', 'schema.json'),
  );
  const found = candidates.find((file) => existsSync(file));
  if (!found) throw new Error('GitHub double: @octokit/graphql-schema/schema.json not found in node_modules');
  return found;
}

export function githubGraphQLSchema(): GraphQLSchema {
  built ??= buildClientSchema(JSON.parse(readFileSync(schemaJsonPath(), 'utf8')) as IntrospectionQuery);
  return built;
}
