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

interface GraphQLRequest {
  query: string;
  variables: Record<string, unknown>;
  operationName?: string;
}

/** A query that passed GitHub's checks: ready to be charged and run. */
interface CheckedQuery {
  schema: ReturnType<typeof githubGraphQLSchema>;
  document: DocumentNode;
  operationName?: string;
  variables: Record<string, unknown>;
  mutation: boolean;
  cost: ReturnType<typeof queryCost>;
}

function refused(status: number, message: string): GraphQLAnswer {
  return {
    status,
    body: { message, documentation_url: `${docsUrl.replace(/\/rest$/, '')}/graphql` },
    headers: {},
    points: 0,
    mutation: false,
  };
}

/** The POST body: `{query, variables?, operationName?}`; a 400 answer otherwise. */
function decodeRequest(raw: string): GraphQLRequest | GraphQLAnswer {
  let request: { query?: unknown; variables?: unknown; operationName?: unknown };
  try {
    request = JSON.parse(raw) as typeof request;
  } catch {
    return refused(400, 'Problems parsing JSON');
  }
  if (typeof request !== 'object' || request === null || typeof request.query !== 'string')
    return refused(400, 'A query attribute must be specified and must be a string.');
  return {
    query: request.query,
    variables:
      typeof request.variables === 'object' && request.variables !== null
        ? (request.variables as Record<string, unknown>)
        : {},
    ...(typeof request.operationName === 'string' ? { operationName: request.operationName } : {}),
  };
}

export class GraphQLEndpoint {
  constructor(
    private readonly state: () => GitHubState,
    private readonly htmlOrigin: () => string,
    private readonly limits: RateLimits,
  ) {}

  /** Decode, check against the schema and GitHub's limits, charge the points, run. */
  answer(raw: string, caller: GraphQLCaller): GraphQLAnswer {
    const request = decodeRequest(raw);
    if ('status' in request) return request;
    const checked = this.check(request, caller);
    if ('status' in checked) return checked;
    const overLimit = this.charge(checked, caller);
    if (overLimit) return overLimit;
    return this.execute(checked, caller);
  }

  /** A 200 with GitHub-shaped errors and the caller's GraphQL rate-limit headers. */
  private errors(
    caller: GraphQLCaller,
    list: readonly GraphQLError[],
    points = 0,
    mutation = false,
  ): GraphQLAnswer {
    return {
      status: 200,
      body: { errors: list.map(githubError) },
      headers: this.limits.headers(caller.id, 'graphql'),
      points,
      mutation,
    };
  }

  /** GitHub's checks: syntax, the published schema, the operation, the variables, pagination and node count. */
  private check(request: GraphQLRequest, caller: GraphQLCaller): CheckedQuery | GraphQLAnswer {
    const schema = githubGraphQLSchema();
    const { operationName } = request;
    let document: DocumentNode;
    try {
      document = parse(request.query);
    } catch (err) {
      if (err instanceof GraphQLError) return this.errors(caller, [err]);
      throw err;
    }
    const invalid = validate(schema, document);
    if (invalid.length > 0) return this.errors(caller, invalid);
    const operation = getOperationAST(document, operationName);
    if (!operation)
      return this.errors(caller, [
        new GraphQLError(
          operationName ? `Unknown operation named "${operationName}".` : 'An operation name is required.',
        ),
      ]);
    const mutation = operation.operation === 'mutation';
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables);
    if (coerced.errors) return this.errors(caller, coerced.errors, 0, mutation);
    const cost = queryCost(schema, document, operation, coerced.coerced);
    if (cost.problems.length > 0) return this.errors(caller, cost.problems, 0, mutation);
    return { schema, document, operationName, variables: coerced.coerced, mutation, cost };
  }

  /** Charges the query's points to the caller's GraphQL bucket; the RATE_LIMITED answer when they are not left. */
  private charge(checked: CheckedQuery, caller: GraphQLCaller): GraphQLAnswer | undefined {
    const bucket = this.limits.bucket(caller.id, 'graphql');
    if (this.limits.primary && bucket.limit - bucket.used < checked.cost.points) {
      const limited = new GraphQLError(`API rate limit exceeded for ${caller.describe}.`, {
        extensions: { type: 'RATE_LIMITED' },
      });
      const answer = this.errors(caller, [limited], 0, checked.mutation);
      return { ...answer, headers: { ...answer.headers, 'x-ratelimit-remaining': '0' } };
    }
    this.limits.spend(caller.id, 'graphql', checked.cost.points);
    return undefined;
  }

  /** Runs the query on the double's state: `repository` and `rateLimit` at the root (graphql-model.ts below). */
  private execute(checked: CheckedQuery, caller: GraphQLCaller): GraphQLAnswer {
    const { schema, document, operationName, variables, mutation, cost } = checked;
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
      variableValues: variables,
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
      headers: this.limits.headers(caller.id, 'graphql'),
      points: cost.points,
      mutation,
    };
  }
}
