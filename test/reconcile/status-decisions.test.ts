import {
  copyMode,
  latestStatuses,
  moveMode,
  retireMode,
  withWrites,
  type CommitStatus,
  type StatusMode,
  type StatusState,
} from '../../src/reconcile/status-decisions';

// Ported from kubernetes-sigs/prow pkg/statusreconciler/migrator/migrator_test.go (spec §15.3), same names.

/** Prow's makeStatus: an empty target URL means none. */
function makeStatus(
  context: string,
  state: StatusState,
  description: string,
  targetUrl: string,
): CommitStatus {
  const status: CommitStatus = { context, state, description };
  if (targetUrl !== '') status.target_url = targetUrl;
  return status;
}

/**
 * Prow's compareDiffs: same length; every write has a context, description and state; matched by context;
 * description and state equal; an empty expected URL requires none, otherwise equal. Ours also checks order
 * (Prow writes the copy before the retire) and that an empty URL is omitted, not sent as "" (R20.5).
 */
function expectWrites(actual: CommitStatus[], expected: CommitStatus[]): void {
  for (const write of actual) {
    expect(write.context).not.toBe('');
    expect(write.description).toBeTruthy();
    expect(write.state).toBeTruthy();
  }
  expect(actual).toEqual(expected);
  for (const write of actual) if (!write.target_url) expect('target_url' in write).toBe(false);
}

interface ModeCase {
  name: string;
  start: CommitStatus[];
  expectedDiffs: CommitStatus[];
}

const contextA = 'context A';
const contextB = 'context B';

function runModeCases(mode: StatusMode, cases: ModeCase[]): void {
  it.each(cases)('$name', ({ start, expectedDiffs }) => {
    expectWrites(mode.writes(start), expectedDiffs);
  });
}

describe('TestMoveMode', () => {
  const desc = 'Context retired. Status moved to "context B".';
  runModeCases(moveMode(contextA, contextB), [
    {
      name: 'simple',
      start: [makeStatus(contextA, 'failure', 'description 1', 'url 1')],
      expectedDiffs: [
        makeStatus(contextB, 'failure', 'description 1', 'url 1'),
        makeStatus(contextA, 'success', desc, ''),
      ],
    },
    {
      name: 'unrelated contexts',
      start: [
        makeStatus('also not related', 'error', 'description 4', 'url 4'),
        makeStatus(contextA, 'failure', 'description 1', 'url 1'),
        makeStatus('unrelated context', 'success', 'description 2', 'url 2'),
      ],
      expectedDiffs: [
        makeStatus(contextB, 'failure', 'description 1', 'url 1'),
        makeStatus(contextA, 'success', desc, ''),
      ],
    },
    {
      name: 'unrelated contexts; missing context A',
      start: [
        makeStatus('also not related', 'error', 'description 4', 'url 4'),
        makeStatus('unrelated context', 'success', 'description 2', 'url 2'),
      ],
      expectedDiffs: [],
    },
    {
      // Port deviation (our idempotence decision, status-decisions.ts): Prow writes nothing here. B equal to A
      // in state, description and URL is our own copy from a move whose retire write failed, so the retry
      // completes the move by retiring A.
      name: 'unrelated contexts; already have context A and B (port: B is our copy of A, so A is retired)',
      start: [
        makeStatus('also not related', 'error', 'description 4', 'url 4'),
        makeStatus(contextA, 'failure', 'description 1', 'url 1'),
        makeStatus('unrelated context', 'success', 'description 2', 'url 2'),
        makeStatus(contextB, 'failure', 'description 1', 'url 1'),
      ],
      expectedDiffs: [makeStatus(contextA, 'success', desc, '')],
    },
    {
      // Prow's expectation for "already have context A and B" holds whenever B is not a copy of A (R22.5).
      name: 'unrelated contexts; already have context A and a different context B',
      start: [
        makeStatus('also not related', 'error', 'description 4', 'url 4'),
        makeStatus(contextA, 'failure', 'description 1', 'url 1'),
        makeStatus('unrelated context', 'success', 'description 2', 'url 2'),
        makeStatus(contextB, 'success', 'description 3', 'url 3'),
      ],
      expectedDiffs: [],
    },
    {
      name: 'unrelated contexts; already have context B; no context A',
      start: [
        makeStatus('also not related', 'error', 'description 4', 'url 4'),
        makeStatus('unrelated context', 'success', 'description 2', 'url 2'),
        makeStatus(contextB, 'failure', 'description 1', 'url 1'),
      ],
      expectedDiffs: [],
    },
    { name: 'no contexts', start: [], expectedDiffs: [] },
    {
      name: 'port: a finished move writes nothing again',
      start: [
        makeStatus(contextA, 'success', desc, ''),
        makeStatus(contextB, 'failure', 'description 1', 'url 1'),
      ],
      expectedDiffs: [],
    },
  ]);
});

describe('TestCopyMode', () => {
  runModeCases(copyMode(contextA, contextB), [
    {
      name: 'simple',
      start: [makeStatus(contextA, 'failure', 'description 1', 'url 1')],
      expectedDiffs: [makeStatus(contextB, 'failure', 'description 1', 'url 1')],
    },
    {
      name: 'unrelated contexts',
      start: [
        makeStatus('unrelated context', 'success', 'description 2', 'url 2'),
        makeStatus(contextA, 'failure', 'description 1', 'url 1'),
        makeStatus('also not related', 'error', 'description 4', 'url 4'),
      ],
      expectedDiffs: [makeStatus(contextB, 'failure', 'description 1', 'url 1')],
    },
    {
      name: 'already have context B',
      start: [
        makeStatus(contextA, 'failure', 'description 1', 'url 1'),
        makeStatus(contextB, 'failure', 'description 1', 'url 1'),
      ],
      expectedDiffs: [],
    },
    {
      name: 'already have updated context B',
      start: [
        makeStatus(contextA, 'failure', 'description 1', 'url 1'),
        makeStatus(contextB, 'success', 'description 2', 'url 2'),
      ],
      expectedDiffs: [],
    },
    {
      name: 'unrelated contexts already have updated context B',
      start: [
        makeStatus('unrelated context', 'success', 'description 2', 'url 2'),
        makeStatus(contextA, 'failure', 'description 1', 'url 1'),
        makeStatus('also not related', 'error', 'description 4', 'url 4'),
        makeStatus(contextB, 'error', 'description 3', 'url 3'),
      ],
      expectedDiffs: [],
    },
    {
      name: 'only have context B',
      start: [makeStatus(contextB, 'failure', 'description 1', 'url 1')],
      expectedDiffs: [],
    },
    {
      name: 'unrelated contexts; context B but not A',
      start: [
        makeStatus('unrelated context', 'success', 'description 2', 'url 2'),
        makeStatus(contextB, 'failure', 'description 1', 'url 1'),
        makeStatus('also not related', 'error', 'description 4', 'url 4'),
      ],
      expectedDiffs: [],
    },
    { name: 'no contexts', start: [], expectedDiffs: [] },
  ]);
});

describe('TestRetireModeReplacement', () => {
  const desc = 'Context retired. Status moved to "context B".';
  runModeCases(retireMode(contextA, contextB), [
    {
      name: 'simple',
      start: [
        makeStatus(contextA, 'failure', 'description 1', 'url 1'),
        makeStatus(contextB, 'failure', 'description 1', 'url 1'),
      ],
      expectedDiffs: [makeStatus(contextA, 'success', desc, '')],
    },
    {
      name: 'unrelated contexts;updated context B',
      start: [
        makeStatus('unrelated context', 'success', 'description 2', 'url 2'),
        makeStatus(contextA, 'failure', 'description 1', 'url 1'),
        makeStatus('also not related', 'error', 'description 4', 'url 4'),
        makeStatus(contextB, 'success', 'description 3', 'url 3'),
      ],
      expectedDiffs: [makeStatus(contextA, 'success', desc, '')],
    },
    {
      name: 'missing context B',
      start: [makeStatus(contextA, 'failure', 'description 1', 'url 1')],
      expectedDiffs: [],
    },
    {
      name: 'unrelated contexts;missing context B',
      start: [
        makeStatus('unrelated context', 'success', 'description 2', 'url 2'),
        makeStatus(contextA, 'failure', 'description 1', 'url 1'),
        makeStatus('also not related', 'error', 'description 4', 'url 4'),
      ],
      expectedDiffs: [],
    },
    {
      name: 'missing context A',
      start: [makeStatus(contextB, 'failure', 'description 1', 'url 1')],
      expectedDiffs: [],
    },
    {
      name: 'unrelated contexts;missing context A',
      start: [
        makeStatus('unrelated context', 'success', 'description 2', 'url 2'),
        makeStatus('also not related', 'error', 'description 4', 'url 4'),
        makeStatus(contextB, 'success', 'description 3', 'url 3'),
      ],
      expectedDiffs: [],
    },
    { name: 'no contexts', start: [], expectedDiffs: [] },
  ]);
});

describe('TestRetireModeNoReplacement', () => {
  const desc = 'Context retired without replacement.';
  runModeCases(retireMode(contextA), [
    {
      name: 'simple',
      start: [makeStatus(contextA, 'failure', 'description 1', 'url 1')],
      expectedDiffs: [makeStatus(contextA, 'success', desc, '')],
    },
    {
      name: 'unrelated contexts',
      start: [
        makeStatus('unrelated context', 'success', 'description 2', 'url 2'),
        makeStatus(contextA, 'failure', 'description 1', 'url 1'),
        makeStatus('also not related', 'error', 'description 4', 'url 4'),
      ],
      expectedDiffs: [makeStatus(contextA, 'success', desc, '')],
    },
    { name: 'missing context A', start: [], expectedDiffs: [] },
    {
      name: 'unrelated contexts;missing context A',
      start: [
        makeStatus('unrelated context', 'success', 'description 2', 'url 2'),
        makeStatus('also not related', 'error', 'description 4', 'url 4'),
      ],
      expectedDiffs: [],
    },
    // Port cases.
    {
      // Our idempotence decision (Prow writes again, R20.6).
      name: 'port: already retired writes nothing',
      start: [makeStatus(contextA, 'success', desc, '')],
      expectedDiffs: [],
    },
    {
      name: 'port: a success with another description is still retired',
      start: [makeStatus(contextA, 'success', 'Job succeeded.', 'url 1')],
      expectedDiffs: [makeStatus(contextA, 'success', desc, '')],
    },
    {
      name: 'port: contexts compare case-sensitively',
      start: [makeStatus('Context A', 'failure', 'description 1', 'url 1')],
      expectedDiffs: [],
    },
  ]);
});

describe('latest statuses', () => {
  it('keeps the first status of a context and skips empty contexts (R20.7)', () => {
    const latest = latestStatuses([
      makeStatus('', 'failure', 'no context', ''),
      makeStatus(contextA, 'pending', 'newest', ''),
      makeStatus(contextA, 'failure', 'older', ''),
    ]);
    expect([...latest.keys()]).toEqual([contextA]);
    expect(latest.get(contextA)?.description).toBe('newest');
  });

  it('applies writes so that a later mode sees them', () => {
    const start = latestStatuses([makeStatus(contextA, 'failure', 'description 1', 'url 1')]);
    const afterMove = withWrites(start, moveMode(contextA, contextB).writes(start));
    expect(moveMode(contextA, contextB).writes(afterMove)).toEqual([]);
    expect(retireMode(contextA).writes(afterMove)).toEqual([
      makeStatus(contextA, 'success', 'Context retired without replacement.', ''),
    ]);
  });
});
