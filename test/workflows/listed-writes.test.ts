import { listedWritesPerRepository } from '../../workflows/reconcile-change';

describe('listedWritesPerRepository', () => {
  it.each([
    // repositories, dry run, listed per repository
    [1, false, 50],
    [240, false, 50],
    [613, false, 19],
    [1_590, false, 7],
    [10_000, false, 5],
    [1, true, 1_000],
    [613, true, 32],
    [0, false, 50],
  ])('%i repositories (dry run %s): %i each', (repositories, dryRun, listed) => {
    expect(listedWritesPerRepository(repositories, dryRun)).toBe(listed);
  });

  it('keeps a change under ~12,000 listed writes (20,000 for a dry run) unless every repository is at the floor', () => {
    for (const repositories of [100, 613, 1_590, 2_399])
      expect(repositories * listedWritesPerRepository(repositories, false)).toBeLessThanOrEqual(12_000);
    expect(2_400 * listedWritesPerRepository(2_400, false)).toBe(12_000);
    expect(1_590 * listedWritesPerRepository(1_590, true)).toBeLessThanOrEqual(20_000);
  });
});
