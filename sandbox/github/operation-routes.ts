import type { OpenApiDocument, OpenApiParameter } from './openapi-document';
import { resolveLocalRef } from './openapi-document';

/**
 * The double's route table, derived from the OpenAPI slice: a path the slice does not describe is not
 * served (404, recorded), so the double can never answer an endpoint GitHub does not have.
 */
export interface OperationRoute {
  operationId: string;
  method: string;
  template: string;
  regex: RegExp;
  pathParams: string[];
}

export interface RouteMatch {
  route: OperationRoute;
  /** Path parameters, percent-decoded. */
  params: Record<string, string>;
}

export function operationParameters(doc: OpenApiDocument, raw: unknown[] | undefined): OpenApiParameter[] {
  return (raw ?? []).map((p) =>
    typeof p === 'object' && p !== null && '$ref' in p
      ? (resolveLocalRef(doc, (p as { $ref: string }).$ref) as unknown as OpenApiParameter)
      : (p as OpenApiParameter),
  );
}

export function buildRoutes(doc: OpenApiDocument): OperationRoute[] {
  const routes: OperationRoute[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const params = operationParameters(doc, op.parameters);
      const multi = new Set(params.filter((p) => p.in === 'path' && p['x-multi-segment']).map((p) => p.name));
      const names: string[] = [];
      // `{ref}` and `{sha}` may span slashes (x-multi-segment), e.g. git/ref/heads/feature/x.
      const pattern = template
        .split(/(\{[^}]+\})/)
        .map((part) => {
          const m = /^\{([^}]+)\}$/.exec(part);
          if (!m || !m[1]) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(m[1]);
          return multi.has(m[1]) ? '(.+)' : '([^/]+)';
        })
        .join('');
      routes.push({
        operationId: op.operationId,
        method: method.toUpperCase(),
        template,
        regex: new RegExp(`^${pattern}$`),
        pathParams: names,
      });
    }
  }
  // Literal segments win over parameters: sort templates with fewer parameters first.
  return routes.sort((a, b) => a.pathParams.length - b.pathParams.length);
}

export function matchRoute(
  routes: OperationRoute[],
  method: string,
  pathname: string,
): RouteMatch | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const m = route.regex.exec(pathname);
    if (!m) continue;
    const params: Record<string, string> = {};
    route.pathParams.forEach((name, i) => {
      params[name] = decodeURIComponent(m[i + 1] ?? '');
    });
    return { route, params };
  }
  return undefined;
}
