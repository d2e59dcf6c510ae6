/**
 * Fault injection (github-api.md §9.5): each fault matches requests by method, operationId and/or a
 * path pattern and fires a given number of times. Plain data, so the demo can post it as JSON.
 */
export type FaultAction =
  /** Answer with this status and body (e.g. 502) instead of serving the request. */
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Wait, then serve the request normally. */
  | { kind: 'delay'; ms: number }
  /** Hold the request without answering, then destroy the socket (a client timeout path). */
  | { kind: 'timeout'; ms: number }
  /** Exhaust the caller's primary bucket until `resetInSeconds` from now and answer 403/429. */
  | { kind: 'primary-limit'; resetInSeconds: number; status?: 403 | 429 }
  /** Answer a secondary rate limit with `retry-after`. */
  | { kind: 'secondary-limit'; retryAfterSeconds: number; status?: 403 | 429 }
  /** Destroy the socket without answering. */
  | { kind: 'drop' };

export interface FaultMatcher {
  method?: string;
  operationId?: string;
  /** A regular expression (source text or RegExp) tested against the request path. */
  path?: string | RegExp;
}

export interface FaultSpec {
  match: FaultMatcher;
  action: FaultAction;
  /** How many matching requests it affects (default 1; Infinity for all). */
  times?: number;
}

export interface ActiveFault {
  id: number;
  match: FaultMatcher;
  action: FaultAction;
  remaining: number;
  fired: number;
}

const actionKinds = new Set(['status', 'delay', 'timeout', 'primary-limit', 'secondary-limit', 'drop']);

/** Checks a fault posted as JSON; errors say which field is wrong. */
export function checkFaultSpec(value: unknown, source = 'fault'): FaultSpec {
  const v = value as Partial<FaultSpec> | null;
  if (typeof v !== 'object' || v === null) throw new Error(`${source}: must be an object`);
  if (typeof v.match !== 'object' || v.match === null) throw new Error(`${source}.match: must be an object`);
  const a = v.action as { kind?: unknown } | undefined;
  if (typeof a !== 'object' || a === null || !actionKinds.has(String(a.kind))) {
    throw new Error(`${source}.action.kind: must be one of ${[...actionKinds].join(', ')}`);
  }
  if (v.times !== undefined && !(typeof v.times === 'number' && v.times > 0)) {
    throw new Error(`${source}.times: must be a positive number`);
  }
  return v as FaultSpec;
}

export class FaultPlan {
  private faults: ActiveFault[] = [];
  private nextId = 1;

  add(spec: FaultSpec): ActiveFault {
    const fault: ActiveFault = {
      id: this.nextId++,
      match: spec.match,
      action: spec.action,
      remaining: spec.times ?? 1,
      fired: 0,
    };
    this.faults.push(fault);
    return fault;
  }

  /** The first armed fault matching the request, consumed by one. */
  take(method: string, operationId: string | undefined, path: string): FaultAction | undefined {
    for (const f of this.faults) {
      if (f.remaining <= 0) continue;
      const m = f.match;
      if (m.method && m.method.toUpperCase() !== method) continue;
      if (m.operationId && m.operationId !== operationId) continue;
      if (m.path !== undefined && !(typeof m.path === 'string' ? new RegExp(m.path) : m.path).test(path))
        continue;
      f.remaining--;
      f.fired++;
      return f.action;
    }
    return undefined;
  }

  list(): ActiveFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  remove(id: number): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length < before;
  }

  clear(): void {
    this.faults = [];
  }
}
