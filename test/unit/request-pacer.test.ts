import { describe, expect, it } from 'vitest';
import { RequestPacer } from '../../src/pagerduty/request-pacer.js';

/** A clock that only moves when the pacer sleeps: pacing is checked without real time. */
function fakeTime() {
  let now = 0;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
}

describe('RequestPacer', () => {
  it('spaces request starts to the rate, after the burst', async () => {
    const time = fakeTime();
    const pacer = new RequestPacer({ requestsPerMinute: 60, concurrency: 10, burst: 3, ...time });
    const starts: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const release = await pacer.acquire();
      starts.push(time.now());
      release();
    }
    expect(starts).toEqual([0, 0, 0, 1000, 2000, 3000]);
  });

  it('holds every caller back during a pause (a 429 seen by one of them)', async () => {
    const time = fakeTime();
    const pacer = new RequestPacer({ requestsPerMinute: 6000, concurrency: 10, ...time });
    pacer.pauseUntil(5000);
    const release = await pacer.acquire();
    expect(time.now()).toBeGreaterThanOrEqual(5000);
    release();
  });

  it('never lets more than `concurrency` requests run at once', async () => {
    const pacer = new RequestPacer({ requestsPerMinute: 1_000_000, concurrency: 2, burst: 100 });
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        const release = await pacer.acquire();
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running -= 1;
        release();
      }),
    );
    expect(peak).toBe(2);
  });

  it('gives up a queued slot when its signal aborts', async () => {
    const pacer = new RequestPacer({ requestsPerMinute: 1_000_000, concurrency: 1 });
    const held = await pacer.acquire();
    const controller = new AbortController();
    const waiting = pacer.acquire(controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    held();
    const next = await pacer.acquire();
    next();
  });
});
