import { listedWritesPerRepository } from '../../workflows/reconcile-change';

describe('listedWritesPerRepository', () => {
  it.each([
    // repositories, dry run, listed per repository
    [1, false, 50],
    [400, false, 50],
    [613, false, 32],
    [1_590, false, 12],
    [10_000, false, 5],
    [1, true, 1_000],
    [613, true, 65],
    [0, false, 50],
  ])('%i repositories (dry run %s): %i each', (repositories, dryRun, listed) => {
    expect(listedWritesPerRepository(repositories, dryRun)).toBe(listed);
  });

  it('keeps a change under ~20,000 listed writes (40,000 for a dry run) unless every repository is at the floor', () => {
    for (const repositories of [100, 613, 1_590, 3_999])
      expect(repositories * listedWritesPerRepository(repositories, false)).toBeLessThanOrEqual(20_000);
    expect(4_000 * listedWritesPerRepository(4_000, false)).toBe(20_000);
    expect(2_000 * listedWritesPerRepository(2_000, true)).toBeLessThanOrEqual(40_000);
  });
});
