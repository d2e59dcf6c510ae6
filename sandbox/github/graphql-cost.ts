import {
  getNamedType,
  GraphQLError,
  isInterfaceType,
  isObjectType,
  Kind,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * GitHub's GraphQL limits, computed from the query before it runs ("Rate limits and query limits for the
 * GraphQL API"):
 *
 * - every connection needs `first` or `last`, between 0 and 100;
 * - a query may ask for at most 500,000 nodes: the product of `first`/`last` down each path, summed;
 * - its cost in points: for each connection, the requests needed to fill it (the product of its ancestors'
 *   `first`/`last`), summed, divided by 100 and rounded to the nearest whole number, at least 1. A query for
 *   100 PRs with their labels, files and last commit costs (1 + 100 + 100 + 100) / 100 = 3 points.
 */
export interface QueryCost {
  points: number;
  /** Requests to fill every connection (the sum before dividing by 100). */
  requests: number;
  /** Most nodes the query can return. */
  nodes: number;
  /** Pagination arguments GitHub refuses, one error each. */
  problems: GraphQLError[];
}

export const maxPageSize = 100;
export const maxNodes = 500_000;

type Variables = Record<string, unknown>;

function fieldOf(type: GraphQLNamedType, name: string): GraphQLField<unknown, unknown> | undefined {
  return isObjectType(type) || isInterfaceType(type) ? type.getFields()[name] : undefined;
}

function argument(node: FieldNode, name: string, variables: Variables): unknown {
  const arg = node.arguments?.find((a) => a.name.value === name);
  return arg ? valueFromASTUntyped(arg.value, variables) : undefined;
}

const isConnection = (field: GraphQLField<unknown, unknown>): boolean =>
  getNamedType(field.type).name.endsWith('Connection') &&
  field.args.some((a) => a.name === 'first') &&
  field.args.some((a) => a.name === 'last');

export function queryCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Variables,
): QueryCost {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions)
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const cost: QueryCost = { points: 0, requests: 0, nodes: 0, problems: [] };

  const pageSize = (node: FieldNode, field: GraphQLField<unknown, unknown>): number => {
    const typeName = getNamedType(field.type).name.replace(/Connection$/, '');
    const name = node.name.value;
    const first = argument(node, 'first', variables);
    const last = argument(node, 'last', variables);
    if (first == null && last == null) {
      cost.problems.push(
        new GraphQLError(
          `You must provide a \`first\` or \`last\` value to properly paginate the \`${name}\` connection.`,
          { nodes: node, extensions: { type: 'MISSING_PAGINATION_BOUNDARIES', connection: typeName } },
        ),
      );
      return maxPageSize;
    }
    let size = 0;
    for (const [which, value] of [
      ['first', first],
      ['last', last],
    ] as const) {
      if (value == null) continue;
      const n = Number(value);
      if (n > maxPageSize || n < 0) {
        cost.problems.push(
          new GraphQLError(
            `Requesting ${n} records on the \`${name}\` connection exceeds the \`${which}\` limit of ${maxPageSize} records.`,
            { nodes: node, extensions: { type: 'EXCESSIVE_PAGINATION' } },
          ),
        );
      }
      size = Math.max(size, Math.min(maxPageSize, Math.max(0, n)));
    }
    return size;
  };

  const walk = (set: SelectionSetNode, parent: GraphQLNamedType, times: number, seen: Set<string>) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const field = fieldOf(parent, selection.name.value);
        if (!field || !selection.selectionSet) continue;
        const child = getNamedType(field.type);
        if (isConnection(field)) {
          const size = pageSize(selection, field);
          cost.requests += times;
          cost.nodes += times * size;
          walk(selection.selectionSet, child, times * size, seen);
        } else walk(selection.selectionSet, child, times, seen);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (type) walk(selection.selectionSet, type, times, seen);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        const type = fragment && schema.getType(fragment.typeCondition.name.value);
        if (fragment && type && !seen.has(name))
          walk(fragment.selectionSet, type, times, new Set([...seen, name]));
      }
    }
  };

  const root = operation.operation === 'query' ? schema.getQueryType() : schema.getMutationType();
  if (root) walk(operation.selectionSet, root, 1, new Set());
  cost.points = Math.max(1, Math.round(cost.requests / 100));
  if (cost.nodes > maxNodes)
    cost.problems.push(
      new GraphQLError(
        `This query requests up to ${cost.nodes.toLocaleString('en-US')} possible nodes which exceeds the maximum limit of ${maxNodes.toLocaleString('en-US')}.`,
        { extensions: { type: 'MAX_NODE_LIMIT_EXCEEDED' } },
      ),
    );
  return cost;
}
