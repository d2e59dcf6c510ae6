/**
 * Faults a test injects into the Kubernetes double: answer a matching request with a status code, drop
 * its connection before or after handling it (the latter models "created, but the answer was lost"),
 * or delay it. Each rule fires a bounded number of times and counts its hits.
 */
export interface FaultRule {
  /** HTTP method to match; any when absent. */
  method?: string;
  /** Path to match: exact string or regular expression; any when absent. */
  path?: string | RegExp;
  /** Answer with this status and a Status body instead of handling the request. */
  status?: number;
  /** Destroy the connection without an answer. */
  drop?: 'before' | 'after';
  /** Wait this long before going on (with the request, or with the other fault effects). */
  delayMs?: number;
  /** How many matching requests it applies to; 1 by default, Infinity for all. */
  times?: number;
}

export interface InjectedFault {
  readonly rule: FaultRule;
  /** Requests it has applied to so far. */
  readonly fired: number;
  readonly remaining: number;
}

class Fault implements InjectedFault {
  fired = 0;
  constructor(readonly rule: FaultRule) {}
  get remaining(): number {
    return (this.rule.times ?? 1) - this.fired;
  }
  matches(method: string, path: string): boolean {
    if (this.remaining <= 0) return false;
    if (this.rule.method && this.rule.method.toUpperCase() !== method) return false;
    const p = this.rule.path;
    if (p === undefined) return true;
    return typeof p === 'string' ? p === path : p.test(path);
  }
}

export class Faults {
  private readonly rules: Fault[] = [];
  /** All fault applications so far. */
  fired = 0;

  inject(rule: FaultRule): InjectedFault {
    if (rule.status === undefined && rule.drop === undefined && rule.delayMs === undefined) {
      throw new Error('a fault needs status, drop or delayMs');
    }
    if (rule.status !== undefined && (rule.status < 400 || rule.status > 599)) {
      throw new Error(`a fault status must be an HTTP error code, got ${rule.status}`);
    }
    const fault = new Fault(rule);
    this.rules.push(fault);
    return fault;
  }

  clear(): void {
    this.rules.length = 0;
  }

  /** The first live rule matching the request, counted as fired. */
  take(method: string, path: string): FaultRule | undefined {
    const fault = this.rules.find((f) => f.matches(method, path));
    if (!fault) return undefined;
    fault.fired++;
    this.fired++;
    return fault.rule;
  }
}
