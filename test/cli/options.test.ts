import { OptionsError, readOptions } from '../../src/options';

const read = (...flags: string[]) => readOptions(['--config-path=/etc/config/config.yaml', ...flags], {});

describe('blast-radius guard flags', () => {
  it('defaults: 10% of all presubmits, 500 contexts, 50% of one repository', () => {
    expect(read().guard).toMatchObject({
      enabled: true,
      maxRemovedFraction: 0.1,
      maxRemovedContexts: 500,
      maxRepoRemovedFraction: 0.5,
    });
  });

  it('reads each limit; a count of 0 means no count limit', () => {
    expect(
      read(
        '--blast-radius-max-removed-fraction=0.2',
        '--blast-radius-max-removed-contexts=0',
        '--blast-radius-max-repo-removed-fraction=1',
      ).guard,
    ).toMatchObject({ maxRemovedFraction: 0.2, maxRemovedContexts: 0, maxRepoRemovedFraction: 1 });
  });

  it.each([
    [
      '--blast-radius-max-removed-contexts=-1',
      'invalid value -1 for flag -blast-radius-max-removed-contexts: must be at least 0',
    ],
    [
      '--blast-radius-max-removed-fraction=1.5',
      'invalid value 1.5 for flag -blast-radius-max-removed-fraction: must be between 0 and 1',
    ],
  ])('refuses %s', (flag, message) => {
    expect(() => read(flag)).toThrow(new OptionsError(message));
  });
});

describe('--github-read-api', () => {
  it.each([
    [[], 'graphql'],
    [['--github-read-api=rest'], 'rest'],
    [['--github-read-api=graphql'], 'graphql'],
  ])('%j reads repositories over %s', (flags, readApi) => {
    expect(read(...flags).github.readApi).toBe(readApi);
  });

  it('refuses anything else', () => {
    expect(() => read('--github-read-api=v4')).toThrow(
      new OptionsError('invalid value "v4" for flag -github-read-api: want graphql or rest'),
    );
  });
});

describe('config watcher flags', () => {
  it('defaults: a poll every 5 s when file events fail, a backstop scan every 60 s while they work', () => {
    expect(read()).toMatchObject({ configPollIntervalMs: 5_000, configBackstopIntervalMs: 60_000 });
    expect(read('--config-backstop-interval=10m').configBackstopIntervalMs).toBe(600_000);
  });

  it('refuses a backstop of 0, which would rescan continuously', () => {
    expect(() => read('--config-backstop-interval=0s')).toThrow(
      new OptionsError('invalid value 0 for flag -config-backstop-interval: must be at least 1'),
    );
  });
});
