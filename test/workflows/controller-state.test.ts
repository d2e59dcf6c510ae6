import {
  ControllerStateMachine,
  type ChangeRun,
  type ControllerState,
  type LoopWait,
  type RunFailure,
  type RunOutcome,
} from '../../workflows/controller-state';
import { workerRegistrationTtlMs } from '../../workflows/controller-state-settings';
import type {
  ChangeOutcomeKind,
  ConfigSnapshot,
  ControllerView,
  DeploymentSettings,
} from '../../workflows/types';

/**
 * The controller's transitions, one table row each, without a Temporal server: the state machine the workflow
 * delegates every decision to (workflows/controller-state.ts). The last table replays, as sequences of
 * messages and run outcomes, what the integration tests check on a live controller.
 */

const t0 = Date.parse('2026-01-01T00:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();
const instance = 'test';
const minute = 60_000;

const settings = (overrides: Partial<DeploymentSettings> = {}): DeploymentSettings => ({
  dryRun: false,
  continueOnError: false,
  denylist: [],
  denylistAll: [],
  triggerNewRepos: false,
  guard: {
    enabled: true,
    maxRemovedFraction: 0.1,
    maxRepoRemovedFraction: 0.5,
    approvalTimeoutMs: 86_400_000,
  },
  repoConcurrency: 4,
  retryBlockedAfterMs: 0,
  heartbeatTimeoutMs: 120_000,
  ...overrides,
});

const snapshot = (revision: string, presubmitCount = 10): ConfigSnapshot => ({
  revision,
  presubmitCount,
  repoCount: 2,
  index: `index-of-${revision}`,
});
const summary = (revision: string, presubmitCount = 10) => ({ revision, presubmitCount, repoCount: 2 });

/**
 * A controller driven as its workflow drives it, on a clock the test moves: messages arrive, the loop takes
 * its next decision, a run starts and ends.
 */
class Controller {
  readonly machine: ControllerStateMachine;
  clock = t0;
  run?: ChangeRun;

  constructor(state?: ControllerState) {
    this.machine = new ControllerStateMachine(instance, state);
  }

  advance(ms: number): this {
    this.clock += ms;
    return this;
  }

  register(workerId = 'w1', revision = 'r1', options = settings()): this {
    this.machine.workerSettings({ workerId, revision, settings: options }, this.clock);
    return this;
  }

  withdraw(workerId: string): this {
    this.machine.workerSettings({ workerId, leaving: true }, this.clock);
    return this;
  }

  change(sourceRevision?: string, extra: Record<string, unknown> = {}): this {
    this.machine.configChanged({ reason: 'test', sourceRevision, ...extra }, this.clock);
    return this;
  }

  /**
   * One turn of the loop, now: when it can proceed (a change pending and settings apply, or an operator
   * acted), its decision and the run it started. Undefined while it would still be waiting.
   */
  turn(): ChangeRun | undefined {
    if (!this.machine.canProceed(this.clock)) return undefined;
    return this.decide(this.machine.nextWait(this.clock));
  }

  /** One turn of the loop in which nothing arrives: its wait times out (the clock moves), then it decides. */
  waitOut(): ChangeRun | undefined {
    const wait = this.machine.nextWait(this.clock);
    if (wait.timeoutMs === undefined) throw new Error('the loop waits without a timeout');
    this.clock += wait.timeoutMs;
    return this.decide(wait);
  }

  private decide(wait: LoopWait): ChangeRun | undefined {
    const next = this.machine.nextRun(wait, this.clock);
    this.run = next && this.machine.startRun(next.request, this.clock);
    return this.run;
  }

  /** The running run ends so. */
  end(outcome: RunOutcome): this {
    if (!this.run) throw new Error('no run is running');
    this.machine.endRun(this.run, outcome, this.clock);
    this.run = undefined;
    return this;
  }

  /** A turn whose run ends so at once. */
  runs(outcome: RunOutcome): this {
    if (!this.turn()) throw new Error('the loop started no run');
    return this.end(outcome);
  }

  view(): ControllerView {
    return this.machine.view(this.clock);
  }
}

const result = (kind: ChangeOutcomeKind, revision: string, presubmits?: number): RunOutcome => ({
  result: { kind, newest: snapshot(revision, presubmits) },
});
const failed = (failure: Partial<RunFailure> & { message: string }): RunOutcome => ({
  failure: { cancelled: false, ...failure },
});
const cancelled: RunOutcome = {
  failure: { message: 'cancelled by an operator', type: 'Cancelled', cancelled: true },
};
const invalidConfig = failed({
  message: 'jobs/x.yaml: presubmits[0].name: expected a string',
  type: 'ConfigInvalidError',
  loadFailed: true,
});

/** A controller with settings registered and a first config taken as its baseline (source s0, revision c0). */
const withBaseline = (): Controller =>
  new Controller().register().change('s0').runs(result('baseline', 'c0'));

describe('config changes: duplicates, coalescing, force', () => {
  it.each<{
    name: string;
    given: () => Controller;
    request: Record<string, unknown>;
    pending: Record<string, unknown> | undefined;
  }>([
    {
      name: 'the first change of a new controller is pending',
      given: () => new Controller(),
      request: { reason: 'r', sourceRevision: 's1' },
      pending: { reason: 'r', sourceRevision: 's1' },
    },
    {
      name: 'the revision already reconciled is a duplicate while idle',
      given: withBaseline,
      request: { reason: 'again', sourceRevision: 's0' },
      pending: undefined,
    },
    {
      name: 'the revision already reconciled runs again when forced',
      given: withBaseline,
      request: { reason: 'again', sourceRevision: 's0', force: true },
      pending: { reason: 'again', sourceRevision: 's0', force: true },
    },
    {
      name: 'the revision already reconciled is no duplicate while a change is blocked',
      given: () => withBaseline().change('s1').runs(invalidConfig),
      request: { reason: 'back', sourceRevision: 's0' },
      pending: { reason: 'back', sourceRevision: 's0' },
    },
    {
      name: 'the revision being reconciled is a duplicate while it runs',
      given: () => {
        const c = withBaseline().change('s1');
        c.turn();
        return c;
      },
      request: { reason: 'same', sourceRevision: 's1' },
      pending: undefined,
    },
    {
      name: 'the revision already reconciled is pending while another one runs (only the run counts)',
      given: () => {
        const c = withBaseline().change('s1');
        c.turn();
        return c;
      },
      request: { reason: 'back', sourceRevision: 's0' },
      pending: { reason: 'back', sourceRevision: 's0' },
    },
    {
      name: 'a change without a source revision is never a duplicate',
      given: withBaseline,
      request: { reason: 'cli' },
      pending: { reason: 'cli' },
    },
    {
      name: 'a newer change replaces the pending one (coalescing, Q8)',
      given: () => withBaseline().change('s1'),
      request: { reason: 'newer', sourceRevision: 's2' },
      pending: { reason: 'newer', sourceRevision: 's2' },
    },
    {
      name: 'a duplicate leaves the pending change in place',
      given: () => {
        const c = withBaseline().change('s1');
        c.turn();
        return c.change('s2');
      },
      request: { reason: 'same', sourceRevision: 's1' },
      pending: { reason: 'test', sourceRevision: 's2' },
    },
    {
      name: "an old worker's request is accepted without its options",
      given: () => new Controller(),
      request: { reason: 'old', sourceRevision: 's1', options: settings({ dryRun: true }) },
      pending: { reason: 'old', sourceRevision: 's1' },
    },
    {
      name: "a newer sender's unknown fields are dropped",
      given: () => new Controller(),
      request: { reason: 'new', requestedBy: 'me', configVersion: 'v9', addedLater: 1 },
      pending: { reason: 'new', requestedBy: 'me', configVersion: 'v9' },
    },
    {
      name: 'a change without a reason is rejected and leaves the pending one',
      given: () => new Controller().change('s1'),
      request: { requestedBy: 'me' },
      pending: { reason: 'test', sourceRevision: 's1' },
    },
  ])('$name', ({ given, request, pending }) => {
    const c = given();
    c.machine.configChanged(request, c.clock);
    expect(c.machine.state.pending).toEqual(pending);
  });

  it.each([
    ['accepted', { reason: 'r' }, 1],
    ['a duplicate', { reason: 'r', sourceRevision: 's0' }, 1],
    ['rejected', { reason: '' }, 0],
  ])('a change %s counts as a request only when it parses', (_what, request, counted) => {
    const c = withBaseline();
    const before = c.machine.state.requestCount;
    c.machine.configChanged(request, c.clock);
    expect(c.machine.state.requestCount - before).toBe(counted);
  });
});

describe('messages that do not match their schema', () => {
  it.each<{
    name: string;
    send: (m: ControllerStateMachine, at: number) => unknown;
    message: string;
    reason: string;
  }>([
    {
      name: 'configChanged without a reason',
      send: (m, at) => m.configChanged({ requestedBy: 'me' }, at),
      message: 'configChanged',
      reason: 'reason: required',
    },
    {
      name: 'configChanged with no argument',
      send: (m, at) => m.configChanged(undefined, at),
      message: 'configChanged',
      reason: 'payload: expected a JSON object, got undefined undefined',
    },
    {
      name: 'retry without who',
      send: (m, at) => m.retry({ reason: 'x' }, at),
      message: 'retry',
      reason: 'by: required',
    },
    {
      name: 'skip without a reason',
      send: (m, at) => m.skip({ by: 'alice' }, at),
      message: 'skip',
      reason: 'reason: required',
    },
    {
      name: 'changeHeld with an empty workflow ID',
      send: (m, at) => m.changeHeld({ workflowId: '' }, at),
      message: 'changeHeld',
      reason: 'workflowId: expected a string of 1 to 1000 characters, got a string of 0 characters',
    },
    {
      name: 'workerSettings without settings',
      send: (m, at) => m.workerSettings({ workerId: 'w9', revision: 'r9' }, at),
      message: 'workerSettings',
      reason: 'settings: required',
    },
    {
      name: 'workerSettings with malformed settings',
      send: (m, at) =>
        m.workerSettings(
          { workerId: 'w9', revision: 'r9', settings: { ...settings(), dryRun: 'false' } },
          at,
        ),
      message: 'workerSettings',
      reason: 'settings.dryRun: expected true or false, got a string of 5 characters',
    },
  ])('$name is dropped, counted and shown with its reason', ({ send, message, reason }) => {
    const c = withBaseline();
    const before = structuredClone(c.machine.state);
    const rejection = send(c.machine, c.clock);
    expect(rejection).toEqual({ message, reason, at: iso(c.clock) });
    const view = c.view();
    expect(view.rejected?.counts).toEqual({ [message]: 1 });
    expect(view.rejected?.recent).toEqual([{ message, reason, at: iso(c.clock) }]);
    // Nothing else moved: no pending change, no settings, no operator action, health untouched.
    const { rejected: _r, ...rest } = c.machine.state;
    const { rejected: _b, ...restBefore } = before;
    expect(rest).toEqual(restBefore);
    expect(c.machine.canProceed(c.clock)).toBe(false);
  });

  it.each([
    ['one', 1, 1],
    ['ten', 10, 10],
    ['twenty-five', 25, 10],
  ])('%s rejections: all counted, the newest ten shown, newest first', (_n, sent, shown) => {
    const c = new Controller();
    for (let i = 0; i < sent; i++) c.advance(1).machine.retry({ reason: `r${i}` }, c.clock);
    const view = c.view();
    expect(view.rejected?.counts).toEqual({ retry: sent });
    expect(view.rejected?.recent).toHaveLength(shown);
    expect(view.rejected?.recent[0]?.at).toBe(iso(c.clock));
  });
});

describe('deployment settings: registration, agreement, withdrawal', () => {
  it.each<{
    name: string;
    given: (c: Controller) => Controller;
    expected: Record<string, unknown>;
    kept: string[];
  }>([
    {
      name: 'no worker registered: no settings, and why',
      given: (c) => c,
      expected: { workers: [], problem: 'no worker has registered its deployment settings yet' },
      kept: [],
    },
    {
      name: 'one worker: its settings',
      given: (c) => c.register('w1', 'r1'),
      expected: {
        revision: 'r1',
        settings: settings(),
        workers: [{ workerId: 'w1', revision: 'r1', lastSeen: iso(t0) }],
      },
      kept: ['r1'],
    },
    {
      name: 'two workers that agree: their settings',
      given: (c) => c.register('w1', 'r1').register('w2', 'r1'),
      expected: { revision: 'r1', settings: settings() },
      kept: ['r1'],
    },
    {
      name: 'two workers that disagree: a conflict naming them, no settings',
      given: (c) =>
        c
          .register('w2', 'r2', settings({ dryRun: true }))
          .register('w1', 'r1')
          .register('w3', 'r1'),
      expected: {
        conflict: true,
        problem:
          'workers disagree on the deployment settings: r1 (w1, w3) vs r2 (w2); no run starts until they agree',
      },
      kept: ['r1', 'r2'],
    },
    {
      name: 'the disagreeing worker withdraws: agreement, its settings dropped',
      given: (c) =>
        c
          .register('w1', 'r1')
          .register('w2', 'r2', settings({ dryRun: true }))
          .withdraw('w2'),
      expected: { revision: 'r1', settings: settings() },
      kept: ['r1'],
    },
    {
      name: 'a worker re-registers with new settings: the old ones are dropped',
      given: (c) => c.register('w1', 'r1').register('w1', 'r2', settings({ repoConcurrency: 8 })),
      expected: { revision: 'r2', settings: settings({ repoConcurrency: 8 }) },
      kept: ['r2'],
    },
    {
      name: 'a registration older than its lifetime no longer counts',
      given: (c) =>
        c
          .register('old', 'r0', settings({ dryRun: true }))
          .advance(workerRegistrationTtlMs - minute)
          .register('w1', 'r1')
          .advance(minute),
      expected: {
        revision: 'r1',
        workers: [{ workerId: 'w1', revision: 'r1', lastSeen: iso(t0 + workerRegistrationTtlMs - minute) }],
      },
      kept: ['r0', 'r1'],
    },
    {
      name: 'a refreshed registration keeps counting',
      given: (c) =>
        c
          .register('w1', 'r1')
          .advance(workerRegistrationTtlMs - minute)
          .register('w1', 'r1')
          .advance(2 * minute),
      expected: { revision: 'r1' },
      kept: ['r1'],
    },
    {
      name: 'every worker withdrew: no settings',
      given: (c) => c.register('w1', 'r1').withdraw('w1'),
      expected: { workers: [], problem: 'no worker has registered its deployment settings yet' },
      kept: [],
    },
    {
      name: 'an unknown worker withdrawing changes nothing',
      given: (c) => c.register('w1', 'r1').withdraw('nobody'),
      expected: { revision: 'r1' },
      kept: ['r1'],
    },
  ])('$name', ({ given, expected, kept }) => {
    const c = given(new Controller());
    const view = c.machine.deploymentSettings(c.clock);
    expect(view).toMatchObject(expected);
    if (!('conflict' in expected)) expect(view.conflict).toBeUndefined();
    expect(Object.keys(c.machine.state.settings).sort()).toEqual(kept);
    expect(c.view().deployment).toEqual(view);
  });
});

describe('the loop: how long it waits and what it runs next', () => {
  const blockedWithRetry = (retryBlockedAfterMs: number): Controller =>
    new Controller()
      .register('w1', 'r1', settings({ retryBlockedAfterMs }))
      .change('s0')
      .runs(result('baseline', 'c0'))
      .change('s1')
      .runs(
        failed({ message: '1 of 2 repositories failed', type: 'ReconcileFailed', newest: snapshot('c1') }),
      );

  it.each<{
    name: string;
    given: () => Controller;
    timeoutMs: number | undefined;
    retryAfterMs?: number;
    canProceed: boolean;
  }>([
    { name: 'idle: waits without a timeout', given: withBaseline, timeoutMs: undefined, canProceed: false },
    {
      name: 'a pending change and settings: proceeds',
      given: () => withBaseline().change('s1'),
      timeoutMs: undefined,
      canProceed: true,
    },
    {
      name: 'a pending change and no worker registered: waits without a timeout',
      given: () => new Controller().change('s1'),
      timeoutMs: undefined,
      canProceed: false,
    },
    {
      name: 'a pending change while workers disagree: waits until the first registration lapses',
      given: () => {
        const c = new Controller().register('w1', 'r1').advance(minute).register('w2', 'r2');
        return c.advance(minute).change('s1');
      },
      timeoutMs: workerRegistrationTtlMs - 2 * minute + 1,
      canProceed: false,
    },
    {
      name: 'a blocked change, retried every 5 s: waits 5 s',
      given: () => blockedWithRetry(5_000),
      timeoutMs: 5_000,
      retryAfterMs: 5_000,
      canProceed: false,
    },
    {
      name: 'a blocked change, never retried by itself: waits without a timeout',
      given: () => blockedWithRetry(0),
      timeoutMs: undefined,
      canProceed: false,
    },
    {
      name: 'a blocked change and a retry signal: proceeds',
      given: () => {
        const c = blockedWithRetry(0);
        c.machine.retry({ by: 'alice' }, c.clock);
        return c;
      },
      timeoutMs: undefined,
      canProceed: true,
    },
    {
      name: 'a blocked change while workers disagree: waits until the first registration lapses',
      given: () => blockedWithRetry(5_000).advance(minute).register('w2', 'r2'),
      timeoutMs: workerRegistrationTtlMs - minute + 1,
      canProceed: false,
    },
  ])('$name', ({ given, timeoutMs, retryAfterMs = 0, canProceed }) => {
    const c = given();
    expect(c.machine.nextWait(c.clock)).toEqual({ startedAt: c.clock, timeoutMs, retryAfterMs });
    expect(c.machine.canProceed(c.clock)).toBe(canProceed);
  });

  it.each<{
    name: string;
    given: () => Controller;
    waitedMs?: number;
    next: { sourceRevision?: string } | undefined;
    after: Partial<ControllerState>;
  }>([
    {
      name: 'the pending change runs, with the deployment settings',
      given: () => withBaseline().change('s1'),
      next: { sourceRevision: 's1' },
      after: { pending: undefined },
    },
    {
      name: 'nothing runs without settings; the change stays pending',
      given: () => new Controller().change('s1'),
      next: undefined,
      after: { pending: { reason: 'test', sourceRevision: 's1' } },
    },
    {
      name: 'a blocked change is retried when its retry falls due',
      given: () => blockedWithRetry(5_000),
      waitedMs: 5_000,
      next: { sourceRevision: 's1' },
      after: { pending: undefined },
    },
    {
      name: 'a blocked change is not retried before its retry falls due',
      given: () => blockedWithRetry(5_000),
      waitedMs: 4_999,
      next: undefined,
      after: { pending: undefined },
    },
    {
      name: 'a retry signal runs the blocked change again',
      given: () => {
        const c = blockedWithRetry(0);
        c.machine.retry({ by: 'alice' }, c.clock);
        return c;
      },
      next: { sourceRevision: 's1' },
      after: { pending: undefined },
    },
    {
      name: 'a retry signal with a newer change pending runs the newer change',
      given: () => {
        const c = blockedWithRetry(0).change('s2');
        c.machine.retry({ by: 'alice' }, c.clock);
        return c;
      },
      next: { sourceRevision: 's2' },
      after: { pending: undefined },
    },
    {
      name: 'a retry signal with nothing blocked does nothing',
      given: () => {
        const c = withBaseline();
        c.machine.retry({ by: 'alice' }, c.clock);
        return c;
      },
      next: undefined,
      after: { pending: undefined },
    },
    {
      name: 'a retry while workers disagree makes the blocked change pending; it waits for agreement',
      given: () => {
        const c = blockedWithRetry(0).register('w2', 'r2');
        c.machine.retry({ by: 'alice' }, c.clock);
        return c;
      },
      next: undefined,
      after: { pending: { reason: 'test', sourceRevision: 's1' } },
    },
  ])('$name', ({ given, waitedMs = 0, next, after }) => {
    const c = given();
    const wait = c.machine.nextWait(c.clock);
    const chosen = c.machine.nextRun(wait, c.clock + waitedMs);
    if (next)
      expect(chosen).toEqual({ request: expect.objectContaining(next), settings: expect.any(Object) });
    else expect(chosen).toBeUndefined();
    expect(c.machine.state).toMatchObject(after);
    if (!after.pending) expect(c.machine.state.pending).toBeUndefined();
  });

  it.each<{
    name: string;
    given: () => Controller;
    skip: unknown;
    lastReconciled: string;
    recent: Record<string, unknown> | undefined;
  }>([
    {
      name: 'skip adopts the blocked change’s newest config without reconciling it (Q7)',
      given: () =>
        withBaseline()
          .change('s1')
          .runs(failed({ message: 'plan rejected by bob', type: 'PlanRejected', newest: snapshot('c1') })),
      skip: { by: 'alice', reason: 'accepted' },
      lastReconciled: 'c1',
      recent: {
        workflowId: 'status-reconciler/test/change/c0..s1',
        from: 'c1',
        to: 'c1',
        outcome: 'skipped',
        detail: 'skipped by alice: accepted',
      },
    },
    {
      name: 'skip of a change that failed loading clears it and keeps the baseline',
      given: () => withBaseline().change('s1').runs(invalidConfig),
      skip: { by: 'alice', reason: 'fixing it' },
      lastReconciled: 'c0',
      recent: { from: 'c0', to: undefined, outcome: 'skipped', detail: 'skipped by alice: fixing it' },
    },
    {
      name: 'skip with nothing blocked does nothing',
      given: withBaseline,
      skip: { by: 'alice', reason: 'nothing' },
      lastReconciled: 'c0',
      recent: undefined,
    },
  ])('$name', ({ given, skip, lastReconciled, recent }) => {
    const c = given();
    const runsBefore = c.view().recent.length;
    c.machine.skip(skip, c.clock);
    expect(c.turn()).toBeUndefined();
    const view = c.view();
    expect(view.blocked).toBeUndefined();
    expect(view.lastReconciled?.revision).toBe(lastReconciled);
    if (recent) expect(view.recent[0]).toMatchObject({ ...recent, at: iso(c.clock) });
    else expect(view.recent).toHaveLength(runsBefore);
  });
});

describe('a run starts', () => {
  it.each<{ name: string; given: () => Controller; workflowId: string; baseline?: string }>([
    {
      name: 'the first run goes from "baseline" to the source revision',
      given: () => new Controller().register().change('s0'),
      workflowId: 'status-reconciler/test/change/baseline..s0',
    },
    {
      name: 'a later run goes from the baseline revision to the source revision',
      given: () => withBaseline().change('s1'),
      workflowId: 'status-reconciler/test/change/c0..s1',
      baseline: 'c0',
    },
    {
      name: 'a request without a source revision is named by the request count',
      given: () => withBaseline().change(undefined).change(undefined),
      workflowId: 'status-reconciler/test/change/c0..request-3',
      baseline: 'c0',
    },
  ])('$name', ({ given, workflowId, baseline }) => {
    const c = given();
    const run = c.turn();
    expect(run?.workflowId).toBe(workflowId);
    expect(run?.baseline?.revision).toBe(baseline);
    expect(run?.baseline?.index).toBe(baseline && `index-of-${baseline}`);
    expect(c.view().running).toEqual({ workflowId, held: false, since: iso(c.clock) });
  });

  it.each<{
    name: string;
    held: string | undefined;
    pending: boolean;
    superseded: boolean;
    shownHeld: boolean;
  }>([
    {
      name: 'a held run with a newer change pending is superseded',
      held: 'run',
      pending: true,
      superseded: true,
      shownHeld: true,
    },
    {
      name: 'a held run with nothing pending stays held',
      held: 'run',
      pending: false,
      superseded: false,
      shownHeld: true,
    },
    {
      name: 'a run that is not held is not superseded',
      held: undefined,
      pending: true,
      superseded: false,
      shownHeld: false,
    },
    {
      name: 'changeHeld naming another run is ignored',
      held: 'status-reconciler/test/change/other',
      pending: true,
      superseded: false,
      shownHeld: false,
    },
  ])('$name', ({ held, pending, superseded, shownHeld }) => {
    const c = withBaseline().change('s1');
    const run = c.turn() as ChangeRun;
    if (held) c.machine.changeHeld({ workflowId: held === 'run' ? run.workflowId : held }, c.clock);
    if (pending) c.change('s2');
    expect(c.machine.supersedesRun()).toBe(superseded);
    expect(c.view().running?.held).toBe(shownHeld);
  });
});

describe('a run ends', () => {
  type Expected = {
    lastReconciled?: string;
    lastLoaded?: string;
    health: Record<string, unknown>;
    blocked?: Record<string, unknown>;
    recent: Record<string, unknown>;
    loadFailures: number;
  };
  const baselineThen = (): Controller => withBaseline().advance(minute).change('s1');
  const unhealthy = (): Controller => baselineThen().runs(invalidConfig).advance(minute).change('s2');

  it.each<{ name: string; given: () => Controller; outcome: RunOutcome; expected: Expected }>([
    {
      name: 'the first config becomes the baseline',
      given: () => new Controller().register().change('s0'),
      outcome: result('baseline', 'c0'),
      expected: {
        lastReconciled: 'c0',
        lastLoaded: 'c0',
        health: { ok: true, lastGoodRevision: 'c0' },
        recent: { outcome: 'baseline', from: 'baseline', to: 'c0' },
        loadFailures: 0,
      },
    },
    {
      name: 'a reconciled change advances the baseline',
      given: baselineThen,
      outcome: result('reconciled', 'c1'),
      expected: {
        lastReconciled: 'c1',
        lastLoaded: 'c1',
        health: { ok: true, lastGoodRevision: 'c1' },
        recent: { outcome: 'reconciled', from: 'c0', to: 'c1' },
        loadFailures: 0,
      },
    },
    {
      name: 'an unchanged config is recorded as such',
      given: () => withBaseline().change('s0', { force: true }),
      outcome: result('unchanged', 'c0'),
      expected: {
        lastReconciled: 'c0',
        lastLoaded: 'c0',
        health: { ok: true, lastGoodRevision: 'c0' },
        recent: { outcome: 'unchanged', from: 'c0', to: 'c0' },
        loadFailures: 0,
      },
    },
    {
      name: 'a dry run keeps the baseline (Q14)',
      given: baselineThen,
      outcome: result('dry-run', 'c1'),
      expected: {
        lastReconciled: 'c0',
        lastLoaded: 'c1',
        health: { ok: true, lastGoodRevision: 'c1' },
        recent: { outcome: 'dry-run', from: 'c0', to: 'c1' },
        loadFailures: 0,
      },
    },
    {
      name: 'a dry run with no baseline yet makes its config the baseline (Q14)',
      given: () => new Controller().register().change('s0'),
      outcome: result('dry-run', 'c0'),
      expected: {
        lastReconciled: 'c0',
        lastLoaded: 'c0',
        health: { ok: true, lastGoodRevision: 'c0' },
        recent: { outcome: 'dry-run', from: 'baseline', to: 'c0' },
        loadFailures: 0,
      },
    },
    {
      name: 'a reconciled change clears the blocked change and bad health',
      given: unhealthy,
      outcome: result('reconciled', 'c2'),
      expected: {
        lastReconciled: 'c2',
        lastLoaded: 'c2',
        health: { ok: true, lastGoodRevision: 'c2' },
        recent: { outcome: 'reconciled', from: 'c0', to: 'c2' },
        loadFailures: 1,
      },
    },
    {
      name: 'an invalid config fails closed: blocked, health bad, the baseline kept',
      given: baselineThen,
      outcome: invalidConfig,
      expected: {
        lastReconciled: 'c0',
        lastLoaded: 'c0',
        health: {
          ok: false,
          reason: 'jobs/x.yaml: presubmits[0].name: expected a string',
          failingSourceRevision: 's1',
          since: iso(t0 + minute),
          lastGoodRevision: 'c0',
        },
        blocked: { errorType: 'ConfigInvalidError', loadFailed: true, newestRevision: undefined },
        recent: {
          outcome: 'failed',
          from: 'c0',
          to: 's1',
          detail: 'jobs/x.yaml: presubmits[0].name: expected a string',
        },
        loadFailures: 1,
      },
    },
    {
      name: 'an invalid config found after loading (no load stage) still turns health bad',
      given: baselineThen,
      outcome: failed({ message: 'bad', type: 'ConfigInvalidError' }),
      expected: {
        lastReconciled: 'c0',
        lastLoaded: 'c0',
        health: { ok: false, reason: 'bad', since: iso(t0 + minute) },
        blocked: { errorType: 'ConfigInvalidError', loadFailed: true },
        recent: { outcome: 'failed' },
        loadFailures: 1,
      },
    },
    {
      name: 'an unexpected error in the load (a TypeError) fails closed too (issue 12)',
      given: baselineThen,
      outcome: failed({
        message: "Cannot read properties of undefined (reading 'presubmits')",
        type: 'TypeError',
        loadFailed: true,
      }),
      expected: {
        lastReconciled: 'c0',
        lastLoaded: 'c0',
        health: { ok: false, lastGoodRevision: 'c0', failingSourceRevision: 's1' },
        blocked: { errorType: 'TypeError', loadFailed: true },
        recent: { outcome: 'failed' },
        loadFailures: 1,
      },
    },
    ...(['ConfigLoadError', 'ConfigInternalError'] as const).map((type) => ({
      name: `a ${type} is a failed load by its type alone`,
      given: baselineThen,
      outcome: failed({ message: 'unreadable', type }),
      expected: {
        lastReconciled: 'c0',
        lastLoaded: 'c0',
        health: { ok: false, reason: 'unreadable' },
        blocked: { errorType: type, loadFailed: true },
        recent: { outcome: 'failed' },
        loadFailures: 1,
      },
    })),
    {
      name: 'a second failed load keeps the time health went bad',
      given: unhealthy,
      outcome: invalidConfig,
      expected: {
        lastReconciled: 'c0',
        lastLoaded: 'c0',
        health: { ok: false, since: iso(t0 + minute), failingSourceRevision: 's2', lastGoodRevision: 'c0' },
        blocked: { loadFailed: true },
        recent: { outcome: 'failed', to: 's2' },
        loadFailures: 2,
      },
    },
    {
      name: 'a failed load with no baseline keeps the last good revision health knew',
      given: () => {
        const c = new Controller({
          health: { ok: false, since: iso(t0), lastGoodRevision: 'c-1' },
          recent: [],
          requestCount: 0,
        });
        return c.register().change('s0');
      },
      outcome: invalidConfig,
      expected: {
        lastReconciled: undefined,
        lastLoaded: undefined,
        health: { ok: false, since: iso(t0), lastGoodRevision: 'c-1' },
        blocked: { loadFailed: true },
        recent: { outcome: 'failed', from: 'baseline' },
        loadFailures: 1,
      },
    },
    {
      name: 'failed repositories block the change; health stays good; its newest config shows',
      given: baselineThen,
      outcome: failed({
        message: '1 of 2 repositories failed: acme/x: 502',
        type: 'ReconcileFailed',
        newest: snapshot('c1'),
      }),
      expected: {
        lastReconciled: 'c0',
        lastLoaded: 'c1',
        health: { ok: true, lastGoodRevision: 'c0' },
        blocked: {
          errorType: 'ReconcileFailed',
          loadFailed: false,
          newestRevision: 'c1',
          since: iso(t0 + minute),
        },
        recent: { outcome: 'failed', detail: '1 of 2 repositories failed: acme/x: 502' },
        loadFailures: 0,
      },
    },
    {
      name: 'a rejected plan blocks the change',
      given: baselineThen,
      outcome: failed({ message: 'plan rejected by bob: no', type: 'PlanRejected', newest: snapshot('c1') }),
      expected: {
        lastReconciled: 'c0',
        lastLoaded: 'c1',
        health: { ok: true },
        blocked: { errorType: 'PlanRejected', error: 'plan rejected by bob: no', newestRevision: 'c1' },
        recent: { outcome: 'failed' },
        loadFailures: 0,
      },
    },
    {
      name: 'a plan nobody approved in time blocks the change',
      given: baselineThen,
      outcome: failed({
        message: 'no approval within 1000 ms',
        type: 'ApprovalTimeout',
        newest: snapshot('c1'),
      }),
      expected: {
        lastReconciled: 'c0',
        lastLoaded: 'c1',
        health: { ok: true },
        blocked: { errorType: 'ApprovalTimeout' },
        recent: { outcome: 'failed' },
        loadFailures: 0,
      },
    },
    {
      name: 'a cancelled run blocks the change, recorded as cancelled',
      given: baselineThen,
      outcome: cancelled,
      expected: {
        lastReconciled: 'c0',
        lastLoaded: 'c0',
        health: { ok: true },
        blocked: { errorType: 'Cancelled', error: 'cancelled by an operator', loadFailed: false },
        recent: { outcome: 'cancelled', detail: 'cancelled by an operator' },
        loadFailures: 0,
      },
    },
    {
      name: 'a superseded run changes nothing but the record',
      given: baselineThen,
      outcome: { superseded: true },
      expected: {
        lastReconciled: 'c0',
        lastLoaded: 'c0',
        health: { ok: true, lastGoodRevision: 'c0' },
        recent: { outcome: 'superseded', from: 'c0', to: 's1', detail: 'a newer config arrived' },
        loadFailures: 0,
      },
    },
  ])('$name', ({ given, outcome, expected }) => {
    const c = given();
    const run = c.turn() as ChangeRun;
    c.end(outcome);
    const view = c.view();
    expect(view.running).toBeUndefined();
    expect(view.lastReconciled?.revision).toBe(expected.lastReconciled);
    expect(view.lastLoaded?.revision).toBe(expected.lastLoaded);
    expect(view.health).toMatchObject(expected.health);
    if (expected.blocked)
      expect(view.blocked).toMatchObject({
        workflowId: run.workflowId,
        since: iso(c.clock),
        ...expected.blocked,
      });
    else expect(view.blocked).toBeUndefined();
    expect(view.recent[0]).toMatchObject({
      workflowId: run.workflowId,
      at: iso(c.clock),
      ...expected.recent,
    });
    expect(view.loadFailures).toBe(expected.loadFailures);
  });

  it('the baseline keeps the source revision of the request that reconciled it', () => {
    const c = withBaseline().change('s1').runs(result('reconciled', 'c1'));
    expect(c.machine.state.lastReconciled).toEqual({ ...snapshot('c1'), sourceRevision: 's1' });
    expect(c.view().lastReconciled).toEqual({ ...summary('c1'), sourceRevision: 's1' });
    expect(c.view().lastLoaded).toEqual(summary('c1'));
  });

  it.each([
    ['five runs: all shown', 5, 5],
    ['twenty runs: all shown', 20, 20],
    ['thirty runs: the newest twenty shown', 30, 20],
  ])('%s', (_name, runs, shown) => {
    const c = new Controller().register();
    for (let i = 0; i < runs; i++) c.change(`s${i}`).runs(result(i ? 'reconciled' : 'baseline', `c${i}`));
    const recent = c.view().recent;
    expect(recent).toHaveLength(shown);
    expect(recent[0]?.to).toBe(`c${runs - 1}`);
  });
});

describe('the memo for recover', () => {
  it.each<{
    name: string;
    given: () => Controller;
    running?: boolean;
    memo: Record<string, unknown> | undefined;
  }>([
    {
      name: 'a new controller shows an empty memo once',
      given: () => new Controller(),
      memo: {},
    },
    {
      name: 'the baseline with its source revision',
      given: withBaseline,
      memo: { baseline: { revision: 'c0', sourceRevision: 's0' } },
    },
    {
      name: 'the pending change',
      given: () => withBaseline().change('s1'),
      memo: {
        baseline: { revision: 'c0', sourceRevision: 's0' },
        pending: { reason: 'test', sourceRevision: 's1' },
      },
    },
    {
      name: 'the change running',
      given: () => withBaseline().change('s1'),
      running: true,
      memo: {
        baseline: { revision: 'c0', sourceRevision: 's0' },
        running: { reason: 'test', sourceRevision: 's1' },
      },
    },
    {
      name: 'the blocked change',
      given: () => withBaseline().change('s1').runs(invalidConfig),
      memo: {
        baseline: { revision: 'c0', sourceRevision: 's0' },
        blocked: {
          workflowId: 'status-reconciler/test/change/c0..s1',
          request: { reason: 'test', sourceRevision: 's1' },
        },
      },
    },
  ])('$name, then nothing while it is unchanged', ({ given, running, memo }) => {
    const c = given();
    const request = running ? c.turn()?.request : undefined;
    expect(JSON.parse(JSON.stringify(c.machine.memoUpdate(request)))).toEqual(memo);
    expect(c.machine.memoUpdate(request)).toBeUndefined();
  });

  it('shows the memo again once it changed', () => {
    const c = withBaseline();
    c.machine.memoUpdate();
    c.change('s1');
    expect(c.machine.memoUpdate()?.pending).toEqual({ reason: 'test', sourceRevision: 's1' });
  });
});

describe('state carried across continue-as-new, recover and older controllers', () => {
  const options = settings({ dryRun: true });
  it.each<{ name: string; carried: unknown; expected: Partial<ControllerState> }>([
    {
      name: 'no state: a new controller',
      carried: undefined,
      expected: {
        health: { ok: true },
        recent: [],
        requestCount: 0,
        rejected: { counts: {}, recent: [] },
        workers: {},
        settings: {},
      },
    },
    {
      name: 'missing parts get their defaults',
      carried: { health: {}, recent: 'none', lastReconciled: snapshot('c0') },
      expected: {
        lastReconciled: snapshot('c0'),
        health: { ok: true },
        recent: [],
        requestCount: 0,
        rejected: { counts: {}, recent: [] },
        workers: {},
        settings: {},
      },
    },
    {
      name: "an old controller's pending request loses its options",
      carried: {
        health: { ok: true },
        recent: [],
        requestCount: 3,
        pending: { reason: 'old', sourceRevision: 's1', options },
      },
      expected: { pending: { reason: 'old', sourceRevision: 's1' }, requestCount: 3 },
    },
    {
      name: 'a pending request that no longer fits its schema is dropped',
      carried: { health: { ok: true }, recent: [], requestCount: 1, pending: { sourceRevision: 's1' } },
      expected: { pending: undefined },
    },
    {
      name: 'a blocked request that no longer fits its schema becomes an unknown one',
      carried: {
        health: { ok: true },
        recent: [],
        requestCount: 1,
        blocked: { request: { reason: 7, options }, workflowId: 'w', error: 'e', since: iso(t0) },
      },
      expected: { blocked: { request: { reason: 'unknown' }, workflowId: 'w', error: 'e', since: iso(t0) } },
    },
  ])('$name', ({ carried, expected }) => {
    const machine = new ControllerStateMachine(instance, carried as ControllerState);
    expect(machine.state).toMatchObject(expected);
    if ('pending' in expected && !expected.pending) expect(machine.state.pending).toBeUndefined();
  });

  it('a carried state shows and decides as the controller that carried it', () => {
    const before = withBaseline().change('s1').runs(invalidConfig).change('s2');
    before.machine.retry({ reason: 'x' }, before.clock);
    const after = new Controller(JSON.parse(JSON.stringify(before.machine.state)) as ControllerState);
    after.clock = before.clock;
    expect(after.view()).toEqual(before.view());
    expect(after.turn()).toEqual(before.turn());
  });
});

describe('the loop of controllers started before deployment settings (replays of old histories)', () => {
  const oldRequest = (sourceRevision: string, retryBlockedAfterMs = 0) => ({
    reason: 'old worker',
    sourceRevision,
    options: settings({ dryRun: true, retryBlockedAfterMs }),
  });

  it.each<{
    name: string;
    given: () => ControllerStateMachine;
    woke: boolean;
    timeoutMs: number | undefined;
    next: { sourceRevision?: string; dryRun?: boolean } | undefined;
  }>([
    {
      name: "a pending change runs under its request's options",
      given: () => {
        const m = new ControllerStateMachine(instance);
        m.configChanged(oldRequest('s0'), t0);
        return m;
      },
      woke: true,
      timeoutMs: undefined,
      next: { sourceRevision: 's0', dryRun: true },
    },
    {
      name: 'without options, a pending change runs under the deployment settings',
      given: () => {
        const m = new ControllerStateMachine(instance);
        m.workerSettings({ workerId: 'w1', revision: 'r1', settings: settings() }, t0);
        m.configChanged({ reason: 'new', sourceRevision: 's0' }, t0);
        return m;
      },
      woke: true,
      timeoutMs: undefined,
      next: { sourceRevision: 's0', dryRun: false },
    },
    {
      name: "a blocked change is retried when the wait times out (the request's retry interval)",
      given: () => {
        const m = new ControllerStateMachine(instance);
        m.configChanged(oldRequest('s0', 5_000), t0);
        const { request } = m.legacyNextRun(true, t0) as { request: { reason: string } };
        m.endRun(m.startRun(request, t0), invalidConfig, t0);
        return m;
      },
      woke: false,
      timeoutMs: 5_000,
      next: { sourceRevision: 's0', dryRun: true },
    },
    {
      name: 'a retry signal runs the blocked change',
      given: () => {
        const m = new ControllerStateMachine(instance);
        m.configChanged(oldRequest('s0'), t0);
        const { request } = m.legacyNextRun(true, t0) as { request: { reason: string } };
        m.endRun(m.startRun(request, t0), invalidConfig, t0);
        m.retry({ by: 'alice' }, t0);
        return m;
      },
      woke: true,
      timeoutMs: undefined,
      next: { sourceRevision: 's0', dryRun: true },
    },
    {
      name: 'a skip adopts the blocked change and runs nothing',
      given: () => {
        const m = new ControllerStateMachine(instance);
        m.configChanged(oldRequest('s0'), t0);
        const { request } = m.legacyNextRun(true, t0) as { request: { reason: string } };
        m.endRun(m.startRun(request, t0), failed({ message: 'x', newest: snapshot('c0') }), t0);
        m.skip({ by: 'alice', reason: 'ok' }, t0);
        return m;
      },
      woke: true,
      timeoutMs: undefined,
      next: undefined,
    },
  ])('$name', ({ given, woke, timeoutMs, next }) => {
    const m = given();
    expect(m.legacyWaitTimeoutMs()).toBe(timeoutMs);
    const chosen = m.legacyNextRun(woke, t0);
    if (!next) return expect(chosen).toBeUndefined();
    expect(chosen?.request.sourceRevision).toBe(next.sourceRevision);
    expect(chosen?.request).not.toHaveProperty('options');
    expect(chosen?.settings?.dryRun).toBe(next.dryRun);
  });
});

/** What the integration tests check on a live controller, as sequences of messages and run outcomes. */
describe('scenarios of the integration tests', () => {
  it.each<{
    name: string;
    play: () => ControllerView;
    expected: Record<string, unknown>;
    outcomes: string[];
  }>([
    {
      name: 'changes arriving while a run is in progress coalesce into one follow-up run (resilience, Q8)',
      play: () => {
        const c = withBaseline().change('v1');
        c.turn();
        c.change('v2').change('v3').change('v4');
        c.end(result('reconciled', 'c1'));
        const next = c.turn() as ChangeRun;
        expect(next).toMatchObject({ from: 'c1', to: 'v4', request: { sourceRevision: 'v4' } });
        c.end(result('reconciled', 'c4'));
        expect(c.turn()).toBeUndefined();
        return c.view();
      },
      expected: {
        lastReconciled: { ...summary('c4'), sourceRevision: 'v4' },
        pending: undefined,
        running: undefined,
      },
      outcomes: ['reconciled', 'reconciled', 'baseline'],
    },
    {
      name: 'a cancelled run is blocked; a retry finishes the change (resilience)',
      play: () => {
        const c = withBaseline().change('s1').runs(cancelled);
        expect(c.view().blocked?.errorType).toBe('Cancelled');
        c.machine.retry({ by: 'test' }, c.clock);
        return c.runs(result('reconciled', 'c1')).view();
      },
      expected: { blocked: undefined, lastReconciled: { ...summary('c1'), sourceRevision: 's1' } },
      outcomes: ['reconciled', 'cancelled', 'baseline'],
    },
    {
      name: 'a corrupt config halts actuation; a good one recovers from the last good revision (fail-closed)',
      play: () => {
        const c = withBaseline().change('s1').runs(invalidConfig);
        expect(c.view()).toMatchObject({
          health: { ok: false, lastGoodRevision: 'c0' },
          lastReconciled: summary('c0'),
        });
        const fixed = c.change('s2').turn();
        expect(fixed?.from).toBe('c0');
        return c.end(result('reconciled', 'c2')).view();
      },
      expected: { health: { ok: true, lastGoodRevision: 'c2' }, blocked: undefined },
      outcomes: ['reconciled', 'failed', 'baseline'],
    },
    {
      name: 'a rejected plan blocks; skip adopts its config without writing (fail-closed-and-guard)',
      play: () => {
        const c = withBaseline().change('s1');
        const run = c.turn() as ChangeRun;
        c.machine.changeHeld({ workflowId: run.workflowId }, c.clock);
        expect(c.view().running?.held).toBe(true);
        c.end(
          failed({
            message: 'plan rejected by test-operator: not intended',
            type: 'PlanRejected',
            newest: snapshot('c1'),
          }),
        );
        expect(c.view().blocked).toMatchObject({ errorType: 'PlanRejected', newestRevision: 'c1' });
        c.machine.skip({ by: 'test-operator', reason: 'accepted without retiring' }, c.clock);
        expect(c.turn()).toBeUndefined();
        return c.view();
      },
      expected: { blocked: undefined, lastReconciled: summary('c1') },
      outcomes: ['skipped', 'failed', 'baseline'],
    },
    {
      name: 'a held plan is superseded by a newer config, which then reconciles (message-fuzz)',
      play: () => {
        const c = withBaseline().change('empty');
        const run = c.turn() as ChangeRun;
        c.machine.changeHeld({ workflowId: run.workflowId }, c.clock);
        expect(c.machine.supersedesRun()).toBe(false);
        c.change('s2');
        expect(c.machine.supersedesRun()).toBe(true);
        c.end({ superseded: true });
        const next = c.turn();
        expect(next).toMatchObject({ from: 'c0', to: 's2' });
        return c.end(result('reconciled', 'c2')).view();
      },
      expected: { blocked: undefined, pending: undefined },
      outcomes: ['reconciled', 'superseded', 'baseline'],
    },
    {
      name: 'workers that disagree hold the change; it runs once the other worker withdraws (deployment-settings)',
      play: () => {
        const c = withBaseline()
          .register('dry-run-worker', 'r2', settings({ dryRun: true }))
          .change('s1');
        expect(c.view().deployment).toMatchObject({
          conflict: true,
          problem: expect.stringMatching(/dry-run-worker/),
        });
        expect(c.turn()).toBeUndefined();
        expect(c.view().pending?.sourceRevision).toBe('s1');
        c.withdraw('dry-run-worker');
        const run = c.turn();
        expect(run?.request.sourceRevision).toBe('s1');
        return c.end(result('reconciled', 'c1')).view();
      },
      expected: { deployment: expect.objectContaining({ revision: 'r1', settings: settings() }) },
      outcomes: ['reconciled', 'baseline'],
    },
    {
      name: 'a disagreement ends by itself when the other registration lapses (deployment-settings)',
      play: () => {
        const c = withBaseline()
          .register('crashed', 'r2', settings({ dryRun: true }))
          .change('s1');
        // The live worker keeps refreshing; the crashed one does not. The loop's timeout is the lapse.
        c.advance(workerRegistrationTtlMs / 2).register();
        expect(c.turn()).toBeUndefined();
        const run = c.waitOut();
        expect(c.clock).toBe(t0 + workerRegistrationTtlMs + 1);
        expect(run?.request.sourceRevision).toBe('s1');
        return c.end(result('reconciled', 'c1')).view();
      },
      expected: { deployment: expect.objectContaining({ revision: 'r1' }) },
      outcomes: ['reconciled', 'baseline'],
    },
    {
      name: 'an unreadable file fails closed; a signal without a reason is rejected; a forced one recovers (deployment-settings)',
      play: () => {
        const c = withBaseline().change('s0', { force: true });
        c.runs(failed({ message: 'EACCES: jobs/dangling.yaml', type: 'ConfigLoadError', loadFailed: true }));
        expect(c.view()).toMatchObject({
          blocked: { loadFailed: true },
          health: { ok: false },
          loadFailures: 1,
        });
        c.machine.configChanged({ requestedBy: 'me' }, c.clock);
        c.machine.configChanged({ reason: 'x', requestedBy: 'me', force: true }, c.clock);
        return c.runs(result('reconciled', 'c1')).view();
      },
      expected: {
        blocked: undefined,
        health: { ok: true, lastGoodRevision: 'c1' },
        loadFailures: 1,
        rejected: {
          counts: { configChanged: 1 },
          recent: [expect.objectContaining({ reason: 'reason: required' })],
        },
      },
      outcomes: ['reconciled', 'failed', 'baseline'],
    },
    {
      name: 'a loader defect (TypeError) fails closed; retry after the fix recovers (deployment-settings)',
      play: () => {
        const c = withBaseline().change('s0', { force: true });
        c.runs(failed({ message: 'TypeError', type: 'TypeError', loadFailed: true }));
        expect(c.view()).toMatchObject({
          blocked: { loadFailed: true, errorType: 'TypeError' },
          health: { ok: false, lastGoodRevision: 'c0' },
        });
        c.machine.retry({ by: 'test' }, c.clock);
        return c.runs(result('unchanged', 'c0')).view();
      },
      expected: { blocked: undefined, health: { ok: true }, loadFailures: 1 },
      outcomes: ['unchanged', 'failed', 'baseline'],
    },
    {
      name: 'continue-as-new keeps the baseline, recent runs and health (controller-continue-as-new)',
      play: () => {
        let c = new Controller()
          .change('s0', { options: settings() })
          .register()
          .runs(result('baseline', 'c0', 10));
        c = new Controller(JSON.parse(JSON.stringify(c.machine.state)) as ControllerState);
        c.change('s1').runs(result('reconciled', 'c1', 11));
        c = new Controller(JSON.parse(JSON.stringify(c.machine.state)) as ControllerState);
        return c
          .change('s2')
          .runs(result('reconciled', 'c2', 12))
          .view();
      },
      expected: {
        lastReconciled: expect.objectContaining({ presubmitCount: 12 }),
        health: { ok: true, lastGoodRevision: 'c2' },
      },
      outcomes: ['reconciled', 'reconciled', 'baseline'],
    },
    {
      name: 'the same change requested again, forced, is unchanged (reconcile-change)',
      play: () =>
        withBaseline()
          .change('s1')
          .runs(result('reconciled', 'c1'))
          .change('s1', { force: true })
          .runs(result('unchanged', 'c1'))
          .view(),
      expected: { lastReconciled: { ...summary('c1'), sourceRevision: 's1' } },
      outcomes: ['unchanged', 'reconciled', 'baseline'],
    },
    {
      name: 'the same change requested again, not forced, starts nothing (every watcher reports it)',
      play: () => {
        const c = withBaseline().change('s1').runs(result('reconciled', 'c1')).change('s1');
        expect(c.turn()).toBeUndefined();
        return c.view();
      },
      expected: { pending: undefined },
      outcomes: ['reconciled', 'baseline'],
    },
    {
      name: 'a dry run plans the change and keeps the baseline (reconcile-change, Q14)',
      play: () => withBaseline().change('s1').runs(result('dry-run', 'c1')).view(),
      expected: { lastReconciled: { ...summary('c0'), sourceRevision: 's0' }, lastLoaded: summary('c1') },
      outcomes: ['dry-run', 'baseline'],
    },
    {
      name: 'recover starts from the baseline; the changes sent again coalesce into one run from it (poisoned-controller)',
      play: () => {
        // The state `status-reconciler recover` starts the fresh run with (src/temporal/controller-recovery.ts).
        const c = new Controller({
          lastReconciled: { ...snapshot('c1'), sourceRevision: 's1' },
          health: { ok: true, lastGoodRevision: 'c1' },
          recent: [
            { workflowId: 'status-reconciler/test run 1', to: 'c1', outcome: 'recovered', at: iso(t0) },
          ],
          requestCount: 0,
        });
        expect(c.turn()).toBeUndefined();
        c.register();
        c.change('s1', { force: true }).change('s2', { force: true });
        const run = c.turn();
        expect(run).toMatchObject({ from: 'c1', to: 's2' });
        return c.end(result('reconciled', 'c2')).view();
      },
      expected: { lastReconciled: expect.objectContaining({ revision: 'c2' }) },
      outcomes: ['reconciled', 'recovered'],
    },
    {
      name: 'malformed messages of every kind are counted; the controller keeps its health and settings (message-fuzz)',
      play: () => {
        const c = withBaseline();
        const m = c.machine;
        m.configChanged(null, c.clock);
        m.retry([{ by: 'x' }], c.clock);
        m.skip({ by: 'x', reason: 'x'.repeat(100_001) }, c.clock);
        m.changeHeld(42, c.clock);
        m.workerSettings(
          { workerId: 'fuzz', revision: 'r', settings: { ...settings(), repoConcurrency: -1 } },
          c.clock,
        );
        // Tolerated by contract: an old worker's request with garbage options, a newer sender's extra field.
        m.configChanged(
          { reason: 'old worker', sourceRevision: 's0', options: { dryRun: 'garbage' }, addedLater: true },
          c.clock,
        );
        m.retry({ by: 'fuzz', addedLater: 1 }, c.clock);
        expect(c.turn()).toBeUndefined();
        return c.view();
      },
      expected: {
        health: { ok: true, lastGoodRevision: 'c0' },
        deployment: expect.objectContaining({ revision: 'r1' }),
        rejected: {
          counts: { configChanged: 1, retry: 1, skip: 1, changeHeld: 1, workerSettings: 1 },
          recent: expect.arrayContaining([expect.objectContaining({ message: 'workerSettings' })]),
        },
        running: undefined,
        pending: undefined,
      },
      outcomes: ['baseline'],
    },
  ])('$name', ({ play, expected, outcomes }) => {
    const view = play();
    expect(view).toMatchObject(expected);
    for (const [key, value] of Object.entries(expected))
      if (value === undefined) expect(view[key as keyof ControllerView]).toBeUndefined();
    expect(view.recent.map((r) => r.outcome)).toEqual(outcomes);
  });
});
