import { backoffDelay, prowJobCreateBackoff, sleep } from '../../src/kubernetes/backoff';

describe("Prow's ProwJob creation backoff (R18.3: 250 ms, factor 2, jitter 0.1, 8 steps)", () => {
  it('sleeps 250 ms doubling, between the 8 attempts', () => {
    const nominal = [1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffDelay(prowJobCreateBackoff, attempt, 0));
    expect(nominal).toEqual([250, 500, 1000, 2000, 4000, 8000, 16000]);
    expect(prowJobCreateBackoff.steps).toBe(8);
  });

  it.each([
    [0, 1000],
    [0.5, 1050],
    [0.999, 1099.9],
  ])(
    'stretches each sleep by random × jitter: random %p gives %p ms on the third sleep',
    (random, expected) => {
      expect(backoffDelay(prowJobCreateBackoff, 3, random)).toBeCloseTo(expected, 6);
    },
  );

  it('sleeps, and rejects at once with the reason when aborted', async () => {
    const started = Date.now();
    await sleep(20);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    const controller = new AbortController();
    const pending = sleep(60_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    await expect(sleep(10, AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });
});
