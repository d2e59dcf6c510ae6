import { QuietSave } from '../../activities/quiet-save';

/**
 * The worker saves its config load cache only once no repository has been reconciled for a while, so a save's
 * short-lived buffers never add to a change run's peak memory; requests made meanwhile coalesce into one save.
 */
describe('QuietSave', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const setUp = () => {
    let saves = 0;
    const quiet = new QuietSave(async () => {
      saves++;
    }, 1_000);
    return { quiet, saves: () => saves };
  };

  it('saves once the quiet period has passed after a request', () => {
    const { quiet, saves } = setUp();
    quiet.request();
    jest.advanceTimersByTime(999);
    expect(saves()).toBe(0);
    jest.advanceTimersByTime(1);
    expect(saves()).toBe(1);
    jest.advanceTimersByTime(10_000);
    expect(saves()).toBe(1);
  });

  it('coalesces requests made before the save into one', () => {
    const { quiet, saves } = setUp();
    quiet.request();
    jest.advanceTimersByTime(500);
    quiet.request();
    jest.advanceTimersByTime(1_000);
    expect(saves()).toBe(1);
  });

  it('does not save while work runs, and saves a quiet period after the last work ends', async () => {
    const { quiet, saves } = setUp();
    const finish: (() => void)[] = [];
    const work = () => quiet.during(() => new Promise<void>((resolve) => finish.push(resolve)));
    const first = work();
    const second = work();
    quiet.request();
    jest.advanceTimersByTime(5_000);
    expect(saves()).toBe(0);
    finish[0]?.();
    await first;
    jest.advanceTimersByTime(5_000);
    expect(saves()).toBe(0); // the second is still running
    finish[1]?.();
    await second;
    jest.advanceTimersByTime(999);
    expect(saves()).toBe(0);
    jest.advanceTimersByTime(1);
    expect(saves()).toBe(1);
  });

  it('does not save when nothing asked for it, however much work ends', async () => {
    const { quiet, saves } = setUp();
    await quiet.during(async () => undefined);
    jest.advanceTimersByTime(10_000);
    expect(saves()).toBe(0);
  });
});
