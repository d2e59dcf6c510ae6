/**
 * Kubernetes label selectors as `?labelSelector=` carries them: `k=v`, `k==v`, `k!=v`, `k`, `!k`,
 * `k in (a,b)`, `k notin (a,b)`, joined by commas (all must hold).
 */
export type LabelPredicate = (labels: Record<string, string>) => boolean;

function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) terms.push(current.trim());
  return terms.filter((t) => t !== '');
}

function setOf(list: string): Set<string> {
  return new Set(list.split(',').map((v) => v.trim()));
}

export function parseLabelSelector(selector: string): LabelPredicate {
  const predicates: LabelPredicate[] = splitTerms(selector).map((term) => {
    let m = /^(\S+)\s+(in|notin)\s+\((.*)\)$/.exec(term);
    if (m) {
      const [, key = '', op, list = ''] = m;
      const values = setOf(list);
      return op === 'in'
        ? (labels) => key in labels && values.has(labels[key] ?? '')
        : (labels) => !(key in labels) || !values.has(labels[key] ?? '');
    }
    m = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (m) {
      const [, key = '', op, value = ''] = m;
      return op === '!=' ? (labels) => labels[key] !== value : (labels) => labels[key] === value;
    }
    m = /^!\s*(\S+)$/.exec(term);
    if (m) {
      const key = m[1] ?? '';
      return (labels) => !(key in labels);
    }
    if (/^\S+$/.test(term)) return (labels) => term in labels;
    throw new Error(`unable to parse requirement: ${JSON.stringify(term)}`);
  });
  return (labels) => predicates.every((p) => p(labels));
}
