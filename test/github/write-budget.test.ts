import { WriteBudget, workerWriteBudget } from '../../src/github/write-budget';
import { OptionsError, parseWriteBudget } from '../../src/options';

/** A fake clock whose sleep advances time, so budgets are tested exactly and instantly. */
function fakeClock(): { now: () => number; sleep: (ms: number) => Promise<void>; slept: number[] } {
  let t = 1_000_000;
  const slept: number[] = [];
  return {
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
    slept,
  };
}

describe('WriteBudget', () => {
  it('admits writes until a window is full, then waits for the oldest write to leave it', async () => {
    const clock = fakeClock();
    const budget = new WriteBudget([{ limit: 3, windowMs: 60_000 }], clock.now, clock.sleep);
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      await budget.run(async () => undefined);
      times.push(clock.now());
    }
    const start = times[0] as number;
    expect(times.map((t) => t - start)).toEqual([0, 0, 0, 60_000, 60_000, 60_000, 120_000]);
  });

  it('honours every window: the hourly one binds after the per-minute one', async () => {
    const clock = fakeClock();
    const budget = new WriteBudget(
      [
        { limit: 2, windowMs: 60_000 },
        { limit: 3, windowMs: 3_600_000 },
      ],
      clock.now,
      clock.sleep,
    );
    const start = clock.now();
    for (let i = 0; i < 4; i++) await budget.run(async () => undefined);
    // Two in the first minute, one in the second, the fourth only when the first leaves the hour.
    expect(clock.now() - start).toBe(3_600_000);
  });

  it('admits concurrent callers one at a time, in order', async () => {
    const clock = fakeClock();
    const budget = new WriteBudget([{ limit: 1, windowMs: 1_000 }], clock.now, clock.sleep);
    const order: number[] = [];
    await Promise.all([1, 2, 3].map((n) => budget.run(async () => order.push(n))));
    expect(order).toEqual([1, 2, 3]);
    // One per second at most: the second and third each wait for the previous answer to leave the window
    // (with this fake clock the answers arrive while the waiter's sleep advances time, so up to 2 s each).
    const waited = clock.slept.reduce((a, b) => a + b, 0);
    expect(waited).toBeGreaterThanOrEqual(2_000);
    expect(waited).toBeLessThanOrEqual(4_000);
  });

  it.each([
    [1, 70, 450],
    [2, 35, 225],
    [3, 23, 150],
  ])('gives each of %i workers its share of the deployment budget', (workerReplicas, perMinute, perHour) => {
    const budget = workerWriteBudget({ writeBudget: parseWriteBudget('70/1m,450/1h'), workerReplicas });
    expect(budget.windows).toEqual([
      { limit: perMinute, windowMs: 60_000 },
      { limit: perHour, windowMs: 3_600_000 },
    ]);
  });

  it.each(['', '70', '70/', '0/1m', 'x/1m', '70/1 minute'])('rejects the flag value %j', (text) => {
    expect(() => parseWriteBudget(text)).toThrow(OptionsError);
  });

  it('counts a write at its answer: a slow write keeps its slot until it is answered', async () => {
    const clock = fakeClock();
    const budget = new WriteBudget([{ limit: 1, windowMs: 1_000 }], clock.now, clock.sleep);
    const start = clock.now();
    await budget.run(() => clock.sleep(5_000)); // answered 5 s after admission
    await budget.run(async () => undefined);
    expect(clock.now() - start).toBe(6_000);
  });

  it('rejects a window that admits nothing', () => {
    expect(() => new WriteBudget([{ limit: 0, windowMs: 1000 }])).toThrow(/invalid write budget window/);
  });
});
