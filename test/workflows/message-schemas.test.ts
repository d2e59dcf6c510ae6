import {
  changeHeldSchema,
  configChangedSchema,
  parse,
  planDecisionSchema,
  retrySchema,
  skipSchema,
  workerSettingsSchema,
  type Schema,
} from '../../workflows/message-schemas';
import type { DeploymentSettings } from '../../workflows/types';

const settings: DeploymentSettings = {
  dryRun: false,
  continueOnError: false,
  denylist: [],
  denylistAll: ['acme/secret'],
  triggerNewRepos: false,
  guard: {
    enabled: true,
    maxRemovedFraction: 0.1,
    maxRemovedContexts: 500,
    maxRepoRemovedFraction: 0.5,
    approvalTimeoutMs: 86_400_000,
  },
  repoConcurrency: 4,
  retryBlockedAfterMs: 0,
  heartbeatTimeoutMs: 120_000,
};

const decision = { by: 'alice', reason: 'ok', baselineRevision: 'a1', newestRevision: 'b2' };

describe('message schemas: accepted payloads, as the controller keeps them', () => {
  it.each<[string, Schema<unknown>, unknown, unknown]>([
    [
      "issue 18's temporal workflow signal payload (no options)",
      configChangedSchema,
      { reason: 'x', requestedBy: 'me', force: true },
      { reason: 'x', requestedBy: 'me', force: true },
    ],
    [
      "an old worker's request: its options are accepted and dropped",
      configChangedSchema,
      { reason: 'config files changed', sourceRevision: 'abc', options: { dryRun: true } },
      { reason: 'config files changed', sourceRevision: 'abc' },
    ],
    [
      "a newer sender's unknown field is dropped",
      configChangedSchema,
      { reason: 'x', priority: 'high' },
      { reason: 'x' },
    ],
    ['null on an optional field is absent', retrySchema, { by: 'bob', reason: null }, { by: 'bob' }],
    [
      'skip with its reason',
      skipSchema,
      { by: 'bob', reason: 'known bad' },
      { by: 'bob', reason: 'known bad' },
    ],
    ['changeHeld', changeHeldSchema, { workflowId: 'w/change/a..b' }, { workflowId: 'w/change/a..b' }],
    [
      'worker settings',
      workerSettingsSchema,
      { workerId: '1@host', revision: 'r1', settings },
      { workerId: '1@host', revision: 'r1', settings },
    ],
    [
      'settings of a worker from before maxRemovedContexts',
      workerSettingsSchema,
      {
        workerId: 'w',
        revision: 'r',
        settings: { ...settings, guard: { ...settings.guard, maxRemovedContexts: undefined } },
      },
      {
        workerId: 'w',
        revision: 'r',
        settings: { ...settings, guard: { ...settings.guard, maxRemovedContexts: undefined } },
      },
    ],
    [
      'a leaving worker needs no settings',
      workerSettingsSchema,
      { workerId: 'w', leaving: true },
      { workerId: 'w', leaving: true },
    ],
    ['a plan decision', planDecisionSchema, decision, decision],
  ])('%s', (_name, schema, payload, expected) => {
    const parsed = parse(schema, payload);
    expect(parsed).toEqual({ ok: true, value: expected });
  });
});

describe('message schemas: rejected payloads name the field and what is wrong', () => {
  it.each<[string, Schema<unknown>, unknown, string]>([
    ['no payload', configChangedSchema, undefined, 'payload: expected a JSON object, got undefined'],
    ['null', retrySchema, null, 'payload: expected a JSON object, got null'],
    ['an array', skipSchema, [1], 'payload: expected a JSON object, got an array'],
    ['a missing reason', configChangedSchema, { requestedBy: 'me' }, 'reason: required'],
    [
      'an empty reason',
      configChangedSchema,
      { reason: '' },
      'reason: expected a string of 1 to 1000 characters',
    ],
    [
      'a huge reason',
      configChangedSchema,
      { reason: 'x'.repeat(100_000) },
      'reason: expected a string of 1 to 1000 characters, got a string of 100000 characters',
    ],
    [
      'force as a string',
      configChangedSchema,
      { reason: 'x', force: 'yes' },
      'force: expected true or false',
    ],
    ['skip without its reason', skipSchema, { by: 'bob' }, 'reason: required'],
    // Issue 17: a decision's `by` was only checked for truthiness.
    [
      'by as an object (issue 17)',
      planDecisionSchema,
      { ...decision, by: { x: 1 } },
      'by: expected a string of 1 to 200 characters, got an object',
    ],
    [
      'an empty by',
      planDecisionSchema,
      { ...decision, by: '' },
      'by: expected a string of 1 to 200 characters',
    ],
    [
      'reason as a number',
      planDecisionSchema,
      { ...decision, reason: 7 },
      'reason: expected a string of 1 to 1000 characters, got number 7',
    ],
    ['no newestRevision', planDecisionSchema, { by: 'a', baselineRevision: 'x' }, 'newestRevision: required'],
    ['settings without revision', workerSettingsSchema, { workerId: 'w', settings }, 'revision: required'],
    [
      'a nested wrong type',
      workerSettingsSchema,
      {
        workerId: 'w',
        revision: 'r',
        settings: { ...settings, guard: { ...settings.guard, maxRemovedFraction: '0.1' } },
      },
      'settings.guard.maxRemovedFraction: expected a number from 0 to 1',
    ],
    [
      'a denylist entry of the wrong type',
      workerSettingsSchema,
      { workerId: 'w', revision: 'r', settings: { ...settings, denylist: ['a/b', 3] } },
      'settings.denylist[1]: expected a string of 1 to 300 characters, got number 3',
    ],
    [
      'repoConcurrency 0',
      workerSettingsSchema,
      { workerId: 'w', revision: 'r', settings: { ...settings, repoConcurrency: 0 } },
      'settings.repoConcurrency: expected an integer from 1 to 1000',
    ],
    ['a retry payload sent as changeHeld', changeHeldSchema, { by: 'bob' }, 'workflowId: required'],
  ])('%s', (_name, schema, payload, reason) => {
    const parsed = parse(schema, payload);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.reason).toContain(reason);
  });
});
