import {
  branchersIntersect,
  contextRequired,
  hasChangeFilter,
  needsExplicitTrigger,
  runsForChanges,
  runsOnBranch,
} from '../../src/config/presubmit-index/presubmit';
import { compileRe2, matchesUnanchored } from '../../src/config/go/re2';
import type { Brancher, ChangeMatcher } from '../../src/config/types';

/** The predicates of src/config/presubmit-index/presubmit.ts, Prow's jobs.go (spec §6, R16, Q12). */

describe('contextRequired (blocking)', () => {
  it.each([
    [{ optional: false, skip_report: false }, true],
    [{ optional: true, skip_report: false }, false],
    [{ optional: false, skip_report: true }, false],
    [{ optional: true, skip_report: true }, false],
  ])('%j -> %s', (p, expected) => expect(contextRequired(p)).toBe(expected));
});

describe('hasChangeFilter and needsExplicitTrigger', () => {
  it.each<[{ always_run: boolean } & ChangeMatcher, boolean, boolean]>([
    [{ always_run: false }, false, true],
    [{ always_run: true }, false, false],
    [{ always_run: false, run_if_changed: '^docs/' }, true, false],
    [{ always_run: false, skip_if_only_changed: '\\.md$' }, true, false],
    [{ always_run: false, run_if_changed: '' }, false, true],
  ])('%j: change filter %s, explicit trigger %s', (p, filter, explicit) => {
    expect(hasChangeFilter(p)).toBe(filter);
    expect(needsExplicitTrigger(p)).toBe(explicit);
  });
});

describe('runsOnBranch (unanchored RE2, Q12)', () => {
  const cases: [Brancher, string, boolean][] = [
    [{}, 'anything', true],
    [{ branches: ['main'] }, 'main', true],
    [{ branches: ['main'] }, 'main-foo', true],
    [{ branches: ['main'] }, 'not-main', true],
    [{ branches: ['main'] }, 'master', false],
    [{ branches: ['^main$'] }, 'main-foo', false],
    [{ branches: ['main', 'release-.*'] }, 'release-1.30', true],
    [{ skip_branches: ['^release-1\\.0$'] }, 'release-1.0', false],
    [{ skip_branches: ['^release-1\\.0$'] }, 'release-1.01', true],
    [{ branches: ['release'], skip_branches: ['release-1'] }, 'release-1.2', false],
    [{ branches: ['(?i)MAIN'] }, 'main', true],
    [{ branches: ['^main\\z'] }, 'main', true],
    [{ branches: ['^[[:alpha:]]+$'] }, 'main', true],
    [{ branches: ['^\\pL+$'] }, 'mäin', true],
  ];
  it.each(cases)('%j on %s -> %s', (b, branch, expected) => expect(runsOnBranch(b, branch)).toBe(expected));
});

describe('runsForChanges', () => {
  const cases: [ChangeMatcher, string[], boolean][] = [
    [{ run_if_changed: '^docs/' }, ['docs/a.md'], true],
    [{ run_if_changed: '^docs/' }, ['src/docs/a.md'], false],
    [{ run_if_changed: 'docs/' }, ['src/docs/a.md'], true],
    [{ run_if_changed: '\\.go$' }, ['README.md', 'main.go'], true],
    [{ run_if_changed: '\\.go$' }, [], false],
    [{ skip_if_only_changed: '\\.md$' }, ['README.md'], false],
    [{ skip_if_only_changed: '\\.md$' }, ['README.md', 'main.go'], true],
    [{ skip_if_only_changed: '\\.md$' }, [], false],
    [{}, ['main.go'], false],
  ];
  it.each(cases)('%j with %j -> %s', (m, files, expected) => expect(runsForChanges(m, files)).toBe(expected));
});

describe('branchersIntersect compares branch names literally', () => {
  it('does not consider regex overlap between two branch lists (V9)', () => {
    expect(branchersIntersect({ branches: ['main'] }, { branches: ['ma.*'] })).toBe(false);
    expect(branchersIntersect({ branches: ['main'] }, { branches: ['main', 'dev'] })).toBe(true);
  });
});

describe('Go RE2 syntax (Q12)', () => {
  it.each([
    '(?i)main',
    'a\\z',
    '[[:alpha:]]',
    '\\pL',
    '(?m)^/test( | .* )x,?($|\\s.*)',
    '(?P<name>x)',
    '\\Qa.b\\E',
  ])('accepts %s', (pattern) => expect(() => compileRe2(pattern)).not.toThrow());

  it.each([
    ['(?<=a)b', 'error parsing regexp: invalid named capture: `(?<=a)b`'],
    ['(a)\\1', 'error parsing regexp: invalid escape sequence: `\\1`'],
    ['(?!a)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?!`'],
    ['a**', 'error parsing regexp: invalid nested repetition operator: `**`'],
    ['(abc', 'error parsing regexp: missing closing ): `(abc`'],
  ])('rejects %s (JavaScript-only or invalid)', (pattern, message) => {
    expect(() => compileRe2(pattern)).toThrow(message);
  });

  it('matches unanchored like Go regexp.MatchString', () => {
    expect(matchesUnanchored('b', 'abc')).toBe(true);
    expect(matchesUnanchored('^b', 'abc')).toBe(false);
  });
});
