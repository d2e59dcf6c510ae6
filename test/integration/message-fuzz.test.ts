import { WorkflowUpdateFailedError } from '@temporalio/client';
import { deploymentSettingsOf, settingsRevision } from '../../src/temporal/controller-client';
import { planQuery } from '../../workflows/messages';
import { busyJobs, busyRepository } from '../support/busy-repository';
import { configFixture, ReconcilerHarness } from '../support/reconciler-harness';
import { WorkerObserver } from '../support/worker-observer';

/**
 * Issue 18: random and malformed payloads sent to every signal and update of a live controller and change run.
 * After each, the controller still answers `status` (and a held run its `plan`); every rejection shows on
 * status and in the counter; a real config change afterwards reconciles with the right writes.
 */

/** A small seeded generator (mulberry32), so a failure replays with the printed seed. */
function random(seed: number): { next(): number; int(n: number): number; pick<T>(list: readonly T[]): T } {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (list) => list[Math.floor(next() * list.length)] as never,
  };
}

type Kind = 'string' | 'boolean' | 'number' | 'array' | 'object';
/** The contract of one message, as the README states it: a valid payload, and its fields' kinds. */
interface Contract {
  valid: Record<string, unknown>;
  required: string[];
  fields: Record<string, Kind>;
}

const pulls = 5;
const { scenario, sha } = busyRepository(pulls, ['pull-keep', 'pull-old']);
const jobFile = 'jobs/acme/busy/busy-presubmits.yaml';
const retired = 'Context retired without replacement.';

const signalContracts = (settings: Record<string, unknown>): Record<string, Contract> => ({
  configChanged: {
    valid: { reason: 'fuzz', requestedBy: 'fuzz', sourceRevision: 'abc', configVersion: 'v', force: false },
    required: ['reason'],
    fields: {
      reason: 'string',
      requestedBy: 'string',
      sourceRevision: 'string',
      configVersion: 'string',
      force: 'boolean',
    },
  },
  retry: {
    valid: { by: 'fuzz', reason: 'fuzz' },
    required: ['by'],
    fields: { by: 'string', reason: 'string' },
  },
  skip: {
    valid: { by: 'fuzz', reason: 'fuzz' },
    required: ['by', 'reason'],
    fields: { by: 'string', reason: 'string' },
  },
  changeHeld: { valid: { workflowId: 'w' }, required: ['workflowId'], fields: { workflowId: 'string' } },
  workerSettings: {
    valid: { workerId: 'fuzz-worker', revision: 'r', settings },
    required: ['workerId', 'revision', 'settings'],
    fields: { workerId: 'string', revision: 'string', settings: 'object', leaving: 'boolean' },
  },
});

const decisionContract: Contract = {
  valid: { by: 'fuzz', reason: 'fuzz', baselineRevision: 'a', newestRevision: 'b' },
  required: ['by', 'baselineRevision', 'newestRevision'],
  fields: { by: 'string', reason: 'string', baselineRevision: 'string', newestRevision: 'string' },
};

/** A value of any kind but `kind` (never null: null on an optional field means absent, by contract). */
function wrongType(r: ReturnType<typeof random>, kind: Kind): unknown {
  const values: Record<Kind, unknown[]> = {
    string: ['text', 'x'.repeat(20)],
    boolean: [true, false],
    number: [42, -1.5],
    array: [[1, 'a'], []],
    object: [{ x: 1 }, { nested: { deep: [null] } }],
  };
  const kinds = (Object.keys(values) as Kind[]).filter((k) => k !== kind);
  return r.pick(values[r.pick(kinds)] as unknown[]);
}

/**
 * One payload the contract must reject, and what was done to it. `others` are other messages' valid payloads:
 * one lacking a required field of this message is a rejection too.
 */
function malformed(
  r: ReturnType<typeof random>,
  contract: Contract,
  others: Record<string, unknown>[],
): { what: string; payload: unknown; noArgument?: boolean } {
  const field = r.pick(Object.keys(contract.fields));
  const requiredField = r.pick(contract.required);
  const base = (): Record<string, unknown> => structuredClone(contract.valid);
  const unknownFields = (p: Record<string, unknown>): Record<string, unknown> => ({
    ...p,
    [`unknown${r.int(100)}`]: r.pick([1, 'x', null, { a: [] }]),
  });
  const mutations: (() => { what: string; payload: unknown; noArgument?: boolean })[] = [
    () => ({ what: 'no argument', payload: undefined, noArgument: true }),
    () => ({ what: 'null', payload: null }),
    () => ({ what: 'a scalar', payload: r.pick([0, 'configChanged', true, -1]) }),
    () => ({ what: 'an array', payload: [base()] }),
    () => {
      const p = base();
      delete p[requiredField];
      return { what: `missing ${requiredField}`, payload: p };
    },
    () => ({
      what: `${field} of the wrong type`,
      payload: { ...base(), [field]: wrongType(r, contract.fields[field] as Kind) },
    }),
    () => {
      const strings = Object.keys(contract.fields).filter((f) => contract.fields[f] === 'string');
      const f = r.pick(strings);
      return { what: `${f} huge`, payload: { ...base(), [f]: 'x'.repeat(100_000 + r.int(50_000)) } };
    },
    () => ({ what: `${requiredField} null`, payload: { ...base(), [requiredField]: null } }),
    () => {
      const p = base();
      delete p[requiredField];
      return { what: `missing ${requiredField}, unknown fields`, payload: unknownFields(p) };
    },
    () => {
      const other = others.filter((o) => contract.required.some((f) => !(f in o)));
      return other.length
        ? { what: "another message's payload", payload: r.pick(other) }
        : { what: 'null', payload: null };
    },
  ];
  const strings = Object.keys(contract.fields).filter(
    (f) => contract.fields[f] === 'string' && contract.required.includes(f),
  );
  if (strings.length)
    mutations.push(() => {
      const f = r.pick(strings);
      return { what: `${f} empty`, payload: { ...base(), [f]: '' } };
    });
  if ('settings' in contract.valid)
    mutations.push(() => {
      const p = base();
      const settings = p.settings as Record<string, unknown>;
      const key = r.pick(['dryRun', 'denylist', 'guard', 'repoConcurrency', 'retryBlockedAfterMs']);
      settings[key] = r.pick(['false', null, -1, { x: 1 }, ['a', 1]]);
      return { what: `settings.${key} malformed`, payload: p };
    });
  return r.pick(mutations)();
}

/** How many payloads of each kind were sent, for the log (the kind without the field it hit). */
function tally(whats: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const what of whats) {
    const kind = what
      .replace(/^(missing )?[\w.]+ (?=of the wrong type|huge|empty|null|malformed)/, '$1')
      .trim();
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

describe('fuzzing every signal and update of a live controller', () => {
  const config = configFixture();
  const seed = Number(process.env.FUZZ_SEED ?? 18);
  const perMessage = 30;
  let harness: ReconcilerHarness;
  let observer: WorkerObserver;

  beforeAll(async () => {
    config.write(jobFile, busyJobs(['pull-keep', 'pull-old']));
    harness = await ReconcilerHarness.startWithWorker({
      scenario,
      configArgv: config.argv,
      extraArgv: ['--approval-timeout=10m'],
      baseline: true,
    });
    observer = await WorkerObserver.start(harness);
  });
  afterAll(async () => {
    await observer?.close();
    await harness?.close();
    config.remove();
  });

  it(`drops every malformed signal, records it, and keeps answering status (seed ${seed})`, async () => {
    const settings = deploymentSettingsOf(harness.options) as unknown as Record<string, unknown>;
    const contracts = signalContracts(settings);
    const others = Object.values(contracts).map((c) => c.valid);
    const r = random(seed);
    const handle = harness.client.workflow.getHandle(`status-reconciler/${harness.options.instance}`);
    const sent: Record<string, string[]> = {};
    for (const [message, contract] of Object.entries(contracts))
      for (let i = 0; i < perMessage; i++) {
        const { what, payload, noArgument } = malformed(r, contract, others);
        (sent[message] ??= []).push(what);
        if (noArgument) await handle.signal(message);
        else await handle.signal(message, payload);
        // After each: the controller answers, and has counted this rejection.
        const view = await harness.status();
        expect({ message, what, count: view.rejected?.counts[message] }).toEqual({
          message,
          what,
          count: sent[message]?.length,
        });
      }
    const view = await harness.status();
    expect(view.rejected?.recent).toHaveLength(10);
    expect(view.rejected?.recent[0]?.message).toBe('workerSettings');
    expect(view.health.ok).toBe(true);
    expect(view.deployment?.conflict).toBeFalsy();
    expect(view.deployment?.revision).toBe(settingsRevision(deploymentSettingsOf(harness.options)));
    // Every worker exports the rejections as a counter, from the controller's status.
    await observer.reader.refresh();
    for (const message of Object.keys(contracts))
      expect(
        (await observer.metrics.messagesRejected.get()).values.find((v) => v.labels.message === message)
          ?.value,
      ).toBe(perMessage);
    // Tolerated by contract: an old worker's request with options (ignored) and a newer sender's extra field.
    await handle.signal('configChanged', {
      reason: 'old worker',
      sourceRevision: view.lastReconciled?.sourceRevision,
      options: { dryRun: 'garbage' },
      addedLater: true,
    });
    await handle.signal('retry', { by: 'fuzz', addedLater: 1 });
    const after = await harness.status();
    expect(after.rejected?.counts.configChanged).toBe(perMessage);
    expect(after.rejected?.counts.retry).toBe(perMessage);
    expect(after.running).toBeUndefined();
    process.stdout.write(
      `signal fuzz (seed ${seed}): ${JSON.stringify(tally(Object.values(sent).flat()))}\n`,
    );
  }, 120_000);

  it('refuses every malformed approve and reject with the reason, and the held plan stays held', async () => {
    // Emptying acme/busy trips the guard: a run held for a decision.
    config.write(jobFile, 'presubmits:\n  acme/busy: []\n');
    await harness.requestChange('empty acme/busy');
    const held = await harness.waitFor((v) => v.running?.held === true);
    const run = harness.client.workflow.getHandle(held.running?.workflowId as string);
    const plan = await run.query(planQuery);
    const contract: Contract = {
      ...decisionContract,
      valid: {
        ...decisionContract.valid,
        baselineRevision: plan.baselineRevision,
        newestRevision: plan.newestRevision,
      },
    };
    const r = random(seed + 1);
    const others = Object.values(signalContracts({})).map((c) => c.valid);
    const cases = [
      // Issue 17: `by: {"x": 1}` was accepted and the held plan ran.
      {
        update: 'approve',
        what: 'by an object (issue 17)',
        payload: { ...contract.valid, by: { x: 1 } } as unknown,
      },
      ...Array.from({ length: 2 * perMessage }, (_, i) => ({
        update: i % 2 ? 'reject' : 'approve',
        ...malformed(r, contract, others),
      })),
    ];
    for (const { update, what, payload } of cases) {
      const attempt = run.executeUpdate(update, {
        args: (payload === undefined ? [] : [payload]) as [unknown],
      });
      await expect(attempt).rejects.toThrow(WorkflowUpdateFailedError);
      const failure = (await attempt.catch((e: unknown) => e)) as WorkflowUpdateFailedError;
      expect({ what, cause: failure.cause?.message }).toEqual({
        what,
        cause: expect.stringMatching(/^invalid decision: /),
      });
      expect((await run.query(planQuery)).phase).toBe('awaiting-approval');
    }
    expect((await harness.status()).running?.held).toBe(true);
    expect(harness.statusWrites()).toBe(0);
    process.stdout.write(
      `update fuzz (seed ${seed}): ${cases.length} payloads: ${cases.map((c) => c.what).join('; ')}\n`,
    );
  }, 120_000);

  it('then reconciles a real change with the right writes', async () => {
    const before = await harness.status();
    // Supersedes the held plan: only pull-old is removed now.
    config.write(jobFile, busyJobs(['pull-keep']));
    await harness.requestChange('remove pull-old');
    const view = await harness.waitFor(
      (v) => !v.running && v.recent[0]?.outcome === 'reconciled' && v.recent[0].at !== before.recent[0]?.at,
      90_000,
    );
    expect(view.recent.map((x) => x.outcome).slice(0, 2)).toEqual(['reconciled', 'superseded']);
    for (let n = 1; n <= pulls; n++) {
      const history = harness.github.statusHistory('acme', 'busy', sha(n));
      expect(history.filter((s) => s.context === 'pull-old' && s.description === retired)).toHaveLength(1);
      expect(history.filter((s) => s.context === 'pull-keep' && s.description === retired)).toHaveLength(0);
    }
    expect(harness.statusWrites()).toBe(pulls);
    expect(harness.github.violations).toEqual([]);
  }, 120_000);
});
