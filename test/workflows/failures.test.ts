import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  ChildWorkflowFailure,
  RetryState,
} from '@temporalio/common';
import {
  cancellationDetail,
  describeRunFailure,
  failureMessage,
  failureType,
} from '../../workflows/failures';
import type { RunFailure } from '../../workflows/controller-state';

/** How both workflows read Temporal's failures (workflows/failures.ts), on the failures the SDK builds. */

const newest = { revision: 'c1', presubmitCount: 3, repoCount: 1, index: 'i' };
const activity = (cause?: Error): ActivityFailure =>
  new ActivityFailure(
    'activity task failed',
    'reconcileRepository',
    '7',
    RetryState.NON_RETRYABLE_FAILURE,
    'w',
    cause,
  );
const child = (cause?: Error): ChildWorkflowFailure =>
  new ChildWorkflowFailure(
    'default',
    { workflowId: 'status-reconciler/x/change/a..b', runId: 'r' },
    'reconcileChange',
    RetryState.NON_RETRYABLE_FAILURE,
    cause,
  );

describe('a change run failure as the controller records it', () => {
  it.each<{ name: string; error: unknown; expected: RunFailure }>([
    {
      name: 'a failed load: its type, and the load stage',
      error: child(
        ApplicationFailure.create({
          message: 'jobs/x.yaml: bad',
          type: 'ConfigInvalidError',
          details: [{ stage: 'load' }],
        }),
      ),
      expected: {
        message: 'jobs/x.yaml: bad',
        type: 'ConfigInvalidError',
        cancelled: false,
        loadFailed: true,
      },
    },
    {
      name: 'failed repositories: the newest config from the details',
      error: child(
        ApplicationFailure.create({
          message: '1 of 2 failed',
          type: 'ReconcileFailed',
          details: [{ newest }],
        }),
      ),
      expected: {
        message: '1 of 2 failed',
        type: 'ReconcileFailed',
        newest,
        cancelled: false,
        loadFailed: false,
      },
    },
    {
      name: 'an application failure without details',
      error: child(ApplicationFailure.create({ message: 'no settings', type: 'SettingsInvalid' })),
      expected: { message: 'no settings', type: 'SettingsInvalid', cancelled: false, loadFailed: false },
    },
    {
      name: 'a cancelled child',
      error: child(new CancelledFailure('cancelled')),
      expected: { message: 'cancelled by an operator', type: 'Cancelled', cancelled: true },
    },
    {
      name: 'a cancellation of the controller itself',
      error: new CancelledFailure('cancelled'),
      expected: { message: 'cancelled by an operator', type: 'Cancelled', cancelled: true },
    },
    {
      name: 'a child that timed out or was terminated: the cause’s message',
      error: child(new Error('workflow execution timed out')),
      expected: { message: 'workflow execution timed out', cancelled: false },
    },
    {
      name: 'an error that is not a Temporal failure',
      error: new TypeError('x is undefined'),
      expected: { message: 'x is undefined', cancelled: false },
    },
    {
      name: 'something thrown that is not an error',
      error: 'a string',
      expected: { message: 'a string', cancelled: false },
    },
  ])('$name', ({ error, expected }) => {
    expect(describeRunFailure(error)).toEqual(expected);
  });
});

describe("an activity's failure as the change run reads it", () => {
  it.each<{ name: string; error: unknown; message: string; type: string | undefined; detail: unknown }>([
    {
      name: 'an application failure behind an activity failure',
      error: activity(ApplicationFailure.create({ message: 'file unreadable', type: 'ConfigLoadError' })),
      message: 'file unreadable',
      type: 'ConfigLoadError',
      detail: undefined,
    },
    {
      name: 'an activity failure without a cause: its own message',
      error: activity(),
      message: 'activity task failed',
      type: undefined,
      detail: undefined,
    },
    {
      name: 'a cancelled activity, with what it did',
      error: activity(new CancelledFailure('cancelled', [{ repo: 'acme/busy' }])),
      message: 'cancelled',
      type: undefined,
      detail: { repo: 'acme/busy' },
    },
    {
      name: 'an application failure thrown directly',
      error: ApplicationFailure.create({ message: 'direct', type: 'TypeError' }),
      message: 'direct',
      type: 'TypeError',
      detail: undefined,
    },
    {
      name: 'a plain error',
      error: new Error('plain'),
      message: 'plain',
      type: undefined,
      detail: undefined,
    },
  ])('$name', ({ error, message, type, detail }) => {
    expect(failureMessage(error)).toBe(message);
    expect(failureType(error)).toBe(type);
    expect(cancellationDetail(error)).toEqual(detail);
  });
});
