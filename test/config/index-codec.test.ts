import { gzipSync } from 'node:zlib';
import { ConfigInvalidError } from '../../src/config/errors';
import { readStoredIndex, toWireIndex } from '../../src/config/presubmit-index/index-codec';
import { buildPresubmitIndex } from '../../src/config/presubmit-index/index-model';

/**
 * The presubmit index as workflow inputs, results and the controller's state carry it: plain JSON with the
 * defaults left out (readable in the Web UI), read back exactly; and the gzip+base64 string that histories
 * and controllers from before carry, still read.
 */
const index = buildPresubmitIndex(
  {
    'org/repo': [
      { name: 'pull-unit', context: 'pull-unit', always_run: true, optional: false, skip_report: false },
      {
        name: 'pull-e2e',
        context: 'ci/e2e',
        always_run: false,
        optional: true,
        skip_report: true,
        run_if_changed: '^src/',
        branches: ['main'],
      },
    ],
    'org/other': [
      {
        name: 'pull-lint',
        context: 'pull-lint',
        always_run: false,
        optional: false,
        skip_report: false,
        skip_branches: ['release-.*'],
      },
    ],
  },
  'v1.2.3',
);

describe('the presubmit index on the wire', () => {
  it('leaves out a context equal to the name and every false boolean', () => {
    expect(toWireIndex(index)).toEqual({
      revision: index.revision,
      configVersion: 'v1.2.3',
      repos: {
        'org/other': [{ name: 'pull-lint', skip_branches: ['release-.*'] }],
        'org/repo': [
          { name: 'pull-unit', always_run: true },
          {
            name: 'pull-e2e',
            context: 'ci/e2e',
            optional: true,
            skip_report: true,
            run_if_changed: '^src/',
            branches: ['main'],
          },
        ],
      },
    });
  });

  it('reads back to the same index, revision checked', () => {
    expect(readStoredIndex(JSON.parse(JSON.stringify(toWireIndex(index))))).toEqual(index);
  });

  it('reads the legacy gzip+base64 string of older controllers and histories', () => {
    const blob = gzipSync(JSON.stringify(index)).toString('base64');
    expect(readStoredIndex(blob)).toEqual(index);
  });

  it.each([
    [
      'a wrong type',
      (w: Record<string, unknown>) =>
        ((w.repos as Record<string, { optional?: unknown }[]>)['org/repo']![1]!.optional = 'yes'),
      'presubmit index: pull-e2e: optional: must be a boolean',
    ],
    [
      'a content that no longer matches its revision',
      (w: Record<string, unknown>) =>
        ((w.repos as Record<string, { name: string }[]>)['org/repo']![0]!.name = 'pull-x'),
      'presubmit index: revision: stored revision',
    ],
    [
      'a regex that does not compile',
      (w: Record<string, unknown>) =>
        ((w.repos as Record<string, { run_if_changed?: string }[]>)['org/repo']![1]!.run_if_changed = '('),
      'could not set change regexes for pull-e2e',
    ],
  ])('refuses %s with ConfigInvalidError naming the field', (_name, spoil, message) => {
    const wire = JSON.parse(JSON.stringify(toWireIndex(index))) as Record<string, unknown>;
    spoil(wire);
    expect(() => readStoredIndex(wire)).toThrow(ConfigInvalidError);
    expect(() => readStoredIndex(wire)).toThrow(message);
  });
});
