/**
 * The declared shape of every message the controller and the change run accept, checked at the boundary
 * before a value touches workflow state (issue 18). Workflow code is bundled and deterministic, so this is a
 * small pure parser, not a schema library.
 *
 * Compatibility rules, deliberate so that mixed versions during a rolling update are safe:
 * - fields a newer sender adds are ignored (the parsed value holds only the declared fields);
 * - optional fields an older sender omits get their documented default;
 * - a required field that is missing, or any declared field of the wrong type or size, rejects the message
 *   with a reason naming the field;
 * - `options` on `configChanged` (sent by workers before deployment settings existed) is accepted and ignored:
 *   a run's options are the deployment's (issue 13), never a sender's.
 */
import type {
  ChangeRequest,
  GuardSettings,
  OperatorAction,
  PlanDecision,
  DeploymentSettings,
  WorkerSettingsMessage,
} from './types';

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** A schema reads an unknown value at a path, returning the typed value or throwing a SchemaViolation. */
export type Schema<T> = (value: unknown, path: string) => T;

class SchemaViolation extends Error {}

const describe = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value).slice(0, 40)}`;
};

const fail = (path: string, expected: string, value: unknown): never => {
  throw new SchemaViolation(`${path || 'payload'}: expected ${expected}, got ${describe(value)}`);
};

export function string({ min = 0, max }: { min?: number; max: number }): Schema<string> {
  return (value, path) => {
    if (typeof value !== 'string' || value.length < min || value.length > max)
      fail(path, `a string of ${min === 0 ? 'at most' : `${min} to`} ${max} characters`, value);
    return value as string;
  };
}

export const boolean: Schema<boolean> = (value, path) =>
  typeof value === 'boolean' ? value : fail(path, 'true or false', value);

export function number({ min, max, integer = false }: { min: number; max: number; integer?: boolean }) {
  return ((value, path) => {
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      value < min ||
      value > max ||
      (integer && !Number.isInteger(value))
    )
      fail(path, `${integer ? 'an integer' : 'a number'} from ${min} to ${max}`, value);
    return value as number;
  }) satisfies Schema<number>;
}

export function array<T>(item: Schema<T>, { max }: { max: number }): Schema<T[]> {
  return (value, path) => {
    if (!Array.isArray(value) || value.length > max) fail(path, `an array of at most ${max} items`, value);
    return (value as unknown[]).map((v, i) => item(v, `${path}[${i}]`));
  };
}

type Fields<T> = { [K in keyof T]-?: { schema: Schema<NonNullable<T[K]>>; optional?: boolean } };

/** A JSON object with these fields; undeclared fields are dropped (a newer sender's additions). */
export function object<T>(fields: Fields<T>): Schema<T> {
  return (value, path) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      fail(path, 'a JSON object', value);
    const input = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(fields) as [
      string,
      { schema: Schema<unknown>; optional?: boolean },
    ][]) {
      const at = path ? `${path}.${key}` : key;
      const v = Object.prototype.hasOwnProperty.call(input, key) ? input[key] : undefined;
      // JSON has no undefined: null on an optional field is "absent", as Go's encoder and the Web UI send it.
      if (v === undefined || (v === null && field.optional)) {
        if (!field.optional) throw new SchemaViolation(`${at}: required`);
        continue;
      }
      out[key] = field.schema(v, at);
    }
    return out as T;
  };
}

const required = <T>(schema: Schema<T>) => ({ schema });
const optional = <T>(schema: Schema<T>) => ({ schema, optional: true });

/** Runs a schema; never throws. */
export function parse<T>(schema: Schema<T>, value: unknown): Parsed<T> {
  try {
    return { ok: true, value: schema(value, '') };
  } catch (err) {
    if (err instanceof SchemaViolation) return { ok: false, reason: err.message };
    throw err;
  }
}

// Sizes: generous for people (a reason is a sentence or a paragraph), small enough for workflow state.
const name = string({ min: 1, max: 200 });
const revision = string({ min: 1, max: 200 });
const reason = string({ min: 1, max: 1_000 });
/** Accepted as it comes, then dropped: a legacy field whose content no longer matters. */
const ignored: Schema<object> = (value) => value as object;

/** `configChanged` (controller signal): the watcher, the CLI's `signal`, or `temporal workflow signal`. */
export const configChangedSchema: Schema<ChangeRequest> = (value, path) => {
  const { options: _ignoredLegacyOptions, ...request } = object<ChangeRequest & { options?: object }>({
    reason: required(reason),
    requestedBy: optional(name),
    sourceRevision: optional(revision),
    configVersion: optional(string({ max: 200 })),
    force: optional(boolean),
    options: optional(ignored),
  })(value, path);
  return request;
};

/** `retry` (controller signal): run the blocked change again. */
export const retrySchema: Schema<OperatorAction> = object<OperatorAction>({
  by: required(name),
  reason: optional(reason),
});

/** `skip` (controller signal): accept the blocked change without reconciling it; it must say why. */
export const skipSchema: Schema<OperatorAction & { reason: string }> = object<
  OperatorAction & { reason: string }
>({
  by: required(name),
  reason: required(reason),
});

/** `changeHeld` (controller signal, sent by a change run the guard holds). */
export const changeHeldSchema: Schema<{ workflowId: string }> = object<{ workflowId: string }>({
  workflowId: required(string({ min: 1, max: 1_000 })),
});

const guardSchema: Schema<GuardSettings> = object<GuardSettings>({
  enabled: required(boolean),
  maxRemovedFraction: required(number({ min: 0, max: 1 })),
  maxRemovedContexts: optional(number({ min: 0, max: 1e9, integer: true })),
  maxRepoRemovedFraction: required(number({ min: 0, max: 1 })),
  approvalTimeoutMs: required(number({ min: 1, max: 365 * 86_400_000, integer: true })),
});

const repositoryList = array(string({ min: 1, max: 300 }), { max: 10_000 });

/** A deployment's run-shaping settings: its workers' flags (issue 13). */
export const deploymentSettingsSchema: Schema<DeploymentSettings> = object<DeploymentSettings>({
  dryRun: required(boolean),
  continueOnError: required(boolean),
  denylist: required(repositoryList),
  denylistAll: required(repositoryList),
  triggerNewRepos: required(boolean),
  guard: required(guardSchema),
  repoConcurrency: required(number({ min: 1, max: 1_000, integer: true })),
  retryBlockedAfterMs: required(number({ min: 0, max: 365 * 86_400_000, integer: true })),
  heartbeatTimeoutMs: required(number({ min: 1_000, max: 86_400_000, integer: true })),
});

/**
 * `workerSettings` (controller signal): a worker reports the deployment settings its flags give, with their
 * content revision; `leaving: true` withdraws them when it stops.
 */
export const workerSettingsSchema: Schema<WorkerSettingsMessage> = (value, path) => {
  const message = object<WorkerSettingsMessage>({
    workerId: required(name),
    leaving: optional(boolean),
    revision: optional(revision),
    settings: optional(deploymentSettingsSchema),
  })(value, path);
  if (!message.leaving && (message.revision === undefined || message.settings === undefined))
    throw new SchemaViolation(`${message.revision === undefined ? 'revision' : 'settings'}: required`);
  return message;
};

/** `approve` and `reject` (change-run updates): who decides, why, and the transition decided. */
export const planDecisionSchema: Schema<PlanDecision> = object<PlanDecision>({
  by: required(name),
  reason: optional(reason),
  baselineRevision: required(revision),
  newestRevision: required(revision),
});
