import {
  executeSync,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  parse,
  validate,
  type DocumentNode,
  type GraphQLFieldResolver,
  type GraphQLTypeResolver,
} from 'graphql';
import type { GitHubState } from './github-state';
import { queryCost } from './graphql-cost';
import { GraphQLModel, type GraphQLObject } from './graphql-model';
import { githubGraphQLSchema } from './graphql-schema';
import { docsUrl } from './operations';
import type { RateLimits } from './rate-limits';

/**
 * `POST /graphql` as GitHub serves it: the query is parsed and validated against GitHub's published schema
 * (a query GitHub would refuse is refused here, with GitHub-shaped errors and HTTP 200), its pagination
 * arguments and node count checked, its cost in points charged to the caller's GraphQL bucket (5,000 points an
 * hour, separate from REST's), and it is answered from the double's state (graphql-model.ts).
 */
export interface GraphQLAnswer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
  /** Points charged (0 when the query was refused before running). */
  points: number;
  /** A mutation creates content (secondary limits); the double serves none, but counts them as GitHub would. */
  mutation: boolean;
}

interface GitHubGraphQLError {
  type?: string;
  path?: readonly (string | number)[];
  extensions?: Record<string, unknown>;
  locations?: readonly { line: number; column: number }[];
  message: string;
}

/** GitHub puts its error class in `type` (NOT_FOUND, RATE_LIMITED, …) next to graphql's fields. */
function githubError(error: GraphQLError): GitHubGraphQLError {
  const { type, ...extensions } = error.extensions ?? {};
  return {
    ...(typeof type === 'string' ? { type } : {}),
    ...(error.path ? { path: error.path } : {}),
    ...(Object.keys(extensions).length > 0 ? { extensions } : {}),
    ...(error.locations ? { locations: error.locations } : {}),
    message: error.message,
  };
}

/** Fields are values or functions of their arguments; anything the model lacks is named, not invented. */
const fieldResolver: GraphQLFieldResolver<unknown, unknown> = (source, args, _context, info) => {
  const object = source as Record<string, unknown>;
  if (!(info.fieldName in object))
    throw new GraphQLError(
      `The GitHub double does not serve ${info.parentType.name}.${info.fieldName}; add it to sandbox/github/graphql-model.ts.`,
    );
  const value = object[info.fieldName];
  return typeof value === 'function' ? (value as (a: unknown) => unknown)(args) : value;
};

const typeResolver: GraphQLTypeResolver<unknown, unknown> = (value) => (value as GraphQLObject).__typename;

export interface GraphQLCaller {
  /** Rate-limit identity, e.g. `installation:99`. */
  id: string;
  /** As GitHub words it in limit messages, e.g. `installation ID 99`. */
  describe: string;
}

export class GraphQLEndpoint {
  constructor(
    private readonly state: () => GitHubState,
    private readonly htmlOrigin: () => string,
    private readonly limits: RateLimits,
  ) {}

  answer(raw: string, caller: GraphQLCaller): GraphQLAnswer {
    const refused = (status: number, message: string): GraphQLAnswer => ({
      status,
      body: { message, documentation_url: `${docsUrl.replace(/\/rest$/, '')}/graphql` },
      headers: {},
      points: 0,
      mutation: false,
    });
    let request: { query?: unknown; variables?: unknown; operationName?: unknown };
    try {
      request = JSON.parse(raw) as typeof request;
    } catch {
      return refused(400, 'Problems parsing JSON');
    }
    if (typeof request !== 'object' || request === null || typeof request.query !== 'string')
      return refused(400, 'A query attribute must be specified and must be a string.');
    const variables =
      typeof request.variables === 'object' && request.variables !== null
        ? (request.variables as Record<string, unknown>)
        : {};
    const operationName = typeof request.operationName === 'string' ? request.operationName : undefined;

    const headers = () => this.limits.headers(caller.id, 'graphql');
    const errors = (list: readonly GraphQLError[], points = 0, mutation = false): GraphQLAnswer => ({
      status: 200,
      body: { errors: list.map(githubError) },
      headers: headers(),
      points,
      mutation,
    });

    const schema = githubGraphQLSchema();
    let document: DocumentNode;
    try {
      document = parse(request.query);
    } catch (err) {
      if (err instanceof GraphQLError) return errors([err]);
      throw err;
    }
    const invalid = validate(schema, document);
    if (invalid.length > 0) return errors(invalid);
    const operation = getOperationAST(document, operationName);
    if (!operation)
      return errors([
        new GraphQLError(
          operationName ? `Unknown operation named "${operationName}".` : 'An operation name is required.',
        ),
      ]);
    const mutation = operation.operation === 'mutation';
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
    if (coerced.errors) return errors(coerced.errors, 0, mutation);

    const cost = queryCost(schema, document, operation, coerced.coerced);
    if (cost.problems.length > 0) return errors(cost.problems, 0, mutation);
    const bucket = this.limits.bucket(caller.id, 'graphql');
    if (this.limits.primary && bucket.limit - bucket.used < cost.points) {
      return {
        ...errors(
          [
            new GraphQLError(`API rate limit exceeded for ${caller.describe}.`, {
              extensions: { type: 'RATE_LIMITED' },
            }),
          ],
          0,
          mutation,
        ),
        headers: { ...headers(), 'x-ratelimit-remaining': '0' },
      };
    }
    this.limits.spend(caller.id, 'graphql', cost.points);

    const model = new GraphQLModel(this.state(), this.htmlOrigin());
    const root: GraphQLObject = {
      __typename: 'Query',
      repository: ({ owner, name }: { owner: string; name: string }) => {
        const repo = model.repository(owner, name);
        if (!repo)
          throw new GraphQLError(`Could not resolve to a Repository with the name '${owner}/${name}'.`, {
            extensions: { type: 'NOT_FOUND' },
          });
        return repo;
      },
      rateLimit: ({ dryRun }: { dryRun?: boolean }) => {
        if (dryRun) throw new GraphQLError('The GitHub double does not serve rateLimit(dryRun: true).');
        const after = this.limits.bucket(caller.id, 'graphql');
        return {
          __typename: 'RateLimit',
          cost: cost.points,
          limit: after.limit,
          nodeCount: cost.nodes,
          remaining: Math.max(0, after.limit - after.used),
          used: after.used,
          resetAt: new Date(after.resetAt).toISOString(),
        };
      },
    };
    const result = executeSync({
      schema,
      document,
      rootValue: root,
      variableValues: coerced.coerced,
      operationName,
      fieldResolver,
      typeResolver,
    });
    return {
      status: 200,
      body: {
        data: result.data ?? null,
        ...(result.errors?.length ? { errors: result.errors.map(githubError) } : {}),
      },
      headers: headers(),
      points: cost.points,
      mutation,
    };
  }
}
