/**
 * GitHub's page-number pagination (github-api.md §4): `per_page` default 30, larger than 100 clamped,
 * and a `Link` header with absolute URLs on the double's own origin, so Octokit's paginate follows
 * them back to the double instead of to api.github.com.
 */
export interface Page<T> {
  items: T[];
  link?: string;
}

export const maxPerPage = 100;
export const defaultPerPage = 30;

export function paginate<T>(all: readonly T[], query: Record<string, unknown>, requestUrl: URL): Page<T> {
  const rawPerPage = Number(query.per_page ?? defaultPerPage);
  const perPage = Math.min(
    maxPerPage,
    Math.max(1, Number.isFinite(rawPerPage) ? Math.floor(rawPerPage) : defaultPerPage),
  );
  const rawPage = Number(query.page ?? 1);
  const page = Math.max(1, Number.isFinite(rawPage) ? Math.floor(rawPage) : 1);
  const last = Math.max(1, Math.ceil(all.length / perPage));
  const items = all.slice((page - 1) * perPage, page * perPage);
  const at = (n: number): string => {
    const u = new URL(requestUrl.href);
    u.searchParams.set('page', String(n));
    return u.href;
  };
  // GitHub's order: prev, next, last, first.
  const rels: string[] = [];
  if (page > 1) rels.push(`<${at(Math.min(page - 1, last))}>; rel="prev"`);
  if (page < last) rels.push(`<${at(page + 1)}>; rel="next"`, `<${at(last)}>; rel="last"`);
  if (page > 1) rels.push(`<${at(1)}>; rel="first"`);
  return rels.length > 0 ? { items, link: rels.join(', ') } : { items };
}
